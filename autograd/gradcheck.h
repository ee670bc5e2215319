// autograd/gradcheck.h: compare backward() with central finite differences, in double.
//
// For a function f of some input tensors, gradcheck builds L = sum(f(x) * R) with a fixed
// random R (so every output element matters, with a different weight), computes dL/dx by
// backward(), and compares it with (L(x + eps) - L(x - eps)) / (2 eps) entry by entry.
// Relative error per entry: |a - n| / max(|a| + |n|, tiny). cs231n's reading of it:
// above 1e-2 the gradient is wrong; below 1e-7 it is as good as double allows; in between,
// look at kinks (relu, max) and at the scale of the numbers. Inputs are converted to float64.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/var.h"

namespace sr {

struct GradcheckItem {
    int input = 0;              // which input
    double max_rel_error = 0;   // worst entry's relative error
    int64_t worst_index = -1;   // flat index of that entry
    double analytic = 0, numeric = 0;  // the two values at the worst entry
    int64_t checked = 0;        // entries checked
};

struct GradcheckReport {
    std::vector<GradcheckItem> items;  // one per input that requires a gradient
    double max_rel_error() const;
    std::string str() const;           // one line per input
};

struct GradcheckOptions {
    double eps = 1e-5;
    double tiny = 1e-6;           // floor of the relative error's denominator
    int64_t max_entries = 64;     // per input: check at most this many entries (evenly spread)
    uint64_t seed = 1234;         // for the output weights R
    std::vector<bool> wants_grad; // per input; empty means all inputs
};

using GradcheckFn = std::function<Var(const std::vector<Var>&)>;

GradcheckReport gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opt = {});

}  // namespace sr
