// tutorial/assignments/solutions/a1_numeric_gradients/student.cpp: the reference solution
// of assignment 1 (not in the student release).
#include "tutorial/assignments/a1_numeric_gradients/student.h"

#include <algorithm>
#include <cmath>

#include "tensor/ops.h"

namespace course {

double relative_error(double analytic, double numeric, double tiny) {
    return std::fabs(analytic - numeric) / std::max(std::fabs(analytic) + std::fabs(numeric), tiny);
}

sr::Tensor numeric_gradient(const std::function<double(const sr::Tensor&)>& L, const sr::Tensor& x, double eps) {
    sr::Tensor probe = x.clone();  // we nudge a copy: the caller's x stays as it was
    sr::Tensor grad = sr::Tensor::zeros(x.shape(), sr::DType::F64);
    for (int64_t i = 0; i < x.numel(); i++) {
        const double xi = x.at(i);
        probe.set(i, xi + eps);
        const double plus = L(probe);
        probe.set(i, xi - eps);
        const double minus = L(probe);
        probe.set(i, xi);
        grad.set(i, (plus - minus) / (2 * eps));
    }
    return grad;
}

GradientCheck check_gradient(const std::function<sr::Var(const sr::Var&)>& f, const sr::Tensor& x, uint64_t seed, double eps) {
    const sr::Tensor x64 = x.to(sr::DType::F64);
    const sr::Var v = sr::param(x64);
    const sr::Var out = f(v);
    sr::Rng rng(seed);
    const sr::Tensor R = sr::rand_uniform(out->data.shape(), rng, 0.5, 1.5, sr::DType::F64);
    sr::backward(out, R);

    GradientCheck c;
    c.analytic = v->grad.defined() ? v->grad.clone() : sr::Tensor::zeros(x64.shape(), sr::DType::F64);
    c.numeric = numeric_gradient(
        [&](const sr::Tensor& t) {
            sr::NoGrad no_graph;
            return sr::dot_all(f(sr::constant(t))->data, R);
        },
        x64, eps);
    for (int64_t i = 0; i < x64.numel(); i++) {
        const double e = relative_error(c.analytic.at(i), c.numeric.at(i));
        if (c.worst_index < 0 || e > c.max_rel_error) c.max_rel_error = e, c.worst_index = i;
    }
    return c;
}

}  // namespace course
