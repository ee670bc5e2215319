// The CUDA backend's plumbing: finding the device, device memory, explicit host<->device
// copies. Every CUDA call is checked. A CUDA build must also run on a machine without a GPU or
// driver: the probe below turns "no device" into device_count() == 0 and a clear error (with a
// HINT) from every call that needs one, instead of a crash.
#include <cstdio>
#include <string>

#include "tensor/cuda_common.cuh"

namespace sr::cuda {

namespace {

// The result of asking the runtime for devices, once per process.
struct DeviceProbe {
    int count = 0;
    std::string why_none;  // the CUDA error when count == 0
    std::string summary;   // "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)" for device 0
};

DeviceProbe probe_devices() {
    DeviceProbe p;
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        // No driver / no device: not an error for a CPU run. Clear the runtime's last error so
        // it does not surface at an unrelated later check.
        p.why_none = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(err);
        cudaGetLastError();
        return p;
    }
    if (n == 0) {
        p.why_none = "cudaGetDeviceCount found 0 devices";
        return p;
    }
    cudaDeviceProp prop;
    err = cudaGetDeviceProperties(&prop, 0);
    if (err != cudaSuccess) {
        p.why_none = std::string("cudaGetDeviceProperties: ") + cudaGetErrorString(err);
        cudaGetLastError();
        return p;
    }
    p.count = n;
    char buf[128];
    std::snprintf(buf, sizeof buf, " (sm_%d%d, %d SMs, %.1f GiB)", prop.major, prop.minor,
                  prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0);
    p.summary = std::string(prop.name) + buf;
    return p;
}

const DeviceProbe& probe() {
    static const DeviceProbe p = probe_devices();  // thread-safe one-time init (C++11)
    return p;
}

}  // namespace

bool compiled() { return true; }

int device_count() { return probe().count; }

std::string describe() {
    const DeviceProbe& p = probe();
    if (p.count == 0) return "CUDA compiled in, no device (" + p.why_none + ")";
    std::string s = "CUDA on: " + p.summary;
    if (p.count > 1) s += " + " + std::to_string(p.count - 1) + " more device(s), using device 0";
    return s;
}

void require_device(const char* what) {
    const DeviceProbe& p = probe();
    if (p.count > 0) return;
    throw std::runtime_error(std::string(what) + ": no CUDA device available (" + p.why_none +
                             "). HINT: run on a machine with an NVIDIA GPU and driver "
                             "(`nvidia-smi` should list it), or keep tensors on the CPU device");
}

void* alloc(size_t bytes) {
    require_device("cuda::alloc");
    if (bytes == 0) return nullptr;
    void* ptr = nullptr;
    cudaError_t err = cudaMalloc(&ptr, bytes);
    if (err != cudaSuccess) {
        cudaGetLastError();  // allocation failures are not sticky; do not leak into later checks
        detail::check(err, ("cuda::alloc(" + std::to_string(bytes) + " bytes)").c_str(), __FILE__,
                      __LINE__);
    }
    return ptr;
}

void release(void* ptr) {
    if (ptr == nullptr) return;
    cudaError_t err = cudaFree(ptr);
    if (err != cudaSuccess)
        std::fprintf(stderr, "%s:%d: cuda::release: cudaFree failed: %s. HINT: free only "
                     "pointers from cuda::alloc, once each\n", __FILE__, __LINE__,
                     cudaGetErrorString(err));
}

void copy_to_device(void* dst_device, const void* src_host, size_t bytes) {
    require_device("cuda::copy_to_device");
    if (bytes == 0) return;
    SR_CUDA_CHECK(cudaMemcpy(dst_device, src_host, bytes, cudaMemcpyHostToDevice),
                  "cuda::copy_to_device");
}

void copy_to_host(void* dst_host, const void* src_device, size_t bytes) {
    require_device("cuda::copy_to_host");
    if (bytes == 0) return;
    SR_CUDA_CHECK(cudaMemcpy(dst_host, src_device, bytes, cudaMemcpyDeviceToHost),
                  "cuda::copy_to_host");
}

void synchronize() {
    if (device_count() == 0) return;  // nothing can be queued without a device
    SR_CUDA_CHECK(cudaDeviceSynchronize(), "cuda::synchronize");
}

}  // namespace sr::cuda
