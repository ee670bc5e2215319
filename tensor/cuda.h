// The CUDA backend's interface. Everything here exists in every build: when nvcc was not
// found (or CUDA=0), tensor/cuda_stub.cpp implements it and every call that needs a device
// throws a clear error. The kernels live in tensor/cuda_*.cu (compiled only with -DSR_CUDA):
//   tensor/cuda_backend.cu   device discovery, memory, copies, error checking
//   tensor/cuda_matmul.cu    CPU reference + matmul kernels v1..v3 + cuBLAS (for the benchmark)
//   tensor/cuda_softmax.cu   CPU reference + softmax forward/backward kernels v1..v3
//   tensor/cuda_bench.cu     bench_cuda: every version vs cuBLAS / peak bandwidth, JSON lines
//   tensor/cuda_offload.cu   gemm_host: the `--device cuda` mode's host-to-device GEMM
// A build with CUDA still runs on a machine without a GPU: device_count() is 0 there and every
// call that needs a device throws std::runtime_error naming the op, the CUDA error and a HINT.
//
// All pointers passed to the kernels below are DEVICE pointers; data moves between host and
// device only through copy_to_device / copy_to_host (explicit, so transfers are visible).
// Kernels run on the default stream and are asynchronous; copy_to_host and synchronize wait.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace sr::cuda {

bool compiled();            // built with nvcc?
int device_count();         // 0 when not compiled or no GPU/driver present (never throws)
std::string describe();     // for the banner: "CUDA not compiled in" / "CUDA on: NVIDIA H100 ..."
void require_device(const char* what);  // throws std::runtime_error with a HINT if no device

void* alloc(size_t bytes);  // device memory; throws on failure; alloc(0) returns nullptr
void release(void* ptr);    // never throws (it is called from destructors): failures go to stderr
void copy_to_device(void* dst_device, const void* src_host, size_t bytes);
void copy_to_host(void* dst_host, const void* src_device, size_t bytes);
void synchronize();         // waits for all queued kernels; throws if one of them failed

// C = alpha * op(A) @ op(B) + beta * C, row-major, for `batch` independent matrices laid out
// back to back (strides M*K, K*N, M*N). op(A) is (M,K), op(B) is (K,N), C is (M,N).
// trans_a: A is stored (K,M); trans_b: B is stored (N,K). Uses our fastest handwritten kernel
// (version 3 when the shape fits it, see matmul_v3_fits, else version 2).
// beta == 0 means C is only written, never read (it may hold garbage or NaN), as in BLAS.
void matmul(float* c, const float* a, const float* b, int batch, int m, int n, int k,
            bool trans_a, bool trans_b, float alpha = 1.0f, float beta = 0.0f);

// Softmax along the last axis of a (rows, cols) buffer. causal_t > 0 means the rows are
// attention rows of (..., T, T) with T = causal_t: row r may only see columns <= r % T
// (the rest get probability 0).
void softmax_forward(float* out, const float* in, int64_t rows, int64_t cols, int causal_t = 0);
// din = out * (dout - sum(dout * out, row))
void softmax_backward(float* din, const float* dout, const float* out, int64_t rows, int64_t cols);

// ---- offload mode (`--device cuda`: host-resident model, GEMMs on the GPU) --------------------
// C = alpha op(A) op(B) + beta C on HOST pointers with BLAS-style row strides (lda/ldb/ldc as
// stored): copies the operands to device buffers (packing strided ones), runs matmul(), and
// copies C back. Thread-safe (calls are serialised). kernels::gemm calls it for large float32
// products once set_gemm_device(true) has been called (tensor/runtime.h).
void gemm_host(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc);
struct OffloadStats {
    int64_t calls = 0;
    int64_t bytes_to_device = 0, bytes_to_host = 0;
    double flops = 0;
    double seconds = 0;  // wall time inside gemm_host: copies + kernel
};
OffloadStats offload_stats();

// ---- the numbered kernel versions (for tests/test_cuda.cpp and bench_cuda) --------------------
// Same contracts as above. Version 1 is the naive kernel, higher versions are faster; the
// dispatch functions above use the fastest that fits. An unknown version throws.
constexpr int kMatmulVersions = 3;   // 1 naive, 2 shared-memory tiles, 3 register-blocked + float4
constexpr int kSoftmaxVersions = 3;  // 1 thread per row, 2 warp per row (online), 3 block per row

// Version 3 loads float4s, so it needs 16-byte aligned pointers, N % 4 == 0, and the
// contiguous dimension of each operand a multiple of 4 (A: trans_a ? M : K, B: trans_b ? K : N).
// Any M, N, K beyond that (edges of the 128x128 tiles are handled). Other shapes throw in
// matmul_version(3, ...) and run on version 2 in matmul().
bool matmul_v3_fits(const float* c, const float* a, const float* b, int m, int n, int k,
                    bool trans_a, bool trans_b);
void matmul_version(int version, float* c, const float* a, const float* b, int batch, int m,
                    int n, int k, bool trans_a, bool trans_b, float alpha = 1.0f, float beta = 0.0f);
void softmax_forward_version(int version, float* out, const float* in, int64_t rows, int64_t cols,
                             int causal_t = 0);
void softmax_backward_version(int version, float* din, const float* dout, const float* out,
                              int64_t rows, int64_t cols);

// `sr_bench cuda` (argv[0] is the subcommand name): validates every kernel version against the
// CPU reference and prints one JSON line per (case, version): matmul GFLOP/s and ratio to
// cuBLAS's cublasSgemm, softmax GB/s and fraction of peak memory bandwidth. --help lists flags.
int bench_cuda(int argc, char** argv);

}  // namespace sr::cuda
