// tutorial/assignments/a9_dpo_loss/test_a9.cpp: the grader of assignment 9.
// Open book for DPO: the references are the engine's sequence_logprobs (on a micro GPT in
// double) and dpo_loss_from_logps (selfreward/dpo.h). IPO is not in the engine: its golden
// values below were worked out by hand from the formula in student.h (and checked with
// Python: h = (pc-rc)-(pr-rr) = (1, -1, 2.25); tau = 0.1 gives mean((h-5)^2) = 59.5625/3).
#include <cmath>

#include "autograd/ops.h"
#include "model/gpt.h"
#include "selfreward/dpo.h"
#include "tensor/rng.h"
#include "tutorial/assignments/a9_dpo_loss/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;

static std::vector<int> ids(Rng& rng, int n) {
    std::vector<int> v(n);
    for (int& t : v) t = 3 + static_cast<int>(rng.below(250));
    return v;
}

TEST_CASE("a9.1 sequence_logprobs equals the engine's on a micro GPT: values and parameter gradients", "[a9][a9.1]") {
    GPTConfig c = preset_config("micro");
    c.vocab_size = 260;
    const GPT model = GPT(c, 91).to(DType::F64);
    Rng rng(92);
    std::vector<Example> rows;
    for (int i = 0; i < 3; i++) {
        const std::vector<Example> r = dpo_rows(DpoPair{ids(rng, 2 + i * 3), ids(rng, 1 + i), ids(rng, 4)}, c.n_positions);
        rows.insert(rows.end(), r.begin(), r.end());
    }
    std::vector<const Example*> ptrs;
    for (const Example& e : rows) ptrs.push_back(&e);
    const Batch b = make_batch(ptrs, c.n_positions, 0);

    const Var mine = course::sequence_logprobs(model.forward(b.ids, b.B, b.T), b);
    const Var ref = sr::sequence_logprobs(model, rows, 0);
    REQUIRE(mine->data.shape() == Shape{b.B});
    CHECK(cmp("log p(y|x) per row", mine->data, ref->data) < 1e-12);

    const std::vector<Var> params = model.parameters();
    const Tensor w = grade::randn64({b.B}, 93);  // dL/d(logp), one weight per row
    backward(mine, w);
    std::vector<Tensor> mine_grads;
    for (const Var& p : params) mine_grads.push_back(p->grad.clone());
    zero_grad(params);
    backward(ref, w);
    double worst = 0;
    for (size_t i = 0; i < params.size(); i++) worst = std::max(worst, max_abs_diff(mine_grads[i], params[i]->grad));
    std::printf("    largest gradient difference over %zu parameter tensors: %.1e\n", params.size(), worst);
    CHECK(worst < 1e-12);
    CHECK(cmp("d/d wte", mine_grads[0], params[0]->grad) < 1e-12);
}

TEST_CASE("a9.2 dpo_loss equals the engine's dpo_loss_from_logps: value and gradients", "[a9][a9.2]") {
    const Tensor pc = grade::randn64({5}, 94, 3.0), pr = grade::randn64({5}, 95, 3.0);
    const Tensor rc = grade::randn64({5}, 96, 3.0), rr = grade::randn64({5}, 97, 3.0);
    for (double beta : {0.1, 1.0}) {
        const Var a = param(pc), b = param(pr), a2 = param(pc), b2 = param(pr);
        const Var mine = course::dpo_loss(a, b, rc, rr, beta), ref = dpo_loss_from_logps(a2, b2, rc, rr, beta);
        const std::string s = beta < 1 ? " beta 0.1" : " beta 1";
        CHECK(cmp("loss" + s, mine->data, ref->data) < 1e-14);
        backward(mine);
        backward(ref);
        CHECK(cmp("d/d policy_chosen" + s, a->grad, a2->grad) < 1e-14);
        CHECK(cmp("d/d policy_rejected" + s, b->grad, b2->grad) < 1e-14);
    }
}

TEST_CASE("a9.2 dpo_loss: log 2 when policy = reference; finite at margins of +-1000", "[a9][a9.2]") {
    const Tensor x = grade::randn64({4}, 98);
    CHECK(cmp("policy = reference", course::dpo_loss(param(x), param(x), x, x, 0.1)->data.item(), std::log(2.0)) < 1e-15);
    const Tensor zero = Tensor::zeros({2}, DType::F64);
    const Var pc = param(Tensor::from({1000.0, -1000.0}, {2}, DType::F64)), pr = param(zero);
    const Var loss = course::dpo_loss(pc, pr, zero, zero, 1.0);
    backward(loss);
    CHECK(cmp("loss at +-1000", loss->data.item(), 500.0) < 1e-12);  // (0 + 1000) / 2
    CHECK(cmp("gradient at +-1000", pc->grad, Tensor::from({0.0, -0.5}, {2}, DType::F64)) < 1e-15);
}

TEST_CASE("a9.3 ipo_loss: golden values worked by hand (the engine has no IPO)", "[a9][a9.3]") {
    const Tensor pc = Tensor::from({-3.0, -5.5, -2.25}, {3}, DType::F64), pr = Tensor::from({-4.0, -5.0, -7.5}, {3}, DType::F64);
    const Tensor rc = Tensor::from({-3.5, -5.0, -3.0}, {3}, DType::F64), rr = Tensor::from({-3.5, -5.5, -6.0}, {3}, DType::F64);
    struct Golden { double tau, loss; std::vector<double> d_chosen; };
    for (const Golden& g : {Golden{0.1, 59.5625 / 3, {-8.0 / 3, -4.0, -5.5 / 3}}, Golden{0.5, 5.5625 / 3, {0.0, -4.0 / 3, 2.5 / 3}}}) {
        const Var a = param(pc), b = param(pr);
        const Var loss = course::ipo_loss(a, b, rc, rr, g.tau);
        const std::string s = g.tau < 0.5 ? " tau 0.1" : " tau 0.5";
        CHECK(cmp("IPO loss" + s, loss->data.item(), g.loss) < 1e-13);
        backward(loss);
        std::vector<double> d_rejected;
        for (double v : g.d_chosen) d_rejected.push_back(-v);
        CHECK(cmp("d/d policy_chosen" + s, a->grad.to_vector(), g.d_chosen) < 1e-14);
        CHECK(cmp("d/d policy_rejected" + s, b->grad.to_vector(), d_rejected) < 1e-14);
    }
}
