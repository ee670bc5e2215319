// tensor/ops.h: math on Tensors (no gradients here; autograd/ builds on these).
//
// Each op checks its inputs, allocates its output and dispatches once on dtype (float/double)
// and device to a kernel in tensor/kernels.h (CPU) or tensor/cuda.h (CUDA: matmul, softmax).
// Misuse throws std::runtime_error naming the op and the shapes, e.g.
//   "matmul: (2,3) x (4,5): inner dimensions differ".
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace sr {

// ---- elementwise, with NumPy broadcasting -------------------------------------------------
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
// Sums a broadcast result back down to `shape` (the backward of broadcasting).
Tensor sum_to(const Tensor& t, const Shape& shape);

Tensor add_scalar(const Tensor& a, double s);
Tensor mul_scalar(const Tensor& a, double s);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor pow(const Tensor& a, double p);
Tensor tanh(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor gelu(const Tensor& a);
void add_inplace(Tensor& dst, const Tensor& src);  // dst += src, same shape and dtype

// ---- reductions --------------------------------------------------------------------------
Tensor sum(const Tensor& a, int axis, bool keepdim = false);
Tensor mean(const Tensor& a, int axis, bool keepdim = false);
// Max along an axis; argmax (optional) receives the index of the max (first one on ties).
Tensor max(const Tensor& a, int axis, bool keepdim = false, std::vector<int64_t>* argmax = nullptr);
Tensor sum_all(const Tensor& a);  // a scalar tensor
double dot_all(const Tensor& a, const Tensor& b);  // sum(a * b) in double

// ---- matmul --------------------------------------------------------------------------------
// a (..., M, K) x b (..., K, N) -> (..., M, N). With transpose_a, a is stored (..., K, M);
// with transpose_b, b is stored (..., N, K). Batch dims must match, or b may be 2-D (shared).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
// The same through three plain loops (the reference the BLAS path is tested against).
Tensor matmul_reference(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);

// ---- along the last axis -------------------------------------------------------------------
Tensor softmax(const Tensor& a);
Tensor log_softmax(const Tensor& a);
// Sets entries above the diagonal of the last two axes (T,T) to -inf (causal attention).
Tensor causal_mask(const Tensor& a);

// ---- shape manipulation (copies) ---------------------------------------------------------
Tensor transpose(const Tensor& a, int axis0, int axis1);
Tensor permute(const Tensor& a, const std::vector<int>& order);
Tensor slice(const Tensor& a, int axis, int64_t begin, int64_t end);
Tensor concat(const std::vector<Tensor>& parts, int axis);

// ---- random ----------------------------------------------------------------------------------
Tensor randn(const Shape& shape, Rng& rng, double std = 1.0, DType dtype = DType::F32);
Tensor rand_uniform(const Shape& shape, Rng& rng, double lo, double hi, DType dtype = DType::F32);
// A dropout mask: each entry 0 with probability p, else 1/(1-p). Depends only on (seed, index),
// so it is the same for any thread count.
Tensor dropout_mask(const Shape& shape, double p, uint64_t seed, DType dtype = DType::F32);

// ---- comparisons (tests) -------------------------------------------------------------------
double max_abs_diff(const Tensor& a, const Tensor& b);
bool all_finite(const Tensor& a);

// Normalises a possibly negative axis, or throws naming op and shape.
int norm_axis(const char* op, int axis, const Shape& shape);

}  // namespace sr
