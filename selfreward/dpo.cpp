// selfreward/dpo.cpp: DPO loss (sequence log-prob sums with the one-position shift, masked
// prompt and padding, frozen reference) and the DPO training loop. See selfreward/dpo.h.
#include "selfreward/dpo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "autograd/optim.h"
#include "model/data_parallel.h"
#include "tensor/distributed.h"
#include "tensor/rng.h"
#include "tensor/runtime.h"

namespace sr {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// sequence log-probabilities

Var sequence_logprobs(const GPT& model, const std::vector<Example>& rows, int pad_id) {
    if (rows.empty()) fail("sequence_logprobs", "no rows. HINT: pass at least one example");
    std::vector<const Example*> ptrs;
    for (const Example& e : rows) {
        if (e.tokens.size() != e.mask.size())
            fail("sequence_logprobs", "an example has " + std::to_string(e.tokens.size()) + " tokens but " + std::to_string(e.mask.size()) +
                                          " mask entries. HINT: one mask entry per token");
        ptrs.push_back(&e);
    }
    // make_batch shifts for us: ids[t] = tokens[t], targets[t] = tokens[t+1], mask[t] = mask of
    // tokens[t+1]. So the logits at position t score token t+1: the shift DPO needs.
    const Batch b = make_batch(ptrs, model.config().n_positions, pad_id);
    const Var logits = model.forward(b.ids, b.B, b.T);                      // (B, T, V)
    const Var logp = token_logprobs(logits, b.targets);                     // (B, T)
    std::vector<double> m(b.mask.begin(), b.mask.end());
    const Var mask = constant(Tensor::from(m, {b.B, b.T}, model.dtype()));  // (B, T), 0 on prompt and padding
    return sum(mul(logp, mask), 1);                                        // (B): a SUM, never a mean
}

std::vector<Example> dpo_rows(const DpoPair& pair, int context, bool include_prompt) {
    if (pair.prompt.empty()) fail("dpo", "a preference pair has an empty prompt. HINT: the first response token needs a prefix to be scored");
    if (pair.chosen.empty() || pair.rejected.empty())
        fail("dpo", "a preference pair has an empty response. HINT: responses end with <|end|>, so they have at least one token");
    const size_t cap = static_cast<size_t>(context) + 1;  // make_batch keeps at most T+1 tokens
    std::vector<Example> rows;
    for (const std::vector<int>* resp : {&pair.chosen, &pair.rejected}) {
        // Too long for the context: drop the prompt's start first (the response is what is
        // scored), keep at least one prompt token; make_batch then cuts the response's end.
        size_t keep = pair.prompt.size();
        if (keep + resp->size() > cap) keep = std::max<size_t>(1, cap > resp->size() ? cap - resp->size() : 1);
        Example e;
        e.tokens.assign(pair.prompt.end() - static_cast<long>(keep), pair.prompt.end());
        e.mask.assign(keep, include_prompt ? 1.0f : 0.0f);  // mask[0] never counts: nothing predicts the first token
        e.tokens.insert(e.tokens.end(), resp->begin(), resp->end());
        e.mask.resize(e.tokens.size(), 1.0f);
        rows.push_back(std::move(e));
    }
    return rows;
}

// ---------------------------------------------------------------------------------------------
// the loss

Var dpo_loss_from_logps(const Var& pc, const Var& pr, const Tensor& rc, const Tensor& rr, double beta, DpoMetrics* metrics,
                        double nll_weight, const std::vector<double>& chosen_tokens) {
    const int64_t n = pc->data.numel();
    if (n == 0 || pr->data.numel() != n || rc.numel() != n || rr.numel() != n)
        fail("dpo_loss", "log-prob vectors of different or zero lengths. HINT: one chosen and one rejected value per pair");
    const bool with_nll = nll_weight > 0;
    if ((with_nll || !chosen_tokens.empty()) && static_cast<int64_t>(chosen_tokens.size()) != n)
        fail("dpo_loss", "the NLL term needs one token count per chosen response. HINT: pass chosen_tokens of length N");
    for (double len : chosen_tokens)
        if (!(len >= 1)) fail("dpo_loss", "a chosen response counts " + std::to_string(len) + " tokens. HINT: every response has at least <|end|>");
    const DType dt = pc->data.dtype();
    const Var ref_c = constant(rc.to(dt)), ref_r = constant(rr.to(dt));  // constants: no gradient to the reference
    const Var chosen_ratio = sub(pc, ref_c), rejected_ratio = sub(pr, ref_r);         // (N) log pi/ref
    const Var logits = mul_scalar(sub(chosen_ratio, rejected_ratio), beta);           // (N) beta * margin
    Var loss = mean_all(neg(log_sigmoid(logits)));                                    // scalar
    Var nll;                                                                          // scalar: mean NLL per chosen token
    if (!chosen_tokens.empty()) {
        std::vector<double> inv(chosen_tokens.size());
        for (size_t i = 0; i < inv.size(); i++) inv[i] = 1.0 / chosen_tokens[i];
        nll = neg(mean_all(mul(pc, constant(Tensor::from(inv, {n}, dt)))));          // -mean(pc / |y_w|)
        if (with_nll) loss = add(loss, mul_scalar(nll, nll_weight));
    }
    if (metrics) {
        DpoMetrics m;
        m.pairs = static_cast<int>(n);
        m.loss = loss->data.item();
        m.nll = nll ? nll->data.item() : 0.0;
        for (int64_t i = 0; i < n; i++) {
            const double reward_c = beta * chosen_ratio->data.at(i), reward_r = beta * rejected_ratio->data.at(i);
            m.rewards_chosen += reward_c / n;
            m.rewards_rejected += reward_r / n;
            m.margins += (reward_c - reward_r) / n;
            m.accuracies += (reward_c > reward_r ? 1.0 : 0.0) / n;  // strictly: a tie counts as wrong
            m.logps_chosen += pc->data.at(i) / n;
            m.logps_rejected += pr->data.at(i) / n;
        }
        *metrics = m;
    }
    return loss;
}

// All chosen rows first, then all rejected rows: one forward pass for both.
static std::vector<Example> rows_of(const std::vector<DpoPair>& pairs, size_t begin, size_t end, int context, bool include_prompt) {
    std::vector<Example> chosen, rejected;
    for (size_t i = begin; i < end; i++) {
        std::vector<Example> r = dpo_rows(pairs[i], context, include_prompt);
        chosen.push_back(std::move(r[0]));
        rejected.push_back(std::move(r[1]));
    }
    chosen.insert(chosen.end(), rejected.begin(), rejected.end());
    return chosen;
}

void reference_logprobs(const GPT& reference, const std::vector<DpoPair>& pairs, int pad_id, Tensor* chosen, Tensor* rejected,
                        bool include_prompt, int batch) {
    NoGrad no_grad;
    const int64_t n = static_cast<int64_t>(pairs.size());
    *chosen = Tensor::zeros({n}, reference.dtype());
    *rejected = Tensor::zeros({n}, reference.dtype());
    batch = std::max(1, batch);
    for (size_t start = 0; start < pairs.size(); start += static_cast<size_t>(batch)) {
        const size_t end = std::min(pairs.size(), start + static_cast<size_t>(batch));
        const int64_t k = static_cast<int64_t>(end - start);
        const Tensor lp = sequence_logprobs(reference, rows_of(pairs, start, end, reference.config().n_positions, include_prompt), pad_id)->data;
        for (int64_t i = 0; i < k; i++) {
            chosen->set(static_cast<int64_t>(start) + i, lp.at(i));
            rejected->set(static_cast<int64_t>(start) + i, lp.at(k + i));
        }
    }
}

static void check_same_shape(const GPT& policy, const GPT& reference) {
    const GPTConfig &a = policy.config(), &b = reference.config();
    if (a.vocab_size != b.vocab_size || a.n_positions != b.n_positions || a.n_embd != b.n_embd || a.n_layer != b.n_layer)
        fail("dpo", "policy and reference models have different configs. HINT: the reference is a copy of the policy before DPO");
}

// How many of a row's tokens sequence_logprobs counts: mask entries of tokens 1..T (token 0 is
// never predicted; make_batch keeps at most context + 1 tokens).
static double counted_tokens(const Example& e, int context) {
    double n = 0;
    for (size_t t = 1; t < e.mask.size() && t <= static_cast<size_t>(context); t++) n += e.mask[t];
    return n;
}

// The policy's sums for pairs[idx] (differentiable) and the matching reference constants.
static Var policy_loss(const GPT& policy, const std::vector<DpoPair>& pairs, const std::vector<size_t>& idx, const Tensor& ref_c_all,
                       const Tensor& ref_r_all, double beta, int pad_id, DpoMetrics* metrics, bool include_prompt, double nll_weight) {
    std::vector<DpoPair> sub_pairs;
    const int64_t k = static_cast<int64_t>(idx.size());
    Tensor rc = Tensor::zeros({k}, ref_c_all.dtype()), rr = Tensor::zeros({k}, ref_r_all.dtype());
    for (int64_t i = 0; i < k; i++) {
        sub_pairs.push_back(pairs[idx[i]]);
        rc.set(i, ref_c_all.at(static_cast<int64_t>(idx[i])));
        rr.set(i, ref_r_all.at(static_cast<int64_t>(idx[i])));
    }
    const int context = policy.config().n_positions;
    const std::vector<Example> rows = rows_of(sub_pairs, 0, sub_pairs.size(), context, include_prompt);
    std::vector<double> chosen_tokens(static_cast<size_t>(k));  // rows: k chosen, then k rejected
    for (int64_t i = 0; i < k; i++) chosen_tokens[i] = std::max(1.0, counted_tokens(rows[i], context));
    const Var lp = sequence_logprobs(policy, rows, pad_id);
    const Var pc = slice(lp, 0, 0, k), pr = slice(lp, 0, k, 2 * k);  // (k) each
    return dpo_loss_from_logps(pc, pr, rc, rr, beta, metrics, nll_weight, chosen_tokens);
}

Var dpo_loss(const GPT& policy, const GPT& reference, const std::vector<DpoPair>& pairs, double beta, int pad_id, DpoMetrics* metrics,
             bool include_prompt, double nll_weight) {
    if (pairs.empty()) fail("dpo_loss", "no preference pairs. HINT: pass at least one pair");
    check_same_shape(policy, reference);
    Tensor rc, rr;
    // One forward pass for all pairs, like the policy's, so equal models give equal sums bit for bit.
    reference_logprobs(reference, pairs, pad_id, &rc, &rr, include_prompt, static_cast<int>(pairs.size()));
    std::vector<size_t> idx(pairs.size());
    for (size_t i = 0; i < idx.size(); i++) idx[i] = i;
    return policy_loss(policy, pairs, idx, rc, rr, beta, pad_id, metrics, include_prompt, nll_weight);
}

// ---------------------------------------------------------------------------------------------
// training

// Several processes (tensor/distributed.h): each rank takes its share of the step's pairs (in
// order), its mean loss weighted by its share of the pairs; the gradients and the metrics are
// then summed over the ranks, so every rank takes the same step. Equal to the one-process step
// up to float rounding (the batch is padded per rank, and the sums are grouped by rank).
static void ranks_loss_backward(GPT& policy, const std::vector<DpoPair>& pairs, const std::vector<size_t>& step_pairs, const Tensor& ref_c,
                                const Tensor& ref_r, const DpoOptions& opt, int pad_id, DpoMetrics* out) {
    const size_t n = step_pairs.size();
    const std::vector<size_t> idx(step_pairs.begin() + static_cast<long>(dist::share_begin(n)), step_pairs.begin() + static_cast<long>(dist::share_end(n)));
    DpoMetrics m;
    if (!idx.empty()) {
        const Var loss = policy_loss(policy, pairs, idx, ref_c, ref_r, opt.beta, pad_id, &m, false, opt.nll_weight);
        backward(mul_scalar(loss, static_cast<double>(idx.size()) / static_cast<double>(n)));
    }
    sum_gradients_over_ranks(policy);
    const double w = static_cast<double>(idx.size()) / static_cast<double>(n);  // this rank's share of the means
    double sums[] = {w * m.loss, w * m.rewards_chosen, w * m.rewards_rejected, w * m.margins, w * m.accuracies,
                     w * m.logps_chosen, w * m.logps_rejected, w * m.nll};
    dist::allreduce_sum(sums, sizeof sums / sizeof sums[0]);
    *out = DpoMetrics{sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7], static_cast<int>(n)};
}

DpoResult train_dpo(GPT& policy, const std::vector<DpoPair>& pairs, int pad_id, const DpoOptions& opt) {
    if (pairs.empty()) {
        std::printf("%s: no preference pairs, nothing to train (the model is unchanged)\n", opt.stage.c_str());
        return {};
    }
    const GPT reference = policy.clone();  // frozen deep copy: the policy as it is now
    return train_dpo(policy, reference, pairs, pad_id, opt);
}

DpoResult train_dpo(GPT& policy, const GPT& reference, const std::vector<DpoPair>& pairs, int pad_id, const DpoOptions& opt) {
    using clock = std::chrono::steady_clock;
    DpoResult res;
    if (pairs.empty()) {
        std::printf("%s: no preference pairs, nothing to train (the model is unchanged)\n", opt.stage.c_str());
        return res;
    }
    check_same_shape(policy, reference);
    if (opt.batch <= 0 || opt.epochs <= 0 || opt.log_every <= 0)
        fail(opt.stage, "batch, epochs and log_every must be positive. HINT: check the DPO options");
    const auto t_start = clock::now();
    trim_jsonl_rows(opt.metrics_path, opt.stage, 0);  // rows of an earlier attempt that was killed: this one starts over

    // The reference's sums once, up front: it never changes.
    Tensor ref_c, ref_r;
    reference_logprobs(reference, pairs, pad_id, &ref_c, &ref_r, false, opt.batch);

    const size_t n = pairs.size(), B = static_cast<size_t>(opt.batch);
    const long steps_per_epoch = static_cast<long>((n + B - 1) / B);
    const long total = steps_per_epoch * opt.epochs;
    AdamW optim(policy.parameters(), opt.lr, 0.9, 0.95, 1e-8, opt.weight_decay, policy.decay_flags());
    std::printf("%s: %zu pairs, %d epochs of %ld steps (batch %d), beta %g, lr %g, nll weight %g%s\n", opt.stage.c_str(), n, opt.epochs,
                steps_per_epoch, opt.batch, opt.beta, opt.lr, opt.nll_weight, opt.nll_weight > 0 ? " (DPO+NLL)" : " (plain DPO)");
    std::fflush(stdout);

    std::vector<size_t> order(n);
    DpoMetrics acc;  // sums over the current log interval, weighted by pairs
    double norm_sum = 0;
    int acc_steps = 0;
    auto t_log = clock::now();
    long step = 0;
    for (int epoch = 0; epoch < opt.epochs; epoch++) {
        for (size_t i = 0; i < n; i++) order[i] = i;
        Rng rng(opt.seed * 7919 + static_cast<uint64_t>(epoch));  // Fisher-Yates, as model/train.cpp
        for (size_t i = n; i > 1; i--) std::swap(order[i - 1], order[rng.below(i)]);
        for (size_t start = 0; start < n; start += B, step++) {
            const std::vector<size_t> idx(order.begin() + static_cast<long>(start), order.begin() + static_cast<long>(std::min(n, start + B)));
            optim.lr = lr_schedule(step, opt.warmup, total, opt.lr, opt.lr * opt.min_lr_ratio);
            optim.zero_grad();
            adapt_threads();  // fewer threads while other programs keep cores busy (same bits)
            DpoMetrics m;
            if (dist::size() == 1) {
                backward(policy_loss(policy, pairs, idx, ref_c, ref_r, opt.beta, pad_id, &m, false, opt.nll_weight));
            } else {
                ranks_loss_backward(policy, pairs, idx, ref_c, ref_r, opt, pad_id, &m);
            }
            if (!std::isfinite(m.loss))
                fail(opt.stage, "loss " + std::to_string(m.loss) + " at step " + std::to_string(step + 1) + "/" + std::to_string(total) +
                                    " (epoch " + std::to_string(epoch + 1) + "): DPO diverged and was stopped. HINT: lower the learning rate or beta");
            const double norm = clip_grad_norm(policy.parameters(), opt.clip);
            if (!std::isfinite(norm))
                fail(opt.stage, "gradient norm " + std::to_string(norm) + " at step " + std::to_string(step + 1) + "/" + std::to_string(total) +
                                    ": DPO diverged and was stopped. HINT: lower the learning rate or beta");
            optim.step();
            res.steps.push_back(m);

            const double w = m.pairs;
            acc.loss += w * m.loss, acc.rewards_chosen += w * m.rewards_chosen, acc.rewards_rejected += w * m.rewards_rejected;
            acc.margins += w * m.margins, acc.accuracies += w * m.accuracies, acc.logps_chosen += w * m.logps_chosen;
            acc.logps_rejected += w * m.logps_rejected, acc.nll += w * m.nll, acc.pairs += m.pairs;
            norm_sum += norm, acc_steps++;
            const bool last = step + 1 == total;
            if ((step + 1) % opt.log_every == 0 || last) {  // means over the interval, as TRL logs
                const double p = acc.pairs, dt = std::chrono::duration<double>(clock::now() - t_log).count();
                std::printf("%s step %5ld/%ld | loss %.4f | rewards/chosen %.4f | rewards/rejected %.4f | margins %.4f | accuracies %.2f"
                            " | logps/chosen %.2f | logps/rejected %.2f | nll/chosen %.3f | lr %.2e | norm %.3f | %.1f ms\n",
                            opt.stage.c_str(), step + 1, total, acc.loss / p, acc.rewards_chosen / p, acc.rewards_rejected / p, acc.margins / p,
                            acc.accuracies / p, acc.logps_chosen / p, acc.logps_rejected / p, acc.nll / p, optim.lr, norm_sum / acc_steps,
                            dt / acc_steps * 1e3);
                std::fflush(stdout);
                append_jsonl(opt.metrics_path, json{{"stage", opt.stage},
                                                    {"step", step + 1},
                                                    {"epoch", epoch + 1},
                                                    {"loss", acc.loss / p},
                                                    {"rewards/chosen", acc.rewards_chosen / p},
                                                    {"rewards/rejected", acc.rewards_rejected / p},
                                                    {"rewards/margins", acc.margins / p},
                                                    {"rewards/accuracies", acc.accuracies / p},
                                                    {"logps/chosen", acc.logps_chosen / p},
                                                    {"logps/rejected", acc.logps_rejected / p},
                                                    {"nll/chosen", acc.nll / p},
                                                    {"nll_weight", opt.nll_weight},
                                                    {"lr", optim.lr},
                                                    {"grad_norm", norm_sum / acc_steps},
                                                    {"beta", opt.beta}}
                                                   .dump());
                acc = DpoMetrics{};
                norm_sum = 0, acc_steps = 0;
                t_log = clock::now();
            }
        }
    }
    res.first = res.steps.front();
    res.last = res.steps.back();
    res.seconds = std::chrono::duration<double>(clock::now() - t_start).count();
    return res;
}

}  // namespace sr
