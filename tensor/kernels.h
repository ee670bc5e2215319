// tensor/kernels.h: the CPU kernels, on plain pointers, templated on T = float or double.
//
// llm.c style: one foo_forward / foo_backward pair per op, outputs first, gradients prefixed
// with d, caches passed explicitly, shape comments on every buffer. Backward kernels ADD into
// their gradient buffers (+=), because a tensor used twice receives gradient twice.
//
// Legend: B = batch, T = time (sequence), C = channels, V = vocabulary, NH = heads,
// HS = head size (C / NH), N = any number of rows (often B*T).
//
// Threads: loops over independent rows use OpenMP. Reductions across rows (dweight, dbias)
// are summed per thread and then combined in thread order, so a run is reproducible for a
// given thread count. BLAS called from inside one of our parallel regions runs
// single-threaded (OpenBLAS's OpenMP build checks omp_in_parallel), so threads never nest.
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
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>  // the AVX-512 kernel of rows_columns (compiled for that target alone)
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

// a * b + c for inference's products: rounded once where the build targets FMA (the AVX-512
// kernel below uses _mm512_fmadd_ps), so gemv_columns, rows_block and rows_block_wide give
// the same bits at any optimisation level (g++ fuses a plain a * b + c by itself only from -O2:
// the -O1 sanitizer build had a batch's logits differ from a lone sequence's in the last bit).
template <typename T> inline T mul_add(T a, T b, T c) {
#ifdef __FMA__
    return std::fma(a, b, c);
#else
    return a * b + c;
#endif
}

// Matrix-vector product on a slice of output columns, for decoding one token:
// y[n0:n1] += x (K) @ W[:, n0:n1], W (K, N) row-major (how our linear weights are stored).
// 64 accumulators (eight AVX registers for float) stay in registers while the rows of W stream
// past. Each y[n] is summed over k in order, so splitting the columns between threads does not
// change a single bit of the result.
constexpr int kGemvBlock = 64;
template <typename T> void gemv_columns(T* y, const T* x, const T* W, int K, int N, int n0, int n1) {
    for (int n = n0; n < n1; n += kGemvBlock) {
        const int m = std::min(kGemvBlock, n1 - n);
        T acc[kGemvBlock];
        std::copy(y + n, y + n + m, acc);
        const T* w = W + n;  // row k of the block: w + k * N
        if (m == kGemvBlock) {  // full block: a fixed trip count the compiler keeps in registers
            for (int k = 0; k < K; k++, w += N) {
                const T xk = x[k];
#pragma omp simd
                for (int u = 0; u < kGemvBlock; u++) acc[u] = mul_add(xk, w[u], acc[u]);
            }
        } else {  // the last, partial block
            for (int k = 0; k < K; k++, w += N)
                for (int u = 0; u < m; u++) acc[u] = mul_add(x[k], w[u], acc[u]);
        }
        std::copy(acc, acc + m, y + n);
    }
}
// Thread t of nt owns these columns of an N-column product: whole blocks of kGemvBlock, dealt
// out in order, so a thread reads the same slice of every matrix at every token.
inline void gemv_slice(int N, int t, int nt, int& n0, int& n1) {
    const int blocks = (N + kGemvBlock - 1) / kGemvBlock;
    n0 = std::min(N, blocks * t / nt * kGemvBlock);
    n1 = std::min(N, blocks * (t + 1) / nt * kGemvBlock);
}

// The same product for a few rows at once (decoding a batch, or a prompt), on a slice of columns:
// out[:, n0:n1] += in (R, K) @ W[:, n0:n1]; row r of in starts at in + r ldi, row r of out at
// out + r ldo (ldi >= K, ldo >= N; see kRowPad), n0 a multiple of kColBlock. Each out[r][n] is
// summed over k in order exactly as gemv_columns sums it for one row, so a row's numbers are the
// same bits alone, in any batch, and on any number of threads.
// Blocks of 6 rows x 16 columns: 12 accumulators (two AVX registers per row) stay in registers
// while a 16-column panel of W streams past; each weight loaded serves 6 rows, and the panel
// (K x 64 bytes) stays in cache for the next 6 rows. Rows go in chunks of kRowChunk so that a
// long prompt's rows are still in cache when the next panel passes over them.
// W's panels can be read in place (row k of a panel is 64 bytes at W + k N) or from a packed
// copy (pack_panels: each panel's K x 16 floats contiguous). In place, a panel's rows are N
// floats apart: 1-4 KB strides that the prefetcher does not follow and that fall into the same
// few L1 sets, so the panel does not stay in cache for the next rows (16 rows: ~70 GFLOP/s on 2
// threads, no better than OpenBLAS, which packs on every call). Packed, it streams.
constexpr int kRowBlock = 6, kColBlock = 16, kRowChunk = 48;
// Callers give the input rows a stride of K + kRowPad floats: with K a multiple of 1 KB (256 or
// 1024 floats), 16 rows read side by side would otherwise all map to the same few L1 sets and
// evict each other (1024 floats: 16 rows, one set, 8 ways).
constexpr int kRowPad = 16;
template <int RB>
inline void rows_block(float* out, int ldo, const float* in, int ldi, const float* w, int K, int w_stride) {
    float acc[RB][kColBlock];
    for (int r = 0; r < RB; r++)
        for (int u = 0; u < kColBlock; u++) acc[r][u] = out[(int64_t)r * ldo + u];
    for (int k = 0; k < K; k++, w += w_stride) {  // w: row k of the panel
        // Fetch ahead: 16 rows in place, 32 rows (2 KB) of a packed panel (small's batch-16
        // generation without the wide kernel: 200 -> 178 ms a call).
        __builtin_prefetch(w + (w_stride != kColBlock ? 16 : 32) * w_stride);
        for (int r = 0; r < RB; r++) {
            const float x = in[(int64_t)r * ldi + k];
#pragma omp simd
            for (int u = 0; u < kColBlock; u++) acc[r][u] = mul_add(x, w[u], acc[r][u]);
        }
    }
    for (int r = 0; r < RB; r++)
        for (int u = 0; u < kColBlock; u++) out[(int64_t)r * ldo + u] = acc[r][u];
}

// The wide version for CPUs with AVX-512 (checked at run time; the rest of the build stays at
// AVX2, see the Makefile): 16 rows x 16 columns, one 512-bit accumulator per row, so a panel
// passes once for 16 rows and each weight loaded serves 16 of them (6x16 needs three passes for
// a batch of 16; small's batch-16 products ~130 -> ~180 GFLOP/s on 2 threads). The same
// multiply-adds in the same order per column (one fused multiply-add per k, k ascending), so
// the same bits as rows_block and gemv_columns.
// (Only in builds that target FMA, where mul_add is one fused operation too: without it, e.g.
// NATIVE=0, the portable kernels round twice and the wide one would not give the same bits.)
#if defined(__x86_64__) && defined(__GNUC__) && defined(__FMA__)
#define SR_WIDE_KERNEL 1
template <int RB>
__attribute__((target("avx512f"))) inline void rows_block_wide(float* out, int ldo, const float* in, int ldi,
                                                                 const float* panel, int K) {
    __m512 acc[RB];
    for (int r = 0; r < RB; r++) acc[r] = _mm512_loadu_ps(out + (int64_t)r * ldo);
    for (int k = 0; k < K; k++, panel += kColBlock) {
        // Fetch 32 panel rows (2 KB) ahead: the panels stream from L3 or memory, and the hardware
        // prefetcher alone leaves the multiply-adds waiting (small's batch-16 products, 2
        // threads: 25-30% faster with it, warm or cold cache; 4 rows ahead: no gain).
        _mm_prefetch(reinterpret_cast<const char*>(panel + 32 * kColBlock), _MM_HINT_T0);
        const __m512 w = _mm512_loadu_ps(panel);  // row k of the panel
        for (int r = 0; r < RB; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(in[(int64_t)r * ldi + k]), w, acc[r]);
    }
    for (int r = 0; r < RB; r++) _mm512_storeu_ps(out + (int64_t)r * ldo, acc[r]);
}
// rows (1..16) as a template argument, so the accumulators are registers.
template <int RB = 16>
__attribute__((target("avx512f"))) inline void rows_block_wide_n(int rows, float* out, int ldo, const float* in, int ldi,
                                                                   const float* panel, int K) {
    if (rows == RB) return rows_block_wide<RB>(out, ldo, in, ldi, panel, K);
    if constexpr (RB > 1) rows_block_wide_n<RB - 1>(rows, out, ldo, in, ldi, panel, K);
}
#endif
// Whether rows_columns uses the wide kernel: true where the CPU has AVX-512; tests switch it
// off to check the portable path on the same machine.
inline bool& wide_kernel_enabled() {
#ifdef SR_WIDE_KERNEL
    static bool on = __builtin_cpu_supports("avx512f");
#else
    static bool on = false;
#endif
    return on;
}

// packed: nullptr, or W's full panels from pack_panels (panel p at packed + p K kColBlock).
inline void rows_columns(float* out, int ldo, const float* in, int ldi, const float* W, const float* packed, int R, int K,
                         int N, int n0, int n1) {
    if (R == 1 && !packed) return gemv_columns<float>(out, in, W, K, N, n0, n1);  // wider blocks, same sums
#ifdef SR_WIDE_KERNEL
    const bool wide = packed && wide_kernel_enabled();
#endif
    for (int c0 = 0; c0 < R; c0 += kRowChunk) {
        const int c1 = std::min(R, c0 + kRowChunk);
        int n = n0;
        for (; n + kColBlock <= n1; n += kColBlock) {
            const float* w = packed ? packed + (int64_t)(n / kColBlock) * K * kColBlock : W + n;
            const int ws = packed ? kColBlock : N;
            for (int r = c0; r < c1;) {
                float* o = out + (int64_t)r * ldo + n;
                const float* x = in + (int64_t)r * ldi;
#ifdef SR_WIDE_KERNEL
                if (wide) {
                    const int rows = std::min(16, c1 - r);
                    rows_block_wide_n(rows, o, ldo, x, ldi, w, K);
                    r += rows;
                    continue;
                }
#endif
                switch (std::min(kRowBlock, c1 - r)) {
                    case 6: rows_block<6>(o, ldo, x, ldi, w, K, ws); break;
                    case 5: rows_block<5>(o, ldo, x, ldi, w, K, ws); break;
                    case 4: rows_block<4>(o, ldo, x, ldi, w, K, ws); break;
                    case 3: rows_block<3>(o, ldo, x, ldi, w, K, ws); break;
                    case 2: rows_block<2>(o, ldo, x, ldi, w, K, ws); break;
                    default: rows_block<1>(o, ldo, x, ldi, w, K, ws); break;
                }
                r += std::min(kRowBlock, c1 - r);
            }
        }
        for (int r = c0; r < c1; r++)  // the last columns, fewer than a panel: one row at a time
            gemv_columns<float>(out + (int64_t)r * ldo, in + (int64_t)r * ldi, W, K, N, n, n1);
    }
}
// Copies the full 16-column panels of W (K, N) that start in [n0, n1) into packed (panel p at
// packed + p K kColBlock, row k of it at + k kColBlock); packed holds K (N / kColBlock) kColBlock floats.
inline void pack_panels(float* packed, const float* W, int K, int N, int n0, int n1) {
    for (int n = n0; n + kColBlock <= std::min(n1, N); n += kColBlock) {
        float* p = packed + (int64_t)(n / kColBlock) * K * kColBlock;
        for (int k = 0; k < K; k++) std::copy(W + (int64_t)k * N + n, W + (int64_t)k * N + n + kColBlock, p + (int64_t)k * kColBlock);
    }
}

// Dot products of rows with rows: out[i * ldo + v] = a[i] . b[v] for v in [v0, v1), a (R, C),
// b (V, C) row-major; the tied output head (logits = h @ wte^T) for a few rows. Every dot is
// summed in 8 lanes over c (lane u takes c = u, u+8, ...) then the lanes are added in a fixed
// order, so, as above, a row's logits do not depend on how many rows or threads share the work.
// Two rows x four vocabulary rows per block: 8 independent add chains.
inline float lanes_sum(const float* s) { return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7])); }
template <int RA, int RBv>
inline void dots_block(float* out, int ldo, const float* a, const float* b, int C) {
    float acc[RA][RBv][8] = {};
    int c = 0;
    for (; c + 8 <= C; c += 8)
        for (int i = 0; i < RA; i++)
            for (int v = 0; v < RBv; v++) {
#pragma omp simd
                for (int u = 0; u < 8; u++) acc[i][v][u] += a[(int64_t)i * C + c + u] * b[(int64_t)v * C + c + u];
            }
    for (int u = 0; c + u < C; u++)  // C not a multiple of 8: the rest into the first lanes
        for (int i = 0; i < RA; i++)
            for (int v = 0; v < RBv; v++) acc[i][v][u] += a[(int64_t)i * C + c + u] * b[(int64_t)v * C + c + u];
    for (int i = 0; i < RA; i++)
        for (int v = 0; v < RBv; v++) out[(int64_t)i * ldo + v] = lanes_sum(acc[i][v]);
}
inline void rows_dot_rows(float* out, int ldo, const float* a, int R, const float* b, int C, int v0, int v1) {
    for (int i = 0; i < R; i += 2) {
        const bool two = i + 1 < R;
        const float* ai = a + (int64_t)i * C;
        float* o = out + (int64_t)i * ldo;
        int v = v0;
        for (; v + 4 <= v1; v += 4) {
            if (two) dots_block<2, 4>(o + v, ldo, ai, b + (int64_t)v * C, C);
            else dots_block<1, 4>(o + v, ldo, ai, b + (int64_t)v * C, C);
        }
        for (; v < v1; v++) {
            if (two) dots_block<2, 1>(o + v, ldo, ai, b + (int64_t)v * C, C);
            else dots_block<1, 1>(o + v, ldo, ai, b + (int64_t)v * C, C);
        }
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

// One row's layernorm for inference (KVCache), out (C) from x (C). The sums go in 8 lanes
// (lane u takes c = u, u+8, ...) that are then added in a fixed order: vectorised, and the
// same bits wherever it is called (layernorm_forward's `omp simd reduction` leaves the order to
// the compiler, which picks it per call site, and called on one row it was a chain of
// dependent adds: 5% of batched generation).
inline void layernorm_row(float* out, const float* x, const float* weight, const float* bias, int C, float eps) {
    float lanes[8] = {};
    int c = 0;
    for (; c + 8 <= C; c += 8)
#pragma omp simd
        for (int u = 0; u < 8; u++) lanes[u] += x[c + u];
    for (int u = 0; c + u < C; u++) lanes[u] += x[c + u];  // C not a multiple of 8
    const float m = lanes_sum(lanes) / C;
    std::fill(lanes, lanes + 8, 0.0f);
    for (c = 0; c + 8 <= C; c += 8)
#pragma omp simd
        for (int u = 0; u < 8; u++) lanes[u] += (x[c + u] - m) * (x[c + u] - m);
    for (int u = 0; c + u < C; u++) lanes[u] += (x[c + u] - m) * (x[c + u] - m);
    const float r = 1.0f / std::sqrt(lanes_sum(lanes) / C + eps);
#pragma omp simd
    for (c = 0; c < C; c++) out[c] = (x[c] - m) * r * weight[c] + bias[c];
}

template <typename T>
void layernorm_backward(T* dinp, T* dweight, T* dbias, const T* dout, const T* inp, const T* weight,
                        const T* mean, const T* rstd, int64_t N, int C) {
    // dinp (N,C) or null, dweight (C) or null, dbias (C) or null; the rest as in forward
    const int nt = (N * C >= kParallelMin) ? thread_count() : 1;
    std::vector<T> partial((size_t)nt * 2 * C, (T)0);  // per thread: dweight (C), dbias (C)
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        T* pw = partial.data() + (size_t)thread_id() * 2 * C;
        T* pb = pw + C;
#pragma omp for schedule(static)
        for (int64_t i = 0; i < N; i++) {
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
    }
    for (int t = 0; t < nt; t++)
        for (int c = 0; c < C; c++) {
            if (dweight) dweight[c] += partial[(size_t)t * 2 * C + c];
            if (dbias) dbias[c] += partial[(size_t)t * 2 * C + C + c];
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

constexpr int kAttnBlock = 32;  // measured best of 16..64 (tiny: fwd+bwd of a layer 7.9 -> 6.2 ms on one thread)

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

// The llm.c-style loop version of the same attention, kept as the reference the fast one is
// tested against (and as the version a student reads first).
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

}  // namespace sr::kernels
