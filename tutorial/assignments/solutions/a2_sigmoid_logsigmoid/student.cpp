// tutorial/assignments/solutions/a2_sigmoid_logsigmoid/student.cpp: the reference solution of
// assignment 2 (not in the student release).
#include "tutorial/assignments/a2_sigmoid_logsigmoid/student.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops.h"
#include "tensor/ops.h"

namespace course {

static double sigmoid_value(double x) {
    if (x >= 0) return 1.0 / (1.0 + std::exp(-x));  // e^-x <= 1
    const double e = std::exp(x);                    // e^x < 1
    return e / (1.0 + e);
}

sr::Var sigmoid(const sr::Var& x) {
    sr::Tensor out = sr::Tensor::empty(x->data.shape(), x->data.dtype());
    for (int64_t i = 0; i < out.numel(); i++) out.set(i, sigmoid_value(x->data.at(i)));
    return sr::make_node(out, "sigmoid", {x}, [](sr::Node& self) {  // d sigma = sigma (1 - sigma)
        sr::Tensor g = self.grad.clone();
        for (int64_t i = 0; i < g.numel(); i++) {
            const double s = self.data.at(i);
            g.set(i, g.at(i) * s * (1.0 - s));
        }
        self.inputs[0]->accumulate(g);
    });
}

sr::Var log_sigmoid_naive(const sr::Var& x) { return sr::log(sigmoid(x)); }

sr::Var log_sigmoid_stable(const sr::Var& x) {
    // log sigma(x) = -log(1 + e^-x) = min(x, 0) - log(1 + e^-|x|): the exponent is never positive.
    sr::Tensor out = sr::Tensor::empty(x->data.shape(), x->data.dtype());
    for (int64_t i = 0; i < out.numel(); i++) {
        const double v = x->data.at(i);
        out.set(i, std::min(v, 0.0) - std::log1p(std::exp(-std::fabs(v))));
    }
    return sr::make_node(out, "log_sigmoid", {x}, [](sr::Node& self) {  // d/dx = 1 - sigma(x) = sigma(-x)
        sr::Tensor g = self.grad.clone();
        for (int64_t i = 0; i < g.numel(); i++) g.set(i, g.at(i) * sigmoid_value(-self.inputs[0]->data.at(i)));
        self.inputs[0]->accumulate(g);
    });
}

}  // namespace course
