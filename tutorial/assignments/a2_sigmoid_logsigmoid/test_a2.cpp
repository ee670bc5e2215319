// tutorial/assignments/a2_sigmoid_logsigmoid/test_a2.cpp: the grader of assignment 2.
// Open book: the engine has log_sigmoid (autograd/ops.cpp), so sigma(x) = exp(log_sigmoid(x))
// and every value and gradient is compared with ops built from the engine's own.
#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tutorial/assignments/a2_sigmoid_logsigmoid/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;

static Tensor linspace(double lo, double hi, int n, DType dt = DType::F64) {
    Tensor t = Tensor::empty({n}, dt);
    for (int i = 0; i < n; i++) t.set(i, lo + (hi - lo) * i / (n - 1));
    return t;
}

static const std::vector<double> kExtremes = {-800, -100, -50, -20, -1, 0, 1, 20, 50, 100, 800};

TEST_CASE("a2.1 sigmoid: values equal exp(log_sigmoid) and stay finite at +-800", "[a2][a2.1]") {
    for (DType dt : {DType::F64, DType::F32}) {
        INFO("dtype " << dtype_name(dt));
        const Tensor x = linspace(-60, 60, 241, dt);
        const Var s = course::sigmoid(constant(x));
        REQUIRE(s->data.dtype() == dt);
        REQUIRE(s->data.shape() == x.shape());
        const double tol = dt == DType::F64 ? 1e-15 : 1e-7;
        CHECK(cmp(std::string("sigmoid ") + dtype_name(dt), s->data, exp(log_sigmoid(constant(x)))->data) < tol);
        const Var e = course::sigmoid(constant(Tensor::from(kExtremes, {11}, dt)));
        CHECK(all_finite(e->data));
        CHECK(e->data.at(0) == 0.0);
        CHECK(e->data.at(10) == 1.0);
        CHECK(e->data.at(5) == 0.5);
    }
}

TEST_CASE("a2.1 sigmoid: gradient check in double (< 1e-6) and accumulation when x is used twice", "[a2][a2.1]") {
    const GradcheckReport r = gradcheck([](const std::vector<Var>& v) { return course::sigmoid(v[0]); }, {grade::randn64({3, 7}, 21, 3.0)});
    std::printf("    gradcheck sigmoid: %s", r.str().c_str());
    CHECK(r.max_rel_error() < 1e-6);
    // y = x * sigmoid(x): x reaches y along two paths, so its gradient is a sum (accumulate, +=)
    const Tensor x = grade::randn64({8}, 22, 2.0);
    const Var a = param(x), b = param(x);
    backward(sum_all(mul(a, course::sigmoid(a))));
    backward(sum_all(mul(b, exp(log_sigmoid(b)))));
    CHECK(cmp("d x*sigmoid(x) / dx", a->grad, b->grad) < 1e-14);
}

TEST_CASE("a2.2 log_sigmoid_naive: right for moderate x, -inf at -800 in double", "[a2][a2.2]") {
    const Tensor x = linspace(-20, 20, 81);
    CHECK(cmp("naive vs engine, |x| <= 20", course::log_sigmoid_naive(constant(x))->data, log_sigmoid(constant(x))->data) < 1e-12);
    const Var a = param(x), b = param(x);
    backward(sum_all(course::log_sigmoid_naive(a)));
    backward(sum_all(log_sigmoid(b)));
    CHECK(cmp("its gradient, |x| <= 20", a->grad, b->grad) < 1e-12);
    // The written question in README.md: why is this -inf, when log sigma(-800) = -800?
    const double at_minus_800 = course::log_sigmoid_naive(constant(Tensor::from({-800.0}, {1}, DType::F64)))->data.item();
    std::printf("    log_sigmoid_naive(-800) = %g (the true value is -800)\n", at_minus_800);
    CHECK(std::isinf(at_minus_800));
}

TEST_CASE("a2.3 log_sigmoid_stable: equals the engine's op at +-50, +-100, +-800, values and gradients", "[a2][a2.3]") {
    for (DType dt : {DType::F64, DType::F32}) {
        INFO("dtype " << dtype_name(dt));
        const Tensor x = Tensor::from(kExtremes, {11}, dt);
        const Var a = param(x), b = param(x);
        const Var mine = course::log_sigmoid_stable(a);
        REQUIRE(mine->data.dtype() == dt);
        backward(sum_all(mine));
        backward(sum_all(log_sigmoid(b)));
        CHECK(all_finite(mine->data));
        REQUIRE(a->grad.defined());
        CHECK(all_finite(a->grad));
        const double tol = dt == DType::F64 ? 1e-13 : 1e-5;
        CHECK(cmp(std::string("values ") + dtype_name(dt), mine->data, log_sigmoid(constant(x))->data) < tol);
        CHECK(cmp(std::string("gradients ") + dtype_name(dt), a->grad, b->grad) < tol);
        CHECK(mine->data.at(0) == -800.0);
        CHECK(a->grad.at(0) == 1.0);
    }
}

TEST_CASE("a2.3 log_sigmoid_stable: gradient check in double (< 1e-6)", "[a2][a2.3]") {
    const GradcheckReport r =
        gradcheck([](const std::vector<Var>& v) { return course::log_sigmoid_stable(v[0]); }, {grade::randn64({4, 5}, 23, 4.0)});
    std::printf("    gradcheck log_sigmoid_stable: %s", r.str().c_str());
    CHECK(r.max_rel_error() < 1e-6);
}
