// The CUDA interface for builds without nvcc: it reports "not compiled in" and refuses work.
// Keep it in step with tensor/cuda.h (every function there has a body here).
#ifndef SR_CUDA
#include <stdexcept>

#include "tensor/cuda.h"

namespace sr::cuda {

[[noreturn]] static void no_cuda(const char* what) {
    throw std::runtime_error(std::string(what) +
                             ": this build has no CUDA support. HINT: install the CUDA toolkit "
                             "(nvcc) and rebuild with `make` (without CUDA=0), on a machine with a GPU");
}

bool compiled() { return false; }
int device_count() { return 0; }
std::string describe() { return "CUDA not compiled in"; }
void require_device(const char* what) { no_cuda(what); }
void* alloc(size_t) { no_cuda("cuda::alloc"); }
void release(void*) {}
void copy_to_device(void*, const void*, size_t) { no_cuda("cuda::copy_to_device"); }
void copy_to_host(void*, const void*, size_t) { no_cuda("cuda::copy_to_host"); }
void synchronize() {}
void matmul(float*, const float*, const float*, int, int, int, int, bool, bool, float, float) {
    no_cuda("cuda::matmul");
}
void softmax_forward(float*, const float*, int64_t, int64_t, int) { no_cuda("cuda::softmax_forward"); }
void softmax_backward(float*, const float*, const float*, int64_t, int64_t) {
    no_cuda("cuda::softmax_backward");
}

bool matmul_v3_fits(const float*, const float*, const float*, int, int, int, bool, bool) {
    return false;
}
void matmul_version(int, float*, const float*, const float*, int, int, int, int, bool, bool, float,
                    float) {
    no_cuda("cuda::matmul_version");
}
void softmax_forward_version(int, float*, const float*, int64_t, int64_t, int) {
    no_cuda("cuda::softmax_forward_version");
}
void softmax_backward_version(int, float*, const float*, const float*, int64_t, int64_t) {
    no_cuda("cuda::softmax_backward_version");
}
void gemm_host(bool, bool, int, int, int, float, const float*, int, const float*, int, float, float*, int) {
    no_cuda("cuda::gemm_host (--device cuda)");
}
OffloadStats offload_stats() { return {}; }
int bench_cuda(int, char**) { no_cuda("sr_bench cuda"); }

}  // namespace sr::cuda
#endif
