// ./sr_demo: a narrated walkthrough of the whole Self-Rewarding loop for a newcomer.
//
// Every stage opens with what the paper did and what we do here, shows a few real examples
// (a generated prompt, its candidates, a judgement, a pair), and the run ends with the
// paper-shaped tables. Everything lands in runs/<name>/; running again reuses finished stages.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cxxopts.hpp>
#include <string>

#include "model/checkpoint.h"
#include "model/cli_common.h"
#include "selfreward/loop.h"
#include "selfreward/report.h"
#include "tensor/distributed.h"
#include "tensor/runtime.h"

namespace {

void wrap(const std::string& label, const std::string& text) {
    // Word-wraps text at ~92 columns under a label.
    std::printf("  %-6s", label.c_str());
    size_t col = 8;
    std::string word;
    auto flush_word = [&] {
        if (word.empty()) return;
        if (col + word.size() > 96) {
            std::printf("\n        ");
            col = 8;
        }
        std::printf("%s ", word.c_str());
        col += word.size() + 1;
        word.clear();
    };
    for (char c : text) {
        if (c == ' ') flush_word();
        else word += c;
    }
    flush_word();
    std::printf("\n");
}

sr::Narrator demo_narrator() {
    sr::Narrator n;
    n.banner = [](const std::string& stage, const std::string& paper, const std::string& ours) {
        std::printf("\n==============================================================================================\n");
        std::printf("  %s\n", stage.c_str());
        std::printf("----------------------------------------------------------------------------------------------\n");
        wrap("paper:", paper);
        wrap("here:", ours);
        std::printf("----------------------------------------------------------------------------------------------\n");
        std::fflush(stdout);
    };
    n.example = [](const std::string& t) {
        std::printf("%s\n", t.c_str());
        std::fflush(stdout);
    };
    n.note = [](const std::string& t) {
        std::printf("%s\n", t.c_str());
        std::fflush(stdout);
    };
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    sr::dist::Session mpi(argc, argv);  // several processes under mpirun (an MPI build); else nothing
    sr::print_banner("sr_demo");
    try {
        cxxopts::Options o("sr_demo", "A narrated run of the whole Self-Rewarding loop (Yuan et al. 2024) on the task world.");
        o.add_options()("preset", "quick (seconds, a smoke test), default (the real run), paper (the paper's recipe at the same size), or a JSON file",
                        cxxopts::value<std::string>()->default_value("default"))(
            "name", "run name: everything goes to runs/<name>/ (default: the preset's name; for a JSON file, its name without .json)", cxxopts::value<std::string>())(
            "seed", "the one seed that drives everything", cxxopts::value<uint64_t>()->default_value("1"))(
            "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))(
            "fresh", "start over (delete runs/<name>/ first)");
        sr::add_device_flag(o);
        cxxopts::ParseResult a;
        if (!sr::parse_flags(o, argc, argv, &a)) return 0;
        sr::apply_threads_flag(a, "sr_demo");
        sr::apply_device_flag(a);
        const std::string preset = a["preset"].as<std::string>();
        sr::RunConfig cfg = sr::run_preset(preset);
        cfg.seed = a["seed"].as<uint64_t>();
        // A JSON preset names its run after its file (rounds4.json -> runs/rounds4), so that a
        // variant never lands in runs/default beside the default run.
        const bool builtin = preset == "quick" || preset == "default" || preset == "paper";
        std::string stem = preset.substr(preset.find_last_of('/') + 1);
        if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".json") == 0) stem.resize(stem.size() - 5);
        const std::string name = a.count("name") ? a["name"].as<std::string>() : builtin ? cfg.preset : stem;
        const std::string dir = "runs/" + name;

        std::printf("\nSelf-Rewarding Language Models, end to end, on a laptop CPU.\n"
                    "One small GPT learns to follow instructions AND to judge answers; then it writes new prompts,\n"
                    "answers them, judges its own answers, and trains on its own preferences (DPO), twice.\n"
                    "A ground-truth oracle of the task world measures every step (it never trains the model).\n"
                    "Run folder: %s/   preset: %s   seed: %llu\n",
                    dir.c_str(), cfg.preset.c_str(), static_cast<unsigned long long>(cfg.seed));
        const auto t0 = std::chrono::steady_clock::now();
        sr::Run run(dir, cfg, demo_narrator(), a.count("fresh") > 0);  // --fresh empties the folder, under its lock
        run.all();
        const nlohmann::json report = run.evaluate();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("\n==============================================================================================\n");
        std::printf("  results (oracle-measured; the paper's numbers beside ours for reference)\n");
        std::printf("==============================================================================================\n");
        std::printf("%s\n", sr::report_terminal_tables(report).c_str());
        std::printf("done in %.0f s (this invocation). Open %s/report.md for the tables and plots,\n"
                    "%s/round1/*.jsonl for every prompt, candidate, judgement and pair.\n",
                    secs, dir.c_str(), dir.c_str());
        return 0;
    } catch (const std::exception& e) {
        if (sr::dist::size() > 1) sr::dist::abort(std::string("error: ") + e.what());  // stops every rank, names this one
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
