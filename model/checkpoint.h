// model/checkpoint.h: a model folder on disk, readable by GPT-2 tooling.
//
//   DIR/model.safetensors   the weights, Hugging Face GPT-2 names and layouts (float32)
//   DIR/config.json         GPT2Config field names (n_embd, n_layer, n_head, n_positions, ...)
//   DIR/tokenizer.txt       our BPE (sr-bpe v1), and DIR/vocab.txt, its human-readable dump
//   DIR/train_state.safetensors + DIR/train_state.json   optimizer moments, step, RNG state and
//                           data position, written only by training (so a run can resume)
// Every file is written to a temporary name and renamed, so a crash never leaves half a file.
#pragma once
#include <string>

#include "autograd/optim.h"
#include "model/gpt.h"
#include "model/tokenizer.h"

namespace sr {

void save_config(const std::string& path, const GPTConfig& config, const Tokenizer& tok);
GPTConfig load_config(const std::string& path);

// Writes model.safetensors, config.json, tokenizer.txt and vocab.txt into dir (created if missing).
// `step` goes into the safetensors metadata, so resume can check the files belong together.
void save_model(const std::string& dir, const GPT& model, const Tokenizer& tok, long step = 0);
// Loads a model folder; every mismatch (missing tensor, wrong shape for the config, unknown
// tensor) is an error naming the file and the tensor.
GPT load_model(const std::string& dir, Tokenizer* tok = nullptr, long* step = nullptr);
Tokenizer load_tokenizer(const std::string& dir);

// Training state beside the model. `extra` is free-form JSON text (step, rng, data position).
void save_train_state(const std::string& dir, const GPT& model, AdamW& opt, const std::string& extra_json);
// Restores the optimizer moments; returns the extra JSON text. Throws if missing or mismatched.
std::string load_train_state(const std::string& dir, const GPT& model, AdamW& opt);
bool has_train_state(const std::string& dir);

// Writes text to path atomically (path.tmp, then rename).
void write_file_atomic(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);  // throws with a HINT when missing
bool file_exists(const std::string& path);
void make_dirs(const std::string& dir);

}  // namespace sr
