// tutorial/assignments/solutions/a7_adamw_schedule/student.cpp: the reference solution of
// assignment 7 (not in the student release).
#include "tutorial/assignments/a7_adamw_schedule/student.h"

#include <algorithm>
#include <cmath>

namespace course {

double lr_at(long step, long warmup, long total, double max_lr, double min_lr) {
    if (warmup > 0 && step < warmup) return max_lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
    if (step >= total) return min_lr;
    const double progress = static_cast<double>(step - warmup) / static_cast<double>(std::max(1L, total - warmup));
    return min_lr + 0.5 * (max_lr - min_lr) * (1 + std::cos(3.141592653589793 * progress));
}

double clip_by_global_norm(const std::vector<std::vector<double>*>& grads, double max_norm) {
    double sq = 0;
    for (const auto* g : grads)
        for (double x : *g) sq += x * x;
    const double norm = std::sqrt(sq);
    if (norm > max_norm && norm > 0) {
        const double scale = max_norm / (norm + 1e-6);
        for (auto* g : grads)
            for (double& x : *g) x *= scale;
    }
    return norm;
}

void adamw_update(std::vector<double>& p, std::vector<double>& m, std::vector<double>& v, const std::vector<double>& g, long t,
                  const AdamWHyper& h, bool decay) {
    const double bc1 = 1 - std::pow(h.beta1, static_cast<double>(t)), bc2 = 1 - std::pow(h.beta2, static_cast<double>(t));
    const double wd = decay ? h.weight_decay : 0.0;
    for (size_t i = 0; i < p.size(); i++) {
        m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];
        v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
        p[i] -= h.lr * ((m[i] / bc1) / (std::sqrt(v[i] / bc2) + h.eps) + wd * p[i]);
    }
}

}  // namespace course
