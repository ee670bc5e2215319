// model/cli.h: the ./sr subcommands of the model stage.
#pragma once
#include <string>
#include <vector>

namespace sr {

int cmd_pretrain(int argc, char** argv);  // ./sr pretrain --preset P --out DIR [--steps N]
int cmd_sample(int argc, char** argv);    // ./sr sample --model DIR --prompt TEXT
int cmd_score(int argc, char** argv);     // ./sr score --model DIR --text TEXT

// The tokenizer's special tokens, from data/format.h: <|endoftext|> <|user|> <|assistant|> <|end|>
std::vector<std::string> special_tokens();

}  // namespace sr
