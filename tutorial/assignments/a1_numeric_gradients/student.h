// tutorial/assignments/a1_numeric_gradients/student.h: what assignment 1 asks you to write.
// The engine's own version is autograd/gradcheck.cpp: read it AFTER you are done.
#pragma once
#include <cstdint>
#include <functional>

#include "autograd/var.h"

namespace course {

// a1.1  cs231n's relative error: |a - n| / max(|a| + |n|, tiny).
double relative_error(double analytic, double numeric, double tiny = 1e-6);

// a1.2  dL/dx by central differences, (L(x + eps e_i) - L(x - eps e_i)) / (2 eps) for every
// entry i. x is float64 of any shape; the result has x's shape, float64. x is left unchanged.
sr::Tensor numeric_gradient(const std::function<double(const sr::Tensor&)>& L, const sr::Tensor& x, double eps = 1e-5);

// a1.3  The engine's gradient check for one input, on every entry:
//   R  = uniform [0.5, 1.5) of f(x)'s shape: sr::rand_uniform(shape, sr::Rng(seed), 0.5, 1.5, F64)
//   L  = sum(f(x) * R)
//   analytic = dL/dx by backward(f(x), R);  numeric = numeric_gradient of L (no graph recorded)
struct GradientCheck {
    sr::Tensor analytic, numeric;  // x's shape, float64
    double max_rel_error = 0;      // the worst entry's relative_error(analytic, numeric)
    int64_t worst_index = -1;      // its flat index
};
GradientCheck check_gradient(const std::function<sr::Var(const sr::Var&)>& f, const sr::Tensor& x, uint64_t seed = 1234,
                             double eps = 1e-5);

}  // namespace course
