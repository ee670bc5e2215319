// Softmax along the last axis on the GPU, forward and backward, in the spirit of llm.c's
// dev/cuda: a CPU reference, then numbered kernel versions; cuda::softmax_* run the fastest.
//
//   forward:   out[r, j] = exp(in[r, j] - max_r) / sum_j' exp(in[r, j'] - max_r)   (visible j)
//   backward:  din[r, j] = out[r, j] * (dout[r, j] - sum_j' dout[r, j'] * out[r, j'])
//   in, out, dout, din: (rows, cols). causal_t = T > 0: row r sees columns j <= r % T only;
//   the others get probability 0 (so their gradient is 0 too: backward needs no mask).
//
//   v1  one thread per row, three passes over the row (max, sum, write)
//   v2  one warp per row: coalesced loads, and an "online" max/sum (one pass instead of two,
//       rescaling the running sum whenever the max grows), combined across lanes by shuffles
//   v3  one block (256 threads) per row, same online reduction through shared memory: keeps
//       many more loads in flight per row, for long rows (and few rows)
// The dispatch uses v2 for rows up to 1024 columns (attention rows, model widths) and v3 above.
// A row whose visible entries are all -inf gives NaN, as the plain formula does.
#include <cmath>
#include <string>

#include "tensor/cuda_common.cuh"

namespace sr::cuda {

using detail::ceil_div;

// Number of columns row r may see.
__host__ __device__ inline int64_t visible_cols(int64_t r, int64_t cols, int causal_t) {
    if (causal_t <= 0) return cols;
    const int64_t limit = r % causal_t + 1;
    return limit < cols ? limit : cols;
}

// ----------------------------------------------------------------------------------------------
// CPU reference (double)

void detail::softmax_forward_reference(double* out, const float* in, int64_t row_begin,
                                       int64_t row_end, int64_t cols, int causal_t) {
    for (int64_t r = row_begin; r < row_end; r++) {
        const float* x = in + r * cols;
        double* y = out + (r - row_begin) * cols;
        const int64_t limit = visible_cols(r, cols, causal_t);
        double mx = -INFINITY, sum = 0.0;
        for (int64_t j = 0; j < limit; j++) mx = x[j] > mx ? x[j] : mx;
        for (int64_t j = 0; j < limit; j++) sum += std::exp((double)x[j] - mx);
        for (int64_t j = 0; j < cols; j++) y[j] = j < limit ? std::exp((double)x[j] - mx) / sum : 0.0;
    }
}

void detail::softmax_backward_reference(double* din, const float* dout, const float* out,
                                        int64_t row_begin, int64_t row_end, int64_t cols) {
    for (int64_t r = row_begin; r < row_end; r++) {
        const float* dy = dout + r * cols;
        const float* y = out + r * cols;
        double dot = 0.0;
        for (int64_t j = 0; j < cols; j++) dot += (double)dy[j] * y[j];
        for (int64_t j = 0; j < cols; j++) din[(r - row_begin) * cols + j] = y[j] * (dy[j] - dot);
    }
}

// ----------------------------------------------------------------------------------------------
// online softmax: (m, s) is a running max and the sum of exp(x - m) over the values seen.

// Adds one value x.
__device__ inline void online_add(float& m, float& s, float x) {
    if (x > m) {
        s = s * expf(m - x) + 1.0f;  // rescale the old sum to the new max (m = -inf: s was 0)
        m = x;
    } else if (x != -INFINITY) {     // x = m = -inf would give exp(nan); it adds nothing
        s += expf(x - m);
    }
}

// Merges another partial (m2, s2) into (m, s). Symmetric, so every lane of a butterfly
// reduction ends with the same max and the same sum up to FMA rounding (each lane then writes
// only its own columns, so that last-bit difference is harmless).
__device__ inline void online_merge(float& m, float& s, float m2, float s2) {
    const float mn = fmaxf(m, m2);
    if (mn == -INFINITY) return;  // both empty
    s = s * expf(m - mn) + s2 * expf(m2 - mn);
    m = mn;
}

__device__ inline void warp_online_reduce(float& m, float& s) {
    for (int offset = 16; offset > 0; offset /= 2) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, offset);
        const float s2 = __shfl_xor_sync(0xffffffffu, s, offset);
        online_merge(m, s, m2, s2);
    }
}

__device__ inline float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// ----------------------------------------------------------------------------------------------
// v1: one thread per row

__global__ void softmax_forward_v1_kernel(float* out, const float* in, int64_t rows, int64_t cols,
                                          int causal_t) {
    const int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const float* x = in + r * cols;
    float* y = out + r * cols;
    const int64_t limit = visible_cols(r, cols, causal_t);
    float mx = -INFINITY;
    for (int64_t j = 0; j < limit; j++) mx = fmaxf(mx, x[j]);
    float sum = 0.0f;
    for (int64_t j = 0; j < limit; j++) sum += expf(x[j] - mx);
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < cols; j++) y[j] = j < limit ? expf(x[j] - mx) * inv : 0.0f;
}

__global__ void softmax_backward_v1_kernel(float* din, const float* dout, const float* out,
                                           int64_t rows, int64_t cols) {
    const int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const float* dy = dout + r * cols;
    const float* y = out + r * cols;
    float dot = 0.0f;
    for (int64_t j = 0; j < cols; j++) dot += dy[j] * y[j];
    for (int64_t j = 0; j < cols; j++) din[r * cols + j] = y[j] * (dy[j] - dot);
}

// ----------------------------------------------------------------------------------------------
// v2: one warp per row, kWarpsV2 rows per block

constexpr int kWarpsV2 = 8;

__global__ void softmax_forward_v2_kernel(float* out, const float* in, int64_t rows, int64_t cols,
                                          int causal_t) {
    const int lane = threadIdx.x % 32;
    const int64_t r = (int64_t)blockIdx.x * kWarpsV2 + threadIdx.x / 32;
    if (r >= rows) return;  // the whole warp leaves together, so the shuffles stay full-warp
    const float* x = in + r * cols;
    float* y = out + r * cols;
    const int64_t limit = visible_cols(r, cols, causal_t);
    float m = -INFINITY, s = 0.0f;
    for (int64_t j = lane; j < limit; j += 32) online_add(m, s, x[j]);
    warp_online_reduce(m, s);
    const float inv = 1.0f / s;
    for (int64_t j = lane; j < cols; j += 32) y[j] = j < limit ? expf(x[j] - m) * inv : 0.0f;
}

__global__ void softmax_backward_v2_kernel(float* din, const float* dout, const float* out,
                                           int64_t rows, int64_t cols) {
    const int lane = threadIdx.x % 32;
    const int64_t r = (int64_t)blockIdx.x * kWarpsV2 + threadIdx.x / 32;
    if (r >= rows) return;
    const float* dy = dout + r * cols;
    const float* y = out + r * cols;
    float dot = 0.0f;
    for (int64_t j = lane; j < cols; j += 32) dot += dy[j] * y[j];
    dot = warp_sum(dot);
    for (int64_t j = lane; j < cols; j += 32) din[r * cols + j] = y[j] * (dy[j] - dot);
}

// ----------------------------------------------------------------------------------------------
// v3: one block of kThreadsV3 threads per row. Each warp reduces with shuffles, warp 0 reduces
// the warps' partials from shared memory, and the result is broadcast through shared memory.

constexpr int kThreadsV3 = 256;
constexpr int kWarpsV3 = kThreadsV3 / 32;

__global__ void __launch_bounds__(kThreadsV3)
softmax_forward_v3_kernel(float* out, const float* in, int64_t cols, int causal_t) {
    __shared__ float part_m[kWarpsV3], part_s[kWarpsV3];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int64_t r = blockIdx.x;
    const float* x = in + r * cols;
    float* y = out + r * cols;
    const int64_t limit = visible_cols(r, cols, causal_t);
    float m = -INFINITY, s = 0.0f;
    for (int64_t j = threadIdx.x; j < limit; j += kThreadsV3) online_add(m, s, x[j]);
    warp_online_reduce(m, s);
    if (lane == 0) {
        part_m[warp] = m;
        part_s[warp] = s;
    }
    __syncthreads();
    if (warp == 0) {
        m = lane < kWarpsV3 ? part_m[lane] : -INFINITY;
        s = lane < kWarpsV3 ? part_s[lane] : 0.0f;
        warp_online_reduce(m, s);
    }
    __syncthreads();  // everyone has read part_*; warp 0 may overwrite slot 0
    if (threadIdx.x == 0) {
        part_m[0] = m;
        part_s[0] = s;
    }
    __syncthreads();
    m = part_m[0];
    const float inv = 1.0f / part_s[0];
    for (int64_t j = threadIdx.x; j < cols; j += kThreadsV3) y[j] = j < limit ? expf(x[j] - m) * inv : 0.0f;
}

__global__ void __launch_bounds__(kThreadsV3)
softmax_backward_v3_kernel(float* din, const float* dout, const float* out, int64_t cols) {
    __shared__ float part[kWarpsV3];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int64_t r = blockIdx.x;
    const float* dy = dout + r * cols;
    const float* y = out + r * cols;
    float dot = 0.0f;
    for (int64_t j = threadIdx.x; j < cols; j += kThreadsV3) dot += dy[j] * y[j];
    dot = warp_sum(dot);
    if (lane == 0) part[warp] = dot;
    __syncthreads();
    if (warp == 0) {
        dot = warp_sum(lane < kWarpsV3 ? part[lane] : 0.0f);
        if (lane == 0) part[0] = dot;  // lane 0 read part[0] above, before this write
    }
    __syncthreads();
    dot = part[0];
    for (int64_t j = threadIdx.x; j < cols; j += kThreadsV3) din[r * cols + j] = y[j] * (dy[j] - dot);
}

// ----------------------------------------------------------------------------------------------
// launchers and dispatch

static void check_softmax_args(const char* op, int64_t rows, int64_t cols, int causal_t) {
    if (rows < 0 || cols < 0 || causal_t < 0)
        throw std::runtime_error(std::string(op) + ": bad shape (rows=" + std::to_string(rows) +
                                 " cols=" + std::to_string(cols) + " causal_t=" +
                                 std::to_string(causal_t) + "). HINT: sizes must be >= 0");
    if (rows > 2147483647LL)  // v3 launches one block per row on gridDim.x (max 2^31 - 1)
        throw std::runtime_error(std::string(op) + ": " + std::to_string(rows) +
                                 " rows is more than one launch takes. HINT: split the rows");
}

static void unknown_version(const char* op, int version) {
    throw std::runtime_error(std::string(op) + ": unknown version " + std::to_string(version) +
                             ". HINT: versions are 1.." + std::to_string(kSoftmaxVersions));
}

void softmax_forward_version(int version, float* out, const float* in, int64_t rows, int64_t cols,
                             int causal_t) {
    const char* op = "cuda::softmax_forward_version";
    require_device(op);
    check_softmax_args(op, rows, cols, causal_t);
    if (version < 1 || version > kSoftmaxVersions) unknown_version(op, version);
    if (rows == 0 || cols == 0) return;
    if (version == 1) {
        softmax_forward_v1_kernel<<<ceil_div(rows, 256), 256>>>(out, in, rows, cols, causal_t);
    } else if (version == 2) {
        softmax_forward_v2_kernel<<<ceil_div(rows, kWarpsV2), 32 * kWarpsV2>>>(out, in, rows, cols,
                                                                               causal_t);
    } else {
        softmax_forward_v3_kernel<<<rows, kThreadsV3>>>(out, in, cols, causal_t);
    }
    SR_CUDA_CHECK_LAUNCH(op);
}

void softmax_backward_version(int version, float* din, const float* dout, const float* out,
                              int64_t rows, int64_t cols) {
    const char* op = "cuda::softmax_backward_version";
    require_device(op);
    check_softmax_args(op, rows, cols, 0);
    if (version < 1 || version > kSoftmaxVersions) unknown_version(op, version);
    if (rows == 0 || cols == 0) return;
    if (version == 1) {
        softmax_backward_v1_kernel<<<ceil_div(rows, 256), 256>>>(din, dout, out, rows, cols);
    } else if (version == 2) {
        softmax_backward_v2_kernel<<<ceil_div(rows, kWarpsV2), 32 * kWarpsV2>>>(din, dout, out, rows,
                                                                                cols);
    } else {
        softmax_backward_v3_kernel<<<rows, kThreadsV3>>>(din, dout, out, cols);
    }
    SR_CUDA_CHECK_LAUNCH(op);
}

// Up to 1024 columns a warp per row has at most 32 elements per lane, and there are usually
// many rows; beyond that a block per row keeps more memory requests in flight.
static int softmax_dispatch_version(int64_t cols) { return cols <= 1024 ? 2 : 3; }

void softmax_forward(float* out, const float* in, int64_t rows, int64_t cols, int causal_t) {
    softmax_forward_version(softmax_dispatch_version(cols), out, in, rows, cols, causal_t);
}

void softmax_backward(float* din, const float* dout, const float* out, int64_t rows, int64_t cols) {
    softmax_backward_version(softmax_dispatch_version(cols), din, dout, out, rows, cols);
}

}  // namespace sr::cuda
