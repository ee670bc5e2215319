// Matmul on the GPU, in the spirit of llm.c's dev/cuda: a CPU reference, then numbered kernel
// versions from naive to fast, each computing the same thing; cuda::matmul runs the fastest.
//
//   C = alpha * op(A) @ op(B) + beta * C      row-major, `batch` matrices back to back
//   op(A): (M, K), stored (M, K), or (K, M) when trans_a
//   op(B): (K, N), stored (K, N), or (N, K) when trans_b
//   C:     (M, N)
//
//   v1  one thread per output element, straight from global memory (the reference kernel)
//   v2  32x32 tiles of A and B staged in shared memory: each global load is reused 32 times
//   v3  128x128 block tile, BK = 8, each thread owns an 8x8 block of C in registers and
//       loads float4s: 64 FMAs per 16 floats read from shared memory (v2: 1 FMA per 2 floats)
//
// cuBLAS (cublasSgemm; strided-batched for batch > 1) is here only as the benchmark's yardstick
// (tensor/cuda_bench.cu).
#include <algorithm>
#include <cmath>
#include <string>

#include "tensor/cuda_common.cuh"

namespace sr::cuda {

using detail::ceil_div;
using detail::kMaxGridYZ;

// ----------------------------------------------------------------------------------------------
// CPU reference

// op(A)[i, p] and op(B)[p, j] of one matrix, whatever the storage order.
__host__ __device__ inline float op_a(const float* a, int m, int k, bool trans_a, int i, int p) {
    return trans_a ? a[(size_t)p * m + i] : a[(size_t)i * k + p];
}
__host__ __device__ inline float op_b(const float* b, int n, int k, bool trans_b, int p, int j) {
    return trans_b ? b[(size_t)j * k + p] : b[(size_t)p * n + j];
}

double detail::matmul_reference_entry(const float* a, const float* b, int m, int n, int k,
                                      bool trans_a, bool trans_b, float alpha, float beta,
                                      float c_old, int64_t z, int i, int j, double* abs_scale) {
    a += z * (int64_t)m * k;
    b += z * (int64_t)k * n;
    double dot = 0, abs_dot = 0;
    for (int p = 0; p < k; p++) {
        const double prod = (double)op_a(a, m, k, trans_a, i, p) * op_b(b, n, k, trans_b, p, j);
        dot += prod;
        abs_dot += std::fabs(prod);
    }
    double out = alpha * dot, scale = std::fabs(alpha) * abs_dot;
    if (beta != 0.0f) {  // beta == 0: C is not read (BLAS semantics)
        out += (double)beta * c_old;
        scale += std::fabs((double)beta * c_old);
    }
    if (abs_scale) *abs_scale = scale;
    return out;
}

// Writes one output. beta == 0 never reads C, so C may start as garbage.
__device__ inline void store_c(float* c, float acc, float alpha, float beta) {
    *c = beta == 0.0f ? alpha * acc : alpha * acc + beta * *c;
}

// Runs launch(z0, nz, a, b, c) over the batch in chunks that fit gridDim.z, with the pointers
// moved to the chunk's first matrix.
template <typename Launch>
static void for_batch_chunks(int batch, int m, int n, int k, float* c, const float* a,
                             const float* b, Launch launch) {
    for (int z0 = 0; z0 < batch; z0 += kMaxGridYZ) {
        const int nz = batch - z0 < kMaxGridYZ ? batch - z0 : kMaxGridYZ;
        launch(nz, a + (size_t)z0 * m * k, b + (size_t)z0 * k * n, c + (size_t)z0 * m * n);
    }
}

// ----------------------------------------------------------------------------------------------
// v1: naive. Thread (i, j) walks row i of op(A) and column j of op(B). threadIdx.x runs along
// j so that a warp's loads of B (not transposed) and stores of C are coalesced.

__global__ void matmul_v1_kernel(float* c, const float* a, const float* b, int m, int n, int k,
                                 bool trans_a, bool trans_b, float alpha, float beta) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    const int i = blockIdx.y * blockDim.y + threadIdx.y;
    if (i >= m || j >= n) return;
    const size_t z = blockIdx.z;
    a += z * m * k;
    b += z * k * n;
    c += z * m * n;
    float acc = 0.0f;
    for (int p = 0; p < k; p++) acc += op_a(a, m, k, trans_a, i, p) * op_b(b, n, k, trans_b, p, j);
    store_c(c + (size_t)i * n + j, acc, alpha, beta);
}

static void matmul_v1(float* c, const float* a, const float* b, int batch, int m, int n, int k,
                      bool trans_a, bool trans_b, float alpha, float beta) {
    const dim3 block(32, 8);
    if (ceil_div(m, block.y) > kMaxGridYZ)
        throw std::runtime_error("cuda::matmul v1: M = " + std::to_string(m) +
                                 " is too large for one grid. HINT: use cuda::matmul (v2/v3)");
    for_batch_chunks(batch, m, n, k, c, a, b, [&](int nz, const float* a_, const float* b_, float* c_) {
        const dim3 grid(ceil_div(n, block.x), ceil_div(m, block.y), nz);
        matmul_v1_kernel<<<grid, block>>>(c_, a_, b_, m, n, k, trans_a, trans_b, alpha, beta);
        SR_CUDA_CHECK_LAUNCH("cuda::matmul v1");
    });
}

// ----------------------------------------------------------------------------------------------
// v2: shared-memory tiling. A block computes a 32x32 tile of C; for each 32-wide slice of K it
// copies the matching 32x32 tiles of op(A) and op(B) into shared memory once and every thread
// reads them from there: 32x fewer global loads than v1. The global loads are arranged so that
// consecutive threads read consecutive addresses in every storage order (a transposed operand
// is written into the tile transposed; the +1 padding keeps those writes free of bank conflicts).

constexpr int kTile = 32;

template <bool TRANS_A, bool TRANS_B>
__global__ void matmul_v2_kernel(float* c, const float* a, const float* b, int m, int n, int k,
                                 float alpha, float beta) {
    __shared__ float a_tile[kTile][kTile + 1];  // a_tile[r][p] = op(A)[row0 + r, k0 + p]
    __shared__ float b_tile[kTile][kTile + 1];  // b_tile[p][q] = op(B)[k0 + p, col0 + q]
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int row0 = blockIdx.y * kTile, col0 = blockIdx.x * kTile;
    const size_t z = blockIdx.z;
    a += z * m * k;
    b += z * k * n;
    c += z * m * n;

    float acc = 0.0f;
    for (int k0 = 0; k0 < k; k0 += kTile) {
        if (!TRANS_A) {  // A is (M, K): tx runs along K
            const int r = row0 + ty, p = k0 + tx;
            a_tile[ty][tx] = (r < m && p < k) ? a[(size_t)r * k + p] : 0.0f;
        } else {         // A is (K, M): tx runs along M
            const int r = row0 + tx, p = k0 + ty;
            a_tile[tx][ty] = (r < m && p < k) ? a[(size_t)p * m + r] : 0.0f;
        }
        if (!TRANS_B) {  // B is (K, N): tx runs along N
            const int p = k0 + ty, q = col0 + tx;
            b_tile[ty][tx] = (p < k && q < n) ? b[(size_t)p * n + q] : 0.0f;
        } else {         // B is (N, K): tx runs along K
            const int p = k0 + tx, q = col0 + ty;
            b_tile[tx][ty] = (p < k && q < n) ? b[(size_t)q * k + p] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int p = 0; p < kTile; p++) acc += a_tile[ty][p] * b_tile[p][tx];
        __syncthreads();
    }
    const int i = row0 + ty, j = col0 + tx;
    if (i < m && j < n) store_c(c + (size_t)i * n + j, acc, alpha, beta);
}

template <bool TRANS_A, bool TRANS_B>
static void launch_v2(float* c, const float* a, const float* b, int batch, int m, int n, int k,
                      float alpha, float beta) {
    const dim3 block(kTile, kTile);
    for_batch_chunks(batch, m, n, k, c, a, b, [&](int nz, const float* a_, const float* b_, float* c_) {
        const dim3 grid(ceil_div(n, kTile), ceil_div(m, kTile), nz);
        matmul_v2_kernel<TRANS_A, TRANS_B><<<grid, block>>>(c_, a_, b_, m, n, k, alpha, beta);
        SR_CUDA_CHECK_LAUNCH("cuda::matmul v2");
    });
}

static void matmul_v2(float* c, const float* a, const float* b, int batch, int m, int n, int k,
                      bool trans_a, bool trans_b, float alpha, float beta) {
    if (ceil_div(m, kTile) > kMaxGridYZ)
        throw std::runtime_error("cuda::matmul v2: M = " + std::to_string(m) +
                                 " is too large for one grid. HINT: split the rows into chunks");
    if (!trans_a && !trans_b) launch_v2<false, false>(c, a, b, batch, m, n, k, alpha, beta);
    if (!trans_a && trans_b) launch_v2<false, true>(c, a, b, batch, m, n, k, alpha, beta);
    if (trans_a && !trans_b) launch_v2<true, false>(c, a, b, batch, m, n, k, alpha, beta);
    if (trans_a && trans_b) launch_v2<true, true>(c, a, b, batch, m, n, k, alpha, beta);
}

// ----------------------------------------------------------------------------------------------
// v3: register blocking (2D block tiling) with float4 loads, after Simon Boehm's "How to
// Optimize a CUDA Matmul Kernel" (kernels 5-6). A block of 256 threads computes a 128x128 tile
// of C. Per step of BK = 8 along K it stages a 128x8 slice of op(A) and an 8x128 slice of
// op(B) in shared memory (one float4 global load per thread for each), then every thread
// multiplies an 8-vector of A by an 8-vector of B into its 8x8 accumulators: 16 shared loads
// (as 4 float4s) feed 64 FMAs. A thread's 8 rows are {4ty..4ty+3} and {64+4ty..64+4ty+3}, its
// 8 columns likewise with tx: so the 16 threads of a half-warp read 16 consecutive float4s of
// b_tile (no bank conflicts) and write 16 consecutive float4s of each C row.
// a_tile is stored K-major (a_tile[p][r]) so that a thread's rows are contiguous float4s too.
// Edges: loads outside op(A)/op(B) read zeros, stores outside C are skipped; the float4s never
// straddle an edge because the contiguous dimensions are multiples of 4 (matmul_v3_fits).

constexpr int kBM = 128, kBN = 128, kBK = 8;  // block tile of C, and its step along K
constexpr int kV3Threads = 256;               // 16 x 16 threads, 8 x 8 outputs each
constexpr int kPad = 4;                       // keeps the transposing tile stores conflict-free
                                              // (and rows 16-byte aligned: 132 floats)

__device__ inline float4 load4(const float* p) { return *reinterpret_cast<const float4*>(p); }

template <bool TRANS_A, bool TRANS_B>
__global__ void __launch_bounds__(kV3Threads)
matmul_v3_kernel(float* c, const float* a, const float* b, int m, int n, int k, float alpha,
                 float beta) {
    __shared__ __align__(16) float a_tile[kBK][kBM + kPad];  // a_tile[p][r] = op(A)[row0+r, k0+p]
    __shared__ __align__(16) float b_tile[kBK][kBN + kPad];  // b_tile[p][q] = op(B)[k0+p, col0+q]
    const int t = threadIdx.x;
    const int tx = t % 16, ty = t / 16;  // this thread's column / row group
    const int row0 = blockIdx.y * kBM, col0 = blockIdx.x * kBN;
    const size_t z = blockIdx.z;
    a += z * m * k;
    b += z * k * n;
    c += z * m * n;

    float acc[8][8];  // acc[ii][jj]: C[row(ii), col(jj)], rows/cols as described above
#pragma unroll
    for (int ii = 0; ii < 8; ii++)
#pragma unroll
        for (int jj = 0; jj < 8; jj++) acc[ii][jj] = 0.0f;

    const float4 zero4 = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    for (int k0 = 0; k0 < k; k0 += kBK) {
        // ---- stage op(A)[row0 : row0+128, k0 : k0+8] into a_tile (256 float4s, one per thread)
        if (!TRANS_A) {  // A is (M, K): a float4 is 4 consecutive p of one row r
            const int r = t / 2, p = (t % 2) * 4;
            const float4 v = (row0 + r < m && k0 + p < k) ? load4(a + (size_t)(row0 + r) * k + k0 + p)
                                                          : zero4;
            a_tile[p + 0][r] = v.x;
            a_tile[p + 1][r] = v.y;
            a_tile[p + 2][r] = v.z;
            a_tile[p + 3][r] = v.w;
        } else {  // A is (K, M): a float4 is 4 consecutive rows r of one p
            const int p = t / 32, r = (t % 32) * 4;
            const float4 v = (k0 + p < k && row0 + r < m) ? load4(a + (size_t)(k0 + p) * m + row0 + r)
                                                          : zero4;
            *reinterpret_cast<float4*>(&a_tile[p][r]) = v;
        }
        // ---- stage op(B)[k0 : k0+8, col0 : col0+128] into b_tile
        if (!TRANS_B) {  // B is (K, N): a float4 is 4 consecutive columns q of one p
            const int p = t / 32, q = (t % 32) * 4;
            const float4 v = (k0 + p < k && col0 + q < n) ? load4(b + (size_t)(k0 + p) * n + col0 + q)
                                                          : zero4;
            *reinterpret_cast<float4*>(&b_tile[p][q]) = v;
        } else {  // B is (N, K): a float4 is 4 consecutive p of one column q
            const int q = t / 2, p = (t % 2) * 4;
            const float4 v = (col0 + q < n && k0 + p < k) ? load4(b + (size_t)(col0 + q) * k + k0 + p)
                                                          : zero4;
            b_tile[p + 0][q] = v.x;
            b_tile[p + 1][q] = v.y;
            b_tile[p + 2][q] = v.z;
            b_tile[p + 3][q] = v.w;
        }
        __syncthreads();

        // ---- 8 rank-1 updates of the 8x8 register block
#pragma unroll
        for (int p = 0; p < kBK; p++) {
            const float4 a_lo = *reinterpret_cast<const float4*>(&a_tile[p][4 * ty]);
            const float4 a_hi = *reinterpret_cast<const float4*>(&a_tile[p][64 + 4 * ty]);
            const float4 b_lo = *reinterpret_cast<const float4*>(&b_tile[p][4 * tx]);
            const float4 b_hi = *reinterpret_cast<const float4*>(&b_tile[p][64 + 4 * tx]);
            const float av[8] = {a_lo.x, a_lo.y, a_lo.z, a_lo.w, a_hi.x, a_hi.y, a_hi.z, a_hi.w};
            const float bv[8] = {b_lo.x, b_lo.y, b_lo.z, b_lo.w, b_hi.x, b_hi.y, b_hi.z, b_hi.w};
#pragma unroll
            for (int ii = 0; ii < 8; ii++)
#pragma unroll
                for (int jj = 0; jj < 8; jj++) acc[ii][jj] += av[ii] * bv[jj];
        }
        __syncthreads();
    }

    // ---- write the 8x8 block as 16 float4s (N % 4 == 0, so a float4 is all in or all out)
#pragma unroll
    for (int ii = 0; ii < 8; ii++) {
        const int i = row0 + (ii < 4 ? 4 * ty + ii : 64 + 4 * ty + (ii - 4));
        if (i >= m) continue;
#pragma unroll
        for (int half = 0; half < 2; half++) {
            const int j = col0 + 64 * half + 4 * tx;
            if (j >= n) continue;
            float4* out = reinterpret_cast<float4*>(c + (size_t)i * n + j);
            float4 v = make_float4(alpha * acc[ii][4 * half + 0], alpha * acc[ii][4 * half + 1],
                                   alpha * acc[ii][4 * half + 2], alpha * acc[ii][4 * half + 3]);
            if (beta != 0.0f) {
                const float4 old = *out;
                v.x += beta * old.x;
                v.y += beta * old.y;
                v.z += beta * old.z;
                v.w += beta * old.w;
            }
            *out = v;
        }
    }
}

static bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

bool matmul_v3_fits(const float* c, const float* a, const float* b, int m, int n, int k,
                    bool trans_a, bool trans_b) {
    return aligned16(a) && aligned16(b) && aligned16(c) && n % 4 == 0 &&
           (trans_a ? m % 4 == 0 : k % 4 == 0) && (trans_b ? k % 4 == 0 : n % 4 == 0);
}

template <bool TRANS_A, bool TRANS_B>
static void launch_v3(float* c, const float* a, const float* b, int batch, int m, int n, int k,
                      float alpha, float beta) {
    for_batch_chunks(batch, m, n, k, c, a, b, [&](int nz, const float* a_, const float* b_, float* c_) {
        const dim3 grid(ceil_div(n, kBN), ceil_div(m, kBM), nz);
        matmul_v3_kernel<TRANS_A, TRANS_B><<<grid, kV3Threads>>>(c_, a_, b_, m, n, k, alpha, beta);
        SR_CUDA_CHECK_LAUNCH("cuda::matmul v3");
    });
}

static void matmul_v3(float* c, const float* a, const float* b, int batch, int m, int n, int k,
                      bool trans_a, bool trans_b, float alpha, float beta) {
    if (!matmul_v3_fits(c, a, b, m, n, k, trans_a, trans_b))
        throw std::runtime_error(
            "cuda::matmul v3: shape M=" + std::to_string(m) + " N=" + std::to_string(n) +
            " K=" + std::to_string(k) + " (trans_a=" + std::to_string(trans_a) +
            ", trans_b=" + std::to_string(trans_b) +
            ") does not fit the float4 path. HINT: call cuda::matmul, which falls back to v2 "
            "(v3 needs 16-byte aligned pointers, N % 4 == 0 and the operands' contiguous "
            "dimensions % 4 == 0)");
    if (ceil_div(m, kBM) > kMaxGridYZ)
        throw std::runtime_error("cuda::matmul v3: M = " + std::to_string(m) +
                                 " is too large for one grid. HINT: split the rows into chunks");
    if (!trans_a && !trans_b) launch_v3<false, false>(c, a, b, batch, m, n, k, alpha, beta);
    if (!trans_a && trans_b) launch_v3<false, true>(c, a, b, batch, m, n, k, alpha, beta);
    if (trans_a && !trans_b) launch_v3<true, false>(c, a, b, batch, m, n, k, alpha, beta);
    if (trans_a && trans_b) launch_v3<true, true>(c, a, b, batch, m, n, k, alpha, beta);
}

// ----------------------------------------------------------------------------------------------
// dispatch

static void check_matmul_args(const char* op, int batch, int m, int n, int k) {
    if (batch < 0 || m < 0 || n < 0 || k < 0)
        throw std::runtime_error(std::string(op) + ": negative size (batch=" + std::to_string(batch) +
                                 " M=" + std::to_string(m) + " N=" + std::to_string(n) +
                                 " K=" + std::to_string(k) + "). HINT: check the shapes passed in");
}

void matmul_version(int version, float* c, const float* a, const float* b, int batch, int m,
                    int n, int k, bool trans_a, bool trans_b, float alpha, float beta) {
    require_device("cuda::matmul_version");
    check_matmul_args("cuda::matmul_version", batch, m, n, k);
    if (batch == 0 || m == 0 || n == 0) return;
    // K == 0 is a valid product of empty sums: the kernels' loops simply do not run.
    switch (version) {
        case 1: return matmul_v1(c, a, b, batch, m, n, k, trans_a, trans_b, alpha, beta);
        case 2: return matmul_v2(c, a, b, batch, m, n, k, trans_a, trans_b, alpha, beta);
        case 3: return matmul_v3(c, a, b, batch, m, n, k, trans_a, trans_b, alpha, beta);
        default:
            throw std::runtime_error("cuda::matmul_version: unknown version " + std::to_string(version) +
                                     ". HINT: versions are 1.." + std::to_string(kMatmulVersions));
    }
}

void matmul(float* c, const float* a, const float* b, int batch, int m, int n, int k,
            bool trans_a, bool trans_b, float alpha, float beta) {
    const int version = matmul_v3_fits(c, a, b, m, n, k, trans_a, trans_b) ? 3 : 2;
    matmul_version(version, c, a, b, batch, m, n, k, trans_a, trans_b, alpha, beta);
}

// ----------------------------------------------------------------------------------------------
// cuBLAS, the yardstick. cuBLAS is column-major; a row-major (R, C) buffer is the column-major
// (C, R) matrix, i.e. the transpose. So row-major C = op(A) @ op(B) is column-major
// C^T = op(B)^T @ op(A)^T: pass B first, A second, and swap M and N. A row-major B stored (K, N)
// is column-major op(B)^T already (no transpose, ld = N); stored (N, K) it is op(B) and
// needs CUBLAS_OP_T (ld = K). Likewise A: (M, K) -> OP_N, ld = K; (K, M) -> OP_T, ld = M.

static cublasHandle_t cublas_handle() {
    static cublasHandle_t handle = [] {
        cublasHandle_t h = nullptr;
        SR_CUBLAS_CHECK(cublasCreate(&h), "cublasCreate");
        // Plain FP32 (no TF32 tensor cores), so the comparison with our FP32 kernels is fair.
        SR_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        return h;
    }();  // never destroyed: the process exits with it (destroying after the driver unloads can fail)
    return handle;
}

void detail::matmul_cublas(float* c, const float* a, const float* b, int batch, int m, int n,
                           int k, bool trans_a, bool trans_b, float alpha, float beta) {
    require_device("cuda::matmul_cublas");
    if (batch == 0 || m == 0 || n == 0) return;
    const cublasOperation_t op_b_ = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t op_a_ = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    const int ldb = std::max(1, trans_b ? k : n);  // cuBLAS wants ld >= 1 even when K == 0
    const int lda = std::max(1, trans_a ? m : k);
    if (batch == 1) {
        SR_CUBLAS_CHECK(cublasSgemm(cublas_handle(), op_b_, op_a_, n, m, k, &alpha, b, ldb, a, lda,
                                    &beta, c, n),
                        "cublasSgemm");
    } else {
        SR_CUBLAS_CHECK(cublasSgemmStridedBatched(cublas_handle(), op_b_, op_a_, n, m, k, &alpha, b,
                                                  ldb, (long long)k * n, a, lda, (long long)m * k,
                                                  &beta, c, n, (long long)m * n, batch),
                        "cublasSgemmStridedBatched");
    }
}

}  // namespace sr::cuda
