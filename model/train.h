// model/train.h: the training loop, shared by pretraining and supervised fine-tuning.
//
// One loop for every stage: batches come from a BatchSource (a token stream for pretraining,
// masked chat examples for SFT), the model's loss is cross-entropy on the positions whose
// mask is 1, and AdamW with warmup + cosine, gradient clipping and gradient accumulation
// updates it. It prints one greppable line per log interval
//   step   120/1500 | loss 1.2345 | lr 3.00e-04 | norm 0.812 | 8.1 ms | 41230 tok/s | eta 1m20s
// appends the same numbers to metrics.jsonl, evaluates on held-out batches, and writes
// checkpoints that resume exactly (same losses as an uninterrupted run).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/gpt.h"
#include "model/tokenizer.h"
#include "tensor/rng.h"

namespace sr {

// One batch: ids and targets (B*T), mask (B*T): 1 where the loss counts, 0 elsewhere.
struct Batch {
    int B = 0, T = 0;
    std::vector<int> ids, targets;
    std::vector<float> mask;
};

class BatchSource {
public:
    virtual ~BatchSource() = default;
    virtual Batch next() = 0;
    virtual std::string state() const = 0;           // where we are (for checkpoints)
    virtual void set_state(const std::string& s) = 0;
};

// Windows of T+1 tokens from one long token stream, in a shuffled order per epoch.
class StreamBatches : public BatchSource {
public:
    StreamBatches(std::vector<int> tokens, int B, int T, uint64_t seed);
    Batch next() override;
    std::string state() const override;
    void set_state(const std::string& s) override;
    size_t windows() const { return starts_.size(); }

private:
    void shuffle();
    std::vector<int> tokens_;
    int B_, T_;
    std::vector<size_t> starts_;
    uint64_t seed_;
    long epoch_ = 0;
    size_t pos_ = 0;
};

// Whole examples (each a token sequence with a per-token loss mask), padded to the longest
// in the batch (at most T+1 tokens), shuffled per epoch. The loss mask of a token says
// whether predicting THAT token counts: the target at position t is token t+1, so it is
// weighted by mask[t+1]. Padding never counts.
struct Example {
    std::vector<int> tokens;
    std::vector<float> mask;  // same length as tokens
};
class ExampleBatches : public BatchSource {
public:
    ExampleBatches(std::vector<Example> examples, int B, int T, int pad_id, uint64_t seed);
    Batch next() override;
    std::string state() const override;
    void set_state(const std::string& s) override;
    size_t size() const { return examples_.size(); }

private:
    void shuffle();
    std::vector<Example> examples_;
    int B_, T_, pad_;
    std::vector<size_t> order_;
    uint64_t seed_;
    long epoch_ = 0;
    size_t pos_ = 0;
};

// Turns one example into batch row form (shared by ExampleBatches and the DPO code).
// tokens longer than T+1 keep their first T+1.
Batch make_batch(const std::vector<const Example*>& rows, int T, int pad_id);

struct TrainOptions {
    std::string stage = "train";   // label in logs and metrics.jsonl
    int steps = 100;
    int grad_accum = 1;            // micro-batches per optimizer step
    double lr = 1e-3, min_lr_ratio = 0.1;
    int warmup = 10;
    double beta1 = 0.9, beta2 = 0.95, weight_decay = 0.1;
    double clip = 1.0;
    int log_every = 10;
    int eval_every = 0;            // 0: only at the end
    int eval_batches = 8;
    int checkpoint_every = 0;      // 0: only at the end
    std::string out_dir;           // model folder written at the end (and at checkpoints); "" = none
    std::string metrics_path;      // metrics.jsonl to append to; "" = none
    bool resume = true;            // continue from out_dir's newest checkpoint if there is one; a
                                   // checkpoint past `steps` is an error, one at `steps` means done
    uint64_t seed = 0;             // dropout masks
    bool progress = true;          // the \r progress bar on a terminal
    int stop_after = -1;           // testing: stop (as if interrupted) after this many steps
};

struct TrainResult {
    std::vector<double> losses;    // per optimizer step run in this call
    double val_loss = -1;          // at the end (-1 when no validation source)
    double seconds = 0;
    double tokens_per_s = 0;
    long start_step = 0;           // where this call began (the checkpoint's step when it resumed)
    long final_step = 0;
};

TrainResult train(GPT& model, const Tokenizer& tok, BatchSource& train_data, BatchSource* val_data, const TrainOptions& opt);

// Mean loss over n batches of a source (no gradients). The source's state is restored after.
double evaluate_loss(const GPT& model, BatchSource& data, int n);

// Appends one JSON object (a line) to a metrics.jsonl file.
void append_jsonl(const std::string& path, const std::string& json_line);
// Before a stage starts (or resumes) at after_step: drops the rows of that stage logged past
// it by an earlier, interrupted attempt (and a last line cut off by a kill), so no row is
// written twice. The file is rewritten atomically, and only if something goes.
void trim_jsonl_rows(const std::string& path, const std::string& stage, long after_step);

}  // namespace sr
