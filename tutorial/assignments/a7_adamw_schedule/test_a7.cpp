// tutorial/assignments/a7_adamw_schedule/test_a7.cpp: the grader of assignment 7.
// Open book: the references are the engine's lr_schedule, clip_grad_norm and AdamW
// (autograd/optim.h), run in double on the same numbers.
#include <cmath>
#include <vector>

#include "autograd/optim.h"
#include "tutorial/assignments/a7_adamw_schedule/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;
using Vec = std::vector<double>;

TEST_CASE("a7.1 lr_at equals the engine's lr_schedule at every step", "[a7][a7.1]") {
    struct S { long warmup, total; double max_lr, min_lr; };
    for (const S& s : {S{10, 100, 3e-3, 3e-4}, S{0, 50, 1e-3, 0.0}, S{5, 5, 1e-2, 1e-3}, S{1, 2, 1.0, 0.5}}) {
        Vec mine, ref;
        for (long step = 0; step < s.total + 5; step++) {
            mine.push_back(course::lr_at(step, s.warmup, s.total, s.max_lr, s.min_lr));
            ref.push_back(lr_schedule(step, s.warmup, s.total, s.max_lr, s.min_lr));
        }
        CHECK(cmp("lr warmup " + std::to_string(s.warmup) + " total " + std::to_string(s.total), mine, ref) < 1e-15);
    }
    CHECK(course::lr_at(9, 10, 100, 3e-3, 3e-4) == Approx(3e-3).epsilon(1e-15));  // the peak: last warmup step
    CHECK(course::lr_at(0, 10, 100, 3e-3, 3e-4) == Approx(3e-4).epsilon(1e-15));  // never 0: step 0 already learns
}

// Gradients (two tensors) as engine Vars and as plain vectors.
static std::vector<Var> as_vars(const std::vector<Vec>& gs) {
    std::vector<Var> vs;
    for (const Vec& g : gs) {
        Var v = param(Tensor::zeros({static_cast<int64_t>(g.size())}, DType::F64));
        v->grad = Tensor::from(g, {static_cast<int64_t>(g.size())}, DType::F64);
        vs.push_back(v);
    }
    return vs;
}

TEST_CASE("a7.2 clip_by_global_norm equals the engine's clip_grad_norm (clipped and not)", "[a7][a7.2]") {
    for (double max_norm : {0.5, 1e9}) {
        std::vector<Vec> gs = {grade::randn64({7}, 71).to_vector(), grade::randn64({3, 2}, 72).to_vector()};
        const std::vector<Var> ref = as_vars(gs);
        const double norm = course::clip_by_global_norm({&gs[0], &gs[1]}, max_norm);
        const double ref_norm = clip_grad_norm(ref, max_norm);
        const std::string s = max_norm < 1 ? " (clipped)" : " (not clipped)";
        CHECK(cmp("norm" + s, norm, ref_norm) < 1e-14);
        CHECK(cmp("grad 0" + s, gs[0], ref[0]->grad.to_vector()) < 1e-15);
        CHECK(cmp("grad 1" + s, gs[1], ref[1]->grad.to_vector()) < 1e-15);
    }
}

TEST_CASE("a7.3 adamw_update equals the engine's AdamW over 30 steps, with and without decay", "[a7][a7.3]") {
    course::AdamWHyper h;
    h.lr = 1e-2;
    h.weight_decay = 0.1;
    Vec p0 = grade::randn64({6}, 73).to_vector(), p1 = grade::randn64({4}, 74).to_vector();
    Vec m0(6, 0.0), v0(6, 0.0), m1(4, 0.0), v1(4, 0.0);
    const Var r0 = param(Tensor::from(p0, {6}, DType::F64)), r1 = param(Tensor::from(p1, {4}, DType::F64));
    AdamW ref({r0, r1}, h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, {true, false});
    double worst = 0;
    for (long t = 1; t <= 30; t++) {
        const Vec g0 = grade::randn64({6}, 1000 + t).to_vector(), g1 = grade::randn64({4}, 2000 + t, 1e-3).to_vector();
        course::adamw_update(p0, m0, v0, g0, t, h, true);
        course::adamw_update(p1, m1, v1, g1, t, h, false);  // a bias: no weight decay
        r0->grad = Tensor::from(g0, {6}, DType::F64);
        r1->grad = Tensor::from(g1, {4}, DType::F64);
        ref.step();
        for (size_t i = 0; i < 6; i++) worst = std::max(worst, std::fabs(p0[i] - r0->data.at(i)));
        for (size_t i = 0; i < 4; i++) worst = std::max(worst, std::fabs(p1[i] - r1->data.at(i)));
    }
    std::printf("    largest parameter difference over the 30 steps: %.1e\n", worst);
    CHECK(cmp("p (decay) after 30", p0, r0->data.to_vector()) < 1e-14);
    CHECK(cmp("p (no decay) after 30", p1, r1->data.to_vector()) < 1e-14);
    CHECK(cmp("m after 30", m0, ref.m()[0].to_vector()) < 1e-14);
    CHECK(cmp("v after 30", v1, ref.v()[1].to_vector()) < 1e-14);
    CHECK(worst < 1e-14);
}

TEST_CASE("a7.3 adamw_update: the first step moves every entry by about lr (bias correction)", "[a7][a7.3]") {
    course::AdamWHyper h;
    h.lr = 0.01;
    h.weight_decay = 0;
    Vec p = {1, -2, 3}, m(3, 0.0), v(3, 0.0);
    const Vec g = {1e-6, -5.0, 300.0};  // any scale: m_hat / sqrt(v_hat) = sign(g) at t = 1
    course::adamw_update(p, m, v, g, 1, h, false);
    CHECK(cmp("first step", p, Vec{1 - 0.01 * 1e-6 / (1e-6 + 1e-8), -2 + 0.01 * 5 / (5 + 1e-8), 3 - 0.01 * 300 / (300 + 1e-8)}) < 1e-15);
}
