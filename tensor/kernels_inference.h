// tensor/kernels_inference.h: the kernels of generation only (the KV cache of model/generate.cpp).
//
// A reader learning the model may skip this file. Training never calls it, and
// KVCache::forward_reference (model/generate.cpp) computes the same numbers with plain loops.
// These kernels are here for speed when decoding a few rows at a time: matrix products on a
// slice of columns (gemv_columns for one row, rows_columns for a few, with the weights read in
// 16-column panels, packed or in place, and an AVX-512 block chosen at run time), the tied
// output head (rows_dot_rows) and one row's layernorm (layernorm_row). Beyond speed they keep
// one promise: a row's numbers are the same bits alone, in any batch and on any number of
// threads, so a batch generates the same tokens as its sequences one at a time (tests:
// [generate]). The measurements behind the block sizes, padding and prefetch are in NOTES.md.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>  // the AVX-512 kernel of rows_columns (compiled for that target alone)
#endif

namespace sr::kernels {

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
// few L1 sets, so the panel does not stay in cache for the next rows. Packed, it streams.
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
        // Fetch ahead: 16 rows in place, 32 rows (2 KB) of a packed panel (the panels stream
        // from L3 or memory, and the hardware prefetcher alone leaves the multiply-adds waiting).
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
// a batch of 16). The same
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
        // Fetch 32 panel rows (2 KB) ahead, as in rows_block.
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

// One row's layernorm for inference (KVCache), out (C) from x (C). The sums go in 8 lanes
// (lane u takes c = u, u+8, ...) that are then added in a fixed order: vectorised, and the
// same bits wherever it is called (layernorm_forward's `omp simd reduction` leaves the order to
// the compiler, which picks it per call site, and called on one row it compiled to a chain
// of dependent adds).
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

}  // namespace sr::kernels
