// Chapter 9: generation. The KV cache against the full forward pass and the plain-loop
// reference, greedy decoding with and without the cache, a prompt's logits alone and inside a
// batch (the same bits), and what temperature, top-k and top-p do to a distribution.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "model/generate.h"
#include "model/gpt.h"
#include "tensor/ops.h"

using namespace sr;

int main() {
    GPTConfig cfg = preset_config("micro");
    cfg.n_positions = 32;
    const GPT model(cfg, 21);
    const std::vector<int> prompt = {5, 17, 42, 8, 99, 3};
    const int V = cfg.vocab_size, n = static_cast<int>(prompt.size());

    // The cache's logits for every prompt position vs the full forward pass and the reference.
    KVCache cache(cfg, 1);
    const std::vector<float> cached = cache.forward(model, {prompt}, /*all_logits*/ true);  // (n, V)
    const Tensor full = model.forward(prompt, 1, n)->data;                                     // (1, n, V)
    KVCacheReference ref(cfg);
    const std::vector<float> loops = ref.forward(model, prompt);
    double d_full = 0, d_ref = 0;
    for (int i = 0; i < n * V; i++) {
        d_full = std::max(d_full, std::fabs(double(cached[i]) - full.at(i)));
        d_ref = std::max(d_ref, std::fabs(double(cached[i]) - loops[i]));
    }
    std::printf("KV cache vs full forward: max |diff| %s 1e-5; vs plain loops: %s 1e-5\n", d_full < 1e-5 ? "<" : ">=",
                d_ref < 1e-5 ? "<" : ">=");

    // Greedy decoding with and without the cache: the same tokens.
    SampleOptions greedy;
    greedy.temperature = 0, greedy.max_new_tokens = 12;
    Rng r1(1), r2(1);
    const Generation with = generate(model, {prompt}, greedy, r1)[0];
    const Generation without = generate_nocache(model, prompt, greedy, r2);
    std::printf("greedy, cache:    ");
    for (int t : with.tokens) std::printf(" %d", t);
    std::printf("\ngreedy, no cache: ");
    for (int t : without.tokens) std::printf(" %d", t);
    std::printf("\nsame tokens: %s\n", with.tokens == without.tokens ? "yes" : "no");

    // The same prompt alone and as row 1 of a batch of three (other lengths): identical bits.
    KVCache alone(cfg, 1), batch(cfg, 3);
    const std::vector<float> a = alone.forward(model, {prompt});
    const std::vector<float> b = batch.forward(model, {{1, 2, 3}, prompt, {7, 7, 7, 7, 7, 7, 7, 7, 7}});
    std::printf("last-token logits alone vs in a batch of 3: identical bits: %s\n",
                std::memcmp(a.data(), b.data() + V, sizeof(float) * V) == 0 ? "yes" : "no");

    // Sampling from logits (2, 1, 0, -1): the distribution each option leaves, and 20000 draws.
    const float logits[4] = {2, 1, 0, -1};
    struct Opt { const char* name; double temp; int k; double p; };
    for (const Opt& o : {Opt{"T 1", 1, 0, 1}, Opt{"T 0.5", 0.5, 0, 1}, Opt{"T 2", 2, 0, 1}, Opt{"T 1, top-k 2", 1, 2, 1},
                         Opt{"T 1, top-p 0.9", 1, 0, 0.9}}) {
        SampleOptions so;
        so.temperature = o.temp, so.top_k = o.k, so.top_p = o.p;
        Rng rng(9);
        int count[4] = {0, 0, 0, 0};
        for (int i = 0; i < 20000; i++) count[sample_token(logits, 4, so, rng)]++;
        std::printf("%-16s draws:", o.name);
        for (int c = 0; c < 4; c++) std::printf(" %.3f", count[c] / 20000.0);
        std::printf("\n");
    }
    std::printf("softmax(2,1,0,-1) = 0.644 0.237 0.087 0.032; top-p 0.9 keeps the first 3 (mass 0.968), renormalised\n");

    // Work: tokens pushed through the model to generate 64 tokens after a 32-token prompt.
    const long P = 32, G = 64;
    long without_cache = 0;
    for (long t = 0; t < G; t++) without_cache += P + t;
    std::printf("positions computed for %ld new tokens after %ld: with cache %ld, without %ld\n", G, P, P + G - 1, without_cache);
    return 0;
}
