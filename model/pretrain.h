// model/pretrain.h: pretraining M0 on a plain-text corpus (tokenizer + model), resumable.
#pragma once
#include <string>
#include <vector>

#include "model/config.h"
#include "model/train.h"

namespace sr {

struct PretrainOptions {
    std::string corpus_path;    // the text to train on, a plain-text file (read as bytes)
    std::vector<std::string> special_tokens;  // the tokenizer's special tokens (the last ids, in this order), e.g. a chat format's
    std::string out_dir;        // the model folder (resumes from its checkpoint if present)
    std::string metrics_path;   // "" = out_dir/metrics.jsonl
    GPTConfig config;           // vocab_size is the tokenizer's target size
    int steps = 1000, batch = 16, warmup = 50, log_every = 50, checkpoint_every = 500;
    double lr = 2e-3;
    uint64_t seed = 1;
    bool fresh = false;         // ignore an existing checkpoint and tokenizer
    bool progress = true;
};

// Trains (or loads) the BPE on the corpus, with the special tokens given (the model knows no
// chat format: the caller names its tokens), then the GPT on windows of its token stream, with
// the last 5% of the stream held out for validation. Writes the model folder, holding its lock
// (model/atomic_io.h: RunLock) from start to end.
TrainResult pretrain(const PretrainOptions& opt);

}  // namespace sr
