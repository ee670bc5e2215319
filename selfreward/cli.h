// selfreward/cli.h: the ./sr subcommands of the loop. Each reads and writes a run folder
// (--run, default runs/default) and skips work that is already done there.
#pragma once

namespace sr {

int cmd_sft(int argc, char** argv);         // SFT baseline (--data ift) or M1 (--data ift+eft)
int cmd_instruct(int argc, char** argv);    // self-instruct prompts for --round t
int cmd_candidates(int argc, char** argv);  // N responses per prompt
int cmd_judge(int argc, char** argv);       // self-judging
int cmd_pairs(int argc, char** argv);       // preference pairs
int cmd_dpo(int argc, char** argv);         // M_{t+1} = DPO(M_t)
int cmd_eval(int argc, char** argv);        // evaluate every model, write report.json / report.md
int cmd_loop(int argc, char** argv);        // everything in order, then eval
int cmd_experiment(int argc, char** argv);  // the loop over several seeds, with intervals
int cmd_ablate(int argc, char** argv);      // our recipe vs the paper's vs each change switched off (dev prompts)
int cmd_gap(int argc, char** argv);         // the generation-verification gap of one model on dev prompts

}  // namespace sr
