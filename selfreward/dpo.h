// selfreward/dpo.h: Direct Preference Optimization (Rafailov et al. 2023), as the
// Self-Rewarding paper trains each round's model on its own preference pairs.
//
//   L = -log sigmoid(beta * [(log p(y_w|x) - log p_ref(y_w|x)) - (log p(y_l|x) - log p_ref(y_l|x))])
//
// log p(y|x) is the SUM of the response tokens' log-probabilities (end token included), each
// read from the logits one position EARLIER (the logits at t-1 predict token t); prompt and
// padding are masked out. The reference is a frozen deep copy of the policy at the start of
// training; its log-probabilities are constants (computed under NoGrad, once per pair).
// Logged like TRL: rewards/chosen, rewards/rejected (beta times the log-ratio), margins,
// accuracies (strictly greater; ties count as wrong), logps/chosen, logps/rejected.
//
// DPO+NLL (RPO, Pang et al. 2024, "Iterative Reasoning Preference Optimization"): with
// nll_weight = alpha > 0 the loss adds alpha times the chosen response's negative
// log-likelihood per token,
//
//   L = L_DPO + alpha * mean over pairs of ( -log p(y_w|x) / |y_w| ),
//
// which keeps DPO from lowering the chosen answers' own likelihood (plain DPO only asks that
// chosen rise RELATIVE to rejected; both may fall: "likelihood displacement"). alpha = 0 is
// the paper's plain DPO.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "autograd/var.h"
#include "model/gpt.h"
#include "model/train.h"

namespace sr {

// One preference: token ids; chosen and rejected each end with the <|end|> token, which is
// part of the response (it is scored).
struct DpoPair {
    std::vector<int> prompt, chosen, rejected;
};

// Sum over each row's masked tokens of log p(token | prefix); the log-prob of token t is read
// from the logits at position t-1. rows are Examples (mask[i] says whether token i counts, as
// in model/train.h); rows longer than the context keep their first n_positions+1 tokens.
// Returns (rows), differentiable w.r.t. the model's parameters (unless NoGrad is active).
Var sequence_logprobs(const GPT& model, const std::vector<Example>& rows, int pad_id);

// The two rows of a pair: prompt+chosen and prompt+rejected, mask on the response tokens (and
// on the prompt tokens too with include_prompt). A pair longer than the context loses the
// start of its prompt first (at least one prompt token is kept; then the response's end).
std::vector<Example> dpo_rows(const DpoPair& pair, int context, bool include_prompt = false);

// Means over the pairs, under TRL's names (rewards/chosen = beta * (logp(y_w) - logp_ref(y_w))).
struct DpoMetrics {
    double loss = 0, rewards_chosen = 0, rewards_rejected = 0, margins = 0, accuracies = 0, logps_chosen = 0, logps_rejected = 0;
    double nll = 0;  // the chosen responses' mean NLL per token (logged whatever nll_weight is)
    int pairs = 0;
};

// The loss formula alone, on sequence log-probabilities (each (N)): mean over pairs of
// -log_sigmoid(beta * ((pc - rc) - (pr - rr))), plus nll_weight * mean(-pc / chosen_tokens)
// when nll_weight > 0 (chosen_tokens: each chosen response's counted tokens, (N) values >= 1;
// may be empty when nll_weight is 0). ref_* are constants. Fills metrics if given.
Var dpo_loss_from_logps(const Var& policy_chosen, const Var& policy_rejected, const Tensor& ref_chosen, const Tensor& ref_rejected,
                        double beta, DpoMetrics* metrics = nullptr, double nll_weight = 0,
                        const std::vector<double>& chosen_tokens = {});

// The reference's sequence log-probabilities of every pair's chosen and rejected response
// (each (N), computed under NoGrad, `batch` pairs per forward pass).
void reference_logprobs(const GPT& reference, const std::vector<DpoPair>& pairs, int pad_id, Tensor* chosen, Tensor* rejected,
                        bool include_prompt = false, int batch = 16);

// The DPO loss of a set of pairs (scalar). The reference's log-probs are computed under NoGrad:
// nothing flows back into it. include_prompt=true also counts the prompt tokens in every
// sequence log-prob (only for the masking test: the loss must not change, the rewards must).
Var dpo_loss(const GPT& policy, const GPT& reference, const std::vector<DpoPair>& pairs, double beta, int pad_id,
             DpoMetrics* metrics = nullptr, bool include_prompt = false, double nll_weight = 0);

struct DpoOptions {
    double beta = 0.1;
    double nll_weight = 0;    // alpha of DPO+NLL (RPO); 0 = plain DPO (the paper's recipe)
    double lr = 1e-4;
    double min_lr_ratio = 0.1;
    int epochs = 2;
    int batch = 8;            // pairs per optimizer step (2*batch sequences per forward pass)
    int warmup = 5;
    double clip = 1.0;
    double weight_decay = 0.0;
    uint64_t seed = 0;        // the order of the pairs in each epoch
    int log_every = 10;
    std::string stage = "dpo";  // label in logs and metrics.jsonl
    std::string metrics_path;   // metrics.jsonl to append to; "" = none
};

struct DpoResult {
    std::vector<DpoMetrics> steps;  // one per optimizer step
    DpoMetrics first, last;         // of the first and the last step
    double seconds = 0;
};

// Trains policy in place by DPO against a frozen deep copy of itself as it is at entry.
// Pairs are shuffled each epoch (our own Rng); AdamW (betas 0.9/0.95) with linear warmup +
// cosine decay and gradient clipping. Prints one line per log interval, e.g.
//   dpo step    10/40 | loss 0.6931 | rewards/chosen 0.0012 | rewards/rejected -0.0009 | margins 0.0021 | accuracies 0.62 | ...
// and appends the same numbers to metrics_path. A NaN/Inf loss stops it with an error naming
// the step. No pairs: returns at once without training (and says so).
DpoResult train_dpo(GPT& policy, const std::vector<DpoPair>& pairs, int pad_id, const DpoOptions& opt);
// The same against a given frozen reference (read only: never updated, no gradient flows to it).
DpoResult train_dpo(GPT& policy, const GPT& reference, const std::vector<DpoPair>& pairs, int pad_id, const DpoOptions& opt);

}  // namespace sr
