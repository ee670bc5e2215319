// model/gpt.h: a GPT-2 style transformer built from the autograd ops.
//
//   ids (B,T) -> wte[ids] + wpe[pos] -> dropout -> n_layer x Block -> ln_f -> @ wte^T -> logits (B,T,V)
//   Block: x = x + dropout(attn(ln_1(x)))   attn(x) = attn.c_proj(attention(c_attn(x)))
//          x = x + dropout(mlp(ln_2(x)))    mlp(x)  = mlp.c_proj(gelu(c_fc(x)))
//
// Pre-LayerNorm blocks, causal multi-head self-attention (one fused op), a 4x GELU(tanh) MLP,
// a final LayerNorm and an output head tied to the token embedding, biases everywhere.
// Weights are stored like Hugging Face GPT-2 (Conv1D: (in, out)) under the same names, so a
// checkpoint is readable by GPT-2 tooling. Initialisation as GPT-2: normal(0, 0.02), the two
// residual projections of each block scaled by 1/sqrt(2 * n_layer), biases 0, LayerNorm 1/0.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"
#include "model/config.h"

namespace sr {

struct Block {
    Var ln_1_weight, ln_1_bias;            // (C), (C)
    Var c_attn_weight, c_attn_bias;        // (C, 3C), (3C)   q | k | v
    Var attn_c_proj_weight, attn_c_proj_bias;  // (C, C), (C)
    Var ln_2_weight, ln_2_bias;            // (C), (C)
    Var c_fc_weight, c_fc_bias;            // (C, 4C), (4C)
    Var mlp_c_proj_weight, mlp_c_proj_bias;    // (4C, C), (C)

    // The block's two branches, x (B,T,C) -> (B,T,C) each (nanoGPT's CausalSelfAttention and
    // MLP); GPT::forward adds them to the residual stream: x = x + attn(ln_1(x)), x = x + mlp(ln_2(x)).
    Var attn(const Var& x, int n_head) const;
    Var mlp(const Var& x) const;
};

class GPT {
public:
    GPT() = default;
    GPT(const GPTConfig& config, uint64_t seed, DType dtype = DType::F32);

    const GPTConfig& config() const { return config_; }
    DType dtype() const { return wte->data.dtype(); }

    // logits (B, T, V) for ids (B*T, row-major). With train, dropout (if configured) is applied
    // with masks drawn from dropout_seed.
    Var forward(const std::vector<int>& ids, int B, int T, bool train = false, uint64_t dropout_seed = 0) const;
    // Mean cross-entropy of next-token prediction: targets (B*T), mask (B*T) or empty for all.
    Var loss(const std::vector<int>& ids, const std::vector<int>& targets, const std::vector<float>& mask, int B, int T,
             bool train = false, uint64_t dropout_seed = 0) const;

    // Parameters under their Hugging Face GPT-2 names, in a fixed order.
    std::vector<std::pair<std::string, Var>> named_parameters() const;
    std::vector<Var> parameters() const;
    // Whether each parameter (named_parameters() order) gets weight decay: the 2-D ones
    // (matrices and embeddings) do, biases and LayerNorm weights do not, as in nanoGPT.
    std::vector<bool> decay_flags() const;
    int64_t num_parameters() const;

    GPT clone() const;          // a deep copy (the frozen DPO reference)
    GPT to(DType dtype) const;  // a deep copy in another dtype (gradient checks run in double)
    // The same model with its parameters replaced, in named_parameters() order (gradient
    // checks feed their own variables through the whole model this way).
    GPT with_parameters(const std::vector<Var>& params) const;

    Var wte, wpe;               // (V, C), (T, C)
    std::vector<Block> h;       // n_layer blocks
    Var ln_f_weight, ln_f_bias; // (C), (C)

private:
    std::vector<Var*> parameter_slots();  // every parameter handle, in named_parameters() order
    GPTConfig config_;
};

}  // namespace sr
