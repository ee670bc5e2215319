// selfreward/gap.h: the generation-verification gap (Song et al., "Mind the Gap", 2025),
// measured on the model's own samples before a round is run.
//
// For each dev prompt the model writes N samples; the oracle scores each (0..5) and the
// model's own judge scores each. Per prompt:
//   mean        the mean oracle score of the N samples (what sampling gives on average)
//   greedy      the oracle score of the greedy answer (what the evaluation measures)
//   judge_pick  the oracle score of the sample the self-judge scores highest (best-of-N by the
//               model's own judge; among equal judge scores, the mean of the tied samples:
//               the expected value of picking one of them at random)
//   oracle_best the best oracle score among the N samples (what a perfect judge would pick)
//   gap         judge_pick - mean: what self-judging can add over sampling. A round of
//               self-rewarding can only teach the model what this number says its judge sees.
// and the judge's within-prompt accuracy: over every pair of samples of one prompt whose
// oracle scores differ, the fraction the judge orders the same way (a judge tie counts half:
// chance is 50% whatever the tie rate, which is reported beside it).
// Exact% versions count oracle score 5 (the bare gold answer). Intervals: 95%, t over prompts.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "selfreward/common.h"

namespace sr {

// One prompt's samples, scored both ways.
struct GapItem {
    std::string family;
    std::vector<double> oracle;               // per sample, 0..5
    std::vector<std::optional<double>> judge;  // per sample; nullopt: the judge gave no score
    double greedy = 0;                         // oracle score of the greedy answer
};

struct GapRow {
    std::string family;  // "all" for every prompt together
    long prompts = 0;
    double mean = 0, greedy = 0, judge_pick = 0, oracle_best = 0;            // oracle score 0..5
    double mean_exact = 0, greedy_exact = 0, pick_exact = 0, best_exact = 0;  // % with score 5
    double gap = 0, gap_lo = 0, gap_hi = 0;                                    // judge_pick - mean, 95% interval
    long judge_pairs = 0;                     // sample pairs with different oracle scores
    double judge_acc = 0, judge_tie_pct = 0;  // % ordered like the oracle (ties half), % judge ties
    double identical_pct = 0;                 // % of prompts whose N samples are all the same oracle score
};

// Pure: the table above from scored items (rows per family in first-seen order, then "all").
std::vector<GapRow> compute_gap(const std::vector<GapItem>& items);
nlohmann::json gap_to_json(const std::vector<GapRow>& rows);
std::string gap_table(const std::vector<GapRow>& rows);  // plain-text table, one line per row

// How the model judges (the loop's judge stage and the gap use the same spec).
//   "sample"   the paper: `samples` sampled judgements at `temperature`, parsed scores averaged
//   "greedy"   one judgement at temperature 0
//   "expected" judge_expected(): the expected score under the model's own probabilities
struct JudgeSpec {
    std::string mode = "sample";
    int samples = 3;
    double temperature = 0.7, top_p = 0.9;
    int max_tokens = 48;
};
// One score per (instruction, response) (nullopt where no judgement parsed), the texts of the
// sampled judgements in `texts` (empty lists for "expected").
std::vector<std::optional<double>> judge_scores(const LM& lm, const std::vector<std::string>& instructions,
                                                const std::vector<std::string>& responses, const JudgeSpec& spec, Rng& rng,
                                                std::vector<std::vector<std::string>>* texts = nullptr,
                                                std::vector<std::vector<std::optional<int>>>* parsed = nullptr);

struct GapOptions {
    int samples = 8;                // N per prompt
    double temperature = 1.0, top_p = 1.0;
    int max_response_tokens = 32;
    JudgeSpec judge;
    uint64_t seed = 1;
};
// Samples, judges and scores every prompt (prompts must parse as world tasks; others are
// skipped), then compute_gap.
std::vector<GapItem> measure_gap(const LM& lm, const std::vector<std::string>& prompts, const GapOptions& opt);

}  // namespace sr
