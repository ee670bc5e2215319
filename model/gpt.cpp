// model/gpt.cpp: GPT-2 forward pass in autograd ops, parameters, presets.
#include "model/gpt.h"

#include <cmath>

#include "autograd/ops.h"
#include "tensor/ops.h"

namespace sr {

// ---------------------------------------------------------------------------------------------
// config and presets

void GPTConfig::validate() const {
    auto bad = [](const std::string& m) { fail("GPTConfig", m + ". HINT: check config.json or the preset"); };
    if (vocab_size <= 0 || n_positions <= 0 || n_embd <= 0 || n_layer <= 0 || n_head <= 0) bad("every size must be positive");
    if (n_embd % n_head != 0) bad("n_embd " + std::to_string(n_embd) + " is not divisible by n_head " + std::to_string(n_head));
    if (dropout < 0 || dropout >= 1) bad("dropout must be in [0, 1)");
    // Caps before anything is allocated from these numbers (a config.json may hold anything):
    // far above every preset, far below what would exhaust memory.
    if (vocab_size > kMaxVocab) bad("vocab_size " + std::to_string(vocab_size) + " is over the cap of " + std::to_string(kMaxVocab));
    if (n_positions > kMaxPositions) bad("n_positions " + std::to_string(n_positions) + " is over the cap of " + std::to_string(kMaxPositions));
    if (n_embd > kMaxEmbd) bad("n_embd " + std::to_string(n_embd) + " is over the cap of " + std::to_string(kMaxEmbd));
    if (n_layer > kMaxLayers) bad("n_layer " + std::to_string(n_layer) + " is over the cap of " + std::to_string(kMaxLayers));
    if (num_parameters() > kMaxParameters)
        bad("this shape has " + std::to_string(num_parameters()) + " parameters, over the cap of " + std::to_string(kMaxParameters));
    if (!(layer_norm_epsilon > 0 && layer_norm_epsilon < 1)) bad("layer_norm_epsilon must be in (0, 1)");
}

int64_t GPTConfig::num_parameters() const {
    const int64_t C = n_embd, L = n_layer;
    const int64_t block = 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + 2 * C + (C * 4 * C + 4 * C) + (4 * C * C + C);
    return (static_cast<int64_t>(vocab_size) + n_positions) * C + L * block + 2 * C;  // wte, wpe, blocks, ln_f
}

GPTConfig preset_config(const std::string& name) {
    GPTConfig c;
    if (name == "micro") {  // for tests and gradient checks: everything tiny
        c.vocab_size = 300, c.n_positions = 16, c.n_embd = 16, c.n_layer = 2, c.n_head = 2;
    } else if (name == "tiny") {  // = torch_gpt.py "tiny"
        c.vocab_size = 512, c.n_positions = 128, c.n_embd = 128, c.n_layer = 4, c.n_head = 4;
    } else if (name == "small") {  // = torch_gpt.py "small"
        c.vocab_size = 1024, c.n_positions = 256, c.n_embd = 256, c.n_layer = 6, c.n_head = 8;
    } else {
        fail("preset", "unknown model preset '" + name + "'. HINT: use micro, tiny or small");
    }
    return c;
}

TrainPreset preset_train(const std::string& name) {
    TrainPreset t;
    if (name == "micro") t.batch = 4, t.steps = 50, t.lr = 3e-3, t.warmup = 5;
    else if (name == "tiny") t.batch = 16, t.steps = 1500, t.lr = 2e-3, t.warmup = 50;  // torch_gpt.py batch 16
    else if (name == "small") t.batch = 8, t.steps = 3000, t.lr = 1e-3, t.warmup = 100;  // torch_gpt.py batch 8
    else preset_config(name);  // throws the helpful message
    return t;
}

// ---------------------------------------------------------------------------------------------
// construction

GPT::GPT(const GPTConfig& config, uint64_t seed, DType dtype) : config_(config) {
    config.validate();
    const int64_t C = config.n_embd, V = config.vocab_size, T = config.n_positions;
    Rng rng(seed);
    const double std = 0.02, resid_std = 0.02 / std::sqrt(2.0 * config.n_layer);
    auto normal = [&](Shape s, double sd) { return param(randn(s, rng, sd, dtype)); };
    auto zeros = [&](Shape s) { return param(Tensor::zeros(s, dtype)); };
    auto ones = [&](Shape s) { return param(Tensor::full(s, 1.0, dtype)); };
    wte = normal({V, C}, std);
    wpe = normal({T, C}, std);
    for (int l = 0; l < config.n_layer; l++) {
        Block b;
        b.ln_1_weight = ones({C}), b.ln_1_bias = zeros({C});
        b.c_attn_weight = normal({C, 3 * C}, std), b.c_attn_bias = zeros({3 * C});
        b.attn_c_proj_weight = normal({C, C}, resid_std), b.attn_c_proj_bias = zeros({C});
        b.ln_2_weight = ones({C}), b.ln_2_bias = zeros({C});
        b.c_fc_weight = normal({C, 4 * C}, std), b.c_fc_bias = zeros({4 * C});
        b.mlp_c_proj_weight = normal({4 * C, C}, resid_std), b.mlp_c_proj_bias = zeros({C});
        h.push_back(b);
    }
    ln_f_weight = ones({C});
    ln_f_bias = zeros({C});
}

std::vector<Var*> GPT::parameter_slots() {
    std::vector<Var*> s = {&wte, &wpe};
    for (Block& b : h)
        for (Var* v : {&b.ln_1_weight, &b.ln_1_bias, &b.c_attn_weight, &b.c_attn_bias, &b.attn_c_proj_weight, &b.attn_c_proj_bias,
                       &b.ln_2_weight, &b.ln_2_bias, &b.c_fc_weight, &b.c_fc_bias, &b.mlp_c_proj_weight, &b.mlp_c_proj_bias})
            s.push_back(v);
    s.push_back(&ln_f_weight);
    s.push_back(&ln_f_bias);
    return s;
}

std::vector<std::pair<std::string, Var>> GPT::named_parameters() const {
    static const char* block_names[] = {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                                        "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                        "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};
    std::vector<std::string> names = {"transformer.wte.weight", "transformer.wpe.weight"};
    for (size_t l = 0; l < h.size(); l++)
        for (const char* n : block_names) names.push_back("transformer.h." + std::to_string(l) + "." + n);
    names.push_back("transformer.ln_f.weight");
    names.push_back("transformer.ln_f.bias");
    const std::vector<Var*> slots = const_cast<GPT*>(this)->parameter_slots();
    std::vector<std::pair<std::string, Var>> p;
    for (size_t i = 0; i < slots.size(); i++) p.push_back({names[i], *slots[i]});
    return p;
}

std::vector<Var> GPT::parameters() const {
    std::vector<Var> v;
    for (auto& [name, p] : named_parameters()) v.push_back(p);
    return v;
}

std::vector<bool> GPT::decay_flags() const {
    std::vector<bool> d;
    for (auto& [name, p] : named_parameters()) d.push_back(p->data.ndim() == 2);  // matrices and embeddings
    return d;
}

int64_t GPT::num_parameters() const {
    int64_t n = 0;
    for (auto& [name, p] : named_parameters()) n += p->data.numel();
    return n;
}

GPT GPT::to(DType dtype) const {
    GPT g = *this;  // copies the handles; now give every one its own data
    for (Var* v : g.parameter_slots()) *v = param((*v)->data.to(dtype));
    return g;
}

GPT GPT::with_parameters(const std::vector<Var>& params) const {
    GPT g = *this;
    const std::vector<Var*> slots = g.parameter_slots();
    if (params.size() != slots.size())
        fail("GPT::with_parameters", std::to_string(params.size()) + " tensors for " + std::to_string(slots.size()) + " parameters");
    for (size_t i = 0; i < slots.size(); i++) {
        if (params[i]->data.shape() != (*slots[i])->data.shape())
            fail("GPT::with_parameters", "parameter " + std::to_string(i) + " has shape " + shape_str(params[i]->data.shape()) +
                                             ", expected " + shape_str((*slots[i])->data.shape()));
        *slots[i] = params[i];
    }
    return g;
}

GPT GPT::clone() const { return to(dtype()); }

// ---------------------------------------------------------------------------------------------
// forward

Var Block::attn(const Var& x, int n_head) const {
    Var qkv = linear(x, c_attn_weight, c_attn_bias);  // (B,T,C) -> (B,T,3C): q | k | v
    // Causal self-attention of every head, y = softmax(q k^T / sqrt(HS), causal) v, fused in one
    // op: kernels::attention_forward, with its loop version attention_forward_reference beside it
    // in tensor/kernels.h (the one to read first).
    Var y = attention(qkv, n_head);                        // (B,T,3C) -> (B,T,C), heads side by side
    return linear(y, attn_c_proj_weight, attn_c_proj_bias);  // (B,T,C)
}

Var Block::mlp(const Var& x) const {
    Var f = gelu(linear(x, c_fc_weight, c_fc_bias));        // (B,T,C) -> (B,T,4C)
    return linear(f, mlp_c_proj_weight, mlp_c_proj_bias);  // (B,T,4C) -> (B,T,C)
}

Var GPT::forward(const std::vector<int>& ids, int B, int T, bool train, uint64_t dropout_seed) const {
    const GPTConfig& c = config_;
    if (static_cast<int64_t>(ids.size()) != static_cast<int64_t>(B) * T)
        fail("GPT::forward", std::to_string(ids.size()) + " ids for B=" + std::to_string(B) + ", T=" + std::to_string(T));
    if (T > c.n_positions)
        fail("GPT::forward", "sequence length " + std::to_string(T) + " exceeds the context " + std::to_string(c.n_positions));
    std::vector<int> pos(ids.size());
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) pos[b * T + t] = t;
    const double p = train ? c.dropout : 0.0;
    uint64_t seed = dropout_seed * 1000003ull;  // one distinct mask per dropout site

    Var x = add(embedding(wte, ids, {B, T}), embedding(wpe, pos, {B, T}));  // (B,T,C)
    x = dropout(x, p, seed++);
    for (const Block& b : h) {
        auto ln_1 = [&](const Var& v) { return layernorm(v, b.ln_1_weight, b.ln_1_bias, c.layer_norm_epsilon); };
        auto ln_2 = [&](const Var& v) { return layernorm(v, b.ln_2_weight, b.ln_2_bias, c.layer_norm_epsilon); };
        x = add(x, dropout(b.attn(ln_1(x), c.n_head), p, seed++));  // x = x + attn(ln_1(x))   (B,T,C)
        x = add(x, dropout(b.mlp(ln_2(x)), p, seed++));             // x = x + mlp(ln_2(x))    (B,T,C)
    }
    Var hf = layernorm(x, ln_f_weight, ln_f_bias, c.layer_norm_epsilon);  // (B,T,C)
    return matmul(hf, wte, false, true);  // (B,T,C) x (V,C)^T -> (B,T,V), the tied head
}

Var GPT::loss(const std::vector<int>& ids, const std::vector<int>& targets, const std::vector<float>& mask, int B, int T,
              bool train, uint64_t dropout_seed) const {
    return cross_entropy(forward(ids, B, T, train, dropout_seed), targets, mask);
}

}  // namespace sr
