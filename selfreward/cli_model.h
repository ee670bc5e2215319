// selfreward/cli_model.h: the ./sr subcommands of the model stage (pretrain, sample, score).
// They live here, not in model/, because they join the model to the task world: the corpus
// file, and the chat format's special tokens and prompt (data/format.h).
#pragma once
#include <string>
#include <vector>

namespace sr {

int cmd_pretrain(int argc, char** argv);  // ./sr pretrain --preset P --out DIR [--steps N]
int cmd_sample(int argc, char** argv);    // ./sr sample --model DIR --prompt TEXT
int cmd_score(int argc, char** argv);     // ./sr score --model DIR --text TEXT

// The tokenizer's special tokens, from data/format.h, in id order: <|endoftext|> <|user|>
// <|assistant|> <|end|>
std::vector<std::string> chat_special_tokens();

}  // namespace sr
