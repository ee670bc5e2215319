// model/generate.cpp: KV-cache inference and sampling.
#include "model/generate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "autograd/ops.h"
#include "tensor/kernels.h"
#include "tensor/kernels_inference.h"
#include "tensor/ops.h"
#include "tensor/runtime.h"

namespace sr {

// Legend: R = rows (new tokens across the batch), C = channels, V = vocab, T = context,
// L = layers, NH = heads, HS = head size (C / NH).

// Keys are kept in tiles of kKeyTile positions: a position's key goes to tile p / kKeyTile,
// stored (HS, kKeyTile), so the scores of a query against 16 keys read one contiguous 2 KB
// block (HS = 32). (Keys transposed over the whole context, (HS, T), put the 16 keys' rows T
// floats apart: strides the prefetcher does not follow, falling into a few L1 sets.)
constexpr int kKeyTile = 16;
static int padded_context(int T) { return (T + kKeyTile - 1) / kKeyTile * kKeyTile; }

// One sequence's inference reads the weights from panels (packed per cache) when its blocks
// have at least this many weights; see forward_rows.
constexpr long long kPanelsMinFloats = 2LL << 20;

// attend keeps one head's scores on the stack: at most this many positions.
constexpr int kMaxContext = 4096;

KVCache::KVCache(const GPTConfig& config, int batch) : config_(config), B_(batch), len_(batch, 0) {
    if (config.n_positions > kMaxContext)
        fail("KVCache", "context " + std::to_string(config.n_positions) + " is above the " + std::to_string(kMaxContext) +
                            " positions the inference kernel supports");
    const size_t per_layer = static_cast<size_t>(batch) * padded_context(config.n_positions) * config.n_embd;
    for (int l = 0; l < config.n_layer; l++) {  // new float[n]: not zeroed (see generate.h)
        k_.emplace_back(new float[per_layer]);
        v_.emplace_back(new float[per_layer]);
    }
}

void KVCache::reset() { std::fill(len_.begin(), len_.end(), 0); }

static const float* f32(const Var& v) { return v->data.data<float>(); }

// The cache of layer l, sequence b, head hd: keys (Tp / 16, HS, 16) in tiles, values (Tp, HS),
// Tp = the context rounded up to whole tiles.
float* KVCache::head_keys(int l, int b, int hd) {
    const int NH = config_.n_head, HS = config_.head_size(), Tp = padded_context(config_.n_positions);
    return k_[l].get() + (static_cast<int64_t>(b) * NH + hd) * HS * Tp;
}
float* KVCache::head_values(int l, int b, int hd) {
    const int NH = config_.n_head, HS = config_.head_size(), Tp = padded_context(config_.n_positions);
    return v_[l].get() + (static_cast<int64_t>(b) * NH + hd) * Tp * HS;
}

// Stores head hd's key and value of one row (its qkv (3C)) at position p of sequence b.
void KVCache::store_kv(int l, int b, int p, int hd, const float* qkv) {
    const int C = config_.n_embd, HS = config_.head_size();
    const float* k = qkv + C + hd * HS;
    const float* v = qkv + 2 * C + hd * HS;
    float* tile = head_keys(l, b, hd) + static_cast<int64_t>(p / kKeyTile) * HS * kKeyTile + p % kKeyTile;
    for (int i = 0; i < HS; i++) tile[i * kKeyTile] = k[i];
    std::copy(v, v + HS, head_values(l, b, hd) + static_cast<int64_t>(p) * HS);
}

// Scores of one query against NT full tiles of keys (tiles contiguous, (HS, 16) each):
// att[16 t + u] = scale * sum_i q[i] k[i][u] of tile t, i ascending.
template <int NT>
static void score_tiles(float* att, const float* q, const float* tiles, int HS, float scale) {
    float acc[NT][kKeyTile] = {};
    for (int i = 0; i < HS; i++)
        for (int t = 0; t < NT; t++) {
            const float* ki = tiles + (static_cast<int64_t>(t) * HS + i) * kKeyTile;
#pragma omp simd
            for (int u = 0; u < kKeyTile; u++) acc[t][u] += q[i] * ki[u];
        }
    for (int t = 0; t < NT; t++)
        for (int u = 0; u < kKeyTile; u++) att[t * kKeyTile + u] = acc[t][u] * scale;
}

// W output channels of the weighted sum of values: out[u] = inv * sum_j att[j] v[j][u], j
// ascending; v (n, HS) row-major, already offset to the first of the W channels.
template <int W>
static void weigh_values(float* out, const float* att, const float* v, int n, int HS, float inv) {
    float acc[W] = {};
    for (int j = 0; j < n; j++) {
        const float* vj = v + static_cast<int64_t>(j) * HS;
#pragma omp simd
        for (int u = 0; u < W; u++) acc[u] += att[j] * vj[u];
    }
    for (int u = 0; u < W; u++) out[u] = acc[u] * inv;
}

// One query of one head over n cached positions: out (HS) = softmax(scale * q . keys) @ values,
// kt the head's keys in tiles, vh (T, HS) its values. Both products keep their accumulators in
// registers across the inner loop, four AVX registers at a time (two key tiles, or 32 value
// channels): each is a chain of dependent multiply-adds (4 cycles each), so one chain per
// register would leave the core waiting. Every score and every output channel is still summed
// in one fixed order.
static void attend(float* out, const float* q, const float* kt, const float* vh, int n, int HS, float scale) {
    float att[kMaxContext];  // scores over at most T positions (checked when the cache is made)
    auto tile = [&](int j0) { return kt + static_cast<int64_t>(j0 / kKeyTile) * HS * kKeyTile; };
    int j0 = 0;
    for (; j0 + 2 * kKeyTile <= n; j0 += 2 * kKeyTile) score_tiles<2>(att + j0, q, tile(j0), HS, scale);
    for (; j0 + kKeyTile <= n; j0 += kKeyTile) score_tiles<1>(att + j0, q, tile(j0), HS, scale);
    if (j0 < n) {  // the last tile, partly filled (the rest of it is unwritten)
        const int m = n - j0;
        float acc[kKeyTile] = {};
        for (int i = 0; i < HS; i++)
            for (int u = 0; u < m; u++) acc[u] += q[i] * tile(j0)[i * kKeyTile + u];
        for (int u = 0; u < m; u++) att[j0 + u] = acc[u] * scale;
    }
    float mx = -std::numeric_limits<float>::infinity();
    for (int j = 0; j < n; j++) mx = std::max(mx, att[j]);
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; j++) sum += (att[j] = fastmath::exp(att[j] - mx));
    const float inv = 1.0f / sum;
    int i0 = 0;
    for (; i0 + 32 <= HS; i0 += 32) weigh_values<32>(out + i0, att, vh + i0, n, HS, inv);
    for (; i0 + 16 <= HS; i0 += 16) weigh_values<16>(out + i0, att, vh + i0, n, HS, inv);
    for (; i0 < HS; i0++) weigh_values<1>(out + i0, att, vh + i0, n, HS, inv);  // the remaining channels
}

// ---------------------------------------------------------------------------------------------
// The reference: KV-cache inference in plain loops, one sequence on one thread. Read this first;
// KVCache::forward_rows below computes the same numbers fast, and a test ([generate]) checks
// that the two agree on several shapes.

KVCacheReference::KVCacheReference(const GPTConfig& config)
    : config_(config), keys_(static_cast<size_t>(config.n_layer) * config.n_positions * config.n_embd),
      values_(keys_.size()) {}

// out (N) = in (K) @ w (K, N) + bias (N)
static void linear_row(float* out, const float* in, const Var& w, const Var& bias) {
    const int K = static_cast<int>(w->data.size(0)), N = static_cast<int>(w->data.size(1));
    for (int j = 0; j < N; j++) {
        float s = f32(bias)[j];
        for (int k = 0; k < K; k++) s += in[k] * f32(w)[static_cast<int64_t>(k) * N + j];
        out[j] = s;
    }
}
// out (C) = (x - mean) / sqrt(var + eps) * weight + bias
static void layernorm_plain(float* out, const float* x, const Var& weight, const Var& bias, int C, float eps) {
    float m = 0, v = 0;
    for (int c = 0; c < C; c++) m += x[c] / C;
    for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m) / C;
    for (int c = 0; c < C; c++) out[c] = (x[c] - m) / std::sqrt(v + eps) * f32(weight)[c] + f32(bias)[c];
}

std::vector<float> KVCacheReference::forward(const GPT& model, const std::vector<int>& tokens) {
    const int C = config_.n_embd, V = config_.vocab_size, NH = config_.n_head, HS = config_.head_size(), T = config_.n_positions;
    const int n = static_cast<int>(tokens.size());
    const float eps = static_cast<float>(config_.layer_norm_epsilon);
    if (len_ + n > T) fail("KVCacheReference::forward", "the sequence would exceed the context of " + std::to_string(T));
    const float* wte = f32(model.wte);  // (V, C)
    const float* wpe = f32(model.wpe);  // (T, C)
    std::vector<float> logits(static_cast<size_t>(n) * V);  // (n, V)
    std::vector<float> x(C), ln(C), qkv(3 * C), y(C), fc(4 * C), branch(C), att(T);  // one position's activations
    for (int i = 0; i < n; i++) {
        const int p = len_ + i;  // this token's position
        for (int c = 0; c < C; c++) x[c] = wte[static_cast<int64_t>(tokens[i]) * C + c] + wpe[static_cast<int64_t>(p) * C + c];
        for (int l = 0; l < config_.n_layer; l++) {
            const Block& blk = model.h[l];
            float* keys = &keys_[static_cast<size_t>(l) * T * C];  // (T, C) this layer's cache
            float* values = &values_[static_cast<size_t>(l) * T * C];
            layernorm_plain(ln.data(), x.data(), blk.ln_1_weight, blk.ln_1_bias, C, eps);
            linear_row(qkv.data(), ln.data(), blk.c_attn_weight, blk.c_attn_bias);  // q, k, v (C each)
            std::copy(&qkv[C], &qkv[2 * C], keys + static_cast<int64_t>(p) * C);     // cache this position's key
            std::copy(&qkv[2 * C], &qkv[3 * C], values + static_cast<int64_t>(p) * C);  // and value
            for (int hd = 0; hd < NH; hd++) {  // y = softmax(q . k / sqrt(HS)) @ v over positions 0..p, per head
                const float* q = &qkv[hd * HS];
                float mx = -std::numeric_limits<float>::infinity(), sum = 0;
                for (int j = 0; j <= p; j++) {
                    float s = 0;
                    for (int e = 0; e < HS; e++) s += q[e] * keys[static_cast<int64_t>(j) * C + hd * HS + e];
                    att[j] = s / std::sqrt(static_cast<float>(HS));
                    mx = std::max(mx, att[j]);
                }
                for (int j = 0; j <= p; j++) sum += (att[j] = std::exp(att[j] - mx));
                for (int e = 0; e < HS; e++) {
                    float s = 0;
                    for (int j = 0; j <= p; j++) s += att[j] / sum * values[static_cast<int64_t>(j) * C + hd * HS + e];
                    y[hd * HS + e] = s;
                }
            }
            linear_row(branch.data(), y.data(), blk.attn_c_proj_weight, blk.attn_c_proj_bias);
            for (int c = 0; c < C; c++) x[c] += branch[c];  // x = x + attn(ln_1(x))
            layernorm_plain(ln.data(), x.data(), blk.ln_2_weight, blk.ln_2_bias, C, eps);
            linear_row(fc.data(), ln.data(), blk.c_fc_weight, blk.c_fc_bias);
            for (float& u : fc) u = 0.5f * u * (1 + std::tanh(0.7978845608f * (u + 0.044715f * u * u * u)));  // GELU
            linear_row(branch.data(), fc.data(), blk.mlp_c_proj_weight, blk.mlp_c_proj_bias);
            for (int c = 0; c < C; c++) x[c] += branch[c];  // x = x + mlp(ln_2(x))
        }
        layernorm_plain(ln.data(), x.data(), model.ln_f_weight, model.ln_f_bias, C, eps);
        for (int v = 0; v < V; v++) {  // the head is tied to the token embedding: logits = ln_f(x) @ wte^T
            float s = 0;
            for (int c = 0; c < C; c++) s += ln[c] * wte[static_cast<int64_t>(v) * C + c];
            logits[static_cast<size_t>(i) * V + v] = s;
        }
    }
    len_ += n;
    return logits;
}

// ---------------------------------------------------------------------------------------------
// The fast version: a batch of sequences, on a team of threads, with packed weights.

// The four weight matrices of a block, each (in, out), in the order of their packed panels.
enum BlockMatrix { kCAttn, kAttnCProj, kCFc, kMlpCProj, kBlockMatrices };
static const Var& layer_matrix(const Block& blk, BlockMatrix m) {
    switch (m) {
        case kCAttn: return blk.c_attn_weight;
        case kAttnCProj: return blk.attn_c_proj_weight;
        case kCFc: return blk.c_fc_weight;
        default: return blk.mlp_c_proj_weight;
    }
}

// Threads for inference: every thread must own at least one block of columns of the narrowest
// product (C columns), else it would only wait at the barriers.
static int team_size_for(int C) { return std::max(1, std::min(kernels::thread_count(), C / kernels::kGemvBlock)); }

// R new rows (row r: token row_tok[r] of sequence row_seq[r] at position row_pos[r]) through the
// model on a team of threads that lives for the whole call; fills logits_ (n, V) for the rows
// listed in logit_rows. (The same computation in plain loops: KVCacheReference::forward above.)
// Decoding streams every weight matrix once per step and does little else, so its time is the
// memory bandwidth of reading the weights (and, for a batch, the multiply-adds done per weight
// read). One thread reads ~65 GB/s here; two threads that each own a fixed slice of every
// matrix's columns read ~95 GB/s together (NOTES.md). Starting a
// parallel region per product would cost about what it saves at the tiny size, so the region
// spans the call: each product is followed by a barrier, the attention (row, head) pairs are
// shared out, and the small steps (layernorms) are repeated by every thread on its own copy
// rather than waited for. Every output number is computed by exactly one thread with a fixed
// order of additions that does not depend on R (kernels::rows_columns, rows_dot_rows), so a
// sequence's logits are the same bits whatever else is in the batch and on any thread count.
void KVCache::forward_rows(const GPT& model, const std::vector<int>& row_seq, const std::vector<int>& row_pos,
                           const std::vector<int>& row_tok, const std::vector<int>& logit_rows) {
    const int C = config_.n_embd, V = config_.vocab_size, NH = config_.n_head, HS = config_.head_size();
    const int R = static_cast<int>(row_seq.size()), n = static_cast<int>(logit_rows.size());
    const float eps = static_cast<float>(config_.layer_norm_epsilon);
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    // The inputs of the products (ln, y_, f_) keep their rows kRowPad floats apart beyond their
    // width (ldC, ld4C): see kernels::kRowPad.
    const int ldC = C + kernels::kRowPad, ld4C = 4 * C + kernels::kRowPad;
    x_.resize(static_cast<size_t>(R) * C);        // (R, C) the residual stream
    qkv_.resize(static_cast<size_t>(R) * 3 * C);  // (R, 3C)
    y_.resize(static_cast<size_t>(R) * ldC);      // (R, C) attention output, rows ldC apart
    f_.resize(static_cast<size_t>(R) * ld4C);     // (R, 4C) MLP hidden, rows ld4C apart
    logits_.resize(static_cast<size_t>(n) * V);   // (n, V)
    const float* wte = f32(model.wte);
    const float* wpe = f32(model.wpe);
    for (int r = 0; r < R; r++)  // x = wte[tok] + wpe[pos]
        for (int c = 0; c < C; c++)
            x_[static_cast<int64_t>(r) * C + c] = wte[static_cast<int64_t>(row_tok[r]) * C + c] + wpe[static_cast<int64_t>(row_pos[r]) * C + c];

    // Batches (B > 1) read the weights from panels. One sequence does too when the blocks'
    // weights are large (small's 4.7M floats); a small model's one sequence reads them in place
    // (tiny's 0.8M floats: packing on every generate call costs more than the panels save;
    // measured: NOTES.md).
    const bool use_panels = B_ > 1 || 12LL * config_.n_layer * C * C >= kPanelsMinFloats;
    const bool pack = use_panels && packed_for_ != &model;
    if (pack) {
        packed_.resize(static_cast<size_t>(config_.n_layer) * kBlockMatrices);
        for (int l = 0; l < config_.n_layer; l++)
            for (int m = 0; m < kBlockMatrices; m++)
                packed_[l * kBlockMatrices + m].reset(new float[layer_matrix(model.h[l], BlockMatrix(m))->data.numel()]);
        packed_for_ = &model;
    }
    auto panels = [&](int l, BlockMatrix m) { return use_panels ? packed_[l * kBlockMatrices + m].get() : nullptr; };

    adapt_threads();  // the team's size: the cores other programs leave free (no bits change)
    bool one_row_each = true;  // no two rows of the same sequence (a sequence's rows are consecutive)
    for (int r = 1; r < R; r++) one_row_each = one_row_each && row_seq[r] != row_seq[r - 1];
#pragma omp parallel num_threads(team_size_for(C))
    {
        const int t = kernels::thread_id(), nt = kernels::team_size();
        std::vector<float> ln(static_cast<size_t>(R) * ldC);  // (R, C) this thread's copy of a layernorm's output, rows ldC apart
        // The cache keeps its own copy of the weights in panels (kernels::pack_panels),
        // packed once for the model on the first call, each thread its own columns.
        if (pack) {
            for (int l = 0; l < config_.n_layer; l++)
                for (int m = 0; m < kBlockMatrices; m++) {
                    const Var& w = layer_matrix(model.h[l], BlockMatrix(m));
                    const int K = static_cast<int>(w->data.size(0)), N = static_cast<int>(w->data.size(1));
                    int n0, n1;
                    kernels::gemv_slice(N, t, nt, n0, n1);
                    kernels::pack_panels(packed_[l * kBlockMatrices + m].get(), f32(w), K, N, n0, n1);
                }
        }
        // out[:, my columns] (+)= in @ w + bias, rows ldo and ldi apart; with add, out already
        // holds the residual stream. (Each thread reads only the panels it packed itself: no
        // barrier needed after packing.)
        auto linear = [&](float* out, int ldo, const float* in, int ldi, const Var& w, const Var& bias, bool add, const float* packed) {
            const int K = static_cast<int>(w->data.size(0)), N = static_cast<int>(w->data.size(1));
            int n0, n1;
            kernels::gemv_slice(N, t, nt, n0, n1);
            const float* bs = f32(bias);
            for (int r = 0; r < R; r++) {
                float* o = out + static_cast<int64_t>(r) * ldo;
                for (int j = n0; j < n1; j++) o[j] = add ? o[j] + bs[j] : bs[j];
            }
            kernels::rows_columns(out, ldo, in, ldi, f32(w), packed, R, K, N, n0, n1);
            return std::pair<int, int>(n0, n1);
        };
        auto layernorm = [&](const Var& weight, const Var& bias) {  // ln = layernorm(x_), every thread its own copy
            for (int r = 0; r < R; r++)
                kernels::layernorm_row(&ln[static_cast<int64_t>(r) * ldC], &x_[static_cast<int64_t>(r) * C], f32(weight), f32(bias), C, eps);
        };
        for (int l = 0; l < config_.n_layer; l++) {
            const Block& blk = model.h[l];
            layernorm(blk.ln_1_weight, blk.ln_1_bias);
            linear(qkv_.data(), 3 * C, ln.data(), ldC, blk.c_attn_weight, blk.c_attn_bias, false, panels(l, kCAttn));  // (R, 3C)
#pragma omp barrier
            // Row r (sequence b at position p) attends over keys 0..p of sequence b, its own included.
            auto attend_row = [&](int r, int hd) {
                attend(&y_[static_cast<int64_t>(r) * ldC + hd * HS], &qkv_[static_cast<int64_t>(r) * 3 * C + hd * HS],
                       head_keys(l, row_seq[r], hd), head_values(l, row_seq[r], hd), row_pos[r] + 1, HS, scale);
            };
            auto store_row = [&](int r, int hd) { store_kv(l, row_seq[r], row_pos[r], hd, &qkv_[static_cast<int64_t>(r) * 3 * C]); };
            if (one_row_each) {  // decoding: each row needs only its own new key and value, so one pass
#pragma omp for collapse(2) schedule(dynamic)
                for (int r = 0; r < R; r++)
                    for (int hd = 0; hd < NH; hd++) {
                        store_row(r, hd);
                        attend_row(r, hd);
                    }
            } else {  // a prompt's rows attend over each other: every key and value stored first
#pragma omp for schedule(static)
                for (int r = 0; r < R; r++)
                    for (int hd = 0; hd < NH; hd++) store_row(r, hd);
#pragma omp for collapse(2) schedule(dynamic)  // rows differ in length: dynamic
                for (int r = 0; r < R; r++)
                    for (int hd = 0; hd < NH; hd++) attend_row(r, hd);
            }
            // (the end of an omp for is a barrier)
            linear(x_.data(), C, y_.data(), ldC, blk.attn_c_proj_weight, blk.attn_c_proj_bias, true, panels(l, kAttnCProj));  // residual
#pragma omp barrier
            layernorm(blk.ln_2_weight, blk.ln_2_bias);
            const auto [f0, f1] = linear(f_.data(), ld4C, ln.data(), ldC, blk.c_fc_weight, blk.c_fc_bias, false, panels(l, kCFc));  // (R, 4C)
            for (int r = 0; r < R; r++) {  // GELU on this thread's columns
                float* fr = &f_[static_cast<int64_t>(r) * ld4C];
                kernels::gelu_forward<float>(fr + f0, fr + f0, f1 - f0);
            }
#pragma omp barrier
            linear(x_.data(), C, f_.data(), ld4C, blk.mlp_c_proj_weight, blk.mlp_c_proj_bias, true, panels(l, kMlpCProj));  // residual
#pragma omp barrier
        }
        // Final layernorm of the wanted rows and the tied head: logits = ln @ wte^T, the
        // vocabulary shared out (ln now holds (n, C) contiguous, as rows_dot_rows reads it).
        for (int i = 0; i < n; i++)
            kernels::layernorm_row(&ln[static_cast<int64_t>(i) * C], &x_[static_cast<int64_t>(logit_rows[i]) * C], f32(model.ln_f_weight),
                                   f32(model.ln_f_bias), C, eps);
        int v0, v1;
        kernels::gemv_slice(V, t, nt, v0, v1);
        kernels::rows_dot_rows(logits_.data(), V, ln.data(), n, wte, C, v0, v1);
    }
}

const std::vector<float>& KVCache::forward(const GPT& model, const std::vector<std::vector<int>>& new_tokens, bool all_logits) {
    if (model.dtype() != DType::F32) fail("KVCache::forward", "inference runs in float32; convert the model with to(DType::F32)");
    if (packed_for_ && packed_for_ != &model)
        fail("KVCache::forward", "this cache was filled by another model; use one cache per model (and per generation)");
    if (static_cast<int>(new_tokens.size()) != B_)
        fail("KVCache::forward", std::to_string(new_tokens.size()) + " sequences for a cache of batch " + std::to_string(B_));
    const int V = config_.vocab_size, T = config_.n_positions;
    // Which sequence and position each row is.
    std::vector<int> row_seq, row_pos, row_tok;
    for (int b = 0; b < B_; b++) {
        if (len_[b] + static_cast<int>(new_tokens[b].size()) > T)
            fail("KVCache::forward", "sequence " + std::to_string(b) + " would exceed the context of " + std::to_string(T) + " tokens");
        for (size_t i = 0; i < new_tokens[b].size(); i++) {
            const int tok = new_tokens[b][i];
            if (tok < 0 || tok >= V) fail("KVCache::forward", "token id " + std::to_string(tok) + " out of range [0," + std::to_string(V) + ")");
            row_seq.push_back(b);
            row_pos.push_back(len_[b] + static_cast<int>(i));
            row_tok.push_back(tok);
        }
    }
    const int R = static_cast<int>(row_seq.size());
    // The rows whose logits are wanted: all, or the last new row of each sequence.
    std::vector<int> rows;
    for (int r = 0; r < R; r++)
        if (all_logits || r + 1 == R || row_seq[r + 1] != row_seq[r]) rows.push_back(r);
    if (R > 0) forward_rows(model, row_seq, row_pos, row_tok, rows);
    for (int b = 0; b < B_; b++) len_[b] += static_cast<int>(new_tokens[b].size());
    if (all_logits) {
        logits_.resize(static_cast<size_t>(rows.size()) * V);
        return logits_;
    }
    out_.resize(static_cast<size_t>(B_) * V);
    for (size_t i = 0; i < rows.size(); i++)
        std::copy(&logits_[i * V], &logits_[i * V + V], &out_[static_cast<size_t>(row_seq[rows[i]]) * V]);
    return out_;
}

// ---------------------------------------------------------------------------------------------
// sampling

int sample_token(const float* logits, int V, const SampleOptions& opt, Rng& rng) {
    if (opt.temperature <= 0) return static_cast<int>(std::max_element(logits, logits + V) - logits);  // greedy (first max)
    // Candidates sorted by logit (descending; ties by id so the order is fixed).
    std::vector<int> idx(V);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return logits[a] > logits[b]; });
    int keep = V;
    if (opt.top_k > 0) keep = std::min(keep, opt.top_k);
    std::vector<double> p(keep);
    const double mx = logits[idx[0]];
    double sum = 0;
    for (int i = 0; i < keep; i++) sum += (p[i] = std::exp((logits[idx[i]] - mx) / opt.temperature));
    for (double& x : p) x /= sum;
    if (opt.top_p < 1.0) {  // the smallest prefix whose mass reaches top_p
        double mass = 0;
        int n = 0;
        while (n < keep) {
            mass += p[n++];
            if (mass >= opt.top_p) break;
        }
        keep = n;
        sum = 0;
        for (int i = 0; i < keep; i++) sum += p[i];
        for (int i = 0; i < keep; i++) p[i] /= sum;
    }
    double u = rng.uniform();
    for (int i = 0; i < keep; i++) {
        if (u < p[i]) return idx[i];
        u -= p[i];
    }
    return idx[keep - 1];  // rounding: the last allowed token
}

static bool is_stop(int tok, const SampleOptions& opt, const std::vector<bool>& newline_tokens) {
    if (std::find(opt.stop_ids.begin(), opt.stop_ids.end(), tok) != opt.stop_ids.end()) return true;
    return opt.stop_at_newline && tok < static_cast<int>(newline_tokens.size()) && newline_tokens[tok];
}

std::vector<Generation> generate(const GPT& model, const std::vector<std::vector<int>>& prompts, const SampleOptions& opt,
                                 Rng& rng, const std::vector<bool>& newline_tokens) {
    const int B = static_cast<int>(prompts.size()), V = model.config().vocab_size, T = model.config().n_positions;
    std::vector<Generation> out(B);
    if (B == 0) return out;
    for (int b = 0; b < B; b++)
        if (prompts[b].empty()) fail("generate", "prompt " + std::to_string(b) + " is empty");
    KVCache cache(model.config(), B);
    std::vector<bool> active(B, true);
    std::vector<std::vector<int>> feed(B);
    for (int b = 0; b < B; b++) {  // prompts longer than the context keep their last T-1 tokens
        const auto& p = prompts[b];
        const size_t start = p.size() >= static_cast<size_t>(T) ? p.size() - (T - 1) : 0;
        feed[b].assign(p.begin() + static_cast<long>(start), p.end());
    }
    for (int step = 0; step < opt.max_new_tokens; step++) {
        const std::vector<float>& logits = cache.forward(model, feed);
        bool any = false;
        for (int b = 0; b < B; b++) {
            feed[b].clear();
            if (!active[b]) continue;
            const int tok = sample_token(&logits[static_cast<size_t>(b) * V], V, opt, rng);
            out[b].tokens.push_back(tok);
            if (is_stop(tok, opt, newline_tokens)) {
                out[b].finished = true;
                active[b] = false;
            } else if (cache.length(b) >= T) {
                active[b] = false;  // context full: unfinished
            } else {
                feed[b].push_back(tok);
                any = true;
            }
        }
        if (!any) break;
    }
    return out;
}

Generation generate_nocache(const GPT& model, const std::vector<int>& prompt, const SampleOptions& opt, Rng& rng) {
    NoGrad no_grad;
    const int V = model.config().vocab_size, T = model.config().n_positions;
    std::vector<int> seq = prompt;
    Generation g;
    for (int step = 0; step < opt.max_new_tokens && static_cast<int>(seq.size()) <= T; step++) {
        const std::vector<int> window(seq.end() - std::min<long>(static_cast<long>(seq.size()), T), seq.end());
        const int n = static_cast<int>(window.size());
        const Tensor logits = model.forward(window, 1, n)->data;  // (1, n, V)
        const int tok = sample_token(logits.data<float>() + static_cast<int64_t>(n - 1) * V, V, opt, rng);
        g.tokens.push_back(tok);
        seq.push_back(tok);
        if (is_stop(tok, opt, {})) {
            g.finished = true;
            break;
        }
        if (static_cast<int>(seq.size()) >= T) break;
    }
    return g;
}

}  // namespace sr
