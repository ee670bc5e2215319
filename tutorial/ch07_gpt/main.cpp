// Chapter 7: the GPT, its BPE tokenizer and its checkpoint. Trains a tiny BPE, counts the
// model's parameters against the formula, checks the loss at initialisation against ln V, and
// saves and reloads the model (same logits, bit for bit).
#include <cmath>
#include <cstdio>
#include <string>

#include "model/checkpoint.h"
#include "model/gpt.h"
#include "model/tokenizer.h"
#include "tensor/ops.h"

using namespace sr;

int main() {
    // ---- BPE: 12 merges learned from a small text --------------------------------------------
    std::string text;
    for (int i = 0; i < 20; i++) text += "the cat sat on the mat. the dog sat on the log. <|endoftext|>\n";
    Tokenizer tok;
    tok.train(text, 256 + 12 + 1, {"<|endoftext|>"});
    std::printf("vocab %d = 256 bytes + %d merges + %zu special\n", tok.vocab_size(), tok.num_merges(), tok.specials().size());
    for (int r = 0; r < tok.num_merges(); r++) {
        const auto [a, b] = tok.merges()[r];
        std::printf("  merge %2d: %3d '%s' = '%s' + '%s'\n", r, 256 + r, tok.token_bytes(256 + r).c_str(), tok.token_bytes(a).c_str(),
                    tok.token_bytes(b).c_str());
    }
    std::printf("chunks of \"Reverse 123 words!\":");
    for (const std::string& c : Tokenizer::split_chunks("Reverse 123 words!")) std::printf(" [%s]", c.c_str());
    std::printf("\n");
    const std::string s = "the cat sat on the log.<|endoftext|>";
    const std::vector<int> ids = tok.encode(s);
    std::printf("encode \"%s\" -> %zu ids:", s.c_str(), ids.size());
    for (int id : ids) std::printf(" %d", id);
    std::printf("\ndecode gives the same bytes: %s\n", tok.decode(ids) == s ? "yes" : "no");

    // ---- the model ----------------------------------------------------------------------------
    GPTConfig cfg = preset_config("micro");
    cfg.vocab_size = tok.vocab_size();
    const GPT model(cfg, /*seed*/ 7);
    const int64_t V = cfg.vocab_size, T = cfg.n_positions, C = cfg.n_embd, L = cfg.n_layer;
    std::printf("GPT micro: V %lld, T %lld, C %lld, %lld layers, %d heads\n", (long long)V, (long long)T, (long long)C, (long long)L,
                cfg.n_head);
    std::printf("parameters %lld; formula V C + T C + L (12 C^2 + 13 C) + 2 C = %lld\n", (long long)model.num_parameters(),
                (long long)(V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C));
    const auto named = model.named_parameters();
    for (size_t i = 0; i < 6; i++) std::printf("  %-36s %s\n", named[i].first.c_str(), named[i].second->data.str().c_str());
    std::printf("  ... %zu tensors in all\n", named.size());

    // At initialisation the logits are near 0, so the next-token loss is near ln V.
    std::vector<int> x(ids.begin(), ids.begin() + 8), y(ids.begin() + 1, ids.begin() + 9);
    const Var loss = model.loss(x, y, {}, 1, 8);
    std::printf("loss at init %.3f, ln V = %.3f\n", loss->data.item(), std::log(double(V)));

    // ---- checkpoint: a Hugging Face GPT-2 folder -----------------------------------------------
    const std::string dir = "/tmp/sr_tutorial_ch07_model";
    save_model(dir, model, tok);
    Tokenizer tok2;
    const GPT back = load_model(dir, &tok2);
    const Tensor a = model.forward(x, 1, 8)->data, b = back.forward(x, 1, 8)->data;
    std::printf("saved to %s/{model.safetensors, config.json, tokenizer.txt}; reloaded logits max |diff| %.1f, tokenizer same: %s\n",
                dir.c_str(), max_abs_diff(a, b), tok2.encode(s) == ids ? "yes" : "no");
    return 0;
}
