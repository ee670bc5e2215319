// selfreward/eval.h: measuring a model's two skills on the held-out sets, with the oracle as
// the truth (the oracle never trains anything; it only measures).
//
//   instruction following  the model answers every held-out prompt GREEDILY (temperature 0,
//                          the same answer every time), the oracle scores each answer 0..5.
//   reward modelling       the model judges every response of every held-out ranking with the
//                          judge prompt (judge() in common.h); its average parsed score is
//                          compared with the oracle's scores by reward_model_metrics().
//
// Each evaluation is split in two: generation with the model (eval_*) and a pure scoring step
// (score_*) that the eval_* functions call and that tests can feed with hand-made answers.
//
// NaN cases (any model, trained or not, gives numbers; NaN only where nothing is defined):
//   IfEval      oracle_mean, exact_pct, mean_len, finished_pct are NaN when there are no prompts.
//   RmEval      a response whose judgements all failed to parse has judge score NaN ("missing":
//               wrong in pairwise accuracy and exact match, skipped by the rank correlations,
//               see metrics.h). An untrained judge that never parses gives pairwise 0,
//               exact match 0, Spearman 0, Kendall 0, five_best NaN (nothing judged 5),
//               parse_fail_pct 100. parse_fail_pct is NaN only when there are no judgements.
//               With no items at all, every metric is NaN (metrics.h).
//   mean_response_chars  NaN for an empty list.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/world.h"
#include "selfreward/common.h"
#include "selfreward/metrics.h"

namespace sr {

// ---------------------------------------------------------------------------------------
// instruction following

struct IfEval {
    double oracle_mean = 0;    // mean oracle score, 0..5
    double exact_pct = 0;      // % of prompts where the oracle says "expert" (score 5: the bare gold answer)
    double mean_len = 0;       // mean response length in characters (end token excluded)
    double finished_pct = 0;   // % of responses that ended with <|end|> (not cut at max tokens)
    std::vector<double> scores;            // (N,) oracle score per held-out prompt, in order
    std::vector<std::string> responses;    // (N,) the model's responses, in order
};

// Greedy answers (batched via respond()), scored by the oracle. Deterministic.
IfEval eval_instruction_following(const LM& lm, const std::vector<data::HeldoutIf>& prompts, int max_new_tokens = 32);

// The scoring half: responses[i] / finished[i] answer prompts[i]. Throws when a prompt is not
// a task of the world (the oracle cannot score it: the held-out file and the code disagree).
IfEval score_instruction_following(const std::vector<data::HeldoutIf>& prompts, const std::vector<Response>& responses);

// ---------------------------------------------------------------------------------------
// reward modelling

struct RmEval {
    RewardModelMetrics metrics;           // against the oracle's scores of the held-out file
    double parse_fail_pct = 0;            // % of single judgements with no "Score: k" (or cut off)
    std::vector<std::vector<double>> judge_scores;  // [item][response] average parsed score, NaN = missing
};

// samples = 1: one GREEDY judgement per response (temperature 0). samples > 1: that many
// sampled judgements (T = 0.7, top-p = 0.9, as the paper's judging step), averaged over the
// ones that parse. seed fixes the sampling. max_new_tokens bounds each judgement (ours is
// six short lines: "relevant: yes" ... "Score: k").
RmEval eval_reward_modelling(const LM& lm, const std::vector<data::HeldoutRm>& items, int samples = 1, uint64_t seed = 0,
                             int max_new_tokens = 64);

// The scoring half: judgements[k][r][s] = parsed score of sample s of response r of item k
// (nullopt = did not parse). Sizes must match the items (throws otherwise).
RmEval score_reward_modelling(const std::vector<data::HeldoutRm>& items,
                              const std::vector<std::vector<std::vector<std::optional<int>>>>& judgements);

// Mean length in characters; NaN for an empty list.
double mean_response_chars(const std::vector<std::string>& responses);

}  // namespace sr
