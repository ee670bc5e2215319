// tutorial/assignments/a4_layernorm_backward/student.h: what assignment 4 asks you to write:
// LayerNorm's forward and backward as llm.c writes them, one row at a time on plain pointers,
// in double. The signatures are those of the engine's kernels (tensor/kernels.h,
// layernorm_forward / layernorm_backward): read those AFTER you are done.
//
// Legend: N = rows (B*T), C = channels. Per row i:
//   mean_i = (1/C) sum_c x_ic      var_i = (1/C) sum_c (x_ic - mean_i)^2  (biased, as PyTorch)
//   rstd_i = 1 / sqrt(var_i + eps) xhat_ic = (x_ic - mean_i) * rstd_i
//   out_ic = xhat_ic * weight_c + bias_c
#pragma once
#include <cstdint>

namespace course {

// a4.1  out (N,C), mean (N), rstd (N) written; inp (N,C), weight (C), bias (C) read.
void layernorm_forward(double* out, double* mean, double* rstd, const double* inp, const double* weight, const double* bias,
                       int64_t N, int C, double eps);

// a4.2  Given dout = dL/d(out) (N,C), ADD (+=) dL/d(inp) into dinp (N,C), dL/d(weight) into
//       dweight (C), dL/d(bias) into dbias (C). Any of the three may be nullptr: skip it.
//       mean and rstd are the forward's caches.
void layernorm_backward(double* dinp, double* dweight, double* dbias, const double* dout, const double* inp, const double* weight,
                        const double* mean, const double* rstd, int64_t N, int C);

}  // namespace course
