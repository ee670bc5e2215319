// model/checkpoint.h: a model folder on disk, readable by GPT-2 tooling, and training checkpoints.
//
//   DIR/model.safetensors   the weights, Hugging Face GPT-2 names and layouts (float32)
//   DIR/config.json         GPT2Config field names (n_embd, n_layer, n_head, n_positions, ...)
//   DIR/tokenizer.txt       our BPE (sr-bpe v1), and DIR/vocab.txt, its human-readable dump
//   DIR/checkpoints/ckpt-000150/   written only by training, so a run can resume: a complete model
//                           folder of step 150 plus train_state.safetensors (optimizer moments) and
//                           train_state.json (step, data position, stage)
//
// A checkpoint is one commit: it is written as ckpt-000150.tmp/ and renamed to ckpt-000150/
// (model/atomic_io.h), so every ckpt-NNNNNN folder is complete and resuming takes the newest.
// The previous one is deleted only after the new one is committed. The files at DIR/ are a copy
// of the newest weights (what `sr sample --model DIR` reads), written just before each commit.
// Every single file is written to a temporary name, flushed and renamed.
//
// Folders from before this layout (train_state.* beside model.safetensors) still resume; their
// next checkpoint is written the new way and the old train_state files are removed.
#pragma once
#include <optional>
#include <string>

#include "autograd/optim.h"
#include "model/atomic_io.h"  // write_file_atomic, read_file, make_dirs, RunLock
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

// Training state in a folder (a checkpoint's): `extra` is free-form JSON text (step, rng, data position).
void save_train_state(const std::string& dir, const GPT& model, AdamW& opt, const std::string& extra_json);
// Restores the optimizer moments; returns the extra JSON text. Throws if missing or mismatched.
std::string load_train_state(const std::string& dir, const GPT& model, AdamW& opt);
bool has_train_state(const std::string& dir);

// Writes the model files at dir/ and commits dir/checkpoints/ckpt-<step>/, then deletes older
// checkpoints. A kill at any moment leaves the previous checkpoint or the new one, complete.
void save_checkpoint(const std::string& dir, const GPT& model, const Tokenizer& tok, AdamW& opt, long step,
                     const std::string& extra_json);

struct Checkpoint {
    std::string path;     // the folder holding model.safetensors and train_state.*
    long step = -1;       // from the folder's name (-1: the old layout, step read from its files)
    bool old_layout = false;
};
// The newest committed checkpoint of a model folder (or its old-layout train state), if any.
std::optional<Checkpoint> find_checkpoint(const std::string& dir);
// Removes what a killed save left: *.tmp files and folders, checkpoints older than the newest
// (and the old layout's train state once there is a newer checkpoint). Writes nothing when
// there is nothing to remove.
void tidy_checkpoints(const std::string& dir);
// Deletes every checkpoint of a model folder (a fresh start); the model files stay.
void remove_checkpoints(const std::string& dir);

}  // namespace sr
