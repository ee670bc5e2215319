// tutorial/assignments/a5_softmax_masked_xent/student.cpp: YOUR code for assignment 5.
// Replace each `throw` with your implementation; `make assignment A=5` grades it.
#include "tutorial/assignments/a5_softmax_masked_xent/student.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace course {

void softmax_forward(double* out, const double* inp, int64_t N, int C) {
    // TODO(a5.1): per row: subtract the row's max before exponentiating (why does that not
    // change the result?), normalise by the sum. Mind the all -inf row.  (~15 lines)
    throw std::runtime_error("not implemented yet: softmax_forward (TODO a5.1)");
}

double masked_cross_entropy(double* dlogits, const double* logits, const int* targets, const double* mask, int64_t N, int V) {
    // TODO(a5.2): 1. denom = sum of the mask (N without one); check the counted targets.
    //             2. per counted row: log-sum-exp with the max trick, nll = lse - logit[target],
    //                probabilities p; dlogits row = m_i (p - onehot) / denom. Other rows: 0.
    //             3. return sum m_i nll_i / denom (0 if denom == 0).  (~30 lines)
    throw std::runtime_error("not implemented yet: masked_cross_entropy (TODO a5.2)");
}

}  // namespace course
