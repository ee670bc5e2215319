// selfreward/cli_model.cpp: ./sr pretrain, sample, score (the model's commands, given the world's
// corpus and chat format).
#include "selfreward/cli_model.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "data/format.h"
#include "data/world.h"
#include "model/checkpoint.h"
#include "model/cli_common.h"
#include "model/generate.h"
#include "model/pretrain.h"
#include "model/train.h"
#include "tensor/runtime.h"

namespace sr {

using json = nlohmann::json;

std::vector<std::string> chat_special_tokens() {
    return {data::kEndOfTextToken, data::kUserToken, data::kAssistantToken, data::kEndToken};
}

int cmd_pretrain(int argc, char** argv) {
    cxxopts::Options o("sr pretrain", "Pretrain M0, the base model, on the world corpus (plain text, no chat format).");
    o.add_options()("preset", "model preset: micro, tiny, small", cxxopts::value<std::string>()->default_value("tiny"))(
        "out", "model folder to write (resumes if it holds a checkpoint)", cxxopts::value<std::string>())(
        "corpus", "pretraining text", cxxopts::value<std::string>()->default_value("data/world/corpus.txt"))(
        "steps", "optimizer steps (0 = the preset's)", cxxopts::value<int>()->default_value("0"))(
        "batch", "sequences per step (0 = the preset's)", cxxopts::value<int>()->default_value("0"))(
        "context", "context length (0 = the preset's)", cxxopts::value<int>()->default_value("0"))(
        "lr", "peak learning rate (0 = the preset's)", cxxopts::value<double>()->default_value("0"))(
        "seed", "seed for initialisation, data order and dropout", cxxopts::value<uint64_t>()->default_value("1"))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))(
        "log-every", "log interval in steps", cxxopts::value<int>()->default_value("50"))(
        "checkpoint-every", "checkpoint interval in steps (0 = only at the end)", cxxopts::value<int>()->default_value("500"))(
        "fresh", "ignore an existing checkpoint in --out and start over");
    add_device_flag(o);
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    require_flag(a, "sr pretrain", "out");
    const char* cmd = "sr pretrain";
    // every range is checked before any work: 0 means "the preset's" where the help says so
    const int steps = flag_in<int>(a, cmd, "steps", 0, 10000000, false, "0 = the preset's");
    const int batch = flag_in<int>(a, cmd, "batch", 0, 4096, false, "0 = the preset's");
    const int context = flag_in<int>(a, cmd, "context", 0, kMaxPositions, false, "0 = the preset's");
    const double lr = flag_in<double>(a, cmd, "lr", 0.0, 1.0, false, "0 = the preset's");
    const int log_every = flag_in<int>(a, cmd, "log-every", 1, 10000000);
    const int checkpoint_every = flag_in<int>(a, cmd, "checkpoint-every", 0, 10000000, false, "0 = only at the end");
    apply_threads_flag(a, cmd);
    apply_device_flag(a);
    const std::string preset = a["preset"].as<std::string>(), out = a["out"].as<std::string>();
    GPTConfig cfg = preset_config(preset);
    TrainPreset tp = preset_train(preset);
    if (steps > 0) tp.steps = steps;
    if (batch > 0) tp.batch = batch;
    if (lr > 0) tp.lr = lr;
    if (context > 0) cfg.n_positions = context;
    const uint64_t seed = a["seed"].as<uint64_t>();

    PretrainOptions po;
    po.corpus_path = a["corpus"].as<std::string>();
    po.special_tokens = chat_special_tokens();
    po.out_dir = out;
    po.config = cfg;
    po.steps = tp.steps, po.batch = tp.batch, po.warmup = tp.warmup, po.lr = tp.lr;
    po.log_every = log_every;
    po.checkpoint_every = checkpoint_every;
    po.seed = seed;
    po.fresh = a.count("fresh") > 0;
    const TrainResult r = pretrain(po);
    if (r.final_step == r.start_step)  // it had finished before: nothing was trained or written
        std::printf("pretrain: %s was already trained to step %ld (val loss %.4f); nothing written\n", out.c_str(), r.final_step, r.val_loss);
    else
        std::printf("pretrain: wrote %s (val loss %.4f, %.1f s, %.0f tok/s)\n", out.c_str(), r.val_loss, r.seconds, r.tokens_per_s);
    return 0;
}

int cmd_sample(int argc, char** argv) {
    cxxopts::Options o("sr sample", "Generate text from a model folder.");
    o.add_options()("model", "model folder", cxxopts::value<std::string>())("prompt", "prompt text", cxxopts::value<std::string>())(
        "chat", "wrap the prompt as a user turn and stop at the end of the assistant's turn")(
        "n", "samples", cxxopts::value<int>()->default_value("1"))(
        "max-new-tokens", "tokens to generate at most", cxxopts::value<int>()->default_value("64"))(
        "temperature", "0 = greedy", cxxopts::value<double>()->default_value("0.7"))(
        "top-k", "0 = off", cxxopts::value<int>()->default_value("0"))("top-p", "1 = off", cxxopts::value<double>()->default_value("0.9"))(
        "seed", "sampling seed", cxxopts::value<uint64_t>()->default_value("1"))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"));
    add_device_flag(o);
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    require_flag(a, "sr sample", "model");
    require_flag(a, "sr sample", "prompt");
    const char* cmd = "sr sample";
    SampleOptions so;
    const int n = flag_in<int>(a, cmd, "n", 1, 256);
    so.temperature = flag_in<double>(a, cmd, "temperature", 0.0, 100.0, false, "0 = greedy");
    so.top_k = flag_in<int>(a, cmd, "top-k", 0, kMaxVocab, false, "0 = off");
    so.top_p = flag_in<double>(a, cmd, "top-p", 0.0, 1.0, true, "1 = off");
    so.max_new_tokens = flag_in<int>(a, cmd, "max-new-tokens", 1, kMaxPositions);
    apply_threads_flag(a, cmd);
    apply_device_flag(a);
    Tokenizer tok;
    const GPT model = load_model(a["model"].as<std::string>(), &tok);
    const bool chat = a.count("chat") > 0;
    const std::string text = chat ? data::chat_prompt(a["prompt"].as<std::string>()) : a["prompt"].as<std::string>();
    so.stop_ids = {tok.special_id(data::kEndToken), tok.special_id(data::kEndOfTextToken)};
    Rng rng(a["seed"].as<uint64_t>());
    const std::vector<int> ids = tok.encode(text);
    const int T = model.config().n_positions;
    if (ids.empty()) throw std::runtime_error("sr sample: --prompt is empty. HINT: give the model some text to continue");
    if (static_cast<int>(ids.size()) >= T)  // generate() keeps the last T-1 tokens: say so
        std::fprintf(stderr, "sr sample: warning: the prompt is %zu tokens, longer than the model's context of %d: only its last %d tokens are used\n",
                     ids.size(), T, T - 1);
    const std::vector<std::vector<int>> prompts(n, ids);
    for (const Generation& g : generate(model, prompts, so, rng)) {
        std::printf("%s%s\n", text.c_str(), tok.decode(g.tokens).c_str());
        std::printf("----\n");
    }
    return 0;
}

int cmd_score(int argc, char** argv) {
    cxxopts::Options o("sr score", "Per-token log-probabilities of a text under a model (one JSON object).");
    o.add_options()("model", "model folder", cxxopts::value<std::string>())("text", "text to score", cxxopts::value<std::string>())(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"));
    add_device_flag(o);
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    require_flag(a, "sr score", "model");
    require_flag(a, "sr score", "text");
    apply_threads_flag(a, "sr score");
    apply_device_flag(a);
    Tokenizer tok;
    const GPT model = load_model(a["model"].as<std::string>(), &tok);
    const std::vector<int> ids = tok.encode(a["text"].as<std::string>());
    if (ids.size() < 2) throw std::runtime_error("sr score: the text must have at least 2 tokens (the first one is only context)");
    if (static_cast<int>(ids.size()) > model.config().n_positions)
        throw std::runtime_error("sr score: " + std::to_string(ids.size()) + " tokens exceed the context of " + std::to_string(model.config().n_positions));
    NoGrad no_grad;
    const int n = static_cast<int>(ids.size());
    std::vector<int> in(ids.begin(), ids.end() - 1), targets(ids.begin() + 1, ids.end());
    const Tensor lp = token_logprobs(model.forward(in, 1, n - 1), targets)->data;  // (1, n-1)
    json j;
    j["ids"] = ids;
    std::vector<double> l = lp.to_vector();
    double sum = 0;
    for (double x : l) sum += x;
    j["logprobs"] = l;  // logprobs[i] = log p(ids[i+1] | ids[0..i])
    j["sum"] = sum;
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

}  // namespace sr
