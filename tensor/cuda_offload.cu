// Offload mode (`--device cuda` of the programs): the model stays in host memory and every
// large float32 GEMM goes to the GPU on the way (kernels::gemm calls gemm_host). Each call
// copies its operands to the device, runs our matmul kernel, and copies the result back, so the
// transfers are paid on every call and counted in offload_stats(). Simple and honest rather
// than fast: a model that lives on the device would skip the copies.
#include <chrono>
#include <mutex>
#include <vector>

#include "tensor/cuda_common.cuh"

namespace sr::cuda {

namespace {

// Device buffers grown to the largest call so far and reused (one set: calls are serialised).
struct Staging {
    float* dev[3] = {nullptr, nullptr, nullptr};  // A, B, C
    size_t cap[3] = {0, 0, 0};                    // floats
    std::vector<float> host;                      // for packing strided operands
    OffloadStats stats;
    std::mutex mu;
    float* ensure(int i, size_t floats) {
        if (floats > cap[i]) {
            release(dev[i]);
            dev[i] = static_cast<float*>(alloc(floats * sizeof(float)));
            cap[i] = floats;
        }
        return dev[i];
    }
};

Staging& staging() {
    static Staging* s = new Staging;  // never destroyed (device memory outlives static teardown order)
    return *s;
}

// Copies a (rows, cols) row-major host block with row stride ld to the device, contiguous.
void upload(Staging& s, float* dst, const float* src, int rows, int cols, int ld) {
    const size_t n = static_cast<size_t>(rows) * cols;
    if (ld == cols) {
        copy_to_device(dst, src, n * sizeof(float));
    } else {
        s.host.resize(n);
        for (int r = 0; r < rows; r++)
            std::copy(src + static_cast<int64_t>(r) * ld, src + static_cast<int64_t>(r) * ld + cols, s.host.data() + static_cast<size_t>(r) * cols);
        copy_to_device(dst, s.host.data(), n * sizeof(float));
    }
    s.stats.bytes_to_device += static_cast<int64_t>(n * sizeof(float));
}

}  // namespace

void gemm_host(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
               float beta, float* C, int ldc) {
    require_device("cuda::gemm_host (--device cuda)");
    Staging& s = staging();
    std::lock_guard<std::mutex> lock(s.mu);
    const auto t0 = std::chrono::steady_clock::now();
    const int a_rows = ta ? K : M, a_cols = ta ? M : K;  // A as stored
    const int b_rows = tb ? N : K, b_cols = tb ? K : N;  // B as stored
    float* da = s.ensure(0, static_cast<size_t>(M) * K);
    float* db = s.ensure(1, static_cast<size_t>(K) * N);
    float* dc = s.ensure(2, static_cast<size_t>(M) * N);
    upload(s, da, A, a_rows, a_cols, lda);
    upload(s, db, B, b_rows, b_cols, ldb);
    if (beta != 0.0f) upload(s, dc, C, M, N, ldc);
    matmul(dc, da, db, 1, M, N, K, ta, tb, alpha, beta);
    const size_t n = static_cast<size_t>(M) * N;
    if (ldc == N) {
        copy_to_host(C, dc, n * sizeof(float));
    } else {
        s.host.resize(n);
        copy_to_host(s.host.data(), dc, n * sizeof(float));
        for (int r = 0; r < M; r++)
            std::copy(s.host.data() + static_cast<size_t>(r) * N, s.host.data() + static_cast<size_t>(r + 1) * N, C + static_cast<int64_t>(r) * ldc);
    }
    s.stats.bytes_to_host += static_cast<int64_t>(n * sizeof(float));
    s.stats.calls++;
    s.stats.flops += 2.0 * M * N * K;
    s.stats.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

OffloadStats offload_stats() {
    Staging& s = staging();
    std::lock_guard<std::mutex> lock(s.mu);
    return s.stats;
}

}  // namespace sr::cuda
