// tutorial/assignments/a5_softmax_masked_xent/student.h: what assignment 5 asks you to write:
// a stable softmax and the masked cross-entropy that every training stage uses (SFT counts
// only the response tokens). Plain loops on pointers, in double, as tensor/kernels.h writes
// them (softmax_forward, crossentropy_forward/backward: read those AFTER you are done).
//
// Legend: N = rows (B*T), V = vocabulary (the row length), C = a row's length in general.
#pragma once
#include <cstdint>

namespace course {

// a5.1  out (N,C) = softmax of each row of inp (N,C). Finite for any finite input (rows of
//       +-1000 included); a row that is all -inf (everything masked) gives all zeros.
void softmax_forward(double* out, const double* inp, int64_t N, int C);

// a5.2  loss = sum_i m_i * nll_i / sum_i m_i,  nll_i = -log softmax(logits_i)[targets_i],
//       m_i = mask[i] (mask == nullptr: every m_i = 1); loss = 0 when sum_i m_i = 0.
//       WRITES (=) dlogits (N,V) = dloss/dlogits = m_i * (softmax(logits_i) - onehot(targets_i)) / sum m.
//       A row with m_i == 0 is not read beyond its mask (its target may be anything, e.g. -1);
//       a counted row whose target is outside [0, V): throw std::runtime_error naming the
//       "target", its value and its row.
double masked_cross_entropy(double* dlogits, const double* logits, const int* targets, const double* mask, int64_t N, int V);

}  // namespace course
