// tutorial/assignments/a9_dpo_loss/student.h: what assignment 9 asks you to write: the
// sequence log-probability log p(y|x) of a response and the DPO loss on top of it; then,
// as an extension, IPO. The engine's DPO is selfreward/dpo.cpp (sequence_logprobs,
// dpo_loss_from_logps): read it AFTER. IPO is not in the engine.
//
// Legend: B = rows, T = positions, V = vocabulary, N = pairs.
#pragma once
#include "autograd/var.h"
#include "model/train.h"

namespace course {

// a9.1  logits (B, T, V) of a batch made by sr::make_batch (so position t predicts
//       batch.targets[t], counted when batch.mask[t] != 0) -> (B): for each row the SUM over
//       its counted positions of log softmax(logits)[target]. Differentiable (autograd ops
//       only, e.g. sr::token_logprobs); keeps the logits' dtype.
sr::Var sequence_logprobs(const sr::Var& logits, const sr::Batch& batch);

// a9.2  DPO (Rafailov et al. 2023): each argument (N); ref_* are constants (no gradient).
//         h_i  = (policy_chosen_i - ref_chosen_i) - (policy_rejected_i - ref_rejected_i)
//         loss = mean_i  -log sigmoid(beta * h_i)          (finite for any h: |beta h| of 1000 too)
sr::Var dpo_loss(const sr::Var& policy_chosen, const sr::Var& policy_rejected, const sr::Tensor& ref_chosen,
                 const sr::Tensor& ref_rejected, double beta);

// a9.3  IPO (Azar et al. 2023, "A General Theoretical Paradigm to Understand Learning from
//       Human Preferences"), same h_i:   loss = mean_i (h_i - 1 / (2 tau))^2
sr::Var ipo_loss(const sr::Var& policy_chosen, const sr::Var& policy_rejected, const sr::Tensor& ref_chosen,
                 const sr::Tensor& ref_rejected, double tau);

}  // namespace course
