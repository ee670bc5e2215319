// tutorial/assignments/solutions/a9_dpo_loss/student.cpp: the reference solution of
// assignment 9 (not in the student release).
#include "tutorial/assignments/a9_dpo_loss/student.h"

#include "autograd/ops.h"

namespace course {

sr::Var sequence_logprobs(const sr::Var& logits, const sr::Batch& batch) {
    const sr::Var logp = sr::token_logprobs(logits, batch.targets);  // (B,T): log p(target_t | prefix)
    const std::vector<double> m(batch.mask.begin(), batch.mask.end());
    const sr::Var mask = sr::constant(sr::Tensor::from(m, {batch.B, batch.T}, logits->data.dtype()));
    return sr::sum(sr::mul(logp, mask), 1);  // (B)
}

// h = (pc - rc) - (pr - rr), (N); the references enter as constants
static sr::Var margin(const sr::Var& pc, const sr::Var& pr, const sr::Tensor& rc, const sr::Tensor& rr) {
    const sr::DType dt = pc->data.dtype();
    return sr::sub(sr::sub(pc, sr::constant(rc.to(dt))), sr::sub(pr, sr::constant(rr.to(dt))));
}

sr::Var dpo_loss(const sr::Var& pc, const sr::Var& pr, const sr::Tensor& rc, const sr::Tensor& rr, double beta) {
    return sr::mean_all(sr::neg(sr::log_sigmoid(sr::mul_scalar(margin(pc, pr, rc, rr), beta))));
}

sr::Var ipo_loss(const sr::Var& pc, const sr::Var& pr, const sr::Tensor& rc, const sr::Tensor& rr, double tau) {
    const sr::Var d = sr::add_scalar(margin(pc, pr, rc, rr), -1.0 / (2 * tau));
    return sr::mean_all(sr::mul(d, d));
}

}  // namespace course
