// tutorial/assignments/a2_sigmoid_logsigmoid/student.h: what assignment 2 asks you to write:
// a new differentiable op, in the style of autograd/ops.cpp (forward, then the closure that
// is its backward, registered with sr::make_node). Every function keeps its input's dtype.
#pragma once
#include "autograd/var.h"

namespace course {

// a2.1  sigma(x) = 1 / (1 + e^-x), elementwise, never overflowing (finite for any finite x);
//       backward: dx += g * sigma(x) * (1 - sigma(x)).
sr::Var sigmoid(const sr::Var& x);

// a2.2  log(sigma(x)) composed from YOUR sigmoid and sr::log: two ops, no new backward.
sr::Var log_sigmoid_naive(const sr::Var& x);

// a2.3  log(sigma(x)) as ONE op, finite in value and gradient for every finite x
//       (float32 at +-50 and +-100, float64 at +-800). Derive the forward and backward yourself.
sr::Var log_sigmoid_stable(const sr::Var& x);

}  // namespace course
