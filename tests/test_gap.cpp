// tests/test_gap.cpp: the generation-verification gap on hand-made scores (every column by
// hand), and the expected-score judge against a brute-force reading of the same model's
// probabilities.
#include "tests/catch.hpp"

#include <cmath>

#include "data/format.h"
#include "data/oracle.h"
#include "model/gpt.h"
#include "selfreward/gap.h"
#include "selfreward/pairs.h"

#ifdef SR_CATCH3
using Catch::Approx;
#endif

using namespace sr;

TEST_CASE("gap: mean, greedy, judge pick (ties averaged), oracle best, gap and judge accuracy by hand", "[gap]") {
    std::vector<GapItem> items(3);
    // add, prompt 1: samples 5,2,2,0; the judge likes sample 1 (a 2): pick 2
    items[0] = {"add", {5, 2, 2, 0}, {3.0, 4.0, 1.0, 0.0}, 5};
    // add, prompt 2: samples 5,5,1,1; the judge ties samples 0 and 2 at the top: pick (5+1)/2 = 3
    items[1] = {"add", {5, 5, 1, 1}, {4.0, 2.0, 4.0, std::nullopt}, 1};
    // reverse: all samples the same oracle score: no pairs; the judge scores none: pick = mean
    items[2] = {"reverse", {2, 2, 2, 2}, {std::nullopt, std::nullopt, std::nullopt, std::nullopt}, 2};
    const std::vector<GapRow> rows = compute_gap(items);
    REQUIRE(rows.size() == 3);
    REQUIRE(rows[0].family == "add");
    REQUIRE(rows[1].family == "reverse");
    REQUIRE(rows[2].family == "all");
    const GapRow& add = rows[0];
    CHECK(add.prompts == 2);
    CHECK(add.mean == Approx((9.0 / 4 + 12.0 / 4) / 2));  // 2.25 and 3
    CHECK(add.greedy == Approx(3.0));
    CHECK(add.judge_pick == Approx((2.0 + 3.0) / 2));
    CHECK(add.oracle_best == Approx(5.0));
    CHECK(add.mean_exact == Approx((25.0 + 50.0) / 2));
    CHECK(add.greedy_exact == Approx(50.0));
    CHECK(add.pick_exact == Approx((0.0 + 50.0) / 2));  // prompt 2: one of the two tied picks is exact
    CHECK(add.best_exact == Approx(100.0));
    // gaps per prompt: 2 - 2.25 = -0.25 and 3 - 3 = 0; t interval with 1 degree of freedom (12.706)
    CHECK(add.gap == Approx(-0.125));
    const double sd = std::sqrt(2 * 0.125 * 0.125), half = 12.706 * sd / std::sqrt(2.0);
    CHECK(add.gap_lo == Approx(-0.125 - half).epsilon(1e-3));
    CHECK(add.gap_hi == Approx(-0.125 + half).epsilon(1e-3));
    // judge accuracy. prompt 1, oracle 5,2,2,0 / judge 3,4,1,0: pairs with different oracle scores:
    // (0,1) 5>2 judge 3<4 wrong; (0,2) 5>2, 3>1 right; (0,3) right; (1,3) 2>0, 4>0 right; (2,3) 2>0, 1>0 right: 4 of 5.
    // prompt 2, oracle 5,5,1,1 / judge 4,2,4,-: (0,2) tie half; (0,3) no score half; (1,2) 5>1 but 2<4 wrong; (1,3) half: 1.5 of 4.
    CHECK(add.judge_pairs == 9);
    CHECK(add.judge_acc == Approx(100.0 * 5.5 / 9));
    CHECK(add.judge_tie_pct == Approx(100.0 * 3 / 9));
    CHECK(add.identical_pct == Approx(0.0));
    const GapRow& rev = rows[1];
    CHECK(rev.judge_pairs == 0);
    CHECK(std::isnan(rev.judge_acc));
    CHECK(rev.judge_pick == Approx(2.0));
    CHECK(rev.gap == Approx(0.0));
    CHECK(rev.identical_pct == Approx(100.0));
    CHECK(rows[2].prompts == 3);
    CHECK(rows[2].judge_pairs == 9);
    CHECK(rows[2].mean == Approx((2.25 + 3.0 + 2.0) / 3));
    CHECK_THROWS(compute_gap({GapItem{"add", {1, 2}, {1.0}, 0}}));
}

TEST_CASE("pairs from scores: a minimum margin turns small differences into ties", "[gap][pairs]") {
    PairStats st;
    const std::vector<std::string> texts = {"a", "b", "c"};
    CHECK(build_preference_pair_from_scores(texts, {2.0, 2.4, 2.2}, st, 0.5) == std::nullopt);
    CHECK(st.dropped_tie == 1);
    const auto p = build_preference_pair_from_scores(texts, {2.0, 2.6, std::nullopt}, st, 0.5);
    REQUIRE(p);
    CHECK(p->chosen == "b");
    CHECK(p->rejected == "a");
    // margin 0: the paper's rule, identical to build_preference_pair on the same means
    PairStats a, b;
    const auto q = build_preference_pair(texts, {{4, 5}, {3}, {4, 4, 5}}, a);
    const auto r = build_preference_pair_from_scores(texts, {4.5, 3.0, 13.0 / 3}, b);
    REQUIRE(q);
    REQUIRE(r);
    CHECK(q->chosen_index == r->chosen_index);
    CHECK(q->rejected_index == r->rejected_index);
}

TEST_CASE("judge_expected: the six verdicts' probabilities, normalised, match a brute-force reading of the logits", "[gap]") {
    LM lm;
    lm.tok.train("", 260, {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"});
    GPTConfig c = preset_config("micro");
    c.vocab_size = lm.tok.vocab_size();
    c.n_positions = 512;  // byte tokens: a judge turn is ~300
    lm.model = GPT(c, 11);
    const std::vector<std::string> instr = {"What is 3 plus 1?", "Reverse the word cat."}, resp = {"4", "act"};
    std::vector<std::vector<double>> dist;
    const std::vector<double> e = judge_expected(lm, instr, resp, &dist);
    REQUIRE(e.size() == 2);
    for (size_t i = 0; i < 2; i++) {
        double z = 0, ev = 0;
        for (int k = 0; k < 6; k++) z += dist[i][k], ev += k * dist[i][k];
        CHECK(z == Approx(1.0).margin(1e-9));
        CHECK(e[i] == Approx(ev).margin(1e-9));
        CHECK((e[i] > 0 && e[i] < 5));
        // brute force: log p(verdict k | judge prompt) by a log-softmax written out here
        std::vector<double> lp(6);
        for (int k = 0; k < 6; k++) {
            data::OracleResult r;
            r.parsed = true, r.score = k;
            r.relevant = k >= 1, r.substantial = k >= 2, r.useful = k >= 3, r.clear = k >= 4, r.expert = k >= 5;
            const std::vector<int> prompt = encode_chat_prompt(lm.tok, data::judge_prompt(instr[i], resp[i]));
            const std::vector<int> verdict = encode_response(lm.tok, data::judgement_text(r));
            std::vector<int> ids = prompt;
            ids.insert(ids.end(), verdict.begin(), verdict.end());
            REQUIRE(static_cast<int>(ids.size()) <= c.n_positions);
            NoGrad ng;
            const Tensor logits = lm.model.forward(ids, 1, static_cast<int>(ids.size()))->data;  // (1, T, V)
            const int V = c.vocab_size;
            for (size_t t = prompt.size(); t < ids.size(); t++) {  // token t is read from the logits at t-1
                double top = -INFINITY, s = 0;
                for (int v = 0; v < V; v++) top = std::max(top, logits.at(static_cast<int64_t>(t - 1) * V + v));
                for (int v = 0; v < V; v++) s += std::exp(logits.at(static_cast<int64_t>(t - 1) * V + v) - top);
                lp[k] += logits.at(static_cast<int64_t>(t - 1) * V + ids[t]) - top - std::log(s);
            }
        }
        double top = -INFINITY, z2 = 0;
        for (double x : lp) top = std::max(top, x);
        for (double x : lp) z2 += std::exp(x - top);
        for (int k = 0; k < 6; k++) CHECK(dist[i][k] == Approx(std::exp(lp[k] - top) / z2).epsilon(1e-3));
    }
}

TEST_CASE("pairs: identical candidates merge into one with their judgements pooled", "[gap][pairs]") {
    // "7" judged 5,5,4 and 3,3,3 (two copies): pooled mean 23/6; "8" judged 4,4,4
    const MergedCandidates m = merge_identical({"7", "8", "7", "9"}, {{5, 5, 4}, {4, 4, 4}, {3, 3, 3}, {}});
    REQUIRE(m.texts == std::vector<std::string>{"7", "8", "9"});
    REQUIRE(m.first_index == std::vector<int>{0, 1, 3});
    CHECK(*m.scores[0] == Approx(23.0 / 6));
    CHECK(*m.scores[1] == Approx(4.0));
    CHECK_FALSE(m.scores[2].has_value());
    // unmerged, the paper's rule keeps the first "7" (mean 14/3) as chosen and the second (3) as
    // rejected: the same text on both sides, so the prompt is dropped; merged, "8" > "7"
    PairStats a, b;
    CHECK_FALSE(build_preference_pair({"7", "8", "7"}, {{5, 5, 4}, {4, 4, 4}, {3, 3, 3}}, a).has_value());
    CHECK(a.dropped_identical == 1);
    const MergedCandidates m2 = merge_identical({"7", "8", "7"}, {{5, 5, 4}, {4, 4, 4}, {3, 3, 3}});
    const auto p = build_preference_pair_from_scores(m2.texts, m2.scores, b);
    REQUIRE(p);
    CHECK(p->chosen == "8");
    CHECK(p->rejected == "7");
    CHECK_THROWS(merge_identical({"a"}, {}));
}
