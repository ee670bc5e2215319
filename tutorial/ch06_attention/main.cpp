// Chapter 6: causal self-attention. The fused, blocked kernel against the llm.c loop reference
// and against attention composed from chapter 2's ops (forward and backward, float64), and
// causality checked directly: changing a later token leaves every earlier output unchanged.
#include <cmath>
#include <cstdio>

#include "autograd/ops.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"

using namespace sr;

// softmax(mask(q k^T / sqrt(HS))) v from primitive ops: qkv (B,T,3C) -> (B,T,C)
static Var attention_composed(const Var& qkv, int NH) {
    const int64_t B = qkv->data.size(0), T = qkv->data.size(1), C = qkv->data.size(2) / 3, HS = C / NH;
    auto heads = [&](int part) {  // (B,T,C) slice -> (B,NH,T,HS)
        return permute(reshape(slice(qkv, 2, part * C, (part + 1) * C), {B, T, NH, HS}), {0, 2, 1, 3});
    };
    Var q = heads(0), k = heads(1), v = heads(2);
    Var att = mul_scalar(matmul(q, k, false, true), 1.0 / std::sqrt(double(HS)));  // (B,NH,T,T)
    att = softmax(causal_mask(att));
    Var y = matmul(att, v);                                                        // (B,NH,T,HS)
    return reshape(permute(y, {0, 2, 1, 3}), {B, T, C});
}

static const char* tiny(double d) { return d < 1e-12 ? "< 1e-12" : d < 1e-9 ? "< 1e-9" : ">= 1e-9 (!)"; }

int main() {
    const int B = 2, T = 40, C = 16, NH = 4;  // T > kAttnBlock: the causal skipping is exercised
    Rng rng(6);
    const Tensor QKV = randn({B, T, 3 * C}, rng, 1.0, DType::F64);
    const Tensor G = randn({B, T, C}, rng, 1.0, DType::F64);

    Var a = param(QKV);
    Var fused = attention(a, NH);
    backward(fused, G);
    Tensor ref = Tensor::empty({B, T, C}, DType::F64);
    kernels::attention_forward_reference<double>(ref.data<double>(), QKV.data<double>(), B, T, C, NH);
    Var b = param(QKV);
    Var composed = attention_composed(b, NH);
    backward(composed, G);
    std::printf("attention B %d, T %d, C %d, %d heads (float64), kAttnBlock %d\n", B, T, C, NH, kernels::kAttnBlock);
    std::printf("  fused vs loop reference     out  max |diff| %s\n", tiny(max_abs_diff(fused->data, ref)));
    std::printf("  fused vs composed ops       out  max |diff| %s\n", tiny(max_abs_diff(fused->data, composed->data)));
    std::printf("  fused vs composed ops       dqkv max |diff| %s\n", tiny(max_abs_diff(a->grad, b->grad)));

    // Causality: perturb position 30 (its q, k and v) in batch 0 and compare the outputs.
    Tensor changed = QKV.clone();
    for (int c = 0; c < 3 * C; c++) changed.set((0 * T + 30) * 3 * C + c, changed.at((0 * T + 30) * 3 * C + c) + 1.0);
    const Tensor out2 = attention(constant(changed), NH)->data;
    double before = 0, at_or_after = 0;
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++) {
            const double d = std::fabs(out2.at(t * C + c) - fused->data.at(t * C + c));
            (t < 30 ? before : at_or_after) = std::max(t < 30 ? before : at_or_after, d);
        }
    std::printf("  change position 30: outputs 0..29 max |diff| %.1f (bit for bit), outputs 30..39 max |diff| > 0: %s\n", before,
                at_or_after > 0 ? "yes" : "no");

    // The attention weights of one head are a lower-triangular stochastic matrix.
    const Tensor p = softmax(causal_mask(Tensor::from({0.5, 0.1, -0.3, 0.2, 0.9, 0.0, -1.0, 0.4, 0.3}, {3, 3})));
    std::printf("softmax(causal_mask(s)) of a 3x3 score matrix:\n");
    for (int i = 0; i < 3; i++) std::printf("  %.4f %.4f %.4f\n", p.at(i * 3), p.at(i * 3 + 1), p.at(i * 3 + 2));
    return 0;
}
