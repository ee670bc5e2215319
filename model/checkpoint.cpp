// model/checkpoint.cpp
#include "model/checkpoint.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "model/io.h"
#include "model/safetensors.h"

namespace sr {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------

void save_config(const std::string& path, const GPTConfig& c, const Tokenizer& tok) {
    json j = {{"model_type", "gpt2"},
              {"architectures", {"GPT2LMHeadModel"}},
              {"vocab_size", c.vocab_size},
              {"n_positions", c.n_positions},
              {"n_ctx", c.n_positions},
              {"n_embd", c.n_embd},
              {"n_layer", c.n_layer},
              {"n_head", c.n_head},
              {"n_inner", nullptr},
              {"activation_function", "gelu_new"},
              {"layer_norm_epsilon", c.layer_norm_epsilon},
              {"initializer_range", 0.02},
              {"resid_pdrop", c.dropout},
              {"embd_pdrop", c.dropout},
              {"attn_pdrop", 0.0},
              {"tie_word_embeddings", true},
              {"torch_dtype", "float32"}};
    if (tok.vocab_size() > 256 && !tok.specials().empty()) {
        // end of a response / of a document: what generation stops on
        for (const auto& s : tok.specials())
            if (s == "<|endoftext|>") j["bos_token_id"] = j["eos_token_id"] = tok.special_id(s);
    }
    write_file_atomic(path, j.dump(2) + "\n");
}

GPTConfig load_config(const std::string& path) {
    const json j = read_json_file(path, 1 << 20);  // a config.json is a few hundred bytes
    if (!j.is_object()) fail("load_config", path + ": must be a JSON object. HINT: config.json needs vocab_size, n_positions, n_embd, n_layer, n_head");
    GPTConfig c;
    c.vocab_size = static_cast<int>(field_int(j, "vocab_size", path, 1, kMaxVocab));
    c.n_positions = static_cast<int>(field_int(j, "n_positions", path, 1, kMaxPositions));
    c.n_embd = static_cast<int>(field_int(j, "n_embd", path, 1, kMaxEmbd));
    c.n_layer = static_cast<int>(field_int(j, "n_layer", path, 1, kMaxLayers));
    c.n_head = static_cast<int>(field_int(j, "n_head", path, 1, kMaxEmbd));
    if (j.contains("layer_norm_epsilon")) c.layer_norm_epsilon = field_number(j, "layer_norm_epsilon", path, 1e-12, 0.5);
    if (j.contains("resid_pdrop")) c.dropout = field_number(j, "resid_pdrop", path, 0.0, 0.99);
    try {
        c.validate();
    } catch (const std::exception& e) {
        fail("load_config", path + ": " + e.what());
    }
    return c;
}

// A step count stored as text in safetensors metadata: digits only, and not absurd.
static long metadata_count(const std::string& text, const std::string& path, const char* key) {
    if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos)
        fail("load_model", path + ": metadata \"" + key + "\" is '" + text.substr(0, 40) + "', not a step count. HINT: the file is corrupt; write it again");
    return std::stol(text);
}

static StTensor to_st(const Tensor& t) {
    const std::vector<float> v = t.to_floats();
    return st_from_f32(v, t.shape());
}

void save_model(const std::string& dir, const GPT& model, const Tokenizer& tok, long step) {
    make_dirs(dir);
    StFile f;
    for (auto& [name, p] : model.named_parameters()) f[name] = to_st(p->data);
    save_safetensors(dir + "/model.safetensors", f, {{"format", "pt"}, {"step", std::to_string(step)}});
    save_config(dir + "/config.json", model.config(), tok);
    tok.save(dir + "/tokenizer.txt");
    tok.dump_vocab(dir + "/vocab.txt");
}

Tokenizer load_tokenizer(const std::string& dir) {
    if (!file_exists(dir + "/tokenizer.txt"))
        fail("load_model", dir + "/tokenizer.txt is missing. HINT: a model folder is made by ./sr pretrain (or sft, dpo)");
    return Tokenizer::load(dir + "/tokenizer.txt");
}

GPT load_model(const std::string& dir, Tokenizer* tok, long* step) {
    if (!file_exists(dir)) fail("load_model", "no model folder at " + dir + ". HINT: train one with ./sr pretrain --out " + dir);
    const GPTConfig c = load_config(dir + "/config.json");
    StMetadata meta;
    const std::string path = dir + "/model.safetensors";
    const StFile f = load_safetensors(path, &meta);
    // The file bounds what we allocate: a config.json asking for more weights than the file
    // holds (n_layer 100000) is refused before the model is built.
    uint64_t held = 0;
    for (auto& [name, t] : f) held += t.bytes.size();
    if (static_cast<uint64_t>(c.num_parameters()) * sizeof(float) > held)
        fail("load_model", dir + "/config.json describes " + std::to_string(c.num_parameters()) + " parameters but " + path + " holds " +
                               std::to_string(held / sizeof(float)) + " values. HINT: config.json and model.safetensors come from different models");
    GPT model(c, 0);
    size_t used = 0;
    for (auto& [name, p] : model.named_parameters()) {
        auto it = f.find(name);
        if (it == f.end()) fail("load_model", path + ": tensor " + name + " is missing");
        if (it->second.shape != p->data.shape())
            fail("load_model", path + ": tensor " + name + " has shape " + shape_str(it->second.shape) + " but config.json implies " +
                                   shape_str(p->data.shape()));
        const std::vector<float> v = st_to_f32(it->second, path + ": " + name);
        for (size_t k = 0; k < v.size(); k++)
            if (!std::isfinite(v[k]))
                fail("load_model", path + ": tensor " + name + " holds " + (std::isnan(v[k]) ? "NaN" : "Inf") + " at element " + std::to_string(k) +
                                       ". HINT: the training that wrote it diverged; use an earlier checkpoint or train again");
        std::copy(v.begin(), v.end(), p->data.data<float>());
        used++;
    }
    for (auto& [name, t] : f)
        if (name != "lm_head.weight" && name.find(".attn.bias") == std::string::npos && name.find(".attn.masked_bias") == std::string::npos) {
            bool known = false;
            for (auto& [n2, p] : model.named_parameters()) known = known || n2 == name;
            if (!known) fail("load_model", path + ": unexpected tensor " + name + " (not part of a GPT-2 of this config)");
        }
    if (tok) {
        *tok = load_tokenizer(dir);
        if (tok->vocab_size() != c.vocab_size)
            fail("load_model", dir + ": tokenizer has " + std::to_string(tok->vocab_size()) + " tokens but config.json says vocab_size " +
                                   std::to_string(c.vocab_size));
    }
    if (step) *step = meta.count("step") ? metadata_count(meta.at("step"), path, "step") : 0;
    return model;
}

// ---------------------------------------------------------------------------------------------

bool has_train_state(const std::string& dir) { return file_exists(dir + "/train_state.json") && file_exists(dir + "/train_state.safetensors"); }

void save_train_state(const std::string& dir, const GPT& model, AdamW& opt, const std::string& extra_json) {
    StFile f;
    const auto named = model.named_parameters();
    for (size_t i = 0; i < named.size(); i++) {
        f["m." + named[i].first] = to_st(opt.m()[i]);
        f["v." + named[i].first] = to_st(opt.v()[i]);
    }
    save_safetensors(dir + "/train_state.safetensors", f, {{"adam_step", std::to_string(opt.step_count())}});
    write_file_atomic(dir + "/train_state.json", extra_json + "\n");
}

std::string load_train_state(const std::string& dir, const GPT& model, AdamW& opt) {
    const std::string path = dir + "/train_state.safetensors";
    StMetadata meta;
    const StFile f = load_safetensors(path, &meta);
    const auto named = model.named_parameters();
    for (size_t i = 0; i < named.size(); i++)
        for (auto [prefix, dst] : {std::pair<std::string, Tensor*>{"m.", &opt.m()[i]}, {"v.", &opt.v()[i]}}) {
            auto it = f.find(prefix + named[i].first);
            if (it == f.end() || it->second.shape != dst->shape()) fail("resume", path + ": optimizer state for " + named[i].first + " missing or of the wrong shape");
            const std::vector<float> v = st_to_f32(it->second, it->first);
            for (size_t k = 0; k < v.size(); k++) dst->set(static_cast<int64_t>(k), v[k]);
        }
    opt.set_step_count(meta.count("adam_step") ? metadata_count(meta.at("adam_step"), path, "adam_step") : 0);
    return read_file(dir + "/train_state.json");
}

// ---------------------------------------------------------------------------------------------
// checkpoints: DIR/checkpoints/ckpt-000150/

static std::string checkpoint_name(long step) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "ckpt-%06ld", step);
    return buf;
}

// The committed checkpoints of a model folder, oldest first, as (step, folder). A name with
// .tmp (a write that was killed) or anything else is not one.
static std::vector<std::pair<long, std::string>> committed_checkpoints(const std::string& dir) {
    std::vector<std::pair<long, std::string>> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir + "/checkpoints", ec)) {
        const std::string name = e.path().filename().string(), digits = name.size() > 5 ? name.substr(5) : "";
        if (name.compare(0, 5, "ckpt-") != 0 || digits.empty() || digits.size() > 12 ||
            digits.find_first_not_of("0123456789") != std::string::npos || !e.is_directory(ec))
            continue;
        out.push_back({std::stol(digits), e.path().string()});
    }
    std::sort(out.begin(), out.end());
    return out;
}

void save_checkpoint(const std::string& dir, const GPT& model, const Tokenizer& tok, AdamW& opt, long step, const std::string& extra_json) {
    // 1. the model files at DIR/. Killed after this and before 2, they are a little ahead of the
    //    newest checkpoint: resuming redoes those steps and writes them again, the same bytes.
    save_model(dir, model, tok, step);
    // 2. the checkpoint, in one commit
    make_dirs(dir + "/checkpoints");
    commit_dir_atomic(dir + "/checkpoints/" + checkpoint_name(step), [&](const std::string& tmp) {
        save_model(tmp, model, tok, step);
        save_train_state(tmp, model, opt, extra_json);
    });
    // 3. what the new checkpoint supersedes
    tidy_checkpoints(dir);
}

void tidy_checkpoints(const std::string& dir) {
    remove_stale_tmp(dir);
    remove_stale_tmp(dir + "/checkpoints");
    const auto all = committed_checkpoints(dir);
    if (all.empty()) return;
    for (size_t i = 0; i + 1 < all.size(); i++) remove_tree(all[i].second);  // all but the newest
    remove_tree(dir + "/train_state.json");                                 // the old layout's state
    remove_tree(dir + "/train_state.safetensors");
}

std::optional<Checkpoint> find_checkpoint(const std::string& dir) {
    const auto all = committed_checkpoints(dir);
    if (!all.empty()) return Checkpoint{all.back().second, all.back().first, false};
    if (has_train_state(dir)) return Checkpoint{dir, -1, true};  // written before checkpoints were folders
    return std::nullopt;
}

void remove_checkpoints(const std::string& dir) {
    remove_tree(dir + "/checkpoints");
    remove_tree(dir + "/train_state.json");
    remove_tree(dir + "/train_state.safetensors");
}

}  // namespace sr
