// The CUDA backend's interface. Everything here exists in every build: when nvcc was not
// found (or CUDA=0), tensor/cuda_stub.cpp implements it and every call that needs a device
// throws a clear error. The kernels live in tensor/cuda_*.cu (compiled only with -DSR_CUDA).
//
// All pointers passed to the kernels below are DEVICE pointers; data moves between host and
// device only through copy_to_device / copy_to_host (explicit, so transfers are visible).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace sr::cuda {

bool compiled();            // built with nvcc?
int device_count();         // 0 when not compiled or no GPU/driver present
std::string describe();     // for the banner: "CUDA not compiled in" / "CUDA on: NVIDIA H100 ..."
void require_device(const char* what);  // throws std::runtime_error with a HINT if no device

void* alloc(size_t bytes);  // device memory; throws on failure
void release(void* ptr);
void copy_to_device(void* dst_device, const void* src_host, size_t bytes);
void copy_to_host(void* dst_host, const void* src_device, size_t bytes);
void synchronize();

// C = alpha * op(A) @ op(B) + beta * C, row-major, for `batch` independent matrices laid out
// back to back (strides M*K, K*N, M*N). op(A) is (M,K), op(B) is (K,N), C is (M,N).
// trans_a: A is stored (K,M); trans_b: B is stored (N,K). Uses our fastest handwritten kernel.
void matmul(float* c, const float* a, const float* b, int batch, int m, int n, int k,
            bool trans_a, bool trans_b, float alpha = 1.0f, float beta = 0.0f);

// Softmax along the last axis of a (rows, cols) buffer. causal_t > 0 means the rows are
// attention rows of (..., T, T) with T = causal_t: row r may only see columns <= r % T
// (the rest get probability 0).
void softmax_forward(float* out, const float* in, int64_t rows, int64_t cols, int causal_t = 0);
// din = out * (dout - sum(dout * out, row))
void softmax_backward(float* din, const float* dout, const float* out, int64_t rows, int64_t cols);

}  // namespace sr::cuda
