// model/generate.cpp: KV-cache inference and sampling.
#include "model/generate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/ops.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"

namespace sr {

// Legend: R = rows (new tokens across the batch), C = channels, V = vocab, T = context.

KVCache::KVCache(const GPTConfig& config, int batch) : config_(config), B_(batch), len_(batch, 0) {
    const size_t per_layer = static_cast<size_t>(batch) * config.n_positions * config.n_embd;
    k_.assign(config.n_layer, std::vector<float>(per_layer));
    v_.assign(config.n_layer, std::vector<float>(per_layer));
}

void KVCache::reset() { std::fill(len_.begin(), len_.end(), 0); }

static const float* f32(const Var& v) { return v->data.data<float>(); }

// out (R, N) = in (R, K) @ w (K, N) + b (N)
static void linear_rows(float* out, const float* in, const Var& w, const Var& b, int R) {
    const int K = static_cast<int>(w->data.size(0)), N = static_cast<int>(w->data.size(1));
    const float* bias = f32(b);
    for (int r = 0; r < R; r++) std::copy(bias, bias + N, out + static_cast<int64_t>(r) * N);
    if (R == 1)  // one token (batch-1 decoding): a matrix-vector product, out = W^T in + b
        cblas_sgemv(CblasRowMajor, CblasTrans, K, N, 1.0f, f32(w), N, in, 1, 1.0f, out, 1);
    else
        kernels::gemm(false, false, R, N, K, 1.0f, in, K, f32(w), N, 1.0f, out, N);
}

// The cache of layer l, sequence b, head hd: keys (HS, T) transposed, values (T, HS).
float* KVCache::head_keys(int l, int b, int hd) {
    const int NH = config_.n_head, HS = config_.n_embd / NH, T = config_.n_positions;
    return k_[l].data() + (static_cast<int64_t>(b) * NH + hd) * HS * T;
}
float* KVCache::head_values(int l, int b, int hd) {
    const int NH = config_.n_head, HS = config_.n_embd / NH, T = config_.n_positions;
    return v_[l].data() + (static_cast<int64_t>(b) * NH + hd) * T * HS;
}

// Stores head hd's key and value of one row (its qkv (3C)) at position p of sequence b.
void KVCache::store_kv(int l, int b, int p, int hd, const float* qkv) {
    const int C = config_.n_embd, HS = C / config_.n_head, T = config_.n_positions;
    const float* k = qkv + C + hd * HS;
    const float* v = qkv + 2 * C + hd * HS;
    float* kt = head_keys(l, b, hd) + p;
    for (int i = 0; i < HS; i++) kt[static_cast<int64_t>(i) * T] = k[i];
    std::copy(v, v + HS, head_values(l, b, hd) + static_cast<int64_t>(p) * HS);
}

// One query of one head over n cached positions: out (HS) = softmax(scale * q . keys) @ values,
// kt (HS, T) the head's keys transposed, vh (T, HS) its values. Both products work on blocks
// of 16 accumulators (two AVX registers, two independent add chains) that stay in registers
// across the inner loop.
static void attend(float* out, const float* q, const float* kt, const float* vh, int n, int T, int HS, float scale) {
    float att[4096];  // scores over at most T positions (T <= 4096 checked in generate)
    int j0 = 0;
    for (; j0 < n && j0 + 16 <= T; j0 += 16) {  // att[j] = scale * sum_i q[i] k[j][i], 16 keys at a time
        // (the last block may run past position n-1: those scores are computed and ignored)
        float acc[16] = {};
        for (int i = 0; i < HS; i++) {
            const float* ki = kt + static_cast<int64_t>(i) * T + j0;
#pragma omp simd
            for (int u = 0; u < 16; u++) acc[u] += q[i] * ki[u];
        }
        for (int u = 0; u < 16; u++) att[j0 + u] = acc[u] * scale;
    }
    for (; j0 < n; j0++) {  // the remainder at the end of the context
        float a = 0;
        for (int i = 0; i < HS; i++) a += q[i] * kt[static_cast<int64_t>(i) * T + j0];
        att[j0] = a * scale;
    }
    float mx = att[0];
    for (int j = 1; j < n; j++) mx = std::max(mx, att[j]);
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; j++) sum += (att[j] = fastmath::exp(att[j] - mx));
    const float inv = 1.0f / sum;
    int i0 = 0;
    for (; i0 + 16 <= HS; i0 += 16) {  // out = sum_j softmax_j v[j], 16 channels at a time
        float acc[16] = {};
        for (int j = 0; j < n; j++) {
            const float* vj = vh + static_cast<int64_t>(j) * HS + i0;
#pragma omp simd
            for (int u = 0; u < 16; u++) acc[u] += att[j] * vj[u];
        }
        for (int u = 0; u < 16; u++) out[i0 + u] = acc[u] * inv;
    }
    for (; i0 < HS; i0++) {  // the remaining channels
        float a = 0;
        for (int j = 0; j < n; j++) a += att[j] * vh[static_cast<int64_t>(j) * HS + i0];
        out[i0] = a * inv;
    }
}

// Threads for decoding one row: every thread must own at least one block of columns of the
// narrowest product (C columns), else it would only wait at the barriers.
static int decode_team_size(int C) { return std::min(kernels::thread_count(), C / kernels::kGemvBlock); }

// One new row through the model on a team of threads that lives for the whole token.
// Decoding one token streams every weight matrix once and does little else, so its time is the
// memory bandwidth of reading the weights. One thread reads ~65 GB/s here (OpenBLAS's sgemv
// does no better); two threads that each own a fixed half of every matrix's columns read ~95
// GB/s together (tiny: 3.15 MB of weights in 47 -> 33 us). Starting a parallel region per
// product would cost about what it saves at the tiny size, so the region spans the token:
// each product is followed by a barrier, the attention heads are shared out, and the small
// steps (layernorms) are repeated by every thread on its own copy rather than waited for.
// Every output number is computed by exactly one thread in a fixed order, so the result does
// not depend on the thread count.
void KVCache::forward_one_row(const GPT& model, int b, int p, int tok) {
    const int C = config_.n_embd, V = config_.vocab_size, T = config_.n_positions, NH = config_.n_head, HS = C / NH;
    const float eps = static_cast<float>(config_.layer_norm_epsilon);
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    x_.resize(C);           // (C) the residual stream
    qkv_.resize(3 * C);     // (3C)
    y_.resize(C);           // (C) attention output
    f_.resize(4 * C);       // (4C) MLP hidden
    logits_.resize(V);      // (V)
    const float* wte = f32(model.wte);
    const float* wpe = f32(model.wpe);
    for (int c = 0; c < C; c++) x_[c] = wte[static_cast<int64_t>(tok) * C + c] + wpe[static_cast<int64_t>(p) * C + c];

#pragma omp parallel num_threads(decode_team_size(C))
    {
        const int t = kernels::thread_id(), nt = kernels::team_size();
        std::vector<float> h(C);  // (C) this thread's copy of a layernorm's output
        float mean, rstd;
        // out[my columns] (+)= in @ w + bias; with add, out already holds the residual stream.
        auto linear = [&](float* out, const float* in, const Var& w, const Var& bias, bool add) {
            const int K = static_cast<int>(w->data.size(0)), N = static_cast<int>(w->data.size(1));
            int n0, n1;
            kernels::gemv_slice(N, t, nt, n0, n1);
            const float* bs = f32(bias);
            for (int n = n0; n < n1; n++) out[n] = add ? out[n] + bs[n] : bs[n];
            kernels::gemv_columns<float>(out, in, f32(w), K, N, n0, n1);
            return std::pair<int, int>(n0, n1);
        };
        for (int l = 0; l < config_.n_layer; l++) {
            const Block& blk = model.h[l];
            kernels::layernorm_forward<float>(h.data(), &mean, &rstd, x_.data(), f32(blk.ln_1_weight), f32(blk.ln_1_bias), 1, C, eps);
            linear(qkv_.data(), h.data(), blk.c_attn_weight, blk.c_attn_bias, false);
#pragma omp barrier
#pragma omp for schedule(static)
            for (int hd = 0; hd < NH; hd++) {
                store_kv(l, b, p, hd, qkv_.data());
                attend(&y_[hd * HS], &qkv_[hd * HS], head_keys(l, b, hd), head_values(l, b, hd), p + 1, T, HS, scale);
            }  // (the end of an omp for is a barrier)
            linear(x_.data(), y_.data(), blk.attn_c_proj_weight, blk.attn_c_proj_bias, true);  // residual
#pragma omp barrier
            kernels::layernorm_forward<float>(h.data(), &mean, &rstd, x_.data(), f32(blk.ln_2_weight), f32(blk.ln_2_bias), 1, C, eps);
            const auto [f0, f1] = linear(f_.data(), h.data(), blk.c_fc_weight, blk.c_fc_bias, false);
            kernels::gelu_forward<float>(&f_[f0], &f_[f0], f1 - f0);  // on this thread's columns
#pragma omp barrier
            linear(x_.data(), f_.data(), blk.mlp_c_proj_weight, blk.mlp_c_proj_bias, true);  // residual
#pragma omp barrier
        }
        // Final layernorm and the tied head: logits[v] = h . wte[v], the vocabulary shared out.
        kernels::layernorm_forward<float>(h.data(), &mean, &rstd, x_.data(), f32(model.ln_f_weight), f32(model.ln_f_bias), 1, C, eps);
        int v0, v1;
        kernels::gemv_slice(V, t, nt, v0, v1);
        for (int v = v0; v < v1; v++) {
            const float* e = wte + static_cast<int64_t>(v) * C;
            float dot = 0;
#pragma omp simd reduction(+ : dot)
            for (int c = 0; c < C; c++) dot += h[c] * e[c];
            logits_[v] = dot;
        }
    }
}

const std::vector<float>& KVCache::forward(const GPT& model, const std::vector<std::vector<int>>& new_tokens, bool all_logits) {
    if (model.dtype() != DType::F32) fail("KVCache::forward", "inference runs in float32; convert the model with to(DType::F32)");
    if (static_cast<int>(new_tokens.size()) != B_)
        fail("KVCache::forward", std::to_string(new_tokens.size()) + " sequences for a cache of batch " + std::to_string(B_));
    const int C = config_.n_embd, V = config_.vocab_size, T = config_.n_positions, NH = config_.n_head, HS = C / NH;
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
    if (R == 1 && decode_team_size(C) > 1) {  // one new token (batch-1 decoding): see forward_one_row
        const int b = row_seq[0];
        forward_one_row(model, b, row_pos[0], row_tok[0]);  // logits_ (1, V)
        len_[b] += 1;
        if (all_logits) return logits_;
        out_.resize(static_cast<size_t>(B_) * V);
        std::copy(logits_.begin(), logits_.end(), out_.begin() + static_cast<int64_t>(b) * V);
        return out_;
    }
    x_.resize(static_cast<size_t>(R) * C);
    h_.resize(static_cast<size_t>(R) * C);
    qkv_.resize(static_cast<size_t>(R) * 3 * C);
    y_.resize(static_cast<size_t>(R) * C);
    f_.resize(static_cast<size_t>(R) * 4 * C);
    std::vector<float> mean(R), rstd(R);

    const float* wte = f32(model.wte);
    const float* wpe = f32(model.wpe);
    for (int r = 0; r < R; r++)  // x = wte[tok] + wpe[pos]
        for (int c = 0; c < C; c++) x_[r * C + c] = wte[static_cast<int64_t>(row_tok[r]) * C + c] + wpe[static_cast<int64_t>(row_pos[r]) * C + c];

    const float eps = static_cast<float>(config_.layer_norm_epsilon);
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    for (int l = 0; l < config_.n_layer; l++) {
        const Block& blk = model.h[l];
        kernels::layernorm_forward<float>(h_.data(), mean.data(), rstd.data(), x_.data(), f32(blk.ln_1_weight), f32(blk.ln_1_bias), R, C, eps);
        linear_rows(qkv_.data(), h_.data(), blk.c_attn_weight, blk.c_attn_bias, R);  // (R, 3C)
        for (int r = 0; r < R; r++)  // store this row's keys and values at its position
            for (int hd = 0; hd < NH; hd++) store_kv(l, row_seq[r], row_pos[r], hd, &qkv_[r * 3 * C]);
        // Attention: row r (sequence b at position p) attends over keys 0..p of sequence b.
        auto attend_row = [&](int r, int hd) {
            attend(&y_[r * C + hd * HS], &qkv_[r * 3 * C + hd * HS], head_keys(l, row_seq[r], hd), head_values(l, row_seq[r], hd),
                   row_pos[r] + 1, T, HS, scale);
        };
        if (static_cast<int64_t>(R) * NH * 64 * HS >= kernels::kParallelMin && kernels::thread_count() > 1) {
#pragma omp parallel for collapse(2) schedule(dynamic, 8)  // rows differ in length: dynamic
            for (int r = 0; r < R; r++)
                for (int hd = 0; hd < NH; hd++) attend_row(r, hd);
        } else {
            for (int r = 0; r < R; r++)
                for (int hd = 0; hd < NH; hd++) attend_row(r, hd);
        }
        linear_rows(h_.data(), y_.data(), blk.attn_c_proj_weight, blk.attn_c_proj_bias, R);
        for (size_t i = 0; i < x_.size(); i++) x_[i] += h_[i];  // residual
        kernels::layernorm_forward<float>(h_.data(), mean.data(), rstd.data(), x_.data(), f32(blk.ln_2_weight), f32(blk.ln_2_bias), R, C, eps);
        linear_rows(f_.data(), h_.data(), blk.c_fc_weight, blk.c_fc_bias, R);  // (R, 4C)
        kernels::gelu_forward<float>(f_.data(), f_.data(), static_cast<int64_t>(R) * 4 * C);
        linear_rows(h_.data(), f_.data(), blk.mlp_c_proj_weight, blk.mlp_c_proj_bias, R);
        for (size_t i = 0; i < x_.size(); i++) x_[i] += h_[i];
    }
    for (int b = 0; b < B_; b++) len_[b] += static_cast<int>(new_tokens[b].size());

    // Final LayerNorm and the tied head, for the rows whose logits are wanted.
    std::vector<int> rows;
    if (all_logits) {
        rows.resize(R);
        std::iota(rows.begin(), rows.end(), 0);
    } else {
        for (int r = 0; r < R; r++)
            if (r + 1 == R || row_seq[r + 1] != row_seq[r]) rows.push_back(r);  // last row of its sequence
    }
    const int n = static_cast<int>(rows.size());
    std::vector<float> sel(static_cast<size_t>(n) * C), normed(static_cast<size_t>(n) * C);
    for (int i = 0; i < n; i++) std::copy(&x_[rows[i] * C], &x_[rows[i] * C + C], &sel[i * C]);
    kernels::layernorm_forward<float>(normed.data(), mean.data(), rstd.data(), sel.data(), f32(model.ln_f_weight), f32(model.ln_f_bias), n, C, eps);
    logits_.resize(static_cast<size_t>(n) * V);
    if (n == 1) cblas_sgemv(CblasRowMajor, CblasNoTrans, V, C, 1.0f, wte, C, normed.data(), 1, 0.0f, logits_.data(), 1);
    else kernels::gemm(false, true, n, V, C, 1.0f, normed.data(), C, wte, C, 0.0f, logits_.data(), V);  // (n,C) x (V,C)^T
    if (all_logits) return logits_;
    out_.resize(static_cast<size_t>(B_) * V);
    for (int i = 0; i < n; i++) std::copy(&logits_[i * V], &logits_[i * V + V], &out_[static_cast<size_t>(row_seq[rows[i]]) * V]);
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
    if (T > 4096) fail("generate", "context above 4096 is not supported by the inference kernel");
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
