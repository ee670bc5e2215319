// model/config.h: the GPT's shape and the named presets.
//
// Field names follow Hugging Face's GPT2Config (n_embd, n_layer, n_head, n_positions,
// vocab_size, layer_norm_epsilon) so config.json is readable by GPT-2 tooling. The presets
// tiny and small are the same definitions as ../shared/bench/torch_gpt.py, so the peer
// comparison is like for like.
#pragma once
#include <cstdint>
#include <string>

namespace sr {

struct GPTConfig {
    int vocab_size = 512;
    int n_positions = 128;  // context length T
    int n_embd = 128;       // channels C
    int n_layer = 4;
    int n_head = 4;
    double layer_norm_epsilon = 1e-5;
    double dropout = 0.0;   // embeddings and residual branches (GPT-2's embd_pdrop/resid_pdrop)

    int head_size() const { return n_embd / n_head; }  // HS
    int64_t num_parameters() const;  // wte, wpe, the blocks and ln_f (lm_head is tied to wte)
    void validate() const;  // throws with a clear message on an impossible shape or one over the caps below
};

// Caps that validate() checks, so a hostile config.json cannot make us allocate without end.
constexpr int kMaxVocab = 1 << 20, kMaxPositions = 4096 /* the inference kernel's limit */, kMaxEmbd = 16384, kMaxLayers = 256;
constexpr int64_t kMaxParameters = int64_t(2) << 30;  // 8 GiB of float32

// Training defaults that go with a preset (batch size, steps, learning rate).
struct TrainPreset {
    int batch = 16;
    int steps = 1000;
    double lr = 3e-3;
    int warmup = 50;
};

// "micro" (tests), "tiny", "small". Throws for an unknown name, listing the known ones.
GPTConfig preset_config(const std::string& name);
TrainPreset preset_train(const std::string& name);

}  // namespace sr
