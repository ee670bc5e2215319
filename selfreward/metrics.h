// selfreward/metrics.h: how good is a judge? The paper's reward-modelling metrics, measured
// against the oracle's true scores, plus the head-to-head count for instruction following.
//
// Input: one RankedItem per held-out prompt: several responses, their true scores (oracle;
// meant to be distinct within a prompt) and the judge's scores (the average of its sampled
// judgements; NaN when no judgement parsed = "missing"). Every item needs >= 2 responses.
//
// Exact definitions (our tie rules; the paper does not state its own):
//   pairwise_acc_pct  Pool all pairs (i, j) of responses to the same prompt with truth_i !=
//                     truth_j. A pair is correct only if the judge orders it STRICTLY the same
//                     way (judge_i > judge_j exactly when truth_i > truth_j). A judge tie or a
//                     missing score on either side counts as wrong. 100 * correct / pairs.
//   five_best_pct     A response is "judged 5" when its judge score >= 4.5 (the average rounds
//                     half-up to 5; missing never counts). Of the judged-5 responses, the share
//                     whose truth equals the highest truth of their prompt. NaN if none judged 5.
//   exact_match_pct   Share of prompts where EVERY pair with different truth is correct (rule
//                     above): the judge reproduces the whole true ranking, strictly, no ties, no
//                     missing scores. Prompts whose truths are all equal are left out.
//   spearman          Per prompt: Pearson correlation of the average ranks (ties share the
//                     mean of their ranks) of truth and judge, over the responses whose judge
//                     score is present. Averaged over ALL prompts, where a prompt contributes 0
//                     if fewer than 2 judge scores are present or if either side is constant
//                     (e.g. the judge gave every response the same score: no information).
//   kendall_tau       Per prompt tau-b = (C - D) / sqrt((P - Tx)(P - Ty)), P = n(n-1)/2,
//                     C/D = concordant/discordant pairs, Tx/Ty = pairs tied in truth/judge,
//                     over the present judge scores; same 0 rule and averaging as spearman.
//
// head_to_head(a, b): a[i] and b[i] are the oracle scores of model A's and model B's answers
// to prompt i; A wins when a[i] > b[i], ties when equal, loses otherwise. Percentages of n.
#pragma once
#include <vector>

namespace sr {

struct RankedItem {
    std::vector<double> truth;  // (R,) oracle scores of the prompt's R responses
    std::vector<double> judge;  // (R,) judge's average score, NaN = missing
};

struct RewardModelMetrics {
    double pairwise_acc_pct = 0, five_best_pct = 0, exact_match_pct = 0;
    double spearman = 0, kendall_tau = 0;
    long n_prompts = 0;        // items given
    long n_pairs = 0;          // pairs with different truth (pairwise denominator)
    long n_ranked_prompts = 0; // prompts with at least one such pair (exact-match denominator)
    long n_judged_five = 0;    // five-best denominator
    long n_missing = 0;        // responses with no judge score
};

// All metrics at once; throws on malformed items (sizes differ, < 2 responses, NaN truth).
RewardModelMetrics reward_model_metrics(const std::vector<RankedItem>& items);

// Ranks 1..n, ties get the average of the ranks they span: {10, 20, 20, 5} -> {2, 3.5, 3.5, 1}.
std::vector<double> average_ranks(const std::vector<double>& x);

// Rank correlations of two equal-length vectors (no NaN); 0 when n < 2 or a side is constant.
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

struct HeadToHead {
    double win_pct = 0, tie_pct = 0, loss_pct = 0;  // from A's side; NaN when n == 0
    long n = 0;
};
HeadToHead head_to_head(const std::vector<double>& scores_a, const std::vector<double>& scores_b);

}  // namespace sr
