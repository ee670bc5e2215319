// autograd/optim.h: optimizers, gradient clipping and the learning-rate schedule.
#pragma once
#include <string>
#include <vector>

#include "autograd/var.h"

namespace sr {

// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm
// before clipping (log it: a growing norm is the first sign of trouble).
double clip_grad_norm(const std::vector<Var>& params, double max_norm);
// The global L2 norm of the gradients (no clipping).
double grad_norm(const std::vector<Var>& params);

// SGD with momentum: v = momentum * v + g; p -= lr * v
class SGD {
public:
    SGD(std::vector<Var> params, double lr, double momentum = 0.0);
    void step();
    void zero_grad();
    double lr;
    double momentum;

private:
    std::vector<Var> params_;
    std::vector<Tensor> velocity_;
};

// AdamW (Loshchilov & Hutter): Adam moments with bias correction, and weight decay applied
// to the parameter directly (decoupled), not added to the gradient:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   p -= lr * ( m_hat / (sqrt(v_hat) + eps) + wd * p )
// Parameters whose decay flag is false (biases, LayerNorm gains) get no weight decay.
class AdamW {
public:
    AdamW(std::vector<Var> params, double lr, double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8,
          double weight_decay = 0.1, std::vector<bool> decay = {});
    void step();
    void zero_grad();
    double lr;
    double beta1, beta2, eps, weight_decay;
    long step_count() const { return t_; }
    // State for checkpoints: the moments of every parameter, in order, and the step count.
    std::vector<Tensor>& m() { return m_; }
    std::vector<Tensor>& v() { return v_; }
    void set_step_count(long t) { t_ = t; }

private:
    std::vector<Var> params_;
    std::vector<bool> decay_;
    std::vector<Tensor> m_, v_;
    long t_ = 0;
};

// Linear warmup from 0 to max_lr over warmup steps, then cosine decay to min_lr at total.
double lr_schedule(long step, long warmup, long total, double max_lr, double min_lr);

}  // namespace sr
