// tutorial/assignments/a6_attention/student.h: what assignment 6 asks you to write: causal
// multi-head self-attention composed from autograd ops (as nanoGPT's CausalSelfAttention
// writes it), to be checked against the engine's fused op sr::attention (autograd/ops.h,
// kernels::attention_forward/backward in tensor/kernels.h), values AND gradients.
//
// Legend: B = batch, T = time, C = channels, NH = heads, HS = C / NH (head size).
#pragma once
#include "autograd/var.h"

namespace course {

// a6.1  x (B, T, C) -> (B, NH, T, HS): head h of channel block [h*HS, (h+1)*HS).
sr::Var split_heads(const sr::Var& x, int n_head);
// a6.1  the inverse: (B, NH, T, HS) -> (B, T, C), heads side by side.
sr::Var merge_heads(const sr::Var& y);

// a6.2  qkv (B, T, 3C) packed [q | k | v] along the last axis -> (B, T, C):
//       per head, softmax(q k^T / sqrt(HS) with -inf above the diagonal) v.
//       Only autograd ops (sr::slice, reshape, permute, matmul, mul_scalar, causal_mask,
//       softmax ...): no backward of your own, the graph gives it.
sr::Var attention_from_ops(const sr::Var& qkv, int n_head);

}  // namespace course
