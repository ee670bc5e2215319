// tutorial/assignments/a1_numeric_gradients/student.cpp: YOUR code for assignment 1.
// Replace each `throw` with your implementation; `make assignment A=1` grades it.
#include "tutorial/assignments/a1_numeric_gradients/student.h"

#include <cmath>
#include <stdexcept>

#include "tensor/ops.h"

namespace course {

double relative_error(double analytic, double numeric, double tiny) {
    // TODO(a1.1): |a - n| / max(|a| + |n|, tiny)   (1 line)
    throw std::runtime_error("not implemented yet: relative_error (TODO a1.1)");
}

sr::Tensor numeric_gradient(const std::function<double(const sr::Tensor&)>& L, const sr::Tensor& x, double eps) {
    // TODO(a1.2): copy x (x.clone()), then for every flat index i: set entry i to x_i + eps,
    // evaluate L, set it to x_i - eps, evaluate L, restore it; the centred difference goes into
    // a float64 tensor of x's shape. Tensor::at / Tensor::set read and write by flat index.  (~10 lines)
    throw std::runtime_error("not implemented yet: numeric_gradient (TODO a1.2)");
}

GradientCheck check_gradient(const std::function<sr::Var(const sr::Var&)>& f, const sr::Tensor& x, uint64_t seed, double eps) {
    // TODO(a1.3): 1. x64 = x.to(F64); v = sr::param(x64); out = f(v).
    //             2. R as in student.h; sr::backward(out, R); analytic = v->grad (zeros if undefined).
    //             3. L(t) = sr::dot_all(f(sr::constant(t))->data, R), under an sr::NoGrad guard.
    //             4. numeric = numeric_gradient(L, x64, eps); the worst relative_error.  (~20 lines)
    throw std::runtime_error("not implemented yet: check_gradient (TODO a1.3)");
}

}  // namespace course
