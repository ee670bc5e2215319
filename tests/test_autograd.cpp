// Autograd engine: accumulation, no-grad, deep graphs, optimizers, a golden training run.
#include <cmath>
#include <cstdio>

#include "tests/catch.hpp"

#include "autograd/ops.h"
#include "autograd/optim.h"
#include "tensor/ops.h"

using namespace sr;

TEST_CASE("backward twice accumulates (doubles the gradient); zero_grad resets", "[autograd]") {
    Var x = param(Tensor::from({1, 2, 3}, {3}, DType::F64));
    Var y = sum_all(mul(x, x));  // dy/dx = 2x
    backward(y);
    CHECK(x->grad.to_vector() == std::vector<double>{2, 4, 6});
    backward(y);
    CHECK(x->grad.to_vector() == std::vector<double>{4, 8, 12});
    zero_grad({x});
    CHECK(x->grad.to_vector() == std::vector<double>{0, 0, 0});
}

TEST_CASE("ops that write a fresh gradient buffer directly still accumulate into an existing one", "[autograd]") {
    // gelu and linear skip zeroing a gradient that does not exist yet; the second backward must add.
    for (int op = 0; op < 2; op++) {
        Var x = param(Tensor::from({-1.5, 0.25, 2.0, 0.5}, {2, 2}, DType::F64));
        Var w = param(Tensor::from({1, 2, 3, 4}, {2, 2}, DType::F64));
        Var y = sum_all(op == 0 ? gelu(x) : linear(x, w, nullptr));
        backward(y);
        const std::vector<double> once = x->grad.to_vector();
        backward(y);
        const std::vector<double> twice = x->grad.to_vector();
        for (size_t i = 0; i < once.size(); i++) CHECK(twice[i] == Approx(2 * once[i]));
        CHECK(std::fabs(once[0]) > 0);
    }
}

TEST_CASE("a value used twice receives both gradients", "[autograd]") {
    Var x = param(Tensor::from({3}, {1}, DType::F64));
    Var y = add(mul(x, x), mul_scalar(x, 4));  // dy/dx = 2x + 4 = 10
    backward(sum_all(y));
    CHECK(x->grad.item() == 10.0);
}

TEST_CASE("no-grad records nothing", "[autograd]") {
    Var x = param(Tensor::from({1, 2}, {2}));
    {
        NoGrad guard;
        Var y = mul(x, x);
        CHECK_FALSE(y->requires_grad);
        CHECK(y->inputs.empty());
        CHECK(!y->backward_fn);
        REQUIRE_THROWS(backward(sum_all(y)));
    }
    Var z = mul(x, x);  // the guard is gone: recording again
    CHECK(z->requires_grad);
    CHECK(z->inputs.size() == 2);
}

TEST_CASE("a chain of 1,000,000 nodes: backward and teardown without stack overflow", "[autograd]") {
    Var x = param(Tensor::from({1.0}, {1}, DType::F64));
    {
        Var y = x;
        for (int i = 0; i < 1000000; i++) y = add_scalar(y, 1e-6);
        CHECK(y->data.item() == Approx(2.0));
        backward(y);
    }  // the graph dies here: a recursive teardown would crash
    CHECK(x->grad.item() == 1.0);
}

TEST_CASE("AdamW: one step equals the hand-computed update", "[autograd][optim]") {
    Var p = param(Tensor::from({1.0, -2.0}, {2}, DType::F64));
    p->grad = Tensor::from({0.5, -0.25}, {2}, DType::F64);
    const double lr = 0.1, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
    AdamW opt({p}, lr, b1, b2, eps, wd);
    opt.step();
    // step 1: m = (1-b1) g, v = (1-b2) g^2, m_hat = g, v_hat = g^2 -> update = g/|g| = sign(g)
    // p = p - lr * (sign(g) * |g|/(|g| + eps) + wd * p)
    for (int i = 0; i < 2; i++) {
        const double p0 = i == 0 ? 1.0 : -2.0, g = i == 0 ? 0.5 : -0.25;
        const double expect = p0 - lr * (g / (std::fabs(g) + eps) + wd * p0);
        CHECK(p->data.at(i) == Approx(expect).epsilon(1e-12));
    }
    CHECK(opt.m()[0].at(0) == Approx(0.05));
    CHECK(opt.v()[0].at(1) == Approx(0.05 * 0.0625));
}

TEST_CASE("AdamW: parameters flagged no-decay get no weight decay", "[autograd][optim]") {
    Var a = param(Tensor::from({1.0}, {1}, DType::F64)), b = param(Tensor::from({1.0}, {1}, DType::F64));
    a->grad = Tensor::from({0.0}, {1}, DType::F64);
    b->grad = Tensor::from({0.0}, {1}, DType::F64);
    AdamW opt({a, b}, 0.1, 0.9, 0.95, 1e-8, 0.5, {true, false});
    opt.step();
    CHECK(a->data.item() == Approx(1.0 - 0.1 * 0.5));
    CHECK(b->data.item() == 1.0);
}

TEST_CASE("SGD with momentum", "[autograd][optim]") {
    Var p = param(Tensor::from({1.0}, {1}, DType::F64));
    SGD opt({p}, 0.1, 0.9);
    p->grad = Tensor::from({1.0}, {1}, DType::F64);
    opt.step();  // v = 1, p = 0.9
    opt.step();  // v = 1.9, p = 0.71
    CHECK(p->data.item() == Approx(0.71));
}

TEST_CASE("clip_grad_norm scales to the max norm and returns the old norm", "[autograd][optim]") {
    Var a = param(Tensor::from({3.0}, {1}, DType::F64)), b = param(Tensor::from({0.0}, {1}, DType::F64));
    a->grad = Tensor::from({3.0}, {1}, DType::F64);
    b->grad = Tensor::from({4.0}, {1}, DType::F64);
    CHECK(clip_grad_norm({a, b}, 1.0) == Approx(5.0));
    CHECK(grad_norm({a, b}) == Approx(1.0).epsilon(1e-6));
    CHECK(clip_grad_norm({a, b}, 10.0) == Approx(1.0).epsilon(1e-6));  // below the max: unchanged
    CHECK(b->grad.item() == Approx(0.8).epsilon(1e-6));
}

TEST_CASE("learning-rate schedule: linear warmup then cosine to the minimum", "[autograd][optim]") {
    CHECK(lr_schedule(0, 10, 110, 1.0, 0.1) == Approx(0.1));
    CHECK(lr_schedule(9, 10, 110, 1.0, 0.1) == Approx(1.0));
    CHECK(lr_schedule(10, 10, 110, 1.0, 0.1) == Approx(1.0));
    CHECK(lr_schedule(60, 10, 110, 1.0, 0.1) == Approx(0.55));  // half way: the mean
    CHECK(lr_schedule(110, 10, 110, 1.0, 0.1) == Approx(0.1));
    CHECK(lr_schedule(500, 10, 110, 1.0, 0.1) == Approx(0.1));
}

// A 2-layer MLP learns XOR from a fixed seed. The loss after 200 steps is a golden value:
// any silent change to init, kernels, autograd or AdamW moves it.
static double train_xor(int steps) {
    Rng rng(1);
    Var w1 = param(randn({2, 8}, rng, 1.0)), b1 = param(Tensor::zeros({8}));
    Var w2 = param(randn({8, 2}, rng, 1.0)), b2 = param(Tensor::zeros({2}));
    const Var x = constant(Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}));
    const std::vector<int> y = {0, 1, 1, 0};
    AdamW opt({w1, b1, w2, b2}, 0.05, 0.9, 0.999, 1e-8, 0.0);
    double loss = 0;
    for (int s = 0; s < steps; s++) {
        opt.zero_grad();
        Var l = cross_entropy(linear(tanh(linear(x, w1, b1)), w2, b2), y);
        backward(l);
        opt.step();
        loss = l->data.item();
    }
    return loss;
}

TEST_CASE("a 2-layer MLP learns XOR (golden loss)", "[autograd][golden]") {
    const double loss = train_xor(200);
    std::printf("xor loss after 200 steps: %.9f\n", loss);
    CHECK(loss < 0.01);
    CHECK(loss == Approx(0.003752619).margin(1e-6));
}
