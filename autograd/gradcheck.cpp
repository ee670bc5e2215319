// autograd/gradcheck.cpp
#include "autograd/gradcheck.h"

#include <cmath>
#include <cstdio>

#include "tensor/ops.h"

namespace sr {

double GradcheckReport::max_rel_error() const {
    double m = 0;
    for (const auto& it : items) m = std::max(m, it.max_rel_error);
    return m;
}

std::string GradcheckReport::str() const {
    std::string s;
    char buf[256];
    for (const auto& it : items) {
        std::snprintf(buf, sizeof buf, "input %d: max rel error %.3e at index %lld (analytic %.10g, numeric %.10g; %lld entries)\n",
                      it.input, it.max_rel_error, static_cast<long long>(it.worst_index), it.analytic, it.numeric,
                      static_cast<long long>(it.checked));
        s += buf;
    }
    return s;
}

// L = sum(f(x) * R), evaluated without recording a graph.
static double objective(const GradcheckFn& f, const std::vector<Tensor>& xs, Tensor& R) {
    NoGrad guard;
    std::vector<Var> vars;
    for (const Tensor& x : xs) vars.push_back(constant(x));
    const Tensor out = f(vars)->data;
    if (!R.defined()) return 0;
    return dot_all(out, R);
}

GradcheckReport gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
    std::vector<Tensor> xs;
    for (const Tensor& t : inputs) xs.push_back(t.to(DType::F64));

    // Analytic gradients.
    std::vector<Var> vars;
    for (size_t i = 0; i < xs.size(); i++) {
        const bool want = opt.wants_grad.empty() || opt.wants_grad[i];
        vars.push_back(want ? param(xs[i]) : constant(xs[i]));
    }
    Var out = f(vars);
    if (out->data.dtype() != DType::F64) fail("gradcheck", "the function must keep float64 (got " + out->data.str() + ")");
    Rng rng(opt.seed);
    Tensor R = rand_uniform(out->data.shape(), rng, 0.5, 1.5, DType::F64);
    backward(out, R);

    GradcheckReport report;
    for (size_t i = 0; i < xs.size(); i++) {
        if (!vars[i]->requires_grad) continue;
        GradcheckItem item;
        item.input = static_cast<int>(i);
        const int64_t n = xs[i].numel();
        const int64_t step = std::max<int64_t>(1, n / std::max<int64_t>(1, opt.max_entries));
        for (int64_t j = 0; j < n; j += step) {
            const double a = vars[i]->grad.defined() ? vars[i]->grad.at(j) : 0.0;
            std::vector<Tensor> plus = xs, minus = xs;
            plus[i] = xs[i].clone();
            minus[i] = xs[i].clone();
            plus[i].set(j, xs[i].at(j) + opt.eps);
            minus[i].set(j, xs[i].at(j) - opt.eps);
            const double num = (objective(f, plus, R) - objective(f, minus, R)) / (2 * opt.eps);
            const double rel = std::fabs(a - num) / std::max(std::fabs(a) + std::fabs(num), opt.tiny);
            if (rel > item.max_rel_error || item.worst_index < 0) {
                item.max_rel_error = rel;
                item.worst_index = j;
                item.analytic = a;
                item.numeric = num;
            }
            item.checked++;
        }
        report.items.push_back(item);
    }
    return report;
}

}  // namespace sr
