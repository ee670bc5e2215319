// Chapter 15: speed, counted before it is measured. The multiply-adds causal attention skips per
// block size, the products of one training step of the tiny preset and their sizes, why the
// order of a sum matters to the last bit, and inference giving the same bits on 1 and 2 threads.
#include <cstdio>
#include <cstring>
#include <vector>

#include "model/generate.h"
#include "model/gpt.h"
#include "tensor/rng.h"
#include "tensor/runtime.h"

using namespace sr;

int main() {
    // ---- causal attention: q k^T entries computed when query blocks of b rows see keys [0, r1) --
    const long T = 256;
    std::printf("attention scores computed for T = %ld (of T^2 = %ld):\n", T, T * T);
    for (long b : {16L, 32L, 64L, 256L}) {
        long computed = 0;
        for (long r0 = 0; r0 < T; r0 += b) computed += b * std::min(T, r0 + b);
        std::printf("  block %3ld: %6ld entries, %4.1f%% skipped\n", b, computed, 100.0 * (T * T - computed) / (T * T));
    }

    // ---- one training step of the tiny preset: its matrix products ------------------------------
    const GPTConfig c = preset_config("tiny");
    const long B = 16, Tn = c.n_positions, C = c.n_embd, V = c.vocab_size, L = c.n_layer, NH = c.n_head, HS = C / NH, N = B * Tn;
    struct P { const char* name; long m, k, n, count; };
    const std::vector<P> fwd = {
        {"c_attn        x W", N, C, 3 * C, L},  {"attn q k^T (full)", Tn, HS, Tn, L * B * NH}, {"attn att v (full)", Tn, Tn, HS, L * B * NH},
        {"attn c_proj   y W", N, C, C, L},      {"mlp c_fc      x W", N, C, 4 * C, L},         {"mlp c_proj    h W", N, 4 * C, C, L},
        {"head     x wte^T", N, C, V, 1},
    };
    std::printf("\ntiny preset, batch %ld x %ld tokens: forward products (M x K) @ (K x N), each x count\n", B, Tn);
    double flops = 0;
    for (const P& p : fwd) {
        std::printf("  %-18s (%5ld x %4ld) @ (%4ld x %4ld)  x %3ld\n", p.name, p.m, p.k, p.k, p.n, p.count);
        flops += 2.0 * p.m * p.k * p.n * p.count;
    }
    std::printf("  forward %.2f GFLOP; backward about twice that (two products per forward product): %.2f GFLOP per step\n", flops / 1e9,
                3 * flops / 1e9);

    // ---- the order of a sum -------------------------------------------------------------------
    Rng rng(15);
    std::vector<float> x(4096);
    for (float& v : x) v = float(rng.uniform() * 2 - 1);
    float forward = 0, backward = 0, blocked = 0;
    for (size_t i = 0; i < x.size(); i++) forward += x[i];
    for (size_t i = x.size(); i-- > 0;) backward += x[i];
    for (size_t b0 = 0; b0 < x.size(); b0 += 64) {  // 64 partial sums, then their sum: what a blocked kernel does
        float part = 0;
        for (size_t i = b0; i < b0 + 64; i++) part += x[i];
        blocked += part;
    }
    std::printf("\nsum of 4096 floats: in order %.9g, reversed %.9g, in blocks of 64 %.9g (same bits: %s)\n", forward, backward, blocked,
                forward == backward && backward == blocked ? "yes" : "no");
    std::printf("(1e8 + 1) - 1e8 = %.1f in float, 1e8 - 1e8 + 1 = %.1f\n", (1e8f + 1.0f) - 1e8f, (1e8f - 1e8f) + 1.0f);

    // ---- inference: the same logits, bit for bit, on 1 thread and on 2 -------------------------
    GPTConfig s = preset_config("micro");
    s.n_embd = 128, s.n_head = 4, s.n_positions = 32;  // wide enough for 2 threads to share the columns
    const GPT model(s, 3);
    std::vector<std::vector<float>> logits;
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        KVCache cache(s, 2);
        logits.push_back(cache.forward(model, {{1, 2, 3, 4, 5}, {9, 8, 7}}));
    }
    set_num_threads(1);
    std::printf("KV-cache logits of a batch of 2 on 1 thread and on 2 threads: identical bits: %s\n",
                std::memcmp(logits[0].data(), logits[1].data(), logits[0].size() * sizeof(float)) == 0 ? "yes" : "no");
    return 0;
}
