// tensor/kernels.h: the CPU kernels, on plain pointers, templated on T = float or double.
//
// llm.c style: one foo_forward / foo_backward pair per op, outputs first, gradients prefixed
// with d, caches passed explicitly, shape comments on every buffer. Backward kernels ADD into
// their gradient buffers (+=), because a tensor used twice receives gradient twice.
//
// Legend: B = batch, T = time (sequence), C = channels, V = vocabulary, NH = heads,
// HS = head size (C / NH), N = any number of rows (often B*T). In the code T is the element
// type (the template parameter), so time is spelled Tn.
//
// Threads: loops over independent rows use OpenMP. Reductions across rows (dweight, dbias)
// are summed per thread and then combined in thread order, so a run is reproducible for a
// given thread count. BLAS called from inside one of our parallel regions runs
// single-threaded (OpenBLAS's OpenMP build checks omp_in_parallel), so threads never nest.
//
// These are the kernels training uses; each fast version has its plain reference beside it
// (matmul_naive after gemm, attention_forward_reference before attention_forward). The
// kernels of generation alone (products on a few rows, packed weight panels, AVX-512) are in
// tensor/kernels_inference.h, which a reader of the model may skip.
#pragma once
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/cuda.h"
#include "tensor/fastmath.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace sr::kernels {

// Loops shorter than this run serially: starting a parallel region costs a few microseconds.
constexpr int64_t kParallelMin = 1 << 14;

inline int thread_count() {
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
}
inline int thread_id() {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}
inline int team_size() {  // threads in the current parallel region (1 outside one)
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

// body(i) for i in [0, n): on all threads when `work` (elements touched) reaches kParallelMin,
// else inline on the caller. Not `#pragma omp parallel for if (...)`: its serial path still
// opens a one-thread parallel region (~0.3 us a call, and decoding one token makes dozens of
// small calls), and with `simd` that path is not even vectorised (GELU ran 5x slower).
template <typename F> inline void parallel_for(int64_t n, int64_t work, F&& body) {
    if (work >= kParallelMin && thread_count() > 1) {
#pragma omp parallel for
        for (int64_t i = 0; i < n; i++) body(i);
    } else {
        for (int64_t i = 0; i < n; i++) body(i);
    }
}

// ---------------------------------------------------------------------------------------------
// matmul. C = op(A) @ op(B) (+ C when accumulate), row-major, op(A) (M,K), op(B) (K,N), C (M,N).
// lda/ldb/ldc are the row strides as stored (so a head of a (T, 3C) buffer can be used in place).

// Offload mode (`--device cuda`, set through sr::set_compute_device): float32 products of at
// least kOffloadMin multiply-adds go to the GPU through cuda::gemm_host, which copies operands
// and result on every call. Only from outside parallel regions (its buffers are shared); the
// per-head attention products run inside one and stay on the CPU.
inline bool& gemm_on_device() {
    static bool on = false;
    return on;
}
constexpr int64_t kOffloadMin = int64_t(1) << 21;

inline void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
    if (gemm_on_device() && (int64_t)M * N * K >= kOffloadMin
#ifdef _OPENMP
        && !omp_in_parallel()
#endif
    ) {
        cuda::gemm_host(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}
inline void gemm(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda,
                 const double* B, int ldb, double beta, double* C, int ldc) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

// The reference: three loops, accumulating in double. Slow, obviously right; tests compare
// the BLAS path against it.
template <typename T>
void matmul_naive(T* C, const T* A, const T* B, int M, int N, int K, bool ta, bool tb, bool accumulate) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) {
                const T a = ta ? A[(int64_t)k * M + i] : A[(int64_t)i * K + k];
                const T b = tb ? B[(int64_t)j * K + k] : B[(int64_t)k * N + j];
                s += (double)a * (double)b;
            }
            C[(int64_t)i * N + j] = (T)(accumulate ? C[(int64_t)i * N + j] + s : s);
        }
}

// ---------------------------------------------------------------------------------------------
// GELU, tanh approximation (GPT-2): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))

// Computed as x * sigmoid(2u), the same function as 0.5 x (1 + tanh(u)) (since
// 0.5 (1 + tanh(u)) = sigmoid(2u)), with one exp and one division and no sign handling.
template <typename T> inline T gelu_value(T x) {
    const T u = (T)0.7978845608028654 * (x + (T)0.044715 * x * x * x);  // sqrt(2/pi) (x + 0.044715 x^3)
    return x / ((T)1 + fastmath::exp((T)-2 * u));
}
// d/dx [x sigmoid(2u)] = sg + 2 x sg (1 - sg) du/dx, sg = sigmoid(2u)
template <typename T> inline T gelu_derivative(T x) {
    const T s = (T)0.7978845608028654;
    const T sg = (T)1 / ((T)1 + fastmath::exp((T)-2 * s * (x + (T)0.044715 * x * x * x)));
    return sg + (T)2 * x * sg * ((T)1 - sg) * s * ((T)1 + (T)3 * (T)0.044715 * x * x);
}

// Two explicit loops rather than parallel_for: g++ 12 does not vectorise a `#pragma omp simd`
// loop over a lambda here (its serial path ran 5x slower).
template <typename T> void gelu_forward(T* out, const T* inp, int64_t n) {
    if (n >= kParallelMin && thread_count() > 1) {
#pragma omp parallel for simd
        for (int64_t i = 0; i < n; i++) out[i] = gelu_value(inp[i]);
    } else {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) out[i] = gelu_value(inp[i]);
    }
}

// dinp += gelu'(inp) * dout, or with accumulate false dinp = ... (a fresh buffer, whose
// uninitialised contents must not be read: 0 * NaN is NaN). Acc is a template argument so
// that each of the two explicit loops stays a plain vectorised loop.
template <bool Acc, typename T> void gelu_backward_loops(T* dinp, const T* inp, const T* dout, int64_t n) {
    if (n >= kParallelMin && thread_count() > 1) {
#pragma omp parallel for simd
        for (int64_t i = 0; i < n; i++) dinp[i] = (Acc ? dinp[i] : (T)0) + gelu_derivative(inp[i]) * dout[i];
    } else {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) dinp[i] = (Acc ? dinp[i] : (T)0) + gelu_derivative(inp[i]) * dout[i];
    }
}
template <typename T> void gelu_backward(T* dinp, const T* inp, const T* dout, int64_t n, bool accumulate = true) {
    if (accumulate) gelu_backward_loops<true>(dinp, inp, dout, n);
    else gelu_backward_loops<false>(dinp, inp, dout, n);
}

// ---------------------------------------------------------------------------------------------
// LayerNorm over the last axis. out = (x - mean) * rstd * weight + bias

template <typename T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* inp, const T* weight, const T* bias, int64_t N,
                       int C, T eps) {
    // out (N,C), mean (N), rstd (N), inp (N,C), weight (C), bias (C)
    parallel_for(N, N * C, [&](int64_t i) {
        const T* x = inp + i * C;
        T m = 0;
#pragma omp simd reduction(+ : m)  // vectorised sums (a serial sum is a chain of dependent adds)
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        T v = 0;
#pragma omp simd reduction(+ : v)
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= C;
        const T r = (T)1 / std::sqrt(v + eps);
        T* o = out + i * C;
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * r * weight[c] + bias[c];
        mean[i] = m;
        rstd[i] = r;
    });
}

// dweight and dbias are sums over the rows. They are summed in fixed blocks of kLayerNormRows
// rows (a block on one thread, then the blocks added in order), so their bits depend neither
// on the thread count nor on which thread ran which block (tensor/runtime.h: the active
// thread count may change during a run).
constexpr int64_t kLayerNormRows = 64;

template <typename T>
void layernorm_backward(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight,
                        const T* mean, const T* rstd, int64_t N, int C) {
    // dinp (N,C) or null, dweight (C) or null, dbias (C) or null; the rest as in forward
    const int64_t blocks = (N + kLayerNormRows - 1) / kLayerNormRows;
    std::vector<T> partial((size_t)blocks * 2 * C, (T)0);  // per block: dweight (C), dbias (C)
    auto block = [&](int64_t blk) {
        T* pw = partial.data() + (size_t)blk * 2 * C;
        T* pb = pw + C;
        for (int64_t i = blk * kLayerNormRows; i < std::min(N, (blk + 1) * kLayerNormRows); i++) {
            const T* x = inp + i * C;
            const T* g = dout + i * C;
            const T m = mean[i], r = rstd[i];
            // dnorm = g * weight; dx = r * (dnorm - mean(dnorm) - norm * mean(dnorm * norm))
            T dnorm_mean = 0, dnorm_norm_mean = 0;
#pragma omp simd reduction(+ : dnorm_mean, dnorm_norm_mean)
            for (int c = 0; c < C; c++) {
                const T norm = (x[c] - m) * r;
                const T dnorm = g[c] * weight[c];
                dnorm_mean += dnorm;
                dnorm_norm_mean += dnorm * norm;
                pb[c] += g[c];
                pw[c] += norm * g[c];
            }
            dnorm_mean /= C;
            dnorm_norm_mean /= C;
            if (dinp) {
                T* dx = dinp + i * C;
                for (int c = 0; c < C; c++) {
                    const T norm = (x[c] - m) * r;
                    dx[c] += r * (g[c] * weight[c] - dnorm_mean - norm * dnorm_norm_mean);
                }
            }
        }
    };
    parallel_for(blocks, N * C, block);
    for (int64_t blk = 0; blk < blocks; blk++)
        for (int c = 0; c < C; c++) {
            if (dweight) dweight[c] += partial[(size_t)blk * 2 * C + c];
            if (dbias) dbias[c] += partial[(size_t)blk * 2 * C + C + c];
        }
}

// ---------------------------------------------------------------------------------------------
// Softmax / log-softmax along the last axis, stable for any finite input (we subtract the
// row max, so inputs of +-1000 are fine). A row of all -inf gives all zeros, not NaN.

template <typename T> void softmax_forward(T* out, const T* inp, int64_t N, int C) {
    parallel_for(N, N * C, [&](int64_t i) {
        const T* x = inp + i * C;
        T* y = out + i * C;
        T mx = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : mx)
        for (int c = 0; c < C; c++) mx = std::max(mx, x[c]);
        if (mx == -std::numeric_limits<T>::infinity()) {
            for (int c = 0; c < C; c++) y[c] = 0;
            return;
        }
        T sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int c = 0; c < C; c++) sum += (y[c] = fastmath::exp(x[c] - mx));
        const T inv = (T)1 / sum;
        for (int c = 0; c < C; c++) y[c] *= inv;
    });
}

template <typename T> void softmax_backward(T* dinp, const T* dout, const T* out, int64_t N, int C) {
    parallel_for(N, N * C, [&](int64_t i) {
        const T* y = out + i * C;
        const T* g = dout + i * C;
        T dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int c = 0; c < C; c++) dot += g[c] * y[c];
        T* dx = dinp + i * C;
        for (int c = 0; c < C; c++) dx[c] += y[c] * (g[c] - dot);
    });
}

template <typename T> void log_softmax_forward(T* out, const T* inp, int64_t N, int C) {
    parallel_for(N, N * C, [&](int64_t i) {
        const T* x = inp + i * C;
        T* y = out + i * C;
        T mx = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : mx)
        for (int c = 0; c < C; c++) mx = std::max(mx, x[c]);
        T sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int c = 0; c < C; c++) sum += fastmath::exp(x[c] - mx);
        const T lse = mx + std::log(sum);
        for (int c = 0; c < C; c++) y[c] = x[c] - lse;
    });
}

template <typename T> void log_softmax_backward(T* dinp, const T* dout, const T* out, int64_t N, int C) {
    // dx = g - softmax * sum(g)
    parallel_for(N, N * C, [&](int64_t i) {
        const T* y = out + i * C;
        const T* g = dout + i * C;
        T gsum = 0;
#pragma omp simd reduction(+ : gsum)
        for (int c = 0; c < C; c++) gsum += g[c];
        T* dx = dinp + i * C;
        for (int c = 0; c < C; c++) dx[c] += g[c] - fastmath::exp(y[c]) * gsum;
    });
}

// ---------------------------------------------------------------------------------------------
// Cross-entropy fused with log-softmax, with an optional per-row weight (mask).
// loss = sum_i m_i * -log softmax(logits_i)[target_i] / sum_i m_i   (m_i = 1 without a mask)
// Returns the loss and the denominator; writes probs (N,V) for the backward pass.
// A row with m_i == 0 contributes nothing (its target is not even read, so any value is ok).

template <typename T>
double crossentropy_forward(T* probs, T* losses, const T* logits, const int* targets, const T* mask, int64_t N,
                            int V, double* denom_out) {
    // probs (N,V), losses (N) per-row nll (0 where masked), logits (N,V), targets (N), mask (N) or null
    parallel_for(N, N * V, [&](int64_t i) {
        const T* x = logits + i * V;
        T* p = probs + i * V;
        T mx = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : mx)
        for (int v = 0; v < V; v++) mx = std::max(mx, x[v]);
        T sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int v = 0; v < V; v++) sum += (p[v] = fastmath::exp(x[v] - mx));
        const T inv = (T)1 / sum;
        for (int v = 0; v < V; v++) p[v] *= inv;
        const T m = mask ? mask[i] : (T)1;
        losses[i] = m != 0 ? m * (std::log(sum) + mx - x[targets[i]]) : (T)0;
    });
    double total = 0, denom = 0;
    for (int64_t i = 0; i < N; i++) {  // serial sum: same result for any thread count
        total += (double)losses[i];
        denom += mask ? (double)mask[i] : 1.0;
    }
    *denom_out = denom;
    return denom > 0 ? total / denom : 0.0;
}

template <typename T>
void crossentropy_backward(T* dlogits, const T* probs, const int* targets, const T* mask, int64_t N, int V,
                           double dloss_over_denom) {
    // dlogits (N,V) += (probs - onehot(target)) * m_i * dloss / denom
    parallel_for(N, N * V, [&](int64_t i) {
        const T m = mask ? mask[i] : (T)1;
        if (m == 0) return;
        const T scale = (T)(m * dloss_over_denom);
        const T* p = probs + i * V;
        T* d = dlogits + i * V;
        for (int v = 0; v < V; v++) d[v] += p[v] * scale;
        d[targets[i]] -= scale;
    });
}

// ---------------------------------------------------------------------------------------------
// Embedding: out[i] = table[ids[i]]

template <typename T> void embedding_forward(T* out, const T* table, const int* ids, int64_t N, int C) {
    // out (N,C), table (V,C), ids (N)
    parallel_for(N, N * C, [&](int64_t i) { std::copy(table + (int64_t)ids[i] * C, table + (int64_t)ids[i] * C + C, out + i * C); });
}

template <typename T> void embedding_backward(T* dtable, const T* dout, const int* ids, int64_t N, int C) {
    // serial: several rows may hit the same id, and the order of additions stays fixed
    for (int64_t i = 0; i < N; i++) {
        T* d = dtable + (int64_t)ids[i] * C;
        const T* g = dout + i * C;
        for (int c = 0; c < C; c++) d[c] += g[c];
    }
}

// ---------------------------------------------------------------------------------------------
// Causal multi-head self-attention, fused, from the packed qkv of c_attn.
// For each (b, h): att = softmax(mask(q k^T / sqrt(HS))), out = att v. The q, k, v of one head
// are read in place from qkv with row stride 3C (no copies), and each matmul is a BLAS call.
// Causality is used to skip work: queries go in blocks of kAttnBlock rows, and the block of
// rows [r0, r1) only multiplies with keys [0, r1): of the T x T products, the 38% (T = 128) to
// 44% (T = 256) that lie in blocks wholly above the diagonal (zeros after the mask) are skipped.

// The llm.c-style loop version of this attention: the reference that the fast version below
// is tested against, and the one to read first.
template <typename T>
void attention_forward_reference(T* out, const T* qkv, int B, int Tn, int C, int NH) {
    const int HS = C / NH;
    const double scale = 1.0 / std::sqrt((double)HS);
    std::vector<double> w(Tn);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < Tn; t++)
            for (int h = 0; h < NH; h++) {
                const T* q = qkv + ((int64_t)b * Tn + t) * 3 * C + h * HS;
                double mx = -1e300;
                for (int j = 0; j <= t; j++) {
                    const T* k = qkv + ((int64_t)b * Tn + j) * 3 * C + C + h * HS;
                    double s = 0;
                    for (int i = 0; i < HS; i++) s += (double)q[i] * k[i];
                    w[j] = s * scale;
                    mx = std::max(mx, w[j]);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) sum += (w[j] = fastmath::exp(w[j] - mx));
                T* o = out + ((int64_t)b * Tn + t) * C + h * HS;
                for (int i = 0; i < HS; i++) {
                    double acc = 0;
                    for (int j = 0; j <= t; j++) acc += w[j] / sum * qkv[((int64_t)b * Tn + j) * 3 * C + 2 * C + h * HS + i];
                    o[i] = (T)acc;
                }
            }
}

constexpr int kAttnBlock = 32;  // the fastest of 16..64 on one thread (measured: NOTES.md)

template <typename T>
void attention_forward(T* out, T* att, const T* qkv, int B, int Tn, int C, int NH) {
    // out (B,T,C), att (B,NH,T,T) the softmax probabilities (kept for backward), qkv (B,T,3C).
    // Row t of att is written for keys [0, r1) of its query block (zeros after key t); the
    // entries right of the block are never written nor read.
    const int HS = C / NH;
    const T scale = (T)1 / std::sqrt((T)HS);
    auto head = [&](int b, int h) {
        const T* q = qkv + (int64_t)b * Tn * 3 * C + h * HS;
        const T* k = q + C;
        const T* v = q + 2 * C;
        T* a = att + ((int64_t)b * NH + h) * Tn * Tn;
        T* o = out + (int64_t)b * Tn * C + h * HS;
        for (int r0 = 0; r0 < Tn; r0 += kAttnBlock) {
            const int r1 = std::min(Tn, r0 + kAttnBlock), rows = r1 - r0;
            T* ab = a + (int64_t)r0 * Tn;
            gemm(false, true, rows, r1, HS, scale, q + (int64_t)r0 * 3 * C, 3 * C, k, 3 * C, (T)0, ab, Tn);  // (rows,HS)x(HS,r1)
            for (int t = r0; t < r1; t++) {  // causal softmax: row t sees keys 0..t
                T* row = a + (int64_t)t * Tn;
                T mx = row[0];
#pragma omp simd reduction(max : mx)
                for (int j = 1; j <= t; j++) mx = std::max(mx, row[j]);
                T sum = 0;
#pragma omp simd reduction(+ : sum)
                for (int j = 0; j <= t; j++) sum += (row[j] = fastmath::exp(row[j] - mx));
                const T inv = (T)1 / sum;
                for (int j = 0; j <= t; j++) row[j] *= inv;
                for (int j = t + 1; j < r1; j++) row[j] = 0;  // (the next product reads keys [0, r1) only)
            }
            gemm(false, false, rows, HS, r1, (T)1, ab, Tn, v, 3 * C, (T)0, o + (int64_t)r0 * C, C);  // (rows,r1)x(r1,HS)
        }
    };
    if ((int64_t)B * NH * Tn * Tn >= kParallelMin && thread_count() > 1) {
#pragma omp parallel for collapse(2)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++) head(b, h);
    } else {
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++) head(b, h);
    }
}

template <typename T>
void attention_backward(T* dqkv, const T* dout, const T* qkv, const T* att, int B, int Tn, int C, int NH) {
    // dqkv (B,T,3C) +=, dout (B,T,C), qkv (B,T,3C), att (B,NH,T,T)
    const int HS = C / NH;
    const T scale = (T)1 / std::sqrt((T)HS);
    const int nt = ((int64_t)B * NH * Tn * Tn >= kParallelMin) ? thread_count() : 1;
    std::vector<T> scratch((size_t)nt * kAttnBlock * Tn);  // one (block, T) buffer per thread
    auto head = [&](int b, int h, T* datt) {
        const T* q = qkv + (int64_t)b * Tn * 3 * C + h * HS;
        const T* k = q + C;
        const T* v = q + 2 * C;
        T* dq = dqkv + (int64_t)b * Tn * 3 * C + h * HS;
        T* dk = dq + C;
        T* dv = dq + 2 * C;
        const T* a = att + ((int64_t)b * NH + h) * Tn * Tn;
        const T* g = dout + (int64_t)b * Tn * C + h * HS;
        for (int r0 = 0; r0 < Tn; r0 += kAttnBlock) {  // rows [r0, r1) and the keys [0, r1) they see
            const int r1 = std::min(Tn, r0 + kAttnBlock), rows = r1 - r0;
            const T* ab = a + (int64_t)r0 * Tn;
            const T* gb = g + (int64_t)r0 * C;
            gemm(false, true, rows, r1, HS, (T)1, gb, C, v, 3 * C, (T)0, datt, Tn);  // datt = g v^T
            gemm(true, false, r1, HS, rows, (T)1, ab, Tn, gb, C, (T)1, dv, 3 * C);   // dv += att^T g
            for (int t = r0; t < r1; t++) {  // softmax backward, then the scale
                T* d = datt + (int64_t)(t - r0) * Tn;
                const T* y = a + (int64_t)t * Tn;
                T dot = 0;
#pragma omp simd reduction(+ : dot)
                for (int j = 0; j <= t; j++) dot += d[j] * y[j];
                for (int j = 0; j <= t; j++) d[j] = y[j] * (d[j] - dot) * scale;
                for (int j = t + 1; j < r1; j++) d[j] = 0;
            }
            gemm(false, false, rows, HS, r1, (T)1, datt, Tn, k, 3 * C, (T)1, dq + (int64_t)r0 * 3 * C, 3 * C);  // dq += dpre k
            gemm(true, false, r1, HS, rows, (T)1, datt, Tn, q + (int64_t)r0 * 3 * C, 3 * C, (T)1, dk, 3 * C);   // dk += dpre^T q
        }
    };
    if (nt > 1) {
#pragma omp parallel for collapse(2) num_threads(nt)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++) head(b, h, scratch.data() + (size_t)thread_id() * kAttnBlock * Tn);
    } else {
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++) head(b, h, scratch.data());
    }
}

}  // namespace sr::kernels
