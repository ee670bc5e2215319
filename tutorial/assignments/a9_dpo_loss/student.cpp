// tutorial/assignments/a9_dpo_loss/student.cpp: YOUR code for assignment 9.
// Replace each `throw` with your implementation; `make assignment A=9` grades it.
#include "tutorial/assignments/a9_dpo_loss/student.h"

#include <stdexcept>

#include "autograd/ops.h"

namespace course {

sr::Var sequence_logprobs(const sr::Var& logits, const sr::Batch& batch) {
    // TODO(a9.1): per-position log-probs of the targets (B,T); times the mask as a constant
    // (B,T) tensor in the logits' dtype; summed over T. A sum, not a mean: why? (README.md)  (~5 lines)
    throw std::runtime_error("not implemented yet: sequence_logprobs (TODO a9.1)");
}

sr::Var dpo_loss(const sr::Var& policy_chosen, const sr::Var& policy_rejected, const sr::Tensor& ref_chosen,
                 const sr::Tensor& ref_rejected, double beta) {
    // TODO(a9.2): the references as sr::constant; h with sub; then which op keeps
    // -log sigmoid finite at |beta h| = 1000?  (~6 lines)
    throw std::runtime_error("not implemented yet: dpo_loss (TODO a9.2)");
}

sr::Var ipo_loss(const sr::Var& policy_chosen, const sr::Var& policy_rejected, const sr::Tensor& ref_chosen,
                 const sr::Tensor& ref_rejected, double tau) {
    // TODO(a9.3): as dpo_loss up to h, then the squared distance to 1/(2 tau).  (~6 lines)
    throw std::runtime_error("not implemented yet: ipo_loss (TODO a9.3)");
}

}  // namespace course
