// tutorial/assignments/a8_masks_and_shift/test_a8.cpp: the grader of assignment 8.
// Open book: the references are the engine's make_batch (model/train.cpp) and dpo_rows
// (selfreward/dpo.cpp), plus one example worked by hand.
#include "tensor/rng.h"
#include "tutorial/assignments/a8_masks_and_shift/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;

static std::vector<double> dbl(const std::vector<int>& v) { return {v.begin(), v.end()}; }
static std::vector<double> dbl(const std::vector<float>& v) { return {v.begin(), v.end()}; }

static void same_example(const std::string& name, const Example& mine, const Example& ref) {
    CHECK(cmp(name + " tokens", dbl(mine.tokens), dbl(ref.tokens)) == 0.0);
    CHECK(cmp(name + " mask", dbl(mine.mask), dbl(ref.mask)) == 0.0);
}

static void same_batch(const std::string& name, const Batch& mine, const Batch& ref) {
    CHECK(mine.B == ref.B);
    CHECK(mine.T == ref.T);
    CHECK(cmp(name + " ids", dbl(mine.ids), dbl(ref.ids)) == 0.0);
    CHECK(cmp(name + " targets", dbl(mine.targets), dbl(ref.targets)) == 0.0);
    CHECK(cmp(name + " mask", dbl(mine.mask), dbl(ref.mask)) == 0.0);
}

// Random token sequences of lengths in [lo, hi].
static std::vector<int> tokens(Rng& rng, int lo, int hi) {
    std::vector<int> t(lo + rng.below(hi - lo + 1));
    for (int& x : t) x = 3 + static_cast<int>(rng.below(50));
    return t;
}

TEST_CASE("a8.1 sft_example: mask 0 on the prompt, 1 on the response (the engine's DPO row)", "[a8][a8.1]") {
    const Example e = course::sft_example({5, 6, 7}, {8, 9, 2});
    same_example("by hand", e, Example{{5, 6, 7, 8, 9, 2}, {0, 0, 0, 1, 1, 1}});
    Rng rng(81);
    for (int i = 0; i < 5; i++) {
        const DpoPair p{tokens(rng, 1, 9), tokens(rng, 1, 6), {2}};
        same_example("random " + std::to_string(i), course::sft_example(p.prompt, p.chosen), sr::dpo_rows(p, 1000)[0]);
    }
}

TEST_CASE("a8.2 make_batch: the shift by hand (position t predicts token t+1, with token t+1's mask)", "[a8][a8.2]") {
    const Example e{{10, 11, 12, 13}, {0, 0, 1, 1}};
    const Example shorter{{20, 21}, {0, 1}};
    const Batch b = course::make_batch({&e, &shorter}, 16, 0);
    same_batch("by hand", b, Batch{2, 3, {10, 11, 12, 20, 21, 0}, {11, 12, 13, 21, 0, 0}, {0, 1, 1, 1, 0, 0}});
}

TEST_CASE("a8.2 make_batch equals the engine's: padding, cutting to T+1, rows of one token", "[a8][a8.2]") {
    Rng rng(82);
    std::vector<Example> ex;
    for (int i = 0; i < 7; i++)  // SFT-style rows made by the engine, so this task does not depend on a8.1
        ex.push_back(sr::dpo_rows(DpoPair{tokens(rng, 1, 8), tokens(rng, 1, 10), {2}}, 1000)[0]);
    ex.push_back(Example{{42}, {1}});  // one token: nothing to predict
    std::vector<const Example*> rows;
    for (const Example& e : ex) rows.push_back(&e);
    for (int T : {4, 12, 64}) same_batch("T=" + std::to_string(T), course::make_batch(rows, T, 1), sr::make_batch(rows, T, 1));
    const std::vector<const Example*> one{&ex.back()};
    same_batch("a lone one-token row", course::make_batch(one, 8, 1), sr::make_batch(one, 8, 1));
}

TEST_CASE("a8.2 make_batch + sft_example: the counted targets are exactly the response", "[a8][a8.2]") {
    const std::vector<int> prompt = {7, 8, 9, 10}, response = {31, 32, 33, 2};
    const Example e = course::sft_example(prompt, response);
    const Batch b = course::make_batch({&e}, 32, 0);
    std::vector<int> counted;
    for (size_t i = 0; i < b.targets.size(); i++)
        if (b.mask[i] != 0) counted.push_back(b.targets[i]);
    CHECK(cmp("counted targets", dbl(counted), dbl(response)) == 0.0);
}

TEST_CASE("a8.3 dpo_rows equals the engine's, also when the prompt must be cut", "[a8][a8.3]") {
    Rng rng(83);
    for (int context : {6, 10, 40}) {
        for (int i = 0; i < 6; i++) {
            const DpoPair p{tokens(rng, 1, 12), tokens(rng, 1, 9), tokens(rng, 1, 9)};
            const std::vector<Example> mine = course::dpo_rows(p, context), ref = sr::dpo_rows(p, context);
            REQUIRE(mine.size() == 2);
            const std::string s = "context " + std::to_string(context) + " pair " + std::to_string(i);
            same_example(s + " chosen", mine[0], ref[0]);
            same_example(s + " rejected", mine[1], ref[1]);
        }
    }
}

TEST_CASE("a8.3 dpo_rows refuses an empty prompt or response", "[a8][a8.3]") {
    grade::expect_error([] { course::dpo_rows(DpoPair{{}, {5, 2}, {6, 2}}, 16); }, "empty prompt");
    grade::expect_error([] { course::dpo_rows(DpoPair{{1, 4}, {}, {6, 2}}, 16); }, "empty response");
}
