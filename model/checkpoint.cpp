// model/checkpoint.cpp
#include "model/checkpoint.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/safetensors.h"

namespace sr {

using json = nlohmann::json;

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

void make_dirs(const std::string& dir) {
    std::string at;
    std::stringstream ss(dir);
    std::string part;
    if (!dir.empty() && dir[0] == '/') at = "/";
    while (std::getline(ss, part, '/')) {
        if (part.empty()) continue;
        at += part + "/";
        if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST)
            fail("make_dirs", "cannot create folder " + at + ": " + std::strerror(errno));
    }
}

void write_file_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        if (!out) fail("write", "cannot open " + tmp + " for writing. HINT: does the folder exist and is it writable?");
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.flush();
        if (!out) fail("write", "failed writing " + tmp + " (disk full?)");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("write", "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("read", "cannot open " + path + ". HINT: check the path (a model folder needs model.safetensors, config.json, tokenizer.txt)");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

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
    json j;
    try {
        j = json::parse(read_file(path));
    } catch (const json::exception& e) {
        fail("load_config", path + ": not valid JSON (" + e.what() + ")");
    }
    GPTConfig c;
    try {
        c.vocab_size = j.at("vocab_size").get<int>();
        c.n_positions = j.at("n_positions").get<int>();
        c.n_embd = j.at("n_embd").get<int>();
        c.n_layer = j.at("n_layer").get<int>();
        c.n_head = j.at("n_head").get<int>();
        c.layer_norm_epsilon = j.value("layer_norm_epsilon", 1e-5);
        c.dropout = j.value("resid_pdrop", 0.0);
    } catch (const json::exception& e) {
        fail("load_config", path + ": missing or wrong field (" + std::string(e.what()) + "). HINT: config.json needs vocab_size, n_positions, n_embd, n_layer, n_head");
    }
    c.validate();
    return c;
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
    GPT model(c, 0);
    size_t used = 0;
    for (auto& [name, p] : model.named_parameters()) {
        auto it = f.find(name);
        if (it == f.end()) fail("load_model", path + ": tensor " + name + " is missing");
        if (it->second.shape != p->data.shape())
            fail("load_model", path + ": tensor " + name + " has shape " + shape_str(it->second.shape) + " but config.json implies " +
                                   shape_str(p->data.shape()));
        const std::vector<float> v = st_to_f32(it->second, name);
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
    if (step) *step = meta.count("step") ? std::stol(meta.at("step")) : 0;
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
    opt.set_step_count(meta.count("adam_step") ? std::stol(meta.at("adam_step")) : 0);
    return read_file(dir + "/train_state.json");
}

}  // namespace sr
