// model/generate.h: inference with a KV cache, sampling, and batched generation.
//
// Inference does not build an autograd graph: it runs the same kernels directly on float32
// buffers (llm.c style), keeping each layer's keys and values of every position seen so far
// (the KV cache) so a new token costs one row of work instead of re-running the prefix.
// Prompts of different lengths are batched without padding: every sequence has its own
// length, its new tokens are rows of one matrix, and each row attends over its own cache.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/gpt.h"
#include "tensor/rng.h"

namespace sr {

class KVCache {
public:
    KVCache(const GPTConfig& config, int batch);
    int batch() const { return B_; }
    int length(int b) const { return len_[b]; }
    void reset();

    // Appends new_tokens[b] to sequence b (may be empty: that sequence is skipped) and returns
    // the logits of each sequence's LAST new token, (B, V) row-major; rows of skipped
    // sequences are left as they were. With all_logits, returns (rows, V) for every new token
    // in order instead.
    const std::vector<float>& forward(const GPT& model, const std::vector<std::vector<int>>& new_tokens,
                                      bool all_logits = false);

private:
    // The new rows through the model; fills logits_ (logit_rows.size(), V).
    void forward_rows(const GPT& model, const std::vector<int>& row_seq, const std::vector<int>& row_pos,
                      const std::vector<int>& row_tok, const std::vector<int>& logit_rows);
    float* head_keys(int l, int b, int hd);
    float* head_values(int l, int b, int hd);
    void store_kv(int l, int b, int p, int hd, const float* qkv);

    GPTConfig config_;
    int B_;
    std::vector<int> len_;               // (B) positions filled per sequence
    // Per layer. Keys are stored transposed in tiles of 16 positions, (B, NH, Tp/16, HS, 16)
    // with Tp the context rounded up to whole tiles, so a new query's scores against 16 cached
    // keys are HS vectorised axpys over one contiguous tile; values are (B, NH, Tp, HS), so the
    // weighted sum of values is vectorised axpys over the head's channels.
    // Left uninitialised (a batch-16 small cache is 48 MB that zeroing would write on every
    // generate call): a position's key and value are stored before anything reads them.
    std::vector<std::unique_ptr<float[]>> k_, v_;
    std::vector<float> x_, qkv_, y_, f_, logits_, out_;  // scratch, reused between calls
    // Batches, and one sequence of a large model: each block's four weight matrices copied
    // into 16-column panels (kernels::pack_panels) on the first call, index l * 4 + m (m a
    // BlockMatrix, generate.cpp). The model's weights must not change while the cache is in use
    // (its keys and values would be stale too).
    std::vector<std::unique_ptr<float[]>> packed_;
    const GPT* packed_for_ = nullptr;
};

// The same inference in plain loops, for reading and for testing KVCache against: one
// sequence, one thread, the keys and values of each layer kept as (T, C) arrays, every product
// a loop. It gives the same logits as KVCache up to float rounding (the order of the sums
// differs), not the same bits.
class KVCacheReference {
public:
    explicit KVCacheReference(const GPTConfig& config);
    int length() const { return len_; }
    // Appends tokens to the sequence and returns the logits of every new token, (n, V).
    std::vector<float> forward(const GPT& model, const std::vector<int>& tokens);

private:
    GPTConfig config_;
    int len_ = 0;                   // positions filled
    std::vector<float> keys_, values_;  // (L, T, C) each
};

struct SampleOptions {
    double temperature = 1.0;  // 0 = greedy (argmax)
    int top_k = 0;             // 0 = off
    double top_p = 1.0;        // 1 = off (nucleus sampling otherwise)
    int max_new_tokens = 64;
    std::vector<int> stop_ids;  // generation ends after one of these (it is kept in the output)
    bool stop_at_newline = false;  // also end when a generated token's text contains '\n'
};

// Picks the next token from logits (V). Draws from rng only when sampling (temperature > 0).
// Top-k and top-p restrict the choice to the k most likely / the smallest set with mass >= p.
int sample_token(const float* logits, int V, const SampleOptions& opt, Rng& rng);

struct Generation {
    std::vector<int> tokens;  // the new tokens (including the stop token if one was hit)
    bool finished = false;    // true if a stop token / newline ended it, false at max_new_tokens or context end
};

// Generates for every prompt (token ids) in one batch with the KV cache. Sampling draws from
// rng in a fixed order (sequence by sequence within each step), so a seed fixes the output.
// newline_tokens[i] says whether token i's text contains '\n' (needed for stop_at_newline).
std::vector<Generation> generate(const GPT& model, const std::vector<std::vector<int>>& prompts, const SampleOptions& opt,
                                 Rng& rng, const std::vector<bool>& newline_tokens = {});

// The same without a cache: re-runs the full forward pass on the whole sequence for every
// token (the reference that generate() is tested against; greedy decoding must agree).
Generation generate_nocache(const GPT& model, const std::vector<int>& prompt, const SampleOptions& opt, Rng& rng);

}  // namespace sr
