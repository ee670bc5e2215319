// ./sr: one subcommand per stage of the project, for course work and scripting.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/cli.h"
#include "selfreward/cli.h"
#include "selfreward/cli_model.h"
#include "tensor/distributed.h"
#include "tensor/runtime.h"

namespace {
struct Command {
    const char* name;
    int (*run)(int, char**);
    const char* help;
};
const std::vector<Command>& commands() {
    static const std::vector<Command> list = {
        {"world", sr::data::cmd_world, "generate the task world's data files, or --stats"},
        {"oracle", sr::data::cmd_oracle, "score a (prompt, response) pair with the ground-truth oracle"},
        {"pretrain", sr::cmd_pretrain, "pretrain M0 on the world corpus"},
        {"sample", sr::cmd_sample, "generate text from a model folder"},
        {"score", sr::cmd_score, "per-token log-probabilities of a text (JSON)"},
        {"sft", sr::cmd_sft, "supervised fine-tuning: the SFT baseline (IFT) or M1 (IFT + EFT)"},
        {"instruct", sr::cmd_instruct, "round t: new prompts by self-instruct, filtered"},
        {"candidates", sr::cmd_candidates, "round t: N candidate responses per prompt"},
        {"judge", sr::cmd_judge, "round t: the model judges its own candidates"},
        {"pairs", sr::cmd_pairs, "round t: preference pairs from the self-scores"},
        {"dpo", sr::cmd_dpo, "round t: M_{t+1} = DPO(M_t)"},
        {"eval", sr::cmd_eval, "evaluate every model of a run; report.json, report.md"},
        {"loop", sr::cmd_loop, "the whole loop, then eval"},
        {"experiment", sr::cmd_experiment, "the loop over several seeds, with 95% intervals"},
        {"ablate", sr::cmd_ablate, "our recipe, the paper's, and ours with each change switched off (dev prompts)"},
        {"gap", sr::cmd_gap, "the generation-verification gap of a model on dev prompts (does a round have anything to learn?)"},
    };
    return list;
}
void usage() {
    std::printf("usage: sr <command> [flags]   (sr <command> --help lists its flags)\n\ncommands:\n");
    for (const auto& c : commands()) std::printf("  %-12s %s\n", c.name, c.help);
}
}  // namespace

int main(int argc, char** argv) {
    sr::dist::Session mpi(argc, argv);  // several processes under mpirun (an MPI build); else nothing
    sr::print_banner("sr");
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    for (const auto& c : commands())
        if (argv[1] == std::string(c.name)) {
            try {
                return c.run(argc - 1, argv + 1);
            } catch (const std::exception& e) {
                if (sr::dist::size() > 1) sr::dist::abort(std::string("error: ") + e.what());  // stops every rank, names this one
                std::fprintf(stderr, "error: %s\n", e.what());
                return 1;
            }
        }
    std::fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
}
