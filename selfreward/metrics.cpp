// selfreward/metrics.cpp: reward-modelling metrics and head-to-head; definitions in metrics.h.
#include "selfreward/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace sr {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

int sign(double v) { return (v > 0) - (v < 0); }

// Correct = both scores present and the judge orders the pair strictly like the truth.
bool pair_correct(const RankedItem& item, size_t i, size_t j) {
    if (std::isnan(item.judge[i]) || std::isnan(item.judge[j])) return false;
    return sign(item.judge[i] - item.judge[j]) == sign(item.truth[i] - item.truth[j]);
}

void check_item(const RankedItem& item, size_t index) {
    const std::string where = "reward_model_metrics: item " + std::to_string(index) + ": ";
    if (item.truth.size() != item.judge.size())
        throw std::runtime_error(where + std::to_string(item.truth.size()) + " true scores but " +
                                 std::to_string(item.judge.size()) +
                                 " judge scores. HINT: one judge score (NaN if missing) per response.");
    if (item.truth.size() < 2)
        throw std::runtime_error(where + "fewer than 2 responses. HINT: a ranking needs >= 2 responses.");
    for (double t : item.truth)
        if (!std::isfinite(t))
            throw std::runtime_error(where + "a true score is NaN/inf. HINT: the oracle always scores.");
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    const double n = static_cast<double>(x.size());
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx == 0 || syy == 0) return 0.0;  // a constant side carries no ranking
    return sxy / std::sqrt(sxx * syy);
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& x) {
    std::vector<size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> ranks(x.size());
    for (size_t start = 0; start < order.size();) {
        size_t end = start;  // [start, end) is one group of equal values
        while (end < order.size() && x[order[end]] == x[order[start]]) end++;
        const double mean_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
        for (size_t k = start; k < end; k++) ranks[order[k]] = mean_rank;
        start = end;
    }
    return ranks;
}

double spearman_rho(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) throw std::runtime_error("spearman_rho: sizes differ. HINT: pass paired vectors.");
    if (x.size() < 2) return 0.0;
    return pearson(average_ranks(x), average_ranks(y));
}

double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) throw std::runtime_error("kendall_tau_b: sizes differ. HINT: pass paired vectors.");
    const size_t n = x.size();
    long concordant = 0, discordant = 0, tied_x = 0, tied_y = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            const int sx = sign(x[i] - x[j]), sy = sign(y[i] - y[j]);
            if (sx == 0) tied_x++;
            if (sy == 0) tied_y++;
            if (sx != 0 && sy != 0) (sx == sy ? concordant : discordant)++;
        }
    }
    const double pairs = n < 2 ? 0.0 : static_cast<double>(n) * static_cast<double>(n - 1) / 2.0;
    const double denom = std::sqrt((pairs - tied_x) * (pairs - tied_y));
    if (denom == 0) return 0.0;  // n < 2 or a constant side
    return static_cast<double>(concordant - discordant) / denom;
}

RewardModelMetrics reward_model_metrics(const std::vector<RankedItem>& items) {
    RewardModelMetrics m;
    m.n_prompts = static_cast<long>(items.size());
    long pairs_correct = 0, exact = 0, five_best_hits = 0;
    double spearman_sum = 0, kendall_sum = 0;

    for (size_t k = 0; k < items.size(); k++) {
        const RankedItem& item = items[k];
        check_item(item, k);
        const size_t n = item.truth.size();

        // Pairwise accuracy and exact match share one loop over pairs.
        long item_pairs = 0, item_correct = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                if (item.truth[i] == item.truth[j]) continue;
                item_pairs++;
                item_correct += pair_correct(item, i, j);
            }
        m.n_pairs += item_pairs;
        pairs_correct += item_correct;
        if (item_pairs > 0) {
            m.n_ranked_prompts++;
            exact += (item_correct == item_pairs);
        }

        // 5-best: judged-5 responses that are truly the best of this prompt.
        const double best_truth = *std::max_element(item.truth.begin(), item.truth.end());
        for (size_t i = 0; i < n; i++) {
            if (std::isnan(item.judge[i])) { m.n_missing++; continue; }
            if (item.judge[i] >= 4.5) {
                m.n_judged_five++;
                five_best_hits += (item.truth[i] == best_truth);
            }
        }

        // Rank correlations over the responses the judge did score.
        std::vector<double> truth_present, judge_present;
        for (size_t i = 0; i < n; i++)
            if (!std::isnan(item.judge[i])) {
                truth_present.push_back(item.truth[i]);
                judge_present.push_back(item.judge[i]);
            }
        spearman_sum += spearman_rho(truth_present, judge_present);  // 0 if < 2 present or constant
        kendall_sum += kendall_tau_b(truth_present, judge_present);
    }

    auto pct = [](long part, long whole) { return whole > 0 ? 100.0 * part / whole : kNaN; };
    m.pairwise_acc_pct = pct(pairs_correct, m.n_pairs);
    m.exact_match_pct = pct(exact, m.n_ranked_prompts);
    m.five_best_pct = pct(five_best_hits, m.n_judged_five);
    m.spearman = m.n_prompts > 0 ? spearman_sum / m.n_prompts : kNaN;
    m.kendall_tau = m.n_prompts > 0 ? kendall_sum / m.n_prompts : kNaN;
    return m;
}

HeadToHead head_to_head(const std::vector<double>& scores_a, const std::vector<double>& scores_b) {
    if (scores_a.size() != scores_b.size())
        throw std::runtime_error("head_to_head: " + std::to_string(scores_a.size()) + " vs " +
                                 std::to_string(scores_b.size()) +
                                 " scores. HINT: score both models on the same prompts, in order.");
    HeadToHead h;
    h.n = static_cast<long>(scores_a.size());
    if (h.n == 0) { h.win_pct = h.tie_pct = h.loss_pct = kNaN; return h; }
    long win = 0, tie = 0, loss = 0;
    for (size_t i = 0; i < scores_a.size(); i++) {
        if (std::isnan(scores_a[i]) || std::isnan(scores_b[i]))
            throw std::runtime_error("head_to_head: NaN score at prompt " + std::to_string(i) +
                                     ". HINT: these are oracle scores, which always exist.");
        if (scores_a[i] > scores_b[i]) win++;
        else if (scores_a[i] < scores_b[i]) loss++;
        else tie++;
    }
    h.win_pct = 100.0 * win / h.n;
    h.tie_pct = 100.0 * tie / h.n;
    h.loss_pct = 100.0 * loss / h.n;
    return h;
}

}  // namespace sr
