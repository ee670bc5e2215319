// Subcommands of ./sr that belong to the task world (the lead wires them into main_sr.cpp).
//   sr oracle --prompt TEXT --response TEXT [--unfinished]   score one response, print verdicts
//   sr world --out DIR --seed N [--preset P] [--force]       regenerate the world files
//   sr world --stats [--dir data/world]                      counts, EFT histogram, corpus size
#pragma once

namespace sr {
namespace data {

int cmd_oracle(int argc, char** argv);  // argv[0] is the subcommand name
int cmd_world(int argc, char** argv);

}  // namespace data
}  // namespace sr
