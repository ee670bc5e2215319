// tutorial/assignments/a1_numeric_gradients/test_a1.cpp: the grader of assignment 1.
// Open book: the references are the engine's backward() and gradcheck() (autograd/).
#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tutorial/assignments/a1_numeric_gradients/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;

TEST_CASE("a1.1 relative_error: cs231n's formula with a floor on the denominator", "[a1][a1.1]") {
    CHECK(course::relative_error(1.0, 1.0) == 0.0);
    CHECK(course::relative_error(1.0, -1.0) == 1.0);
    CHECK(course::relative_error(3.0, 1.0) == 0.5);
    CHECK(course::relative_error(-2.0, -2.5) == Approx(0.5 / 4.5).epsilon(1e-15));
    CHECK(course::relative_error(0.0, 0.0) == 0.0);                          // no 0/0
    CHECK(course::relative_error(1e-9, 0.0) == Approx(1e-3).epsilon(1e-12));  // the floor tiny = 1e-6
    CHECK(course::relative_error(1e-9, 0.0, 1e-12) == 1.0);
}

TEST_CASE("a1.2 numeric_gradient of sum(x^3) is 3x^2 to 1e-8 in double, and x is unchanged", "[a1][a1.2]") {
    const Tensor x = grade::randn64({3, 4}, 7);
    const Tensor before = x.clone();
    const Tensor g = course::numeric_gradient([](const Tensor& t) { return sum_all(pow(t, 3.0)).item(); }, x);
    REQUIRE(g.dtype() == DType::F64);
    const Tensor expected = mul_scalar(pow(x, 2.0), 3.0);
    CHECK(cmp("d sum(x^3) / dx", g, expected) < 1e-8);
    CHECK(cmp("x after the call", x, before) == 0.0);
}

TEST_CASE("a1.2 numeric_gradient agrees with backward() through softmax and log", "[a1][a1.2]") {
    const Tensor x = grade::randn64({2, 5}, 11);
    const Tensor w = grade::randn64({2, 5}, 12);
    auto L = [&](const Var& v) { return sum_all(mul(log(softmax(v)), constant(w))); };
    const Var v = param(x);
    backward(L(v));
    const Tensor g = course::numeric_gradient([&](const Tensor& t) { NoGrad ng; return L(constant(t))->data.item(); }, x);
    CHECK(cmp("d L / dx vs backward", g, v->grad) < 1e-8);
}

// An op with a planted bug: forward x^2, backward g * x (the factor 2 is missing).
static Var buggy_square(const Var& a) {
    return make_node(mul(a->data, a->data), "buggy_square", {a},
                     [](Node& self) { self.inputs[0]->accumulate(mul(self.grad, self.inputs[0]->data)); });
}

TEST_CASE("a1.3 check_gradient matches the engine's gradcheck and passes correct ops (< 1e-6)", "[a1][a1.3]") {
    const Tensor x = grade::randn64({4, 6}, 3);
    const std::vector<std::pair<const char*, std::function<Var(const Var&)>>> ops = {
        {"tanh", [](const Var& v) { return tanh(v); }},
        {"gelu", [](const Var& v) { return gelu(v); }},
        {"softmax", [](const Var& v) { return softmax(v); }},
        {"x * exp(x) / 3", [](const Var& v) { return mul_scalar(mul(v, exp(v)), 1.0 / 3); }},
        {"sum over axis 0", [](const Var& v) { return sum(v, 0); }},
    };
    for (const auto& [name, f] : ops) {
        INFO("op: " << name);
        const course::GradientCheck mine = course::check_gradient(f, x);
        const GradcheckReport engine = gradcheck([f = f](const std::vector<Var>& in) { return f(in[0]); }, {x});
        const Var v = param(x);
        Rng rng(1234);
        const Var out = f(v);
        backward(out, rand_uniform(out->data.shape(), rng, 0.5, 1.5, DType::F64));
        CHECK(cmp(std::string("analytic ") + name, mine.analytic, v->grad) < 1e-12);
        CHECK(cmp(std::string("numeric ") + name, mine.numeric, v->grad) < 1e-7);
        std::printf("    max rel error: yours %.2e, engine's gradcheck %.2e\n", mine.max_rel_error, engine.max_rel_error());
        CHECK(mine.max_rel_error < 1e-6);  // the engine's own threshold (tests/test_gradcheck.cpp)
        CHECK(engine.max_rel_error() < 1e-6);
        CHECK(mine.worst_index >= 0);
    }
}

TEST_CASE("a1.3 check_gradient catches a planted bug (rel error > 1e-2)", "[a1][a1.3]") {
    const Tensor x = grade::randn64({10}, 5);
    const course::GradientCheck mine = course::check_gradient([](const Var& v) { return buggy_square(v); }, x);
    const GradcheckReport engine = gradcheck([](const std::vector<Var>& in) { return buggy_square(in[0]); }, {x});
    std::printf("    planted bug: yours %.3f at index %lld, engine's %.3f\n", mine.max_rel_error,
                static_cast<long long>(mine.worst_index), engine.max_rel_error());
    CHECK(mine.max_rel_error > 1e-2);
    CHECK(cmp("max rel error vs engine", mine.max_rel_error, engine.max_rel_error()) < 1e-9);
    // the analytic gradient is half the true one everywhere: relative error exactly 1/3
    CHECK(mine.max_rel_error == Approx(1.0 / 3).epsilon(1e-6));
}
