// Shared by the tensor/cuda_*.cu files (never included by .cpp files): error checking that
// turns every failed CUDA / cuBLAS call into a std::runtime_error naming the op, the CUDA
// error and a HINT, plus small helpers and the internal functions the benchmark needs.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "tensor/cuda.h"

namespace sr::cuda::detail {

// What to do about a given CUDA error, for the HINT sentence.
inline const char* hint_for(cudaError_t err) {
    switch (err) {
        case cudaErrorNoDevice:
        case cudaErrorInsufficientDriver:
        case cudaErrorInitializationError:
            return "run on a machine with an NVIDIA GPU and a working driver (`nvidia-smi` should "
                   "list it), or use the CPU path";
        case cudaErrorMemoryAllocation:
            return "the GPU is out of memory: use a smaller batch or free other buffers";
        case cudaErrorNoKernelImageForDevice:
        case cudaErrorUnsupportedPtxVersion:
            return "the kernels were built for sm_90 (H100/H200); rebuild with the Makefile's "
                   "NVCCFLAGS -arch set to this GPU's compute capability";
        case cudaErrorInvalidValue:
        case cudaErrorInvalidDevicePointer:
            return "a pointer or size is wrong: kernels take device pointers from cuda::alloc, "
                   "copies take the host pointer on the host side";
        default:
            return "rerun with CUDA_LAUNCH_BLOCKING=1 (and under compute-sanitizer) to find the "
                   "call that failed";
    }
}

// check(cudaMalloc(...), "cuda::alloc", __FILE__, __LINE__): throws on any error.
inline void check(cudaError_t err, const char* op, const char* file, int line) {
    if (err == cudaSuccess) return;
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + op +
                             ": CUDA error " + cudaGetErrorName(err) + " (" +
                             cudaGetErrorString(err) + "). HINT: " + hint_for(err));
}

inline void check_cublas(cublasStatus_t st, const char* op, const char* file, int line) {
    if (st == CUBLAS_STATUS_SUCCESS) return;
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + op +
                             ": cuBLAS error " + cublasGetStatusName(st) + " (" +
                             cublasGetStatusString(st) +
                             "). HINT: check the GPU with `nvidia-smi`; rerun with "
                             "CUDA_LAUNCH_BLOCKING=1 to find the call that failed");
}

#define SR_CUDA_CHECK(call, op) ::sr::cuda::detail::check((call), (op), __FILE__, __LINE__)
#define SR_CUBLAS_CHECK(call, op) ::sr::cuda::detail::check_cublas((call), (op), __FILE__, __LINE__)
// After a <<<...>>> launch: catches bad launch configurations right away (errors inside the
// kernel surface at the next synchronising call, which is checked too).
#define SR_CUDA_CHECK_LAUNCH(op) SR_CUDA_CHECK(cudaGetLastError(), (op))

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The largest gridDim.y / gridDim.z; batched launches are split into chunks of this many.
constexpr int kMaxGridYZ = 65535;

// ---- used by tensor/cuda_bench.cu -------------------------------------------------------------

// One entry of the CPU reference matmul: (alpha * op(A) @ op(B) + beta * c_old)[z, i, j] in
// double. `abs_scale` gets |alpha| * sum_p |a_ip * b_pj| + |beta * c_old|, the size that
// float32 rounding errors are proportional to.
double matmul_reference_entry(const float* a, const float* b, int m, int n, int k, bool trans_a,
                              bool trans_b, float alpha, float beta, float c_old, int64_t z, int i,
                              int j, double* abs_scale);
// cublasSgemm (cublasSgemmStridedBatched when batch > 1) on our row-major layout (the usual
// operand swap), FP32 math.
void matmul_cublas(float* c, const float* a, const float* b, int batch, int m, int n, int k,
                   bool trans_a, bool trans_b, float alpha, float beta);
// CPU reference softmax rows [row_begin, row_end) of a (rows, cols) host buffer, in double.
void softmax_forward_reference(double* out, const float* in, int64_t row_begin, int64_t row_end,
                               int64_t cols, int causal_t);
void softmax_backward_reference(double* din, const float* dout, const float* out, int64_t row_begin,
                                int64_t row_end, int64_t cols);

}  // namespace sr::cuda::detail
