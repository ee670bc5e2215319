// autograd/optim.cpp
#include "autograd/optim.h"

#include <cmath>

#include "tensor/kernels.h"

namespace sr {

// Sum of squares in double, in fixed blocks: each block is summed on its own (in parallel,
// vectorised) and the block sums are added in order, so the result does not depend on the
// thread count. (One serial chain of double adds was 1% of a training step.)
template <typename T> static double sum_of_squares(const T* g, int64_t n) {
    constexpr int64_t kBlock = 4096;
    const int64_t blocks = (n + kBlock - 1) / kBlock;
    std::vector<double> part(static_cast<size_t>(blocks));
    kernels::parallel_for(blocks, n, [&](int64_t b) {
        const int64_t end = std::min(n, (b + 1) * kBlock);
        double s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t i = b * kBlock; i < end; i++) s += static_cast<double>(g[i]) * static_cast<double>(g[i]);
        part[static_cast<size_t>(b)] = s;
    });
    double s = 0;
    for (double x : part) s += x;
    return s;
}

double grad_norm(const std::vector<Var>& params) {
    double s = 0;
    for (const Var& p : params) {
        if (!p->grad.defined()) continue;
        if (p->grad.dtype() == DType::F32) s += sum_of_squares(p->grad.data<float>(), p->grad.numel());
        else s += sum_of_squares(p->grad.data<double>(), p->grad.numel());
    }
    return std::sqrt(s);
}

double clip_grad_norm(const std::vector<Var>& params, double max_norm) {
    const double norm = grad_norm(params);
    if (norm > max_norm && norm > 0) {
        const double scale = max_norm / (norm + 1e-6);  // the same small epsilon as PyTorch
        for (const Var& p : params) {
            if (!p->grad.defined()) continue;
            const int64_t n = p->grad.numel();
            if (p->grad.dtype() == DType::F32) {
                float* g = p->grad.data<float>();
                kernels::parallel_for(n, n, [&](int64_t i) { g[i] = static_cast<float>(g[i] * scale); });
            } else {
                double* g = p->grad.data<double>();
                kernels::parallel_for(n, n, [&](int64_t i) { g[i] *= scale; });
            }
        }
    }
    return norm;
}

SGD::SGD(std::vector<Var> params, double lr_, double momentum_) : lr(lr_), momentum(momentum_), params_(std::move(params)) {
    for (const Var& p : params_) velocity_.push_back(Tensor::zeros(p->data.shape(), p->data.dtype()));
}

void SGD::step() {
    for (size_t k = 0; k < params_.size(); k++) {
        Node& p = *params_[k];
        if (!p.grad.defined()) continue;
        for (int64_t i = 0; i < p.data.numel(); i++) {
            const double v = momentum * velocity_[k].at(i) + p.grad.at(i);
            velocity_[k].set(i, v);
            p.data.set(i, p.data.at(i) - lr * v);
        }
    }
}

void SGD::zero_grad() { sr::zero_grad(params_); }

AdamW::AdamW(std::vector<Var> params, double lr_, double b1, double b2, double eps_, double wd, std::vector<bool> decay)
    : lr(lr_), beta1(b1), beta2(b2), eps(eps_), weight_decay(wd), params_(std::move(params)), decay_(std::move(decay)) {
    if (decay_.empty()) decay_.assign(params_.size(), true);
    if (decay_.size() != params_.size()) fail("AdamW", "one decay flag per parameter needed");
    for (const Var& p : params_) {
        m_.push_back(Tensor::zeros(p->data.shape(), p->data.dtype()));
        v_.push_back(Tensor::zeros(p->data.shape(), p->data.dtype()));
    }
}

template <typename T>
static void adamw_update(T* p, T* m, T* v, const T* g, int64_t n, double lr, double b1, double b2, double eps, double wd,
                         double bc1, double bc2) {
    kernels::parallel_for(n, n, [&](int64_t i) {
        const double gi = g[i];
        const double mi = b1 * m[i] + (1 - b1) * gi;
        const double vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = static_cast<T>(mi);
        v[i] = static_cast<T>(vi);
        const double update = (mi / bc1) / (std::sqrt(vi / bc2) + eps) + wd * p[i];
        p[i] = static_cast<T>(p[i] - lr * update);
    });
}

void AdamW::step() {
    t_++;
    const double bc1 = 1 - std::pow(beta1, static_cast<double>(t_)), bc2 = 1 - std::pow(beta2, static_cast<double>(t_));
    for (size_t k = 0; k < params_.size(); k++) {
        Node& p = *params_[k];
        if (!p.grad.defined()) continue;
        const double wd = decay_[k] ? weight_decay : 0.0;
        if (p.data.dtype() == DType::F32)
            adamw_update(p.data.data<float>(), m_[k].data<float>(), v_[k].data<float>(), p.grad.data<float>(), p.data.numel(),
                         lr, beta1, beta2, eps, wd, bc1, bc2);
        else
            adamw_update(p.data.data<double>(), m_[k].data<double>(), v_[k].data<double>(), p.grad.data<double>(),
                         p.data.numel(), lr, beta1, beta2, eps, wd, bc1, bc2);
    }
}

void AdamW::zero_grad() { sr::zero_grad(params_); }

double lr_schedule(long step, long warmup, long total, double max_lr, double min_lr) {
    if (warmup > 0 && step < warmup) return max_lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
    if (step >= total) return min_lr;
    const double progress = static_cast<double>(step - warmup) / static_cast<double>(std::max(1L, total - warmup));
    return min_lr + 0.5 * (max_lr - min_lr) * (1 + std::cos(3.141592653589793 * progress));
}

}  // namespace sr
