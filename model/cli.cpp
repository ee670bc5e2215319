// model/cli.cpp: pretrain, sample, score.
#include "model/cli.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "data/format.h"
#include "data/world.h"
#include "model/checkpoint.h"
#include "model/cli_common.h"
#include "model/generate.h"
#include "model/train.h"
#include "tensor/runtime.h"

namespace sr {

using json = nlohmann::json;

std::vector<std::string> special_tokens() {
    return {data::kEndOfTextToken, data::kUserToken, data::kAssistantToken, data::kEndToken};
}

int cmd_pretrain(int argc, char** argv) {
    cxxopts::Options o("sr pretrain", "Pretrain M0, the base model, on the world corpus (plain text, no chat format).");
    o.add_options()("preset", "model preset: micro, tiny, small", cxxopts::value<std::string>()->default_value("tiny"))(
        "out", "model folder to write (resumes if it holds a checkpoint)", cxxopts::value<std::string>())(
        "corpus", "pretraining text", cxxopts::value<std::string>()->default_value("data/world/corpus.txt"))(
        "steps", "optimizer steps (0 = the preset's)", cxxopts::value<int>()->default_value("0"))(
        "batch", "sequences per step (0 = the preset's)", cxxopts::value<int>()->default_value("0"))(
        "lr", "peak learning rate (0 = the preset's)", cxxopts::value<double>()->default_value("0"))(
        "seed", "seed for initialisation, data order and dropout", cxxopts::value<uint64_t>()->default_value("1"))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))(
        "log-every", "log interval in steps", cxxopts::value<int>()->default_value("50"))(
        "checkpoint-every", "checkpoint interval in steps (0 = only at the end)", cxxopts::value<int>()->default_value("500"))(
        "fresh", "ignore an existing checkpoint in --out and start over");
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    require_flag(a, "sr pretrain", "out");
    set_num_threads(a["threads"].as<int>());
    const std::string preset = a["preset"].as<std::string>(), out = a["out"].as<std::string>();
    GPTConfig cfg = preset_config(preset);
    TrainPreset tp = preset_train(preset);
    if (a["steps"].as<int>() > 0) tp.steps = a["steps"].as<int>();
    if (a["batch"].as<int>() > 0) tp.batch = a["batch"].as<int>();
    if (a["lr"].as<double>() > 0) tp.lr = a["lr"].as<double>();
    const uint64_t seed = a["seed"].as<uint64_t>();

    const std::string corpus = data::load_corpus(a["corpus"].as<std::string>());
    Tokenizer tok;
    if (!a.count("fresh") && file_exists(out + "/tokenizer.txt")) tok = load_tokenizer(out);
    else tok.train(corpus, cfg.vocab_size, special_tokens());
    cfg.vocab_size = tok.vocab_size();
    std::vector<int> ids = tok.encode(corpus);
    std::printf("pretrain: corpus %zu bytes -> %zu tokens (%.2f bytes/token), vocab %d\n", corpus.size(), ids.size(),
                static_cast<double>(corpus.size()) / ids.size(), tok.vocab_size());
    const size_t n_val = ids.size() / 20;  // the last 5% of the stream is validation
    std::vector<int> val_ids(ids.end() - static_cast<long>(n_val), ids.end());
    ids.resize(ids.size() - n_val);
    StreamBatches train_data(ids, tp.batch, cfg.n_positions, seed), val_data(val_ids, tp.batch, cfg.n_positions, seed + 1);

    GPT model(cfg, seed);
    std::printf("pretrain: %s preset, %lld parameters, %d steps of %d x %d tokens\n", preset.c_str(),
                static_cast<long long>(model.num_parameters()), tp.steps, tp.batch, cfg.n_positions);
    make_dirs(out);
    if (a.count("fresh")) std::remove((out + "/train_state.json").c_str());
    TrainOptions opt;
    opt.stage = "pretrain";
    opt.steps = tp.steps;
    opt.lr = tp.lr;
    opt.warmup = tp.warmup;
    opt.log_every = a["log-every"].as<int>();
    opt.eval_every = std::max(1, tp.steps / 4);
    opt.checkpoint_every = a["checkpoint-every"].as<int>();
    opt.out_dir = out;
    opt.metrics_path = out + "/metrics.jsonl";
    opt.seed = seed;
    const TrainResult r = train(model, tok, train_data, &val_data, opt);
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
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    require_flag(a, "sr sample", "model");
    require_flag(a, "sr sample", "prompt");
    set_num_threads(a["threads"].as<int>());
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
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    require_flag(a, "sr score", "model");
    require_flag(a, "sr score", "text");
    set_num_threads(a["threads"].as<int>());
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
