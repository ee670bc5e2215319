// Chapter 14: measuring the loop. Rank statistics of a judge against the oracle, head-to-head
// counts, and 95% intervals (Student's t, paired, bootstrap) on small made-up samples.
#include <cstdio>
#include <limits>

#include "selfreward/metrics.h"
#include "selfreward/stats.h"

using namespace sr;

static void print(const char* name, const std::vector<double>& v) {
    std::printf("%-14s", name);
    for (double x : v) std::printf(" %5.2f", x);
    std::printf("\n");
}

int main() {
    // Ranks with ties, and the two rank correlations.
    const std::vector<double> truth = {5, 3, 3, 1, 0}, judge = {4.33, 4.33, 3.0, 2.67, 1.0};
    print("truth", truth);
    print("judge", judge);
    print("ranks(truth)", average_ranks(truth));
    print("ranks(judge)", average_ranks(judge));
    std::printf("spearman %.4f  kendall tau-b %.4f\n", spearman_rho(truth, judge), kendall_tau_b(truth, judge));
    std::printf("reversed judge: spearman %.4f; constant judge: spearman %.4f (no information)\n\n",
                spearman_rho(truth, {1, 2, 3, 4, 5}), spearman_rho(truth, {3, 3, 3, 3, 3}));

    // The paper's reward-modelling metrics over three prompts (NaN = no judgement parsed).
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<RankedItem> items = {
        {{5, 3, 1, 0}, {5.0, 3.33, 2.0, 0.67}},  // the whole ranking right
        {{4, 2, 5, 1}, {4.67, 4.67, 4.0, 1.0}},  // a tie and a swap
        {{5, 4, 2, 0}, {nan, 4.0, 4.5, 1.0}},    // a missing score
    };
    const RewardModelMetrics m = reward_model_metrics(items);
    std::printf("pairwise acc %.1f%% of %ld pairs | 5-best %.1f%% of %ld judged 5 | exact match %.1f%% | spearman %.4f | kendall %.4f | missing %ld\n\n",
                m.pairwise_acc_pct, m.n_pairs, m.five_best_pct, m.n_judged_five, m.exact_match_pct, m.spearman, m.kendall_tau, m.n_missing);

    // Head to head: oracle scores of two models' answers to the same 8 prompts.
    const std::vector<double> m2 = {5, 4, 5, 2, 0, 5, 3, 5}, m1 = {5, 5, 3, 2, 1, 4, 3, 0};
    const HeadToHead h = head_to_head(m2, m1);
    std::printf("M2 vs M1 on 8 prompts: win %.1f%% tie %.1f%% loss %.1f%%\n", h.win_pct, h.tie_pct, h.loss_pct);

    // Intervals. Five seeds of one metric; then the paired difference of the two models above.
    const std::vector<double> seeds = {49.6, 44.1, 52.3, 47.0, 45.5};
    const stats::Interval t = stats::mean_ci95(seeds);
    std::printf("5 seeds: mean %.2f, sd %.3f, t(4) %.3f, 95%% CI [%.2f, %.2f]\n", t.mean, stats::sample_std(seeds), stats::t_quantile_975(4),
                t.lo, t.hi);
    const stats::Interval b = stats::bootstrap_mean_ci95(seeds, 2000, 1);
    std::printf("          bootstrap (2000 resamples, seed 1): [%.2f, %.2f]\n", b.lo, b.hi);
    const stats::Interval d = stats::paired_diff_ci95(m2, m1);
    std::printf("M2 - M1 per prompt: mean %.3f, paired 95%% CI [%.3f, %.3f] (contains 0: %s)\n", d.mean, d.lo, d.hi,
                d.lo <= 0 && d.hi >= 0 ? "yes, no evidence of a difference" : "no");
    return 0;
}
