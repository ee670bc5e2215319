// selfreward/eval.cpp: held-out evaluation of instruction following and reward modelling;
// definitions and NaN cases in eval.h.
#include "selfreward/eval.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "data/oracle.h"

namespace sr {

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double mean_response_chars(const std::vector<std::string>& responses) {
    if (responses.empty()) return kNaN;
    double total = 0;
    for (const std::string& r : responses) total += static_cast<double>(r.size());
    return total / static_cast<double>(responses.size());
}

// ---------------------------------------------------------------------------------------
// instruction following

IfEval score_instruction_following(const std::vector<data::HeldoutIf>& prompts, const std::vector<Response>& responses) {
    if (prompts.size() != responses.size())
        throw std::runtime_error("score_instruction_following: " + std::to_string(prompts.size()) + " prompts but " +
                                 std::to_string(responses.size()) + " responses. HINT: one response per prompt, in order.");
    IfEval e;
    long exact = 0, finished = 0;
    double total = 0;
    for (size_t i = 0; i < prompts.size(); i++) {
        const data::OracleResult r = data::oracle(prompts[i].prompt, responses[i].text, responses[i].finished);
        if (!r.parsed)
            throw std::runtime_error("score_instruction_following: held-out prompt " + std::to_string(i) + " (\"" +
                                     prompts[i].prompt +
                                     "\") is not a task of this world. HINT: regenerate the held-out files with the "
                                     "current data/ code (./sr world --force).");
        e.scores.push_back(r.score);
        e.responses.push_back(responses[i].text);
        total += r.score;
        exact += r.expert;
        finished += responses[i].finished;
    }
    const double n = static_cast<double>(prompts.size());
    e.oracle_mean = prompts.empty() ? kNaN : total / n;
    e.exact_pct = prompts.empty() ? kNaN : 100.0 * exact / n;
    e.finished_pct = prompts.empty() ? kNaN : 100.0 * finished / n;
    e.mean_len = mean_response_chars(e.responses);
    return e;
}

IfEval eval_instruction_following(const LM& lm, const std::vector<data::HeldoutIf>& prompts, int max_new_tokens) {
    SampleOptions opt;
    opt.temperature = 0.0;  // greedy: the model's single best answer, reproducible
    opt.max_new_tokens = max_new_tokens;
    std::vector<std::string> users;
    for (const data::HeldoutIf& p : prompts) users.push_back(p.prompt);
    Rng rng(0);  // unused by greedy decoding; respond() needs one
    return score_instruction_following(prompts, respond(lm, users, opt, rng));
}

// ---------------------------------------------------------------------------------------
// reward modelling

RmEval score_reward_modelling(const std::vector<data::HeldoutRm>& items,
                              const std::vector<std::vector<std::vector<std::optional<int>>>>& judgements) {
    if (items.size() != judgements.size())
        throw std::runtime_error("score_reward_modelling: " + std::to_string(items.size()) + " items but " +
                                 std::to_string(judgements.size()) + " judgement lists. HINT: one list per item, in order.");
    RmEval e;
    std::vector<RankedItem> ranked;
    long total = 0, failed = 0;
    for (size_t k = 0; k < items.size(); k++) {
        const data::HeldoutRm& item = items[k];
        if (item.responses.size() != item.scores.size() || judgements[k].size() != item.responses.size())
            throw std::runtime_error("score_reward_modelling: item " + std::to_string(k) + " has " +
                                     std::to_string(item.responses.size()) + " responses, " +
                                     std::to_string(item.scores.size()) + " true scores and " +
                                     std::to_string(judgements[k].size()) +
                                     " judged responses. HINT: one score and one judgement list per response.");
        RankedItem r;
        for (size_t i = 0; i < item.responses.size(); i++) {
            r.truth.push_back(item.scores[i]);
            double sum = 0;
            int parsed = 0;
            for (const std::optional<int>& s : judgements[k][i]) {
                total++;
                if (s) sum += *s, parsed++;
                else failed++;  // an unparsed judgement is dropped, never counted as 0
            }
            r.judge.push_back(parsed > 0 ? sum / parsed : kNaN);
        }
        e.judge_scores.push_back(r.judge);
        ranked.push_back(std::move(r));
    }
    e.metrics = reward_model_metrics(ranked);
    e.parse_fail_pct = total > 0 ? 100.0 * failed / total : kNaN;
    return e;
}

RmEval eval_reward_modelling(const LM& lm, const std::vector<data::HeldoutRm>& items, int samples, uint64_t seed,
                             int max_new_tokens) {
    if (samples < 1)
        throw std::runtime_error("eval_reward_modelling: samples = " + std::to_string(samples) +
                                 ". HINT: judge each response at least once.");
    SampleOptions opt;
    opt.max_new_tokens = max_new_tokens;
    if (samples == 1) {
        opt.temperature = 0.0;  // one judgement: the greedy one
    } else {
        opt.temperature = 0.7;  // several: sampled like the loop's judging step, then averaged
        opt.top_p = 0.9;
    }
    // Every response of every item, flattened, judged in one batched call.
    std::vector<std::string> instructions, responses;
    for (const data::HeldoutRm& item : items)
        for (const std::string& r : item.responses) {
            instructions.push_back(item.prompt);
            responses.push_back(r);
        }
    Rng rng(seed);
    const std::vector<std::vector<std::optional<int>>> flat = judge(lm, instructions, responses, samples, opt, rng);
    std::vector<std::vector<std::vector<std::optional<int>>>> nested;
    size_t next = 0;
    for (const data::HeldoutRm& item : items) {
        nested.emplace_back();
        for (size_t i = 0; i < item.responses.size(); i++) nested.back().push_back(flat[next++]);
    }
    return score_reward_modelling(items, nested);
}

}  // namespace sr
