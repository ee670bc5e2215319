// tutorial/assignments/a6_attention/student.cpp: YOUR code for assignment 6.
// Replace each `throw` with your implementation; `make assignment A=6` grades it.
#include "tutorial/assignments/a6_attention/student.h"

#include <cmath>
#include <stdexcept>

#include "autograd/ops.h"

namespace course {

sr::Var split_heads(const sr::Var& x, int n_head) {
    // TODO(a6.1): reshape (B,T,C) -> (B,T,NH,HS), then permute to (B,NH,T,HS).  (~4 lines)
    throw std::runtime_error("not implemented yet: split_heads (TODO a6.1)");
}

sr::Var merge_heads(const sr::Var& y) {
    // TODO(a6.1): the two steps of split_heads undone, in reverse order.  (~4 lines)
    throw std::runtime_error("not implemented yet: merge_heads (TODO a6.1)");
}

sr::Var attention_from_ops(const sr::Var& qkv, int n_head) {
    // TODO(a6.2): q, k, v = slices of the last axis; split each into heads;
    //   att = causal_mask(q k^T * 1/sqrt(HS))       (B,NH,T,HS) x (B,NH,HS,T) -> (B,NH,T,T)
    //   y   = softmax(att) v                         (B,NH,T,T) x (B,NH,T,HS) -> (B,NH,T,HS)
    // then merge the heads. sr::matmul(a, b, false, true) multiplies by b transposed.  (~12 lines)
    throw std::runtime_error("not implemented yet: attention_from_ops (TODO a6.2)");
}

}  // namespace course
