// model/bench_ops.cpp: ./sr_bench ops: tensor kernels, one JSON line per case.
//
// matmul: our tensor API (shape checks, allocation, dispatch) against calling cblas_sgemm
// directly on preallocated buffers, in the same process, same thread pool. The ratio shows
// what our layer costs (goal >= 0.95).
// Fused ops: forward + backward of layernorm, softmax, GELU and cross-entropy on (N=2048, C),
// in GB/s of the bytes each pass must read and write (a memory-bound kernel's speed limit).
// inference_products: the few-row products of KV-cache inference (kernels::rows_columns) on the
// small preset's 24 weight matrices (19 MB), reading the weights in place and from packed
// 16-column panels, against cblas_sgemm on the same buffers; rows 1 (decoding one sequence),
// 16 (a batch) and 512 (a batch's prompts).
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
#include "model/cli_common.h"
#include "tensor/kernels.h"
#include "tensor/kernels_inference.h"
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

static void bench_inference_products(int repeats) {
    const int C = 256, L = 6;
    const int shapes[4][2] = {{C, 3 * C}, {C, C}, {C, 4 * C}, {4 * C, C}};  // (K, N): c_attn, attn.c_proj, c_fc, mlp.c_proj
    Rng rng(3);
    std::vector<Tensor> w;
    std::vector<std::vector<float>> packed;
    double flops_per_row = 0;
    for (int l = 0; l < L; l++)
        for (const auto& kn : shapes) {
            w.push_back(randn({kn[0], kn[1]}, rng));
            packed.emplace_back(static_cast<size_t>(kn[0]) * kn[1]);
            kernels::pack_panels(packed.back().data(), w.back().data<float>(), kn[0], kn[1], 0, kn[1]);
            flops_per_row += 2.0 * kn[0] * kn[1];
        }
    for (int R : {1, 16, 512}) {
        const Tensor in = randn({R, 4 * C + kernels::kRowPad}, rng);  // rows K + kRowPad apart, as in inference
        std::vector<float> out(static_cast<size_t>(R) * 4 * C);
        auto ours = [&](bool use_packed) {
            for (size_t m = 0; m < w.size(); m++) {
                const int K = static_cast<int>(w[m].size(0)), N = static_cast<int>(w[m].size(1));
#pragma omp parallel num_threads(std::max(1, std::min(num_threads(), N / kernels::kGemvBlock)))
                {
                    int n0, n1;
                    kernels::gemv_slice(N, kernels::thread_id(), kernels::team_size(), n0, n1);
                    kernels::rows_columns(out.data(), N, in.data<float>(), K + kernels::kRowPad, w[m].data<float>(), use_packed ? packed[m].data() : nullptr,
                                          R, K, N, n0, n1);
                }
            }
        };
        const double in_place = median_seconds([&] { ours(false); }, repeats, 2);
        const double panels = median_seconds([&] { ours(true); }, repeats, 2);
        const double blas = median_seconds(
            [&] {
                for (size_t m = 0; m < w.size(); m++) {
                    const int K = static_cast<int>(w[m].size(0)), N = static_cast<int>(w[m].size(1));
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, N, K, 1.0f, in.data<float>(), K + kernels::kRowPad, w[m].data<float>(), N,
                                1.0f, out.data(), N);
                }
            },
            repeats, 2);
        const double f = flops_per_row * R / 1e9;
        std::printf("{\"case\": \"inference_products\", \"rows\": %d, \"threads\": %d, \"in_place_gflops\": %.1f, "
                    "\"panels_gflops\": %.1f, \"cblas_gflops\": %.1f, \"panels_vs_cblas\": %.2f}\n",
                    R, num_threads(), f / in_place, f / panels, f / blas, blas / panels);
        std::fflush(stdout);
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
        "repeats", "timed repetitions per case (median reported)", cxxopts::value<int>()->default_value("10"));
    cxxopts::ParseResult args;
    if (!parse_flags(options, argc, argv, &args)) return 0;
    const int repeats = flag_in<int>(args, "sr_bench ops", "repeats", 1, 10000);
    apply_threads_flag(args, "sr_bench ops");
    bench_matmul(256, 256, 256, repeats);
    bench_matmul(1024, 1024, 1024, std::max(3, repeats / 3));
    bench_matmul(2048, 128, 384, repeats);
    bench_matmul(2048, 512, 128, repeats);
    for (int C : {128, 256, 512}) bench_fused(2048, C, repeats);
    bench_inference_products(repeats);
    bench_threads(num_threads());
    return 0;
}

}  // namespace sr
