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
    set_num_threads(a["threads"].as<int>());
    apply_device_flag(a);
    const std::string preset = a["preset"].as<std::string>(), out = a["out"].as<std::string>();
    GPTConfig cfg = preset_config(preset);
    TrainPreset tp = preset_train(preset);
    if (a["steps"].as<int>() > 0) tp.steps = a["steps"].as<int>();
    if (a["batch"].as<int>() > 0) tp.batch = a["batch"].as<int>();
    if (a["lr"].as<double>() > 0) tp.lr = a["lr"].as<double>();
    if (a["context"].as<int>() > 0) cfg.n_positions = a["context"].as<int>();
    const uint64_t seed = a["seed"].as<uint64_t>();

    PretrainOptions po;
    po.corpus_path = a["corpus"].as<std::string>();
    po.special_tokens = chat_special_tokens();
    po.out_dir = out;
    po.config = cfg;
    po.steps = tp.steps, po.batch = tp.batch, po.warmup = tp.warmup, po.lr = tp.lr;
    po.log_every = a["log-every"].as<int>();
    po.checkpoint_every = a["checkpoint-every"].as<int>();
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
    set_num_threads(a["threads"].as<int>());
    apply_device_flag(a);
    Tokenizer tok;
    const GPT model = load_model(a["model"].as<std::string>(), &tok);
    const bool chat = a.count("chat") > 0;
    const std::string text = chat ? data::chat_prompt(a["prompt"].as<std::string>()) : a["prompt"].as<std::string>();
    SampleOptions so;
    so.temperature = a["temperature"].as<double>();
    so.top_k = a["top-k"].as<int>();
    so.top_p = a["top-p"].as<double>();
    so.max_new_tokens = a["max-new-tokens"].as<int>();
    so.stop_ids = {tok.special_id(data::kEndToken), tok.special_id(data::kEndOfTextToken)};
    Rng rng(a["seed"].as<uint64_t>());
    const std::vector<std::vector<int>> prompts(a["n"].as<int>(), tok.encode(text));
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
    set_num_threads(a["threads"].as<int>());
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
