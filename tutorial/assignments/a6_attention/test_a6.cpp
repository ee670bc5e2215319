// tutorial/assignments/a6_attention/test_a6.cpp: the grader of assignment 6.
// Open book: the reference is the engine's fused attention op (autograd/ops.h), whose
// forward and backward are hand-written kernels; yours is built from ops and gets its
// backward from the graph. Both must agree, in double and in float.
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tutorial/assignments/a6_attention/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;

TEST_CASE("a6.1 split_heads puts channel h*HS+d of (b,t) at [b,h,t,d]; merge_heads undoes it", "[a6][a6.1]") {
    const int64_t B = 2, T = 3, C = 8, NH = 2, HS = 4;
    const Tensor x = grade::randn64({B, T, C}, 61);
    const Var y = course::split_heads(constant(x), NH);
    REQUIRE(y->data.shape() == Shape{B, NH, T, HS});
    bool all = true;
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < NH; h++)
            for (int64_t t = 0; t < T; t++)
                for (int64_t d = 0; d < HS; d++)
                    all = all && y->data.at(((b * NH + h) * T + t) * HS + d) == x.at((b * T + t) * C + h * HS + d);
    CHECK(all);
    CHECK(cmp("merge(split(x))", course::merge_heads(y)->data, x) == 0.0);
}

TEST_CASE("a6.2 attention_from_ops equals the fused op: values and gradients, double", "[a6][a6.2]") {
    for (auto [B, T, C, NH] : {std::tuple<int64_t, int64_t, int64_t, int>{1, 1, 4, 1}, {2, 5, 8, 2}, {2, 7, 12, 3}}) {
        const std::string s = " B" + std::to_string(B) + " T" + std::to_string(T) + " C" + std::to_string(C) + " NH" + std::to_string(NH);
        const Tensor x = grade::randn64({B, T, 3 * C}, 62 + T);
        const Tensor g = grade::randn64({B, T, C}, 63 + T);  // dL/d(out)
        const Var mine_in = param(x), ref_in = param(x);
        const Var mine = course::attention_from_ops(mine_in, NH), ref = attention(ref_in, NH);
        REQUIRE(mine->data.shape() == ref->data.shape());
        CHECK(cmp("out" + s, mine->data, ref->data) < 1e-12);
        backward(mine, g);
        backward(ref, g);
        CHECK(cmp("dqkv" + s, mine_in->grad, ref_in->grad) < 1e-12);
    }
}

TEST_CASE("a6.2 attention_from_ops equals the fused op in float (< 1e-5)", "[a6][a6.2]") {
    const Tensor x = grade::randn64({2, 6, 3 * 16}, 64).to(DType::F32);
    const Var a = param(x), b = param(x);
    const Var mine = course::attention_from_ops(a, 4), ref = attention(b, 4);
    REQUIRE(mine->data.dtype() == DType::F32);
    CHECK(cmp("out float", mine->data, ref->data) < 1e-5);
    backward(sum_all(mul(mine, mine)));
    backward(sum_all(mul(ref, ref)));
    CHECK(cmp("dqkv float", a->grad, b->grad) < 1e-5);
}

TEST_CASE("a6.2 causality: changing the tokens after t leaves outputs up to t unchanged", "[a6][a6.2]") {
    const int64_t B = 1, T = 6, C = 8;
    const Tensor x = grade::randn64({B, T, 3 * C}, 65);
    Tensor x2 = x.clone();
    for (int64_t i = 4 * 3 * C; i < T * 3 * C; i++) x2.set(i, x2.at(i) + 1.0);  // positions 4 and 5
    const Tensor y = course::attention_from_ops(constant(x), 2)->data, y2 = course::attention_from_ops(constant(x2), 2)->data;
    CHECK(cmp("outputs at t <= 3", slice(y, 1, 0, 4), slice(y2, 1, 0, 4)) == 0.0);
    CHECK(max_abs_diff(slice(y, 1, 4, 6), slice(y2, 1, 4, 6)) > 1e-3);
}

TEST_CASE("a6.2 attention_from_ops passes a gradient check in double (< 1e-6)", "[a6][a6.2]") {
    const GradcheckReport r = gradcheck([](const std::vector<Var>& v) { return course::attention_from_ops(v[0], 2); },
                                        {grade::randn64({1, 4, 3 * 4}, 66)});
    std::printf("    gradcheck attention_from_ops: %s", r.str().c_str());
    CHECK(r.max_rel_error() < 1e-6);
}
