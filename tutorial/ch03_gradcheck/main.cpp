// Chapter 3: gradient checking. The error of a central difference as eps shrinks, gradcheck on a
// few ops (read as cs231n does), and a deliberately wrong backward that gradcheck catches.
#include <cmath>
#include <cstdio>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

using namespace sr;

// cs231n's reading of a relative error
static const char* verdict(double rel) { return rel < 1e-7 ? "good (< 1e-7)" : rel < 1e-2 ? "look closer" : "WRONG (> 1e-2)"; }

// sigmoid with a bug in its backward: sigmoid' = s (1 - s), but this sends s.
static Var buggy_sigmoid(const Var& a) {
    Tensor s = Tensor::empty(a->data.shape(), a->data.dtype());
    for (int64_t i = 0; i < s.numel(); i++) s.set(i, 1.0 / (1.0 + std::exp(-a->data.at(i))));
    return make_node(s, "buggy_sigmoid", {a}, [](Node& self) { self.inputs[0]->accumulate(sr::mul(self.grad, self.data)); });
}

int main() {
    // d/dx exp(x) at x = 1 by central differences: the error falls as eps^2 until rounding wins.
    std::printf("central difference of exp at 1 (exact e = %.12f)\n", std::exp(1.0));
    for (double eps : {1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10, 1e-12}) {
        const double num = (std::exp(1 + eps) - std::exp(1 - eps)) / (2 * eps);
        std::printf("  eps %.0e  error %.1e   (e eps^2/6 = %.1e)\n", eps, std::fabs(num - std::exp(1.0)), std::exp(1.0) * eps * eps / 6);
    }

    Rng rng(3);
    const Tensor x = randn({4, 5}, rng, 1.0, DType::F64), row = randn({5}, rng, 1.0, DType::F64);
    const Tensor w = randn({5, 3}, rng, 1.0, DType::F64);
    struct Case { const char* name; GradcheckFn f; std::vector<Tensor> in; };
    const std::vector<Case> cases = {
        {"tanh", [](const std::vector<Var>& v) { return tanh(v[0]); }, {x}},
        {"mul (4,5) * (5)", [](const std::vector<Var>& v) { return mul(v[0], v[1]); }, {x, row}},
        {"matmul (4,5) x (5,3)", [](const std::vector<Var>& v) { return matmul(v[0], v[1]); }, {x, w}},
        {"softmax", [](const std::vector<Var>& v) { return softmax(v[0]); }, {x}},
        {"log_sigmoid", [](const std::vector<Var>& v) { return log_sigmoid(v[0]); }, {x}},
        {"buggy_sigmoid", [](const std::vector<Var>& v) { return buggy_sigmoid(v[0]); }, {x}},
    };
    for (const Case& c : cases) {
        const GradcheckReport r = gradcheck(c.f, c.in);
        std::printf("gradcheck %-22s max rel error: %s\n", c.name, verdict(r.max_rel_error()));
    }
    const GradcheckReport bad = gradcheck(cases.back().f, cases.back().in);
    const GradcheckItem& it = bad.items[0];
    std::printf("  worst entry %lld: analytic %.4f, numeric %.4f (each is R times s, resp. s(1-s))\n", static_cast<long long>(it.worst_index), it.analytic,
                it.numeric);
    return 0;
}
