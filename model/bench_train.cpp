// model/bench_train.cpp: ./sr_bench train and ./sr_bench generate, timed like
// ../shared/bench/torch_gpt.py (median of timed steps after warm-up; random tokens; AdamW
// lr 3e-4, betas 0.9/0.95, wd 0.1, clip 1.0; generation: 64 new greedy tokens after a
// 32-token prompt, with the KV cache), so the two print comparable tokens_per_s.
#include <chrono>
#include <cstdio>
#include <cxxopts.hpp>

#include "autograd/ops.h"
#include "autograd/optim.h"
#include "model/bench.h"
#include "model/cli_common.h"
#include "model/data_parallel.h"
#include "model/generate.h"
#include "model/gpt.h"
#include "tensor/cuda.h"
#include "tensor/runtime.h"

namespace sr {

static cxxopts::Options bench_options(const char* name, const char* what) {
    cxxopts::Options o(name, what);
    o.add_options()("preset", "tiny or small", cxxopts::value<std::string>()->default_value("tiny"))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))(
        "steps", "timed steps (median reported)", cxxopts::value<int>()->default_value("20"))(
        "warmup", "untimed steps first", cxxopts::value<int>()->default_value("3"));
    return o;
}

// With --device cuda: what the offloaded products cost per run (one training step, or one
// generate call), copies included: calls, megabytes copied both ways, milliseconds.
static std::string offload_fields(const cuda::OffloadStats& before, int runs) {
    if (compute_device() != "cuda") return "";
    const cuda::OffloadStats now = cuda::offload_stats();
    char buf[256];
    std::snprintf(buf, sizeof buf, ", \"offload_calls\": %.0f, \"offload_mb_copied\": %.1f, \"offload_ms\": %.2f",
                  double(now.calls - before.calls) / runs,
                  double(now.bytes_to_device + now.bytes_to_host - before.bytes_to_device - before.bytes_to_host) / runs / 1e6,
                  (now.seconds - before.seconds) / runs * 1e3);
    return buf;
}

int bench_train(int argc, char** argv) {
    cxxopts::Options o = bench_options("sr_bench train", "training step speed (one JSON line)");
    add_device_flag(o);
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    const int steps = flag_in<int>(a, "sr_bench train", "steps", 1, 100000), warmup = flag_in<int>(a, "sr_bench train", "warmup", 0, 100000);
    apply_threads_flag(a, "sr_bench train");
    apply_device_flag(a);
    const std::string preset = a["preset"].as<std::string>();
    const GPTConfig cfg = preset_config(preset);
    const int B = preset_train(preset).batch, T = cfg.n_positions;
    GPT model(cfg, 0);
    AdamW opt(model.parameters(), 3e-4, 0.9, 0.95, 1e-8, 0.1, model.decay_flags());
    Rng rng(0);
    std::vector<int> x(static_cast<size_t>(B) * T), y(x.size());
    for (auto& t : x) t = static_cast<int>(rng.below(cfg.vocab_size));
    for (auto& t : y) t = static_cast<int>(rng.below(cfg.vocab_size));
    Batch batch;
    batch.B = B, batch.T = T, batch.ids = x, batch.targets = y;
    DataParallel parallel;  // as sr pretrain trains: the batch split across the threads
    auto step = [&] {
        opt.zero_grad();
        parallel.loss_backward(model, batch, 1.0, false, 0);
        clip_grad_norm(model.parameters(), 1.0);
        opt.step();
    };
    const cuda::OffloadStats before = cuda::offload_stats();
    const double sec = median_seconds(step, steps, warmup);
    std::printf("{\"what\": \"train\", \"preset\": \"%s\", \"threads\": %d, \"active_threads\": %d, \"engine\": \"sr\", \"device\": \"%s\", "
                "\"tokens_per_s\": %.1f, \"ms_per_step\": %.2f, \"params\": %lld%s}\n",
                preset.c_str(), num_threads(), active_threads(), compute_device().c_str(), B * T / sec, sec * 1e3,
                static_cast<long long>(model.num_parameters()), offload_fields(before, steps + warmup).c_str());
    return 0;
}

int bench_generate(int argc, char** argv) {
    cxxopts::Options o = bench_options("sr_bench generate", "generation speed with the KV cache (one JSON line)");
    o.add_options()("batch", "prompts per call", cxxopts::value<int>()->default_value("1"))(
        "prompt-len", "prompt tokens", cxxopts::value<int>()->default_value("32"))(
        "new-tokens", "generated tokens", cxxopts::value<int>()->default_value("64"));
    add_device_flag(o);
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    const char* cmd = "sr_bench generate";
    const int steps = flag_in<int>(a, cmd, "steps", 1, 100000), warmup = flag_in<int>(a, cmd, "warmup", 0, 100000);
    const int B = flag_in<int>(a, cmd, "batch", 1, 256), P = flag_in<int>(a, cmd, "prompt-len", 1, kMaxPositions),
              N = flag_in<int>(a, cmd, "new-tokens", 1, kMaxPositions);
    apply_threads_flag(a, cmd);
    apply_device_flag(a);
    const std::string preset = a["preset"].as<std::string>();
    const GPTConfig cfg = preset_config(preset);
    GPT model(cfg, 0);
    Rng rng(0);
    std::vector<std::vector<int>> prompts(B, std::vector<int>(P));
    for (auto& p : prompts)
        for (auto& t : p) t = static_cast<int>(rng.below(cfg.vocab_size));
    SampleOptions so;
    so.temperature = 0;  // greedy, no stop token: always N new tokens, as the peer
    so.max_new_tokens = N;
    const cuda::OffloadStats before = cuda::offload_stats();
    const double sec = median_seconds([&] { generate(model, prompts, so, rng); }, steps, warmup);
    std::printf("{\"what\": \"generate\", \"preset\": \"%s\", \"threads\": %d, \"active_threads\": %d, \"engine\": \"sr\", \"device\": \"%s\", "
                "\"batch\": %d, \"tokens_per_s\": %.1f, \"ms_per_call\": %.2f%s}\n",
                preset.c_str(), num_threads(), active_threads(), compute_device().c_str(), B, B * N / sec, sec * 1e3,
                offload_fields(before, steps + warmup).c_str());
    return 0;
}

}  // namespace sr
