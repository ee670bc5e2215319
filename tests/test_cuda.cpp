// Tests for the CUDA backend (tensor/cuda.h, tensor/cuda_*.cu): every numbered kernel version
// and the dispatch functions against a simple CPU reference (double accumulation) on random
// data. Tagged [cuda]. Without a device (or without nvcc) the kernel tests skip with a warning,
// and the last test checks the no-device behaviour itself: clear errors, no crash.
//
// Error bounds (a bug in indexing, tiling or edges gives errors of order 1, far above them):
//   matmul:  |gpu - ref| <= 5e-5 * scale, scale = |alpha| * sum_p |a_ip * b_pj| + |beta * c_ij|
//            (+1e-6). float32 rounding of a K-term dot product is about sqrt(K) * 6e-8 of the
//            scale (K = 1024: 2e-6) and at worst K * 6e-8 (6e-5 for K = 1024); we test K <= 1024.
//   softmax: |gpu - ref| <= 1e-5 + 1e-4 * |ref| (probabilities; expf is within 2 ulp, and the
//            row sum's rounding is far below 1e-4 relative for the row lengths here).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/cuda.h"
#include "tensor/kernels.h"
#include "tensor/rng.h"
#include "tensor/runtime.h"
#include "tests/catch.hpp"

namespace {

namespace cuda = sr::cuda;

// A test must call this first: `if (skip_without_device()) return;`
bool skip_without_device() {
    if (cuda::device_count() > 0) return false;
    WARN("no CUDA device: skipped (" << cuda::describe() << ")");
    return true;
}

struct SplitMix {  // the splitmix64 stream of tensor/rng.h
    uint64_t state;
    explicit SplitMix(uint64_t seed) : state(seed) {}
    uint64_t next() { return sr::splitmix64(state); }
    float uniform(float lo, float hi) { return lo + (hi - lo) * (float)((next() >> 40) * 0x1.0p-24); }
};

std::vector<float> random_floats(size_t n, float lo, float hi, uint64_t seed) {
    SplitMix rng(seed);
    std::vector<float> v(n);
    for (float& x : v) x = rng.uniform(lo, hi);
    return v;
}

// A device copy of a host vector that frees itself.
struct DeviceBuffer {
    float* ptr = nullptr;
    size_t count = 0;
    explicit DeviceBuffer(const std::vector<float>& host)
        : ptr(static_cast<float*>(cuda::alloc(host.size() * sizeof(float)))), count(host.size()) {
        cuda::copy_to_device(ptr, host.data(), count * sizeof(float));
    }
    ~DeviceBuffer() { cuda::release(ptr); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    std::vector<float> download() const {
        std::vector<float> host(count);
        cuda::copy_to_host(host.data(), ptr, count * sizeof(float));
        return host;
    }
};

// ---- matmul ----------------------------------------------------------------------------------

// Runs matmul version `version` (0 = the dispatching cuda::matmul) on random data and returns
// max |gpu - ref| / (scale + 1e-6) over all entries (NaN if any output is NaN).
double matmul_error(int version, int batch, int m, int n, int k, bool ta, bool tb, float alpha,
                    float beta, uint64_t seed) {
    const std::vector<float> a = random_floats((size_t)batch * m * k, -1.0f, 1.0f, seed);
    const std::vector<float> b = random_floats((size_t)batch * k * n, -1.0f, 1.0f, seed + 1);
    // beta == 0 must not read C: start it as NaN so a read shows up in the result.
    const std::vector<float> c0 = beta == 0.0f ? std::vector<float>((size_t)batch * m * n, NAN)
                                               : random_floats((size_t)batch * m * n, -1.0f, 1.0f, seed + 2);
    DeviceBuffer da(a), db(b), dc(c0);
    if (version == 0)
        cuda::matmul(dc.ptr, da.ptr, db.ptr, batch, m, n, k, ta, tb, alpha, beta);
    else
        cuda::matmul_version(version, dc.ptr, da.ptr, db.ptr, batch, m, n, k, ta, tb, alpha, beta);
    const std::vector<float> c = dc.download();

    double worst = 0.0;
    for (int z = 0; z < batch; z++) {
        const float* az = a.data() + (size_t)z * m * k;
        const float* bz = b.data() + (size_t)z * k * n;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double dot = 0.0, abs_dot = 0.0;
                for (int p = 0; p < k; p++) {
                    const double x = ta ? az[(size_t)p * m + i] : az[(size_t)i * k + p];
                    const double y = tb ? bz[(size_t)j * k + p] : bz[(size_t)p * n + j];
                    dot += x * y;
                    abs_dot += std::fabs(x * y);
                }
                const size_t at = (size_t)z * m * n + (size_t)i * n + j;
                double ref = alpha * dot, scale = std::fabs(alpha) * abs_dot;
                if (beta != 0.0f) {
                    ref += (double)beta * c0[at];
                    scale += std::fabs((double)beta * c0[at]);
                }
                const double err = std::fabs(c[at] - ref) / (scale + 1e-6);
                if (!(err <= worst)) worst = err;  // NaN sticks
            }
    }
    return worst;
}

const double kMatmulTol = 5e-5;

struct Shape {
    int m, n, k;
};

// Runs every version (and the dispatch) over the shapes and all four transpose combinations.
// Version 3 must either fit and pass, or refuse with an exception (never silently fall back).
void check_all_versions(const std::vector<Shape>& shapes, int batch, float alpha, float beta) {
    uint64_t seed = 100;
    for (const Shape& s : shapes)
        for (int t = 0; t < 4; t++) {
            const bool ta = t & 1, tb = t & 2;
            for (int version = 0; version <= cuda::kMatmulVersions; version++) {
                INFO("version " << version << " (0 = dispatch) batch " << batch << " M " << s.m
                                << " N " << s.n << " K " << s.k << " trans_a " << ta << " trans_b "
                                << tb << " alpha " << alpha << " beta " << beta);
                seed += 3;
                const bool v3_fits = s.n % 4 == 0 && (ta ? s.m % 4 == 0 : s.k % 4 == 0) &&
                                     (tb ? s.k % 4 == 0 : s.n % 4 == 0);
                if (version == 3 && !v3_fits) {
                    std::vector<float> one(1, 0.0f);
                    DeviceBuffer d(one);
                    CHECK_FALSE(cuda::matmul_v3_fits(d.ptr, d.ptr, d.ptr, s.m, s.n, s.k, ta, tb));
                    CHECK_THROWS_AS(cuda::matmul_version(3, d.ptr, d.ptr, d.ptr, batch, s.m, s.n,
                                                         s.k, ta, tb, alpha, beta),
                                    std::runtime_error);
                    continue;
                }
                CHECK(matmul_error(version, batch, s.m, s.n, s.k, ta, tb, alpha, beta, seed) < kMatmulTol);
            }
        }
}

// ---- softmax ---------------------------------------------------------------------------------

void softmax_reference(std::vector<double>& out, const std::vector<float>& in, int64_t rows,
                       int64_t cols, int causal_t) {
    out.assign(in.size(), 0.0);
    for (int64_t r = 0; r < rows; r++) {
        const int64_t limit = causal_t > 0 ? std::min<int64_t>(cols, r % causal_t + 1) : cols;
        double mx = -INFINITY, sum = 0.0;
        for (int64_t j = 0; j < limit; j++) mx = std::max(mx, (double)in[r * cols + j]);
        for (int64_t j = 0; j < limit; j++) sum += std::exp(in[r * cols + j] - mx);
        for (int64_t j = 0; j < limit; j++) out[r * cols + j] = std::exp(in[r * cols + j] - mx) / sum;
    }
}

// max over entries of |got - ref| / (1e-5 + 1e-4 |ref|): < 1 passes. NaN sticks.
double softmax_error(const std::vector<float>& got, const std::vector<double>& ref) {
    double worst = 0.0;
    for (size_t i = 0; i < ref.size(); i++) {
        const double err = std::fabs(got[i] - ref[i]) / (1e-5 + 1e-4 * std::fabs(ref[i]));
        if (!(err <= worst)) worst = err;
    }
    return worst;
}

struct SoftmaxShape {
    int64_t rows, cols;
    int causal_t;
};

// rows x cols, causal or not; odd sizes, the model's attention rows, and rows long enough for
// the block-per-row path (cols > 1024).
const std::vector<SoftmaxShape> kSoftmaxShapes = {
    {1, 1, 0},   {7, 33, 0},   {33, 129, 0},  {64, 128, 0},  {5, 2000, 0},  {3, 4099, 0},
    {3 * 7, 7, 7}, {2 * 33, 33, 33}, {2 * 129, 129, 129}, {4 * 128, 128, 128}, {2 * 1031, 1031, 1031},
};

// Input distributions: ordinary, and +-1000 (exp overflows / underflows without the max shift).
struct InputRange {
    float lo, hi;
};
const InputRange kInputRanges[] = {{-5.0f, 5.0f}, {998.0f, 1002.0f}, {-1002.0f, -998.0f}, {-1000.0f, 1000.0f}};

}  // namespace

// ---- tests -----------------------------------------------------------------------------------

TEST_CASE("cuda matmul: every version matches the CPU reference in all transposes", "[cuda]") {
    if (skip_without_device()) return;
    // odd sizes (v1/v2; v3 refuses most) and sizes that are multiples of 4 but not of the
    // 128x128x8 tile (v3 edges), plus whole tiles
    check_all_versions({{1, 1, 1}, {7, 7, 7}, {33, 7, 129}, {129, 33, 7}, {1, 129, 33},
                        {64, 64, 64}, {128, 128, 128}, {132, 36, 20}, {260, 132, 12}, {4, 256, 132}},
                       1, 1.0f, 0.0f);
}

TEST_CASE("cuda matmul: v3 takes every shape whose float4 dimensions are multiples of 4", "[cuda]") {
    if (skip_without_device()) return;
    std::vector<float> one(1, 0.0f);
    DeviceBuffer d(one);  // cudaMalloc pointers are 256-byte aligned
    for (int t = 0; t < 4; t++) {
        CHECK(cuda::matmul_v3_fits(d.ptr, d.ptr, d.ptr, 132, 36, 20, t & 1, t & 2));
        CHECK(cuda::matmul_v3_fits(d.ptr, d.ptr, d.ptr, 4, 4, 4, t & 1, t & 2));
        CHECK_FALSE(cuda::matmul_v3_fits(d.ptr, d.ptr, d.ptr, 4, 6, 4, t & 1, t & 2));  // N % 4
    }
    CHECK(cuda::matmul_v3_fits(d.ptr, d.ptr, d.ptr, 7, 8, 12, false, false));   // M is free
    CHECK_FALSE(cuda::matmul_v3_fits(d.ptr, d.ptr, d.ptr, 7, 8, 12, true, false));  // A^T: M % 4
    CHECK_FALSE(cuda::matmul_v3_fits(d.ptr + 1, d.ptr, d.ptr, 8, 8, 8, false, false));  // alignment
}

TEST_CASE("cuda matmul: batched with batch strides", "[cuda]") {
    if (skip_without_device()) return;
    check_all_versions({{33, 17, 9}, {128, 128, 32}, {128, 32, 128}}, 3, 1.0f, 0.0f);
}

TEST_CASE("cuda matmul: alpha and beta; beta == 0 never reads C", "[cuda]") {
    if (skip_without_device()) return;
    check_all_versions({{33, 65, 17}, {128, 64, 32}}, 2, 0.5f, 2.0f);
    check_all_versions({{33, 65, 17}, {128, 64, 32}}, 1, -1.5f, 0.0f);  // C starts as NaN
}

TEST_CASE("cuda matmul: K = 1024 and K = 0", "[cuda]") {
    if (skip_without_device()) return;
    for (int version = 0; version <= cuda::kMatmulVersions; version++) {
        INFO("version " << version << " (0 = dispatch)");
        CHECK(matmul_error(version, 1, 64, 64, 1024, false, true, 1.0f, 0.0f, 7) < kMatmulTol);
        CHECK(matmul_error(version, 1, 8, 8, 0, false, false, 1.0f, 0.0f, 8) < kMatmulTol);  // C = 0
        CHECK(matmul_error(version, 1, 8, 8, 0, false, false, 1.0f, 0.5f, 9) < kMatmulTol);  // C = C/2
    }
}

TEST_CASE("cuda softmax forward: every version with and without causal mask and +-1000 inputs", "[cuda]") {
    if (skip_without_device()) return;
    uint64_t seed = 500;
    for (const SoftmaxShape& s : kSoftmaxShapes)
        for (const InputRange& range : kInputRanges) {
            const std::vector<float> in = random_floats(s.rows * s.cols, range.lo, range.hi, seed++);
            std::vector<double> ref;
            softmax_reference(ref, in, s.rows, s.cols, s.causal_t);
            for (int version = 0; version <= cuda::kSoftmaxVersions; version++) {
                INFO("version " << version << " (0 = dispatch) rows " << s.rows << " cols " << s.cols
                                << " causal_t " << s.causal_t << " inputs in [" << range.lo << ", "
                                << range.hi << "]");
                DeviceBuffer d_in(in), d_out(std::vector<float>(in.size(), NAN));
                if (version == 0)
                    cuda::softmax_forward(d_out.ptr, d_in.ptr, s.rows, s.cols, s.causal_t);
                else
                    cuda::softmax_forward_version(version, d_out.ptr, d_in.ptr, s.rows, s.cols, s.causal_t);
                CHECK(softmax_error(d_out.download(), ref) < 1.0);
            }
        }
}

TEST_CASE("cuda softmax backward: every version on causal and full outputs", "[cuda]") {
    if (skip_without_device()) return;
    uint64_t seed = 900;
    for (const SoftmaxShape& s : kSoftmaxShapes) {
        // out: a real softmax output (with zeros where the causal mask hides columns)
        const std::vector<float> in = random_floats(s.rows * s.cols, -5.0f, 5.0f, seed++);
        std::vector<double> out_d;
        softmax_reference(out_d, in, s.rows, s.cols, s.causal_t);
        const std::vector<float> out(out_d.begin(), out_d.end());
        const std::vector<float> dout = random_floats(s.rows * s.cols, -1.0f, 1.0f, seed++);
        std::vector<double> ref(out.size());
        for (int64_t r = 0; r < s.rows; r++) {
            double dot = 0.0;
            for (int64_t j = 0; j < s.cols; j++) dot += (double)dout[r * s.cols + j] * out[r * s.cols + j];
            for (int64_t j = 0; j < s.cols; j++)
                ref[r * s.cols + j] = out[r * s.cols + j] * (dout[r * s.cols + j] - dot);
        }
        for (int version = 0; version <= cuda::kSoftmaxVersions; version++) {
            INFO("version " << version << " (0 = dispatch) rows " << s.rows << " cols " << s.cols
                            << " causal_t " << s.causal_t);
            DeviceBuffer d_dout(dout), d_out(out), d_din(std::vector<float>(out.size(), NAN));
            if (version == 0)
                cuda::softmax_backward(d_din.ptr, d_dout.ptr, d_out.ptr, s.rows, s.cols);
            else
                cuda::softmax_backward_version(version, d_din.ptr, d_dout.ptr, d_out.ptr, s.rows, s.cols);
            CHECK(softmax_error(d_din.download(), ref) < 1.0);
        }
    }
}

TEST_CASE("cuda: unknown kernel versions are refused", "[cuda]") {
    if (skip_without_device()) return;
    std::vector<float> v(16, 1.0f);
    DeviceBuffer d(v);
    CHECK_THROWS_AS(cuda::matmul_version(0, d.ptr, d.ptr, d.ptr, 1, 4, 4, 1, false, false),
                    std::runtime_error);
    CHECK_THROWS_AS(cuda::matmul_version(cuda::kMatmulVersions + 1, d.ptr, d.ptr, d.ptr, 1, 4, 4, 1,
                                         false, false),
                    std::runtime_error);
    CHECK_THROWS_AS(cuda::softmax_forward_version(0, d.ptr, d.ptr, 4, 4), std::runtime_error);
    CHECK_THROWS_AS(cuda::softmax_backward_version(cuda::kSoftmaxVersions + 1, d.ptr, d.ptr, d.ptr, 4, 4),
                    std::runtime_error);
    cuda::synchronize();  // nothing failed asynchronously either
}

TEST_CASE("cuda: describe() says what the build and machine have", "[cuda]") {
    const std::string d = cuda::describe();
    if (!cuda::compiled()) {
        CHECK(d == "CUDA not compiled in");
        CHECK(cuda::device_count() == 0);
    } else if (cuda::device_count() == 0) {
        CHECK(d.rfind("CUDA compiled in, no device (", 0) == 0);
    } else {
        CHECK(d.rfind("CUDA on: ", 0) == 0);
    }
}

TEST_CASE("cuda: without a device every call fails with a clear error and nothing crashes", "[cuda]") {
    if (cuda::device_count() > 0) {
        WARN("a CUDA device is present: the no-device behaviour is not exercised here");
        return;
    }
    auto message_of = [](auto&& call) -> std::string {
        try {
            call();
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "(no exception)";
    };
    float* fake = nullptr;
    const std::string alloc_msg = message_of([] { cuda::alloc(16); });
    CHECK(alloc_msg.find("cuda::alloc") != std::string::npos);
    CHECK(alloc_msg.find("HINT") != std::string::npos);
    CHECK(message_of([] { cuda::require_device("my op"); }).find("my op") != std::string::npos);
    float host[4] = {0, 0, 0, 0};
    CHECK(message_of([&] { cuda::copy_to_device(fake, host, sizeof host); }).find("HINT") != std::string::npos);
    CHECK(message_of([&] { cuda::copy_to_host(host, fake, sizeof host); }).find("HINT") != std::string::npos);
    CHECK(message_of([&] { cuda::matmul(fake, fake, fake, 1, 2, 2, 2, false, false); })
              .find("HINT") != std::string::npos);
    CHECK(message_of([&] { cuda::matmul_version(1, fake, fake, fake, 1, 2, 2, 2, false, false); })
              .find("HINT") != std::string::npos);
    CHECK(message_of([&] { cuda::softmax_forward(fake, fake, 2, 2); }).find("HINT") != std::string::npos);
    CHECK(message_of([&] { cuda::softmax_backward(fake, fake, fake, 2, 2); }).find("HINT") != std::string::npos);
    char name[] = "cuda";
    char* argv[] = {name, nullptr};
    CHECK(message_of([&] { cuda::bench_cuda(1, argv); }).find("HINT") != std::string::npos);
    cuda::release(nullptr);  // a no-op, never throws
    cuda::synchronize();     // nothing queued: returns
}

// ---- offload mode (--device cuda) -------------------------------------------------------------

TEST_CASE("offload mode: kernels::gemm on the device equals OpenBLAS, strided operands included", "[cuda]") {
    if (skip_without_device()) return;
    // An attention-like layout (q and k of one head read in place from a (T, 3C) buffer, so
    // lda = ldb = 3C) and a plain linear layer with beta = 1 (the bias already in C).
    struct Case { bool ta, tb; int m, n, k, lda, ldb, ldc; float beta; };
    const std::vector<Case> cases = {{false, true, 256, 256, 32, 96, 96, 256, 0.0f},
                                     {false, false, 512, 384, 128, 128, 384, 384, 1.0f},
                                     {true, false, 128, 384, 512, 128, 384, 384, 1.0f},
                                     {false, true, 512, 128, 384, 384, 384, 200, 0.0f}};  // ldc 200 > n: a strided C
    for (const Case& c : cases) {
        const int a_rows = c.ta ? c.k : c.m, b_rows = c.tb ? c.n : c.k;
        const int ldc = std::max(c.ldc, c.n);
        const std::vector<float> a = random_floats((size_t)a_rows * c.lda, -1, 1, 11);
        const std::vector<float> b = random_floats((size_t)b_rows * c.ldb, -1, 1, 12);
        std::vector<float> cpu = random_floats((size_t)c.m * ldc, -1, 1, 13), dev = cpu;
        sr::set_compute_device("cpu");
        sr::kernels::gemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), c.lda, b.data(), c.ldb, c.beta, cpu.data(), ldc);
        sr::set_compute_device("cuda");
        const int64_t calls = cuda::offload_stats().calls;
        sr::kernels::gemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), c.lda, b.data(), c.ldb, c.beta, dev.data(), ldc);
        sr::set_compute_device("cpu");
        CHECK(cuda::offload_stats().calls == calls + 1);  // it really went to the device
        double worst = 0;
        for (size_t i = 0; i < cpu.size(); i++) worst = std::max(worst, (double)std::fabs(cpu[i] - dev[i]));
        CHECK(worst < 1e-3);  // K <= 512 terms of |x| <= 1: float32 rounding stays far below this
    }
}

TEST_CASE("the device flag: unknown names and a missing GPU are clear errors; cpu always works", "[cuda]") {
    sr::set_compute_device("cpu");
    CHECK(sr::compute_device() == "cpu");
    try {
        sr::set_compute_device("tpu");
        FAIL("no exception for an unknown device");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("HINT") != std::string::npos);
    }
    CHECK(sr::compute_device() == "cpu");
    if (cuda::device_count() > 0) return;  // the rest is the behaviour without a GPU
    try {
        sr::set_compute_device("cuda");
        FAIL("no exception without a device");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("--device cuda") != std::string::npos);
        CHECK(std::string(e.what()).find("HINT") != std::string::npos);
    }
    CHECK(sr::compute_device() == "cpu");  // still on the CPU: nothing half-switched
}
