// model/train.cpp
#include "model/train.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autograd/ops.h"
#include "autograd/optim.h"
#include "model/checkpoint.h"
#include "model/data_parallel.h"
#include "model/io.h"
#include "tensor/distributed.h"
#include "tensor/ops.h"

namespace sr {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// batch sources

StreamBatches::StreamBatches(std::vector<int> tokens, int B, int T, uint64_t seed)
    : tokens_(std::move(tokens)), B_(B), T_(T), seed_(seed) {
    if (tokens_.size() < static_cast<size_t>(T + 1) * B)
        fail("StreamBatches", "only " + std::to_string(tokens_.size()) + " tokens: too few for one batch of " + std::to_string(B) +
                                  " x " + std::to_string(T + 1) + ". HINT: a bigger corpus or a smaller --batch");
    for (size_t s = 0; s + T + 1 <= tokens_.size(); s += T) starts_.push_back(s);  // windows overlap by one token
    shuffle();
}

void StreamBatches::shuffle() {  // Fisher-Yates with our own generator, seeded per epoch
    std::sort(starts_.begin(), starts_.end());
    Rng rng(seed_ * 7919 + static_cast<uint64_t>(epoch_));
    for (size_t i = starts_.size(); i > 1; i--) std::swap(starts_[i - 1], starts_[rng.below(i)]);
}

Batch StreamBatches::next() {
    Batch b;
    b.B = B_, b.T = T_;
    for (int r = 0; r < B_; r++) {
        if (pos_ >= starts_.size()) {
            epoch_++;
            pos_ = 0;
            shuffle();
        }
        const size_t s = starts_[pos_++];
        b.ids.insert(b.ids.end(), tokens_.begin() + static_cast<long>(s), tokens_.begin() + static_cast<long>(s + T_));
        b.targets.insert(b.targets.end(), tokens_.begin() + static_cast<long>(s + 1), tokens_.begin() + static_cast<long>(s + T_ + 1));
    }
    b.mask.assign(b.ids.size(), 1.0f);
    return b;
}

std::string StreamBatches::state() const { return std::to_string(epoch_) + " " + std::to_string(pos_); }

void StreamBatches::set_state(const std::string& s) {
    std::istringstream in(s);
    long e;
    size_t p;
    if (!(in >> e >> p) || p > starts_.size()) fail("StreamBatches", "bad data position '" + s + "'");
    epoch_ = e;
    pos_ = p;
    shuffle();
}

Batch make_batch(const std::vector<const Example*>& rows, int T, int pad_id) {
    Batch b;
    b.B = static_cast<int>(rows.size());
    int longest = 2;
    for (const Example* e : rows) longest = std::max(longest, static_cast<int>(std::min<size_t>(e->tokens.size(), T + 1)));
    b.T = longest - 1;
    for (const Example* e : rows) {
        const int n = static_cast<int>(std::min<size_t>(e->tokens.size(), T + 1));
        for (int t = 0; t < b.T; t++) {
            const bool real_in = t < n, real_target = t + 1 < n;
            b.ids.push_back(real_in ? e->tokens[t] : pad_id);
            b.targets.push_back(real_target ? e->tokens[t + 1] : pad_id);
            b.mask.push_back(real_target ? e->mask[t + 1] : 0.0f);  // the mask of the PREDICTED token
        }
    }
    return b;
}

ExampleBatches::ExampleBatches(std::vector<Example> examples, int B, int T, int pad_id, uint64_t seed)
    : examples_(std::move(examples)), B_(B), T_(T), pad_(pad_id), seed_(seed) {
    if (examples_.empty()) fail("ExampleBatches", "no examples. HINT: check the data file");
    for (const Example& e : examples_)
        if (e.tokens.size() != e.mask.size()) fail("ExampleBatches", "an example's mask length differs from its token count");
    order_.resize(examples_.size());
    shuffle();
}

void ExampleBatches::shuffle() {
    for (size_t i = 0; i < order_.size(); i++) order_[i] = i;
    Rng rng(seed_ * 7919 + static_cast<uint64_t>(epoch_));
    for (size_t i = order_.size(); i > 1; i--) std::swap(order_[i - 1], order_[rng.below(i)]);
}

Batch ExampleBatches::next() {
    std::vector<const Example*> rows;
    for (int r = 0; r < B_; r++) {
        if (pos_ >= order_.size()) {
            epoch_++;
            pos_ = 0;
            shuffle();
        }
        rows.push_back(&examples_[order_[pos_++]]);
    }
    return make_batch(rows, T_, pad_);
}

std::string ExampleBatches::state() const { return std::to_string(epoch_) + " " + std::to_string(pos_); }

void ExampleBatches::set_state(const std::string& s) {
    std::istringstream in(s);
    long e;
    size_t p;
    if (!(in >> e >> p) || p > order_.size()) fail("ExampleBatches", "bad data position '" + s + "'");
    epoch_ = e;
    pos_ = p;
    shuffle();
}

// ---------------------------------------------------------------------------------------------

void append_jsonl(const std::string& path, const std::string& line) {
    if (path.empty() || !dist::is_root()) return;  // rank 0 keeps the metrics
    std::ofstream out(path, std::ios::app);
    if (!out) fail("metrics", "cannot append to " + path);
    out << line << "\n";
    if (!out.flush()) fail("metrics", "cannot append to " + path + " (disk full?)");  // a cut-off row goes on resume
}

void trim_jsonl_rows(const std::string& path, const std::string& stage, long after_step) {
    if (path.empty() || !dist::is_root() || !file_exists(path)) return;  // rank 0 keeps the metrics
    const std::string text = read_file(path);
    std::string kept;
    bool dropped = false;
    for (size_t at = 0; at < text.size();) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos) {  // a last line without its newline: cut off by a kill
            dropped = true;
            break;
        }
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        const json row = json::parse(line, nullptr, false);  // no exceptions: a line we cannot read is kept as it is
        if (row.is_object() && row.value("stage", json()) == stage && row.value("step", json()).is_number() &&
            row["step"].get<double>() > static_cast<double>(after_step)) {
            dropped = true;
            continue;
        }
        kept += line + "\n";
    }
    if (dropped) write_file_atomic(path, kept);
}

double evaluate_loss(const GPT& model, BatchSource& data, int n) {
    NoGrad no_grad;
    const std::string saved = data.state();
    double total = 0;
    for (int i = 0; i < n; i++) {
        const Batch b = data.next();
        total += model.loss(b.ids, b.targets, b.mask, b.B, b.T)->data.item();
    }
    data.set_state(saved);
    return total / n;
}

static std::string fmt_duration(double s) {
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
    else if (s >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
    else std::snprintf(buf, sizeof buf, "%.0fs", s);
    return buf;
}

// Several processes (tensor/distributed.h): every rank starts where rank 0 starts (its model,
// fresh or resumed, the optimizer's moments, the step and the data position: rank 0 alone reads
// the checkpoint, so the folder need not be visible to the others), and every rank must be
// about to train the same thing: the settings, the tokenizer, and the first batch of data
// (a different corpus file on another machine) are compared by hash.
static void start_like_root(GPT& model, const Tokenizer& tok, AdamW& optim, long& step, BatchSource& data, const TrainOptions& opt) {
    if (dist::size() == 1) return;
    std::string st = json{{"step", step}, {"optim_t", optim.step_count()}, {"data", data.state()}}.dump();
    dist::broadcast(st);
    const json j = json::parse(st);
    step = j.at("step").get<long>();
    optim.set_step_count(j.at("optim_t").get<long>());
    data.set_state(j.at("data").get<std::string>());
    const std::vector<Var> params = model.parameters();
    for (size_t i = 0; i < params.size(); i++)
        for (Tensor* t : {&params[i]->data, &optim.m()[i], &optim.v()[i]}) dist::broadcast(t->data<float>(), static_cast<size_t>(t->numel()));

    const GPTConfig& c = model.config();
    std::string vocab;
    for (int i = 0; i < tok.vocab_size(); i++) vocab += tok.token_bytes(i) + '\0';
    const Batch first = data.next();
    data.set_state(j.at("data").get<std::string>());
    std::string ids;
    for (size_t i = 0; i < first.ids.size(); i++) ids += std::to_string(first.ids[i]) + ',' + std::to_string(first.targets[i]) + ',';
    dist::check_same("the training setup of stage '" + opt.stage + "' (model shape, optimizer settings, tokenizer or the data)",
                     json{{"config", {c.vocab_size, c.n_embd, c.n_layer, c.n_head, c.n_positions, c.dropout}},
                          {"opt", {opt.stage, opt.steps, opt.grad_accum, opt.lr, opt.min_lr_ratio, opt.warmup, opt.beta1, opt.beta2,
                                   opt.weight_decay, opt.clip, opt.seed}},
                          {"vocab", vocab.size()}, {"tok", std::hash<std::string>()(vocab)}, {"first_batch", ids}, {"mask", first.mask}}
                         .dump());
}

TrainResult train(GPT& model, const Tokenizer& tok, BatchSource& data, BatchSource* val, const TrainOptions& opt) {
    using clock = std::chrono::steady_clock;
    AdamW optim(model.parameters(), opt.lr, opt.beta1, opt.beta2, 1e-8, opt.weight_decay, model.decay_flags());
    long step = 0;
    // Several processes (tensor/distributed.h): rank 0 alone reads and writes the folder, and
    // start_like_root sends the other ranks what it read.
    if (!opt.out_dir.empty() && dist::is_root()) {
        make_dirs(opt.out_dir);
        tidy_checkpoints(opt.out_dir);  // what a killed checkpoint save left behind
    }
    const std::optional<Checkpoint> ck =
        opt.resume && !opt.out_dir.empty() && dist::is_root() ? find_checkpoint(opt.out_dir) : std::nullopt;
    if (ck) {
        long saved_step = 0;
        GPT saved = load_model(ck->path, nullptr, &saved_step);
        const std::string where = ck->path + "/train_state.json";
        const json st = parse_json_strict(load_train_state(ck->path, saved, optim), where);
        const long state_step = static_cast<long>(field_int(st, "step", where, 0, INT64_MAX));
        if (state_step != saved_step || (ck->step >= 0 && ck->step != saved_step))
            fail("resume", ck->path + ": model.safetensors (step " + std::to_string(saved_step) + ") and train_state.json (step " +
                               std::to_string(state_step) + ") disagree" +
                               (ck->old_layout ? " (a folder written before checkpoints were atomic, interrupted between its files)" : "") +
                               ". HINT: start over (--fresh, or delete " + opt.out_dir + ")");
        if (saved_step > opt.steps)
            fail("resume", opt.out_dir + " holds a checkpoint at step " + std::to_string(saved_step) + ", past the " + std::to_string(opt.steps) +
                               " steps asked for (stage " + opt.stage + "): continuing cannot give a " + std::to_string(opt.steps) +
                               "-step model. HINT: ask for at least " + std::to_string(saved_step) +
                               " steps to continue it, or start over (--fresh, or another folder)");
        const auto dst = model.parameters(), src = saved.parameters();
        for (size_t i = 0; i < dst.size(); i++) dst[i]->data.copy_from(src[i]->data);
        step = saved_step;
        data.set_state(field_string(st, "data", where));
    }
    start_like_root(model, tok, optim, step, data, opt);
    const bool resumed = ck.has_value() || step > 0;  // step > 0: what the other ranks know of it
    // Rows past the checkpoint were logged by a run that was stopped before its next checkpoint:
    // they are written again below, so they go (a fresh start drops all of this stage's rows).
    trim_jsonl_rows(opt.metrics_path, opt.stage, step);
    TrainResult res;
    res.start_step = res.final_step = step;
    if (resumed && step == opt.steps) {  // finished before (e.g. killed after its last checkpoint): nothing to write
        if (val) res.val_loss = evaluate_loss(model, *val, opt.eval_batches);
        std::printf("%s: %s is already trained to step %ld: nothing to do\n", opt.stage.c_str(), opt.out_dir.c_str(), step);
        return res;
    }
    if (ck) std::printf("%s: resuming from %s at step %ld (%s)\n", opt.stage.c_str(), opt.out_dir.c_str(), step, ck->path.c_str());
    auto checkpoint = [&](long at) {
        if (opt.out_dir.empty() || !dist::is_root()) return;  // rank 0 writes (every rank holds the same model)
        save_checkpoint(opt.out_dir, model, tok, optim, at, json{{"step", at}, {"data", data.state()}, {"stage", opt.stage}}.dump());
    };

    DataParallel parallel;  // the batch's rows split across the threads (see data_parallel.h)
    const bool tty = opt.progress && isatty(fileno(stderr));
    const double min_lr = opt.lr * opt.min_lr_ratio;
    const auto t_start = clock::now();
    long tokens = 0;
    auto t_log = clock::now();
    long tokens_log = 0;
    for (; step < opt.steps; step++) {
        if (opt.stop_after >= 0 && static_cast<long>(res.losses.size()) >= opt.stop_after) break;
        optim.lr = lr_schedule(step, opt.warmup, opt.steps, opt.lr, min_lr);
        optim.zero_grad();
        double loss = 0;
        for (int micro = 0; micro < opt.grad_accum; micro++) {
            const Batch b = data.next();
            const double scale = 1.0 / opt.grad_accum;  // the step's loss is the mean over micro-batches
            loss += scale * parallel.loss_backward(model, b, scale, true, opt.seed * 1000003ull + static_cast<uint64_t>(step * opt.grad_accum + micro));
            tokens += static_cast<long>(b.ids.size());
        }
        parallel.sum_over_ranks(model, loss);  // several processes: their gradients and losses added
        const double norm = clip_grad_norm(model.parameters(), opt.clip);
        if (!std::isfinite(loss) || !std::isfinite(norm)) {
            fail(opt.stage, "loss " + std::to_string(loss) + ", gradient norm " + std::to_string(norm) + " at step " + std::to_string(step) +
                                ": training diverged and was stopped. The last good checkpoint" +
                                (opt.out_dir.empty() ? std::string(" (none: no --out)") : " in " + opt.out_dir) +
                                " is kept. HINT: lower the learning rate");
        }
        optim.step();
        res.losses.push_back(loss);

        const bool last = step + 1 == opt.steps;
        if ((step + 1) % opt.log_every == 0 || last) {
            const double dt = std::chrono::duration<double>(clock::now() - t_log).count();
            const long nsteps = (step + 1) % opt.log_every == 0 ? opt.log_every : (step + 1) % opt.log_every;
            const double tok_s = (tokens - tokens_log) / std::max(dt, 1e-9);
            const double elapsed = std::chrono::duration<double>(clock::now() - t_start).count();
            const double eta = elapsed / static_cast<double>(res.losses.size()) * static_cast<double>(opt.steps - step - 1);
            if (tty) std::fprintf(stderr, "\r%80s\r", "");
            std::printf("%s step %5ld/%d | loss %.4f | lr %.2e | norm %.3f | %.1f ms | %.0f tok/s | eta %s\n", opt.stage.c_str(), step + 1,
                        opt.steps, loss, optim.lr, norm, dt / nsteps * 1e3, tok_s, fmt_duration(eta).c_str());
            std::fflush(stdout);
            append_jsonl(opt.metrics_path, json{{"stage", opt.stage}, {"step", step + 1}, {"loss", loss}, {"lr", optim.lr}, {"grad_norm", norm},
                                                 {"tok_per_s", tok_s}}.dump());
            t_log = clock::now();
            tokens_log = tokens;
        } else if (tty) {
            const int width = 30, filled = static_cast<int>(width * (step + 1) / std::max(1, opt.steps));
            std::fprintf(stderr, "\r%s [%.*s%*s] %ld/%d loss %.4f", opt.stage.c_str(), filled, "==============================",
                         width - filled, "", step + 1, opt.steps, loss);
        }
        if (val && opt.eval_every > 0 && (step + 1) % opt.eval_every == 0 && !last) {
            const double vl = evaluate_loss(model, *val, opt.eval_batches);
            std::printf("%s step %5ld/%d | val loss %.4f\n", opt.stage.c_str(), step + 1, opt.steps, vl);
            append_jsonl(opt.metrics_path, json{{"stage", opt.stage}, {"step", step + 1}, {"val_loss", vl}}.dump());
        }
        if (opt.checkpoint_every > 0 && (step + 1) % opt.checkpoint_every == 0 && !last) checkpoint(step + 1);
    }
    res.final_step = step;
    res.seconds = std::chrono::duration<double>(clock::now() - t_start).count();
    res.tokens_per_s = tokens / std::max(res.seconds, 1e-9);
    if (step == opt.steps) {  // finished (not stopped early by stop_after)
        if (val) {
            res.val_loss = evaluate_loss(model, *val, opt.eval_batches);
            std::printf("%s done | val loss %.4f | %s\n", opt.stage.c_str(), res.val_loss, fmt_duration(res.seconds).c_str());
            append_jsonl(opt.metrics_path, json{{"stage", opt.stage}, {"step", step}, {"val_loss", res.val_loss}}.dump());
        }
        checkpoint(step);
    } else if (!res.losses.empty()) {
        checkpoint(step);  // interrupted on purpose (stop_after): save where we are
    }
    return res;
}

}  // namespace sr
