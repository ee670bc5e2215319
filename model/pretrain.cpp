// model/pretrain.cpp
#include "model/pretrain.h"

#include <cstdio>
#include <optional>

#include "model/checkpoint.h"
#include "tensor/distributed.h"

namespace sr {

TrainResult pretrain(const PretrainOptions& po) {
    // One writer per model folder, and a folder we can write to, before any work is done. With
    // several processes rank 0 is that writer (tensor/distributed.h).
    std::optional<RunLock> lock;
    if (dist::is_root()) {
        lock.emplace(po.out_dir);
        if (po.fresh) remove_checkpoints(po.out_dir);
    }
    GPTConfig cfg = po.config;
    const std::string corpus = read_file(po.corpus_path);
    Tokenizer tok;
    if (!po.fresh && file_exists(po.out_dir + "/tokenizer.txt")) tok = load_tokenizer(po.out_dir);
    else tok.train(corpus, cfg.vocab_size, po.special_tokens);
    cfg.vocab_size = tok.vocab_size();
    std::vector<int> ids = tok.encode(corpus);
    std::printf("pretrain: corpus %zu bytes -> %zu tokens (%.2f bytes/token), vocab %d\n", corpus.size(), ids.size(),
                static_cast<double>(corpus.size()) / ids.size(), tok.vocab_size());
    const size_t n_val = ids.size() / 20;  // the last 5% of the stream is validation
    std::vector<int> val_ids(ids.end() - static_cast<long>(n_val), ids.end());
    ids.resize(ids.size() - n_val);
    StreamBatches train_data(ids, po.batch, cfg.n_positions, po.seed), val_data(val_ids, po.batch, cfg.n_positions, po.seed + 1);

    GPT model(cfg, po.seed);
    std::printf("pretrain: %lld parameters (d %d, %d layers, %d heads, context %d), %d steps of %d x %d tokens\n",
                static_cast<long long>(model.num_parameters()), cfg.n_embd, cfg.n_layer, cfg.n_head, cfg.n_positions, po.steps,
                po.batch, cfg.n_positions);
    TrainOptions opt;
    opt.stage = "pretrain";
    opt.steps = po.steps;
    opt.lr = po.lr;
    opt.warmup = po.warmup;
    opt.log_every = po.log_every;
    opt.eval_every = std::max(1, po.steps / 4);
    opt.checkpoint_every = po.checkpoint_every;
    opt.out_dir = po.out_dir;
    opt.metrics_path = po.metrics_path.empty() ? po.out_dir + "/metrics.jsonl" : po.metrics_path;
    opt.seed = po.seed;
    opt.progress = po.progress;
    return train(model, tok, train_data, &val_data, opt);
}

}  // namespace sr
