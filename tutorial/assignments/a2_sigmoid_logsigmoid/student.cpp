// tutorial/assignments/a2_sigmoid_logsigmoid/student.cpp: YOUR code for assignment 2.
// Replace each `throw` with your implementation; `make assignment A=2` grades it.
#include "tutorial/assignments/a2_sigmoid_logsigmoid/student.h"

#include <cmath>
#include <stdexcept>

#include "autograd/ops.h"
#include "tensor/ops.h"

namespace course {

sr::Var sigmoid(const sr::Var& x) {
    // TODO(a2.1): out = Tensor::empty(shape, dtype); fill it entry by entry (at/set), choosing
    // for x >= 0 and x < 0 a form whose exponential cannot overflow. Then
    //   return sr::make_node(out, "sigmoid", {x}, [](sr::Node& self) { ... accumulate ... });
    // In the closure self.data is sigma(x) and self.grad is dL/d(out).  (~15 lines)
    throw std::runtime_error("not implemented yet: sigmoid (TODO a2.1)");
}

sr::Var log_sigmoid_naive(const sr::Var& x) {
    // TODO(a2.2): one line.
    throw std::runtime_error("not implemented yet: log_sigmoid_naive (TODO a2.2)");
}

sr::Var log_sigmoid_stable(const sr::Var& x) {
    // TODO(a2.3): write log sigma(x) so that no exponential of a large positive number and no
    // log of 0 appears (hint: split on the sign of x, or use min(x, 0) and std::log1p), then
    // its derivative in terms of sigma(-x).  (~15 lines)
    throw std::runtime_error("not implemented yet: log_sigmoid_stable (TODO a2.3)");
}

}  // namespace course
