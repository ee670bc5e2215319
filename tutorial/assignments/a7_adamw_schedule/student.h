// tutorial/assignments/a7_adamw_schedule/student.h: what assignment 7 asks you to write: the
// three pieces of every training step after backward(): the learning-rate schedule, gradient
// clipping by global norm, and the AdamW update. The engine's versions are in
// autograd/optim.cpp (lr_schedule, clip_grad_norm, AdamW::step): read them AFTER.
#pragma once
#include <vector>

namespace course {

// a7.1  Linear warmup, then cosine decay (step counts from 0):
//         step < warmup:   max_lr * (step + 1) / warmup
//         step >= total:   min_lr
//         otherwise:       min_lr + (max_lr - min_lr) * (1 + cos(pi * progress)) / 2,
//                          progress = (step - warmup) / max(1, total - warmup)
double lr_at(long step, long warmup, long total, double max_lr, double min_lr);

// a7.2  If the global L2 norm of all gradients (every entry of every vector) exceeds max_norm,
//       scale every gradient by max_norm / (norm + 1e-6) (PyTorch's epsilon). Returns the norm
//       BEFORE clipping.
double clip_by_global_norm(const std::vector<std::vector<double>*>& grads, double max_norm);

// a7.3  One AdamW step (Loshchilov & Hutter) of one parameter, in place, t = 1 on the first step:
//         m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
//         m_hat = m / (1 - b1^t)           v_hat = v / (1 - b2^t)
//         p -= lr * ( m_hat / (sqrt(v_hat) + eps) + wd * p )      (wd = 0 when decay is false)
struct AdamWHyper {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weight_decay = 0.1;
};
void adamw_update(std::vector<double>& p, std::vector<double>& m, std::vector<double>& v, const std::vector<double>& g, long t,
                  const AdamWHyper& h, bool decay);

}  // namespace course
