// model/bench_ops.cpp: ./sr_bench ops: tensor kernels, one JSON line per case.
//
// matmul: our tensor API (shape checks, allocation, dispatch) against calling cblas_sgemm
// directly on preallocated buffers, in the same process, same thread pool. The ratio shows
// what our layer costs (goal >= 0.95).
// Fused ops: forward + backward of layernorm, softmax, GELU and cross-entropy on (N=2048, C),
// in GB/s of the bytes each pass must read and write (a memory-bound kernel's speed limit).
// threads: the same mixed workload (an OpenMP kernel, then a BLAS call, repeatedly) at 1 and
// at N threads: with one shared OpenMP pool it scales; with two competing pools it would not.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cxxopts.hpp>
#include <vector>

#include "autograd/ops.h"
#include "model/bench.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/runtime.h"

namespace sr {

double median_seconds(const std::function<void()>& fn, int repeats, int warmup) {
    for (int i = 0; i < warmup; i++) fn();
    std::vector<double> t;
    for (int i = 0; i < repeats; i++) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

static void bench_matmul(int M, int K, int N, int repeats) {
    Rng rng(0);
    const Tensor a = randn({M, K}, rng), b = randn({K, N}, rng);
    Tensor c = Tensor::empty({M, N});
    const double ours = median_seconds([&] { Tensor out = matmul(a, b); }, repeats, 2);
    const double direct = median_seconds(
        [&] {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a.data<float>(), K, b.data<float>(), N,
                        0.0f, c.data<float>(), N);
        },
        repeats, 2);
    const double flops = 2.0 * M * N * K;
    std::printf("{\"case\": \"matmul\", \"shape\": \"%dx%dx%d\", \"threads\": %d, \"ours_gflops\": %.2f, "
                "\"cblas_gflops\": %.2f, \"ratio\": %.3f}\n",
                M, K, N, num_threads(), flops / ours / 1e9, flops / direct / 1e9, direct / ours);
    std::fflush(stdout);
}

static void print_op(const char* name, int N, int C, double bytes, double sec) {
    std::printf("{\"case\": \"%s\", \"N\": %d, \"C\": %d, \"threads\": %d, \"ms\": %.4f, \"gb_per_s\": %.2f}\n", name, N, C,
                num_threads(), sec * 1e3, bytes / sec / 1e9);
    std::fflush(stdout);
}

static void bench_fused(int N, int C, int repeats) {
    Rng rng(1);
    const double f = sizeof(float);
    {  // layernorm: fwd reads x, writes y; bwd reads dy, x, writes dx (+ small dweight/dbias)
        Var x = param(randn({N, C}, rng)), w = param(Tensor::full({C}, 1.0)), b = param(Tensor::zeros({C}));
        const Tensor seed = randn({N, C}, rng);
        const double s = median_seconds([&] { backward(layernorm(x, w, b), seed); }, repeats, 2);
        print_op("layernorm_fwd_bwd", N, C, 5.0 * N * C * f, s);
    }
    {  // softmax: fwd reads x writes y; bwd reads dy, y writes dx
        Var x = param(randn({N, C}, rng));
        const Tensor seed = randn({N, C}, rng);
        const double s = median_seconds([&] { backward(softmax(x), seed); }, repeats, 2);
        print_op("softmax_fwd_bwd", N, C, 5.0 * N * C * f, s);
    }
    {  // GELU: fwd reads x writes y; bwd reads x, dy writes dx
        Var x = param(randn({N, C}, rng));
        const Tensor seed = randn({N, C}, rng);
        const double s = median_seconds([&] { backward(gelu(x), seed); }, repeats, 2);
        print_op("gelu_fwd_bwd", N, C, 5.0 * N * C * f, s);
    }
    {  // cross-entropy (C = vocabulary): fwd reads logits writes probs; bwd reads probs writes dlogits
        Var x = param(randn({N, C}, rng));
        std::vector<int> targets(N);
        for (int i = 0; i < N; i++) targets[i] = static_cast<int>(rng.below(C));
        const double s = median_seconds([&] { backward(cross_entropy(x, targets)); }, repeats, 2);
        print_op("crossentropy_fwd_bwd", N, C, 4.0 * N * C * f, s);
    }
}

static void bench_threads(int threads_max) {
    // 20 rounds of: GELU over (2048,512) (our OpenMP loop), then a 2048x128x384 GEMM (BLAS).
    Rng rng(2);
    const Tensor x = randn({2048, 512}, rng), a = randn({2048, 128}, rng), b = randn({128, 384}, rng);
    auto work = [&] {
        for (int r = 0; r < 20; r++) {
            Tensor y = gelu(x);
            Tensor c = matmul(a, b);
        }
    };
    double t1 = 0;
    for (int t : {1, threads_max}) {
        set_num_threads(t);
        const double s = median_seconds(work, 5, 1);
        if (t == 1) t1 = s;
        std::printf("{\"case\": \"mixed_omp_blas\", \"threads\": %d, \"ms\": %.3f, \"speedup_vs_1\": %.2f}\n", t, s * 1e3, t1 / s);
        std::fflush(stdout);
    }
    set_num_threads(threads_max);
}

int bench_ops(int argc, char** argv) {
    cxxopts::Options options("sr_bench ops", "tensor kernel benchmarks (JSON lines)");
    options.add_options()("threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))(
        "repeats", "timed repetitions per case (median reported)", cxxopts::value<int>()->default_value("10"))(
        "h,help", "show this help");
    const auto args = options.parse(argc, argv);
    if (args.count("help")) {
        std::printf("%s\n", options.help().c_str());
        return 0;
    }
    if (!args.unmatched().empty()) throw std::runtime_error("sr_bench ops: unknown argument '" + args.unmatched()[0] + "'");
    set_num_threads(args["threads"].as<int>());
    const int repeats = args["repeats"].as<int>();
    bench_matmul(256, 256, 256, repeats);
    bench_matmul(1024, 1024, 1024, std::max(3, repeats / 3));
    bench_matmul(2048, 128, 384, repeats);
    bench_matmul(2048, 512, 128, repeats);
    for (int C : {128, 256, 512}) bench_fused(2048, C, repeats);
    bench_threads(num_threads());
    return 0;
}

}  // namespace sr
