// tests/test_selfreward_pure.cpp: the pure (no network) parts of selfreward/: ROUGE-L, the
// Self-Instruct filters, pair building, reward-modelling metrics, statistics, SVG charts.
// Expected values are computed by hand in the comments.
#include "tests/catch.hpp"
#include "tests/xml_check.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "selfreward/filters.h"
#include "selfreward/metrics.h"
#include "selfreward/pairs.h"
#include "selfreward/rouge.h"
#include "selfreward/stats.h"
#include "selfreward/svg.h"

#ifdef SR_CATCH3
using Catch::Approx;
#endif

using namespace sr;
static const double NaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// ROUGE-L

TEST_CASE("rouge: tokenizer lowercases and splits on non-alphanumerics like rouge_score", "[selfreward][rouge]") {
    const std::vector<std::string> expected = {"sort", "3", "1", "2", "now"};
    REQUIRE(rouge_tokenize("  Sort: 3,1,2!\tNOW ") == expected);
    REQUIRE(rouge_tokenize("").empty());
    REQUIRE(rouge_tokenize("?! ...").empty());
}

TEST_CASE("rouge: LCS F1 matches hand-computed values", "[selfreward][rouge]") {
    // [the cat sat on the mat] vs [the cat lay on a mat]: LCS = the cat on mat = 4; P = R = 4/6.
    REQUIRE(rouge_l_f1("the cat sat on the mat", "the cat lay on a mat") == Approx(4.0 / 6.0));
    // [a b c d e] vs [a x e]: LCS 2; P = 2/5, R = 2/3, F = 2PR/(P+R) = 0.5.
    const RougeScore s = rouge_l(rouge_tokenize("a b c d e"), rouge_tokenize("a x e"));
    REQUIRE(s.precision == Approx(0.4));
    REQUIRE(s.recall == Approx(2.0 / 3.0));
    REQUIRE(s.f1 == Approx(0.5));
    REQUIRE(rouge_l_f1("a x e", "a b c d e") == Approx(0.5));  // F1 is symmetric
    // Order matters (subsequence, not bag of words): [a b c] vs [c b a]: LCS 1, F = 1/3.
    REQUIRE(rouge_l_f1("a b c", "c b a") == Approx(1.0 / 3.0));
    REQUIRE(rouge_l_f1("Sort: 3,1,2!", "sort 3 1 2") == Approx(1.0));
    REQUIRE(lcs_length(rouge_tokenize("a b a c"), rouge_tokenize("b a c a")) == 3);
}

TEST_CASE("rouge: empty sides give 0 like rouge_score", "[selfreward][rouge]") {
    REQUIRE(rouge_l_f1("", "") == 0.0);
    REQUIRE(rouge_l_f1("", "abc") == 0.0);
    REQUIRE(rouge_l_f1("abc", "   ") == 0.0);
    REQUIRE(rouge_l_f1("!!!", "a") == 0.0);
}

// ---------------------------------------------------------------------------------------------
// Self-Instruct filters

static PromptFilter make_filter(double max_rouge = 0.7, std::function<bool(const std::string&)> heldout = nullptr) {
    InstructFilterConfig config;
    config.min_chars = 5;
    config.max_chars = 40;
    config.max_rouge = max_rouge;
    return PromptFilter(config, {"reverse the word apple", "sort the letters of banana"}, heldout);
}

TEST_CASE("filters: each reason, in order, with counts", "[selfreward][filters]") {
    PromptFilter f = make_filter(0.7, [](const std::string& p) { return p.find("XYZ") != std::string::npos; });
    REQUIRE(f.num_seeds() == 2);
    REQUIRE(f.kept_prompts().size() == 2);

    REQUIRE(f.check_and_add("hi").reason == FilterReason::too_short);
    REQUIRE(f.check_and_add("    hi    ").reason == FilterReason::too_short);  // length after trimming
    REQUIRE(f.check_and_add(std::string(41, 'x')).reason == FilterReason::too_long);
    REQUIRE(f.check_and_add("  reverse the word apple\n").reason == FilterReason::duplicate);  // a seed
    REQUIRE(f.check_and_add("count XYZ please").reason == FilterReason::heldout);
    // [reverse the word cherry] vs seed [reverse the word apple]: LCS 3 of 4, F = 0.75 > 0.7.
    const Verdict near = f.check_and_add("reverse the word cherry");
    REQUIRE(near.reason == FilterReason::rouge);
    REQUIRE(near.rouge == Approx(0.75));

    const Verdict ok = f.check_and_add("  count the vowels in kiwi ");
    REQUIRE(ok.kept());
    REQUIRE(ok.rouge < 0.7);
    REQUIRE(f.kept_prompts().back() == "count the vowels in kiwi");  // stored trimmed
    // Later prompts are compared against newly kept ones too: LCS 4 of 5, F = 0.8.
    REQUIRE(f.check_and_add("count the vowels in kiwis").reason == FilterReason::rouge);
    REQUIRE(f.check_and_add("count the vowels in kiwi").reason == FilterReason::duplicate);

    const FilterCounts& c = f.counts();
    REQUIRE(c.too_short == 2);
    REQUIRE(c.too_long == 1);
    REQUIRE(c.duplicate == 2);
    REQUIRE(c.heldout == 1);
    REQUIRE(c.rouge == 2);
    REQUIRE(c.kept == 1);
    REQUIRE(c.checked() == 9);
    REQUIRE(f.kept_prompts().size() == 3);
    REQUIRE(std::string(to_string(FilterReason::heldout)) == "heldout");
}

TEST_CASE("filters: ROUGE threshold is strict and length bounds are inclusive", "[selfreward][filters]") {
    PromptFilter f = make_filter(0.75);  // F = 0.75 exactly is NOT above 0.75: kept
    REQUIRE(f.check_and_add("reverse the word cherry").kept());
    REQUIRE(f.check_and_add("abcde").kept());                    // exactly min_chars
    REQUIRE(f.check_and_add(std::string(40, 'q')).kept());       // exactly max_chars
    REQUIRE(f.check_and_add("abcd").reason == FilterReason::too_short);
}

TEST_CASE("filters: no held-out predicate means no held-out drops; bad config throws", "[selfreward][filters]") {
    PromptFilter f = make_filter();
    REQUIRE(f.check_and_add("count XYZ please").kept());
    InstructFilterConfig bad;
    bad.min_chars = 10;
    bad.max_chars = 5;
    REQUIRE_THROWS_AS(PromptFilter(bad, {}), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Preference pairs

TEST_CASE("pairs: chosen = highest average, rejected = lowest", "[selfreward][pairs]") {
    PairStats stats;
    // averages: 14/3 = 4.667, 2.5, 5, 1
    auto pair = build_preference_pair({"a", "b", "c", "d"}, {{4, 5, 5}, {2, 3}, {5, 5, 5}, {1}}, stats);
    REQUIRE(pair.has_value());
    REQUIRE(pair->chosen_index == 2);
    REQUIRE(pair->rejected_index == 3);
    REQUIRE(pair->chosen == "c");
    REQUIRE(pair->rejected == "d");
    REQUIRE(pair->chosen_score == 5.0);
    REQUIRE(pair->rejected_score == 1.0);
    REQUIRE(stats.pairs_kept == 1);
    REQUIRE(stats.prompts == 1);
}

TEST_CASE("pairs: unparsed judgements are never a score of 0", "[selfreward][pairs]") {
    PairStats stats;
    // Candidate 0 has no parsed judgement: scoring it 0 would make it the rejected one.
    auto pair = build_preference_pair({"x", "y", "z"}, {{}, {4}, {5, 4}}, stats);
    REQUIRE(pair.has_value());
    REQUIRE(pair->chosen_index == 2);
    REQUIRE(pair->rejected_index == 1);
    REQUIRE(pair->chosen_score == 4.5);
    REQUIRE_FALSE(mean_parsed_score({}).has_value());
    REQUIRE(*mean_parsed_score({3, 4}) == 3.5);
}

TEST_CASE("pairs: ties, too few scored, identical texts are dropped and counted", "[selfreward][pairs]") {
    PairStats stats;
    // all equal (4 = 8/2 = 4): no pair, and never a response with itself
    REQUIRE_FALSE(build_preference_pair({"a", "b", "c"}, {{4}, {4, 4}, {4}}, stats).has_value());
    // 4.5 = 9/2 = 18/4: equal fractions are equal doubles
    REQUIRE_FALSE(build_preference_pair({"a", "b"}, {{4, 5}, {5, 4, 5, 4}}, stats).has_value());
    REQUIRE(stats.dropped_tie == 2);

    REQUIRE_FALSE(build_preference_pair({"only"}, {{5}}, stats).has_value());                // single
    REQUIRE_FALSE(build_preference_pair({"a", "b"}, {{5}, {}}, stats).has_value());          // one scored
    REQUIRE_FALSE(build_preference_pair({"a", "b"}, {{}, {}}, stats).has_value());           // none scored
    REQUIRE_FALSE(build_preference_pair({}, {}, stats).has_value());
    REQUIRE(stats.dropped_too_few_scored == 4);

    REQUIRE_FALSE(build_preference_pair({"same", "other", "same"}, {{5}, {3}, {1}}, stats).has_value());
    REQUIRE(stats.dropped_identical == 1);

    REQUIRE(stats.pairs_kept == 0);
    REQUIRE(stats.prompts == 7);
    REQUIRE_THROWS_AS(build_preference_pair({"a", "b"}, {{5}}, stats), std::runtime_error);
}

TEST_CASE("pairs: tie-break takes the first index among equal highest and equal lowest", "[selfreward][pairs]") {
    PairStats stats;
    auto pair = build_preference_pair({"p", "q", "r", "s"}, {{3}, {5}, {3}, {5}}, stats);
    REQUIRE(pair.has_value());
    REQUIRE(pair->chosen_index == 1);
    REQUIRE(pair->rejected_index == 0);
}

// ---------------------------------------------------------------------------------------------
// Reward-modelling metrics

TEST_CASE("metrics: average ranks, Spearman and Kendall tau-b by hand", "[selfreward][metrics]") {
    REQUIRE(average_ranks({10, 20, 20, 5}) == std::vector<double>{2, 3.5, 3.5, 1});
    // ranks {3,2,1} vs {3,1.5,1.5}: sxy = 1.5, sxx = 2, syy = 1.5 -> 1.5 / sqrt(3)
    REQUIRE(spearman_rho({3, 2, 1}, {5, 4, 4}) == Approx(1.5 / std::sqrt(3.0)));
    // tau-b: C = 4, D = 0, P = 6, one tie on each side: 4 / sqrt(5 * 5) = 0.8 (scipy agrees)
    REQUIRE(kendall_tau_b({1, 2, 2, 3}, {1, 2, 3, 3}) == Approx(0.8));
    REQUIRE(kendall_tau_b({1, 2, 3}, {3, 2, 1}) == Approx(-1.0));
    REQUIRE(spearman_rho({1, 2, 3}, {7, 7, 7}) == 0.0);  // constant judge: 0, not NaN
    REQUIRE(kendall_tau_b({1, 2, 3}, {7, 7, 7}) == 0.0);
    REQUIRE(spearman_rho({1}, {2}) == 0.0);
}

TEST_CASE("metrics: hand-computed reward-modelling table with ties and missing scores", "[selfreward][metrics]") {
    std::vector<RankedItem> items = {
        // A: pairs (0,1) ok, (0,2) ok, (1,2) judge tie -> wrong. 2/3. Response 0 judged 5 and best.
        {{3, 2, 1}, {5, 4, 4}},
        // B: (0,1) ok, (0,2) and (1,2) missing -> wrong. 1/3.
        {{1, 2, 3}, {1, 2, NaN}},
        // C: 1/1, exact.
        {{1, 2}, {2, 3}},
        // D: (0,1) wrong, (0,2) wrong, (1,2) ok. 1/3. 4.5 counts as judged 5 (not best); 4.4 not.
        {{1, 5, 3}, {4.5, 4.4, 1}},
    };
    const RewardModelMetrics m = reward_model_metrics(items);
    REQUIRE(m.n_prompts == 4);
    REQUIRE(m.n_pairs == 10);
    REQUIRE(m.pairwise_acc_pct == Approx(50.0));      // 5 of 10
    REQUIRE(m.n_ranked_prompts == 4);
    REQUIRE(m.exact_match_pct == Approx(25.0));       // C only
    REQUIRE(m.n_judged_five == 2);
    REQUIRE(m.five_best_pct == Approx(50.0));         // A's hit, D's miss
    REQUIRE(m.n_missing == 1);
    // spearman: A 1.5/sqrt(3), B 1 (over its 2 present), C 1, D -0.5; mean of 4
    REQUIRE(m.spearman == Approx((1.5 / std::sqrt(3.0) + 1 + 1 - 0.5) / 4));
    // kendall: A 2/sqrt(6), B 1, C 1, D (1 - 2)/3
    REQUIRE(m.kendall_tau == Approx((2 / std::sqrt(6.0) + 1 + 1 - 1.0 / 3.0) / 4));
}

TEST_CASE("metrics: perfect, reversed and constant judges", "[selfreward][metrics]") {
    const std::vector<RankedItem> perfect = {{{1, 2, 3, 4}, {0, 1, 2, 5}}, {{4, 1}, {5, 2}}};
    const RewardModelMetrics p = reward_model_metrics(perfect);
    REQUIRE(p.pairwise_acc_pct == 100.0);
    REQUIRE(p.exact_match_pct == 100.0);
    REQUIRE(p.five_best_pct == 100.0);
    REQUIRE(p.spearman == Approx(1.0));
    REQUIRE(p.kendall_tau == Approx(1.0));

    const RewardModelMetrics r = reward_model_metrics({{{1, 2, 3}, {3, 2, 1}}});
    REQUIRE(r.pairwise_acc_pct == 0.0);
    REQUIRE(r.spearman == Approx(-1.0));
    REQUIRE(std::isnan(r.five_best_pct));  // nobody judged 5: undefined, not 0

    // A judge that scores everything 4 (the paper's no-EFT collapse): every pair wrong, rho 0.
    const RewardModelMetrics c = reward_model_metrics({{{1, 2, 3}, {4, 4, 4}}, {{3, 2, 1}, {5, 4, 3}}});
    REQUIRE(c.pairwise_acc_pct == Approx(50.0));
    REQUIRE(c.exact_match_pct == Approx(50.0));
    REQUIRE(c.spearman == Approx(0.5));  // (0 + 1) / 2: the constant prompt still counts
}

TEST_CASE("metrics: prompts whose truths all tie are left out of exact match", "[selfreward][metrics]") {
    const RewardModelMetrics m = reward_model_metrics({{{2, 2}, {1, 5}}, {{1, 2}, {3, 4}}});
    REQUIRE(m.n_ranked_prompts == 1);
    REQUIRE(m.exact_match_pct == 100.0);
    REQUIRE(m.n_pairs == 1);
    REQUIRE(m.pairwise_acc_pct == 100.0);
}

TEST_CASE("metrics: malformed items throw", "[selfreward][metrics]") {
    REQUIRE_THROWS_AS(reward_model_metrics({{{1, 2}, {1}}}), std::runtime_error);
    REQUIRE_THROWS_AS(reward_model_metrics({{{1}, {1}}}), std::runtime_error);
    REQUIRE_THROWS_AS(reward_model_metrics({{{1, NaN}, {1, 2}}}), std::runtime_error);
}

TEST_CASE("metrics: head-to-head win/tie/loss from A's side", "[selfreward][metrics]") {
    const HeadToHead h = head_to_head({5, 3, 2, 4}, {4, 3, 5, 1});
    REQUIRE(h.n == 4);
    REQUIRE(h.win_pct == Approx(50.0));
    REQUIRE(h.tie_pct == Approx(25.0));
    REQUIRE(h.loss_pct == Approx(25.0));
    REQUIRE(std::isnan(head_to_head({}, {}).win_pct));
    REQUIRE_THROWS_AS(head_to_head({1, 2}, {1}), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Statistics

TEST_CASE("stats: mean, sample std, t intervals by hand", "[selfreward][stats]") {
    const std::vector<double> x = {2, 4, 4, 4, 5, 5, 7, 9};
    REQUIRE(stats::mean(x) == Approx(5.0));
    REQUIRE(stats::sample_std(x) == Approx(std::sqrt(32.0 / 7.0)));  // squares sum to 32
    const stats::Interval ci = stats::mean_ci95(x);
    const double half = 2.365 * std::sqrt(32.0 / 7.0) / std::sqrt(8.0);  // t(0.975, df 7)
    REQUIRE(ci.lo == Approx(5.0 - half));
    REQUIRE(ci.hi == Approx(5.0 + half));
    REQUIRE(ci.n == 8);

    // d = {1, 2, 3}: mean 2, std 1, t(df 2) = 4.303
    const stats::Interval d = stats::paired_diff_ci95({5, 6, 7}, {4, 4, 4});
    REQUIRE(d.mean == Approx(2.0));
    REQUIRE(d.lo == Approx(2.0 - 4.303 / std::sqrt(3.0)));
    REQUIRE(d.hi == Approx(2.0 + 4.303 / std::sqrt(3.0)));
    REQUIRE_THROWS_AS(stats::paired_diff_ci95({1, 2}, {1}), std::runtime_error);
}

TEST_CASE("stats: t table edges and degenerate inputs", "[selfreward][stats]") {
    REQUIRE(stats::t_quantile_975(1) == 12.706);
    REQUIRE(stats::t_quantile_975(30) == 2.042);
    REQUIRE(stats::t_quantile_975(31) == 1.96);
    REQUIRE_THROWS_AS(stats::t_quantile_975(0), std::runtime_error);
    REQUIRE(std::isnan(stats::mean({})));
    REQUIRE(std::isnan(stats::sample_std({3})));
    REQUIRE(std::isnan(stats::mean_ci95({3}).lo));
    REQUIRE(stats::quantile_sorted({1, 2, 3, 4}, 0.5) == Approx(2.5));
    REQUIRE(stats::quantile_sorted({1, 2, 3, 4}, 1.0) == 4.0);
}

TEST_CASE("stats: bootstrap is deterministic and sensible", "[selfreward][stats]") {
    std::vector<double> x;
    for (int i = 0; i < 100; i++) x.push_back(i);  // mean 49.5, standard error ~2.9
    const stats::Interval a = stats::bootstrap_mean_ci95(x, 2000, 42);
    const stats::Interval b = stats::bootstrap_mean_ci95(x, 2000, 42);
    const stats::Interval c = stats::bootstrap_mean_ci95(x, 2000, 43);
    REQUIRE(a.lo == b.lo);
    REQUIRE(a.hi == b.hi);
    REQUIRE(a.lo != c.lo);
    REQUIRE(a.mean == Approx(49.5));
    // roughly mean +- 1.96 * 2.9 = [43.8, 55.2]
    REQUIRE(a.lo > 42.0);
    REQUIRE(a.lo < 46.0);
    REQUIRE(a.hi > 53.0);
    REQUIRE(a.hi < 57.0);
    const stats::Interval k = stats::bootstrap_mean_ci95({3, 3, 3}, 100, 1);
    REQUIRE(k.lo == 3.0);
    REQUIRE(k.hi == 3.0);
    const stats::Interval p = stats::paired_bootstrap_ci95({5, 6, 7, 8}, {4, 4, 4, 4}, 500, 7);
    REQUIRE(p.mean == Approx(2.5));
    REQUIRE(p.lo >= 1.0);
    REQUIRE(p.hi <= 4.0);
}

// ---------------------------------------------------------------------------------------------
// SVG

TEST_CASE("svg: the well-formedness checker itself rejects broken XML", "[selfreward][svg]") {
    REQUIRE(xml_problem("<svg><g a=\"1\"/><text>a &amp; b</text></svg>") == "");
    REQUIRE(xml_problem("<svg><text>a & b</text></svg>") != "");
    REQUIRE(xml_problem("<svg><g></svg>") != "");
    REQUIRE(xml_problem("<svg><></svg>") != "");
    REQUIRE(xml_problem("<svg></svg><svg></svg>") != "");
}

TEST_CASE("svg: nice ticks", "[selfreward][svg]") {
    REQUIRE(svg::nice_ticks(0, 9.3) == std::vector<double>{0, 2, 4, 6, 8, 10});
    const std::vector<double> t = svg::nice_ticks(0.1, 0.9);
    REQUIRE(t.size() == 6);
    REQUIRE(t.front() == 0.0);
    REQUIRE(t.back() == Approx(1.0));
    const std::vector<double> flat = svg::nice_ticks(3, 3);  // a flat line still gets a range
    REQUIRE(flat.front() < 3.0);
    REQUIRE(flat.back() > 3.0);
    REQUIRE(svg::escape_xml("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;");
}

TEST_CASE("svg: line chart is well formed and names its series", "[selfreward][svg]") {
    const std::vector<svg::Series> series = {
        {"train loss", {{0, 2.5}, {100, 1.7}, {200, 1.2}}},
        {"M1 <ours> & co", {{0, 2.6}, {100, NaN}, {200, 1.4}, {300, 1.3}}},  // NaN breaks the line
        {"single", {{50, 2.0}}},
    };
    const std::string s = svg::line_chart("Loss & such", "step", "loss", series);
    REQUIRE(xml_problem(s) == "");
    REQUIRE(s.find("train loss") != std::string::npos);
    REQUIRE(s.find("M1 &lt;ours&gt; &amp; co") != std::string::npos);
    REQUIRE(s.find("Loss &amp; such") != std::string::npos);
    REQUIRE(s.find("<circle") != std::string::npos);  // lone points are drawn as dots
    REQUIRE(s.find("nan") == std::string::npos);
    REQUIRE(s.find("inf") == std::string::npos);
}

TEST_CASE("svg: empty and all-NaN data do not crash and stay well formed", "[selfreward][svg]") {
    REQUIRE(xml_problem(svg::line_chart("empty", "x", "y", {})) == "");
    const std::string s = svg::line_chart("all missing", "x", "y", {{"bad", {{NaN, 1}, {2, NaN}}}, {"none", {}}});
    REQUIRE(xml_problem(s) == "");
    REQUIRE(s.find("nan") == std::string::npos);
    REQUIRE(xml_problem(svg::bar_chart("no bars", {}, {})) == "");
}

TEST_CASE("svg: bar chart is well formed, skips NaN bars, checks sizes", "[selfreward][svg]") {
    const std::string s = svg::bar_chart("Reward modelling", {"pairwise acc", "5-best", "exact"},
                                         {{"SFT", {65.1, 39.6, 10.1}}, {"M1", {78.7, NaN, -3}}}, "%");
    REQUIRE(xml_problem(s) == "");
    REQUIRE(s.find("SFT") != std::string::npos);
    REQUIRE(s.find("5-best") != std::string::npos);
    size_t bars = 0;
    for (size_t pos = 0; (pos = s.find("<rect x", pos)) != std::string::npos; pos++) bars++;
    // 5 finite bars + 2 legend boxes + the background (which starts with "<rect x" too)
    REQUIRE(bars == 8);
    REQUIRE(s.find("nan") == std::string::npos);
    REQUIRE_THROWS_AS(svg::bar_chart("bad", {"a", "b"}, {{"g", {1}}}), std::runtime_error);
}
