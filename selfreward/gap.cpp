// selfreward/gap.cpp: the generation-verification gap on a model's own samples; see gap.h.
#include "selfreward/gap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "data/oracle.h"
#include "selfreward/pairs.h"
#include "selfreward/stats.h"

namespace sr {

using json = nlohmann::json;

// The oracle score of the judge's pick: the mean over the samples tied at the judge's top
// score (unscored samples are never picked; with none scored, the mean of all samples).
static double judge_pick(const GapItem& it) {
    double top = -INFINITY;
    for (const auto& j : it.judge)
        if (j) top = std::max(top, *j);
    double sum = 0, n = 0;
    for (size_t s = 0; s < it.oracle.size(); s++)
        if (!std::isfinite(top) || (it.judge[s] && *it.judge[s] == top)) sum += it.oracle[s], n++;
    return sum / n;
}
static double pick_exact(const GapItem& it) {  // the same, on "score 5" as 0/1
    GapItem e = it;
    for (double& o : e.oracle) o = o == 5 ? 1 : 0;
    return judge_pick(e);
}

static GapRow summarise(const std::string& family, const std::vector<const GapItem*>& items) {
    GapRow r;
    r.family = family;
    r.prompts = static_cast<long>(items.size());
    std::vector<double> gaps;
    double agree = 0, ties = 0;
    long identical = 0;
    for (const GapItem* it : items) {
        const size_t n = it->oracle.size();
        double mean = 0, mean_exact = 0, best = 0;
        for (double o : it->oracle) mean += o / n, mean_exact += (o == 5 ? 100.0 : 0.0) / n, best = std::max(best, o);
        const double pick = judge_pick(*it);
        r.mean += mean, r.mean_exact += mean_exact, r.oracle_best += best, r.best_exact += best == 5 ? 100 : 0;
        r.greedy += it->greedy, r.greedy_exact += it->greedy == 5 ? 100 : 0;
        r.judge_pick += pick, r.pick_exact += 100 * pick_exact(*it);
        gaps.push_back(pick - mean);
        bool all_same = true;
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++) {
                if (it->oracle[a] == it->oracle[b]) continue;
                all_same = false;
                r.judge_pairs++;
                const std::optional<double> ja = it->judge[a], jb = it->judge[b];
                if (!ja || !jb || *ja == *jb) {  // no order from the judge: half credit, like a coin
                    agree += 0.5, ties += 1;
                    continue;
                }
                agree += ((*ja > *jb) == (it->oracle[a] > it->oracle[b])) ? 1 : 0;
            }
        identical += all_same;
    }
    const double np = std::max<long>(1, r.prompts);
    for (double* x : {&r.mean, &r.greedy, &r.judge_pick, &r.oracle_best, &r.mean_exact, &r.greedy_exact, &r.pick_exact, &r.best_exact}) *x /= np;
    const stats::Interval iv = stats::mean_ci95(gaps);
    r.gap = iv.mean, r.gap_lo = iv.lo, r.gap_hi = iv.hi;
    r.judge_acc = r.judge_pairs ? 100.0 * agree / r.judge_pairs : NAN;
    r.judge_tie_pct = r.judge_pairs ? 100.0 * ties / r.judge_pairs : NAN;
    r.identical_pct = r.prompts ? 100.0 * identical / r.prompts : NAN;
    return r;
}

std::vector<GapRow> compute_gap(const std::vector<GapItem>& items) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const GapItem*>> by_family;
    std::vector<const GapItem*> all;
    for (const GapItem& it : items) {
        if (it.oracle.empty() || it.oracle.size() != it.judge.size())
            throw std::invalid_argument("compute_gap: an item needs N >= 1 samples with one judge score (or none) each");
        if (!by_family.count(it.family)) order.push_back(it.family);
        by_family[it.family].push_back(&it);
        all.push_back(&it);
    }
    std::vector<GapRow> rows;
    for (const std::string& f : order) rows.push_back(summarise(f, by_family[f]));
    rows.push_back(summarise("all", all));
    return rows;
}

static json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

json gap_to_json(const std::vector<GapRow>& rows) {
    json out = json::array();
    for (const GapRow& r : rows)
        out.push_back(json{{"family", r.family}, {"prompts", r.prompts}, {"mean", num(r.mean)}, {"greedy", num(r.greedy)},
                           {"judge_pick", num(r.judge_pick)}, {"oracle_best", num(r.oracle_best)}, {"mean_exact", num(r.mean_exact)},
                           {"greedy_exact", num(r.greedy_exact)}, {"pick_exact", num(r.pick_exact)}, {"best_exact", num(r.best_exact)},
                           {"gap", num(r.gap)}, {"gap_lo", num(r.gap_lo)}, {"gap_hi", num(r.gap_hi)}, {"judge_pairs", r.judge_pairs},
                           {"judge_acc", num(r.judge_acc)}, {"judge_tie_pct", num(r.judge_tie_pct)}, {"identical_pct", num(r.identical_pct)}});
    return out;
}

std::string gap_table(const std::vector<GapRow>& rows) {
    std::string s;
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-13s %4s %6s %6s %6s %6s  %-22s %6s %6s %6s %6s %6s\n", "family", "n", "mean", "greedy", "pick",
                  "best", "gap [95%]", "exact", "pick%", "best%", "judge%", "ties%");
    s += buf;
    for (const GapRow& r : rows) {
        char iv[64];
        std::snprintf(iv, sizeof iv, "%+.2f [%+.2f, %+.2f]", r.gap, r.gap_lo, r.gap_hi);
        std::snprintf(buf, sizeof buf, "  %-13s %4ld %6.2f %6.2f %6.2f %6.2f  %-22s %6.1f %6.1f %6.1f %6.1f %6.1f\n", r.family.c_str(),
                      r.prompts, r.mean, r.greedy, r.judge_pick, r.oracle_best, iv, r.mean_exact, r.pick_exact, r.best_exact, r.judge_acc,
                      r.judge_tie_pct);
        s += buf;
    }
    return s;
}

std::vector<std::optional<double>> judge_scores(const LM& lm, const std::vector<std::string>& instructions,
                                                const std::vector<std::string>& responses, const JudgeSpec& spec, Rng& rng,
                                                std::vector<std::vector<std::string>>* texts,
                                                std::vector<std::vector<std::optional<int>>>* parsed) {
    std::vector<std::optional<double>> out(instructions.size());
    if (spec.mode == "expected") {
        const std::vector<double> e = judge_expected(lm, instructions, responses);
        for (size_t i = 0; i < e.size(); i++) out[i] = e[i];
        if (texts) texts->assign(instructions.size(), {});
        if (parsed) parsed->assign(instructions.size(), {});
        return out;
    }
    if (spec.mode != "sample" && spec.mode != "greedy")
        throw std::runtime_error("judge mode '" + spec.mode + "' is not one of sample, greedy, expected");
    SampleOptions so;
    so.temperature = spec.mode == "greedy" ? 0.0 : spec.temperature;
    so.top_p = spec.top_p, so.max_new_tokens = spec.max_tokens;
    const int samples = spec.mode == "greedy" ? 1 : spec.samples;
    std::vector<std::vector<std::optional<int>>> scores = judge(lm, instructions, responses, samples, so, rng, texts);
    for (size_t i = 0; i < scores.size(); i++) {
        std::vector<int> ok;
        for (const auto& s : scores[i])
            if (s) ok.push_back(*s);
        out[i] = mean_parsed_score(ok);  // nullopt when nothing parsed
    }
    if (parsed) *parsed = std::move(scores);
    return out;
}

std::vector<GapItem> measure_gap(const LM& lm, const std::vector<std::string>& prompts_in, const GapOptions& opt) {
    std::vector<std::string> prompts;
    std::vector<std::string> families;
    for (const std::string& p : prompts_in)
        if (const auto t = data::parse_task(p)) prompts.push_back(p), families.push_back(t->family);
    const int n = std::max(1, opt.samples);
    Rng rng(opt.seed);
    SampleOptions greedy;
    greedy.temperature = 0, greedy.max_new_tokens = opt.max_response_tokens;
    const std::vector<Response> g = respond(lm, prompts, greedy, rng);
    std::vector<std::string> asks;
    for (const auto& p : prompts)
        for (int k = 0; k < n; k++) asks.push_back(p);
    SampleOptions so;
    so.temperature = opt.temperature, so.top_p = opt.top_p, so.max_new_tokens = opt.max_response_tokens;
    const std::vector<Response> samples = respond(lm, asks, so, rng);
    std::vector<std::string> texts;
    for (const Response& r : samples) texts.push_back(r.text);
    const std::vector<std::optional<double>> judged = judge_scores(lm, asks, texts, opt.judge, rng);
    std::vector<GapItem> items;
    for (size_t i = 0; i < prompts.size(); i++) {
        GapItem it;
        it.family = families[i];
        it.greedy = data::oracle(prompts[i], g[i].text, g[i].finished).score;
        for (int k = 0; k < n; k++) {
            const size_t j = i * static_cast<size_t>(n) + static_cast<size_t>(k);
            it.oracle.push_back(data::oracle(prompts[i], samples[j].text, samples[j].finished).score);
            it.judge.push_back(judged[j]);
        }
        items.push_back(std::move(it));
    }
    return items;
}

}  // namespace sr
