// `sr_bench cuda`: the CUDA lab's benchmark, llm.c dev/cuda style. For every case it runs each
// numbered kernel version once, validates it against the CPU reference, then times it (CUDA
// events, median of --repeats runs after --warmup runs) and prints one JSON line:
//   matmul:  GFLOP/s and the ratio to cuBLAS's cublasSgemm timed in the same process
//   softmax: GB/s (bytes read + bytes written, per the formula in each line) and the fraction
//            of the device's peak memory bandwidth
// The exit status is 1 if any version failed validation. See tutorial/ch16_cuda/README.md.
#include <cxxopts.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "tensor/cuda_common.cuh"
#include "tensor/rng.h"

namespace sr::cuda {

namespace {

// ----------------------------------------------------------------------------------------------
// helpers

// The splitmix64 stream of tensor/rng.h: the same numbers on every platform (no std
// distributions, per the house rules).
struct SplitMix {
    uint64_t state;
    explicit SplitMix(uint64_t seed) : state(seed) {}
    uint64_t next() { return sr::splitmix64(state); }
    float uniform(float lo, float hi) { return lo + (hi - lo) * (float)((next() >> 40) * 0x1.0p-24); }
    int64_t below(int64_t n) { return (int64_t)(next() % (uint64_t)n); }
};

// A device buffer of floats that frees itself.
struct DeviceFloats {
    float* ptr = nullptr;
    size_t count = 0;
    explicit DeviceFloats(size_t n) : ptr(static_cast<float*>(alloc(n * sizeof(float)))), count(n) {}
    ~DeviceFloats() { release(ptr); }
    DeviceFloats(const DeviceFloats&) = delete;
    DeviceFloats& operator=(const DeviceFloats&) = delete;
    void upload(const std::vector<float>& host) { copy_to_device(ptr, host.data(), count * sizeof(float)); }
    std::vector<float> download() const {
        std::vector<float> host(count);
        copy_to_host(host.data(), ptr, count * sizeof(float));
        return host;
    }
    // All bits set is a NaN: a kernel that forgets to write an output cannot pass validation.
    void fill_nan() { SR_CUDA_CHECK(cudaMemset(ptr, 0xff, count * sizeof(float)), "bench: cudaMemset"); }
};

std::vector<float> random_floats(size_t n, float lo, float hi, uint64_t seed) {
    SplitMix rng(seed);
    std::vector<float> v(n);
    for (float& x : v) x = rng.uniform(lo, hi);
    return v;
}

// Median wall time of `run` in milliseconds, each repeat timed alone with CUDA events.
template <typename Run>
double median_ms(Run run, int warmup, int repeats) {
    for (int i = 0; i < warmup; i++) run();
    cudaEvent_t start, stop;
    SR_CUDA_CHECK(cudaEventCreate(&start), "bench: cudaEventCreate");
    SR_CUDA_CHECK(cudaEventCreate(&stop), "bench: cudaEventCreate");
    std::vector<float> times;
    for (int i = 0; i < repeats; i++) {
        SR_CUDA_CHECK(cudaEventRecord(start), "bench: cudaEventRecord");
        run();
        SR_CUDA_CHECK(cudaEventRecord(stop), "bench: cudaEventRecord");
        SR_CUDA_CHECK(cudaEventSynchronize(stop), "bench: cudaEventSynchronize");
        float ms = 0.0f;
        SR_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop), "bench: cudaEventElapsedTime");
        times.push_back(ms);
    }
    SR_CUDA_CHECK(cudaEventDestroy(start), "bench: cudaEventDestroy");
    SR_CUDA_CHECK(cudaEventDestroy(stop), "bench: cudaEventDestroy");
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

// For JSON string values (device names have no quotes, but be safe).
std::string json_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        if ((unsigned char)ch >= 0x20) out += ch;
    }
    return out;
}

const char* json_bool(bool b) { return b ? "true" : "false"; }

// An error value for JSON: NaN (an output that was never written, or a NaN result) is not a
// JSON number, so it becomes null.
std::string json_err(double err) {
    if (!std::isfinite(err)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", err);
    return buf;
}

struct Settings {
    int warmup = 3;
    int repeats = 20;
    int samples = 256;  // matmul entries checked against the CPU reference per (case, version)
    std::string only = "all";
};

// Peak DRAM bandwidth in GB/s: 2 transfers per clock (DDR) * clock * bus width in bytes.
// (CUDA 13 removed cudaDeviceProp::memoryClockRate; the attribute still exists.)
double peak_bandwidth_gbs(int device) {
    int clock_khz = 0, bus_bits = 0;
    SR_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device),
                  "bench: cudaDeviceGetAttribute(MemoryClockRate)");
    SR_CUDA_CHECK(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device),
                  "bench: cudaDeviceGetAttribute(GlobalMemoryBusWidth)");
    return 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;
}

// ----------------------------------------------------------------------------------------------
// matmul

struct MatmulCase {
    const char* name;
    int batch, m, n, k;
    bool trans_a, trans_b;
};

// The model's shapes (B*T = 2048 tokens, C = 128, 4 heads of 32, T = 128; weights stored
// (in, out) as in GPT-2's Conv1D, so the forward pass is x @ W), then square sizes.
const MatmulCase kMatmulCases[] = {
    {"qkv (x @ c_attn)", 1, 2048, 384, 128, false, false},
    {"mlp_fc (x @ c_fc)", 1, 2048, 512, 128, false, false},
    {"mlp_proj (h @ c_proj)", 1, 2048, 128, 512, false, false},
    {"attn_scores (q @ k^T)", 64, 128, 128, 32, false, true},
    {"attn_values (att @ v)", 64, 128, 32, 128, false, false},
    {"dW (x^T @ dy)", 1, 128, 384, 2048, true, false},
    {"square 1024", 1, 1024, 1024, 1024, false, false},
    {"square 1024 (A^T B^T)", 1, 1024, 1024, 1024, true, true},
    {"square 4096", 1, 4096, 4096, 4096, false, false},
};

// Largest |gpu - ref| / (error scale + 1e-6) over `samples` random entries of C (the scale
// is |alpha| * sum_p |a_ip b_pj|, what float32 rounding errors are proportional to).
double matmul_sample_error(const MatmulCase& mc, const std::vector<float>& a,
                           const std::vector<float>& b, const std::vector<float>& c, int samples,
                           uint64_t seed) {
    SplitMix rng(seed);
    double worst = 0.0;
    for (int s = 0; s < samples; s++) {
        const int64_t z = rng.below(mc.batch);
        const int i = (int)rng.below(mc.m), j = (int)rng.below(mc.n);
        double scale = 0.0;
        const double ref = detail::matmul_reference_entry(a.data(), b.data(), mc.m, mc.n, mc.k,
                                                          mc.trans_a, mc.trans_b, 1.0f, 0.0f, 0.0f,
                                                          z, i, j, &scale);
        const double got = c[(size_t)z * mc.m * mc.n + (size_t)i * mc.n + j];
        const double err = std::fabs(got - ref) / (scale + 1e-6);
        if (!(err <= worst)) worst = err;  // NaN sticks
    }
    return worst;
}

bool bench_matmul(const Settings& st) {
    // fp32 accumulation error is about sqrt(K) * 6e-8 of the scale (K <= 4096: ~4e-6); 1e-4
    // leaves room for unlucky sums and still catches any indexing bug (errors of order 1).
    const double tolerance = 1e-4;
    bool all_valid = true;
    uint64_t seed = 1;
    for (const MatmulCase& mc : kMatmulCases) {
        const size_t na = (size_t)mc.batch * mc.m * mc.k, nb = (size_t)mc.batch * mc.k * mc.n,
                     nc = (size_t)mc.batch * mc.m * mc.n;
        const std::vector<float> a = random_floats(na, -1.0f, 1.0f, seed++);
        const std::vector<float> b = random_floats(nb, -1.0f, 1.0f, seed++);
        DeviceFloats da(na), db(nb), dc(nc);
        da.upload(a);
        db.upload(b);
        const double flops = 2.0 * mc.batch * mc.m * mc.n * (double)mc.k;

        double cublas_ms = 0.0;
        for (int version = 0; version <= kMatmulVersions; version++) {  // 0 = cuBLAS
            const std::string kernel = version == 0 ? "cublas" : "v" + std::to_string(version);
            auto run = [&] {
                if (version == 0)
                    detail::matmul_cublas(dc.ptr, da.ptr, db.ptr, mc.batch, mc.m, mc.n, mc.k,
                                          mc.trans_a, mc.trans_b, 1.0f, 0.0f);
                else
                    matmul_version(version, dc.ptr, da.ptr, db.ptr, mc.batch, mc.m, mc.n, mc.k,
                                   mc.trans_a, mc.trans_b, 1.0f, 0.0f);
            };
            // Each JSON line is printed whole, after its kernel ran, so a failure cannot leave
            // half a line behind.
            char head[512];
            std::snprintf(head, sizeof head,
                          "{\"bench\":\"cuda\",\"op\":\"matmul\",\"case\":\"%s\",\"kernel\":\"%s\","
                          "\"batch\":%d,\"m\":%d,\"n\":%d,\"k\":%d,\"trans_a\":%s,\"trans_b\":%s,",
                          mc.name, kernel.c_str(), mc.batch, mc.m, mc.n, mc.k, json_bool(mc.trans_a),
                          json_bool(mc.trans_b));
            if (version == 3 && !matmul_v3_fits(dc.ptr, da.ptr, db.ptr, mc.m, mc.n, mc.k,
                                                mc.trans_a, mc.trans_b)) {
                std::printf("%s\"skipped\":\"shape does not fit v3 (cuda::matmul uses v2)\"}\n", head);
                std::fflush(stdout);
                continue;
            }
            dc.fill_nan();
            run();
            const double err = matmul_sample_error(mc, a, b, dc.download(), st.samples, seed++);
            const bool valid = err < tolerance;
            all_valid = all_valid && valid;
            const double ms = median_ms(run, st.warmup, st.repeats);
            if (version == 0) cublas_ms = ms;
            const double gflops = flops / (ms * 1e-3) / 1e9;
            std::printf("%s\"ms\":%.5f,\"gflops\":%.1f,\"vs_cublas\":%.3f,\"max_err\":%s,"
                        "\"valid\":%s}\n",
                        head, ms, gflops, cublas_ms / ms, json_err(err).c_str(), json_bool(valid));
            std::fflush(stdout);
        }
    }
    return all_valid;
}

// ----------------------------------------------------------------------------------------------
// softmax

struct SoftmaxCase {
    const char* name;
    int64_t rows, cols;
    int causal_t;
};

const SoftmaxCase kSoftmaxCases[] = {
    {"attention (B*nh*T, T), causal", 64 * 128, 128, 128},  // 4 MiB: lives in L2
    {"rows of 1024", 65536, 1024, 0},                        // 256 MiB each way: DRAM bound
    {"rows of 16384", 4096, 16384, 0},                       // long rows: block-per-row case
};

// Largest |gpu - ref| / (1e-5 + 1e-4 |ref|) over a sample of rows (first, last, spread).
double softmax_row_error(const std::vector<float>& got, const std::vector<double>& ref,
                         int64_t row_begin, int64_t row_count, int64_t cols) {
    double worst = 0.0;
    for (int64_t idx = 0; idx < row_count * cols; idx++) {
        const double r = ref[idx], g = got[row_begin * cols + idx];
        const double err = std::fabs(g - r) / (1e-5 + 1e-4 * std::fabs(r));
        if (!(err <= worst)) worst = err;
    }
    return worst;
}

std::vector<int64_t> sample_rows(int64_t rows) {
    std::vector<int64_t> picks;
    const int64_t count = std::min<int64_t>(rows, 32);
    for (int64_t i = 0; i < count; i++) picks.push_back(i * (rows - 1) / std::max<int64_t>(count - 1, 1));
    return picks;
}

bool bench_softmax(const Settings& st, double peak_gbs) {
    bool all_valid = true;
    uint64_t seed = 1000;
    for (const SoftmaxCase& sc : kSoftmaxCases) {
        const size_t n = (size_t)sc.rows * sc.cols;
        const std::vector<float> in = random_floats(n, -5.0f, 5.0f, seed++);
        const std::vector<float> dout = random_floats(n, -1.0f, 1.0f, seed++);
        DeviceFloats d_in(n), d_out(n), d_dout(n), d_din(n);
        d_in.upload(in);
        d_dout.upload(dout);
        // The backward pass needs a real softmax output: make it once with the dispatching
        // forward (validated below as one of the versions) and keep its host copy.
        softmax_forward(d_out.ptr, d_in.ptr, sc.rows, sc.cols, sc.causal_t);
        const std::vector<float> out_host = d_out.download();
        const std::vector<int64_t> rows_checked = sample_rows(sc.rows);

        for (int pass = 0; pass < 2; pass++) {  // 0 forward, 1 backward
            const bool fwd = pass == 0;
            // forward reads `in`, writes `out`; backward reads `dout` and `out`, writes `din`
            const double bytes = (fwd ? 2.0 : 3.0) * (double)n * sizeof(float);
            // The forward versions just overwrote d_out: give backward exactly the output its
            // reference uses.
            if (!fwd) d_out.upload(out_host);
            for (int version = 1; version <= kSoftmaxVersions; version++) {
                DeviceFloats& target = fwd ? d_out : d_din;
                auto run = [&] {
                    if (fwd)
                        softmax_forward_version(version, d_out.ptr, d_in.ptr, sc.rows, sc.cols,
                                                sc.causal_t);
                    else
                        softmax_backward_version(version, d_din.ptr, d_dout.ptr, d_out.ptr, sc.rows,
                                                 sc.cols);
                };
                target.fill_nan();
                run();
                const std::vector<float> got = target.download();
                double err = 0.0;
                std::vector<double> ref(sc.cols);
                for (int64_t r : rows_checked) {
                    if (fwd)
                        detail::softmax_forward_reference(ref.data(), in.data(), r, r + 1, sc.cols,
                                                          sc.causal_t);
                    else
                        detail::softmax_backward_reference(ref.data(), dout.data(), out_host.data(),
                                                           r, r + 1, sc.cols);
                    const double row_err = softmax_row_error(got, ref, r, 1, sc.cols);
                    if (!(row_err <= err)) err = row_err;  // NaN sticks
                }
                const bool valid = err < 1.0;
                all_valid = all_valid && valid;
                const double ms = median_ms(run, st.warmup, st.repeats);
                const double gbs = bytes / (ms * 1e-3) / 1e9;
                std::printf("{\"bench\":\"cuda\",\"op\":\"softmax_%s\",\"case\":\"%s\",\"kernel\":"
                            "\"v%d\",\"rows\":%lld,\"cols\":%lld,\"causal_t\":%d,\"ms\":%.5f,"
                            "\"bytes\":%.0f,\"gbs\":%.1f,\"peak_gbs\":%.1f,\"of_peak\":%.3f,"
                            "\"dispatch_uses\":%s,\"err_over_tol\":%s,\"valid\":%s}\n",
                            fwd ? "forward" : "backward", sc.name, version, (long long)sc.rows,
                            (long long)sc.cols, fwd ? sc.causal_t : 0, ms, bytes, gbs, peak_gbs,
                            gbs / peak_gbs,
                            json_bool(version == (sc.cols <= 1024 ? 2 : 3)), json_err(err).c_str(),
                            json_bool(valid));
                std::fflush(stdout);
            }
        }
    }
    return all_valid;
}

}  // namespace

// ----------------------------------------------------------------------------------------------

int bench_cuda(int argc, char** argv) {
    cxxopts::Options options("sr_bench cuda",
                             "Validate and time every CUDA kernel version (JSON lines on stdout)");
    Settings st;
    options.add_options()
        ("warmup", "untimed runs before timing", cxxopts::value<int>()->default_value("3"))
        ("repeats", "timed runs per kernel (the median is reported)", cxxopts::value<int>()->default_value("20"))
        ("samples", "matmul entries checked against the CPU reference", cxxopts::value<int>()->default_value("256"))
        ("only", "all | matmul | softmax", cxxopts::value<std::string>()->default_value("all"))
        ("h,help", "print this help");
    cxxopts::ParseResult args;
    try {
        args = options.parse(argc, argv);
    } catch (const cxxopts::exceptions::exception& e) {
        throw std::runtime_error(std::string("sr_bench cuda: ") + e.what() +
                                 ". HINT: see `sr_bench cuda --help`");
    }
    if (args.count("help")) {
        std::printf("%s\n", options.help().c_str());
        return 0;
    }
    if (!args.unmatched().empty())
        throw std::runtime_error("sr_bench cuda: unexpected argument '" + args.unmatched()[0] +
                                 "'. HINT: see `sr_bench cuda --help`");
    st.warmup = args["warmup"].as<int>();
    st.repeats = args["repeats"].as<int>();
    st.samples = args["samples"].as<int>();
    st.only = args["only"].as<std::string>();
    if (st.warmup < 0 || st.repeats < 1 || st.samples < 1 ||
        (st.only != "all" && st.only != "matmul" && st.only != "softmax"))
        throw std::runtime_error("sr_bench cuda: need --warmup >= 0, --repeats >= 1, --samples >= 1, "
                                 "--only all|matmul|softmax. HINT: see `sr_bench cuda --help`");

    require_device("sr_bench cuda");
    int device = 0;
    SR_CUDA_CHECK(cudaGetDevice(&device), "bench: cudaGetDevice");
    cudaDeviceProp prop;
    SR_CUDA_CHECK(cudaGetDeviceProperties(&prop, device), "bench: cudaGetDeviceProperties");
    const double peak_gbs = peak_bandwidth_gbs(device);
    std::printf("{\"bench\":\"cuda\",\"op\":\"device\",\"name\":\"%s\",\"sm\":\"%d.%d\",\"sms\":%d,"
                "\"l2_mib\":%.1f,\"peak_gbs\":%.1f,\"warmup\":%d,\"repeats\":%d}\n",
                json_escape(prop.name).c_str(), prop.major, prop.minor, prop.multiProcessorCount,
                prop.l2CacheSize / 1048576.0, peak_gbs, st.warmup, st.repeats);
    std::fflush(stdout);

    bool valid = true;
    if (st.only == "all" || st.only == "matmul") valid = bench_matmul(st) && valid;
    if (st.only == "all" || st.only == "softmax") valid = bench_softmax(st, peak_gbs) && valid;
    if (!valid) std::fprintf(stderr, "sr_bench cuda: some kernel versions FAILED validation (\"valid\":false)\n");
    return valid ? 0 : 1;
}

}  // namespace sr::cuda
