// autograd/ops.h: differentiable ops. Each is a free function that computes its output with a
// tensor op and registers how to send the gradient back (see autograd/ops.cpp, where every
// forward sits right above its backward). Every op here has a gradient check in
// tests/test_gradcheck.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/var.h"

namespace sr {

// ---- elementwise (binary ops broadcast like NumPy) --------------------------------------------
Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var add_scalar(const Var& a, double s);
Var mul_scalar(const Var& a, double s);
Var neg(const Var& a);
Var exp(const Var& a);
Var log(const Var& a);
Var sqrt(const Var& a);
Var pow(const Var& a, double p);
Var tanh(const Var& a);
Var relu(const Var& a);
Var gelu(const Var& a);  // tanh approximation, as GPT-2
Var log_sigmoid(const Var& a);  // log(1 / (1 + e^-x)), stable for any x (DPO's loss)

// ---- reductions ---------------------------------------------------------------------------
Var sum(const Var& a, int axis, bool keepdim = false);
Var mean(const Var& a, int axis, bool keepdim = false);
Var max(const Var& a, int axis, bool keepdim = false);  // gradient goes to the first max
Var sum_all(const Var& a);
Var mean_all(const Var& a);

// ---- linear algebra -------------------------------------------------------------------------
Var matmul(const Var& a, const Var& b, bool transpose_a = false, bool transpose_b = false);
// x (..., in) @ w (in, out) + b (out): weights stored (in, out) like GPT-2's Conv1D.
Var linear(const Var& x, const Var& w, const Var& b);

// ---- along the last axis -------------------------------------------------------------------
Var softmax(const Var& a);
Var log_softmax(const Var& a);
Var causal_mask(const Var& a);  // -inf above the diagonal of the last two axes
// LayerNorm over the last axis with weight and bias (C).
Var layernorm(const Var& x, const Var& weight, const Var& bias, double eps = 1e-5);

// ---- language-model pieces -----------------------------------------------------------------
// table (V, C) gathered at ids -> (ids.size(), C), reshaped to `shape` + (C) when given.
Var embedding(const Var& table, const std::vector<int>& ids, const Shape& shape = {});
// Mean cross-entropy of logits (..., V) against integer targets, fused with log-softmax.
// With a mask (one weight per row, 0 = ignore): sum(mask * nll) / sum(mask).
Var cross_entropy(const Var& logits, const std::vector<int>& targets, const std::vector<float>& mask = {});
// log softmax(logits_i)[targets_i] for each row i: (..., V) -> (...). DPO sums these.
Var token_logprobs(const Var& logits, const std::vector<int>& targets);
// Fused causal self-attention: qkv (B, T, 3C) packed as [q | k | v] -> (B, T, C).
Var attention(const Var& qkv, int n_head);
// Dropout: zero each entry with probability p, scale the rest by 1/(1-p); mask from `seed`.
Var dropout(const Var& a, double p, uint64_t seed);

// ---- shape -----------------------------------------------------------------------------------
Var reshape(const Var& a, const Shape& shape);
Var transpose(const Var& a, int axis0, int axis1);
Var permute(const Var& a, const std::vector<int>& order);
Var slice(const Var& a, int axis, int64_t begin, int64_t end);
Var concat(const std::vector<Var>& parts, int axis);

}  // namespace sr
