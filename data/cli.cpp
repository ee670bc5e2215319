// `sr oracle` and `sr world` (see cli.h).
#include "data/cli.h"

#include <cxxopts.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>

#include "data/format.h"
#include "data/oracle.h"
#include "data/world.h"

namespace sr {
namespace data {

int cmd_oracle(int argc, char** argv) {
    try {
        cxxopts::Options opts("sr oracle", "Score one (prompt, response) pair with the world's oracle (0..5, five cumulative criteria).");
        opts.add_options()
            ("prompt", "the task prompt, e.g. \"Reverse the word cat.\"", cxxopts::value<std::string>())
            ("response", "the response to score (default: empty)", cxxopts::value<std::string>()->default_value(""))
            ("unfinished", "the response was cut off at the length limit (never 'clear')",
             cxxopts::value<bool>()->default_value("false"))
            ("h,help", "print this help");
        auto args = opts.parse(argc, argv);
        if (args.count("help")) { std::cout << opts.help() << std::endl; return 0; }
        if (!args.count("prompt")) {
            std::cerr << "sr oracle: --prompt is required. HINT: sr oracle --prompt \"Reverse the word cat.\" --response tac\n";
            return 2;
        }
        std::string prompt = args["prompt"].as<std::string>(), response = args["response"].as<std::string>();
        auto task = parse_task(prompt);
        if (!task) {
            std::cerr << "sr oracle: the prompt is not a task of this world (score 0). HINT: see the phrasings in "
                         "data/README.md, e.g. \"Reverse the word cat.\"\n";
            return 1;
        }
        OracleResult r = oracle_task(*task, response, !args["unfinished"].as<bool>());
        std::cout << "family: " << task->family << "\ngold: " << task->answer << "\nscore: " << r.score << "\n" << r.reason << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "sr oracle: " << e.what() << "\n";
        return 2;
    }
}

static int print_stats(const std::string& dir_in) {
    std::string dir = dir_in.empty() || dir_in.back() == '/' ? dir_in : dir_in + "/";
    auto ift = load_ift(dir + "seed_ift.jsonl");
    auto eft = load_eft(dir + "seed_eft.jsonl");
    auto hif = load_heldout_if(dir + "heldout_if.jsonl");
    auto hrm = load_heldout_rm(dir + "heldout_rm.jsonl");
    std::string corpus = load_corpus(dir + "corpus.txt");
    std::map<std::string, int> c_ift, c_eft, c_hif, c_hrm;
    for (const auto& e : ift) c_ift[e.family]++;
    for (const auto& e : eft) c_eft[e.family]++;
    for (const auto& e : hif) c_hif[e.family]++;
    for (const auto& e : hrm) c_hrm[e.family]++;
    std::printf("%-14s %8s %8s %10s %10s\n", "family", "seed_ift", "seed_eft", "heldout_if", "heldout_rm");
    for (const auto& f : family_names())
        std::printf("%-14s %8d %8d %10d %10d\n", f.c_str(), c_ift[f], c_eft[f], c_hif[f], c_hrm[f]);
    std::printf("%-14s %8zu %8zu %10zu %10zu\n", "total", ift.size(), eft.size(), hif.size(), hrm.size());
    int hist[6] = {0};
    for (const auto& e : eft) hist[e.score]++;
    std::printf("EFT score histogram:");
    for (int s = 0; s <= 5; s++) std::printf("  %d: %d", s, hist[s]);
    size_t responses = 0;
    for (const auto& h : hrm) responses += h.responses.size();
    size_t docs = 0, pos = 0;
    while ((pos = corpus.find(kEndOfTextToken, pos)) != std::string::npos) { docs++; pos += 1; }
    std::printf("\nheldout_rm responses: %zu (%.2f per prompt)\n", responses, hrm.empty() ? 0.0 : (double)responses / hrm.size());
    std::printf("corpus: %zu bytes, %zu documents\n", corpus.size(), docs);
    return 0;
}

int cmd_world(int argc, char** argv) {
    try {
        cxxopts::Options opts("sr world", "Generate the task world (corpus, seed IFT/EFT, held-out sets) or print its statistics.");
        opts.add_options()
            ("out", "folder to write the world into (existing files are kept unless --force)",
             cxxopts::value<std::string>()->default_value("data/world"))
            ("seed", "random seed (the shipped world uses 1337)", cxxopts::value<uint64_t>()->default_value("1337"))
            ("preset", "easy | default | hard | path to a preset JSON file", cxxopts::value<std::string>()->default_value("default"))
            ("force", "replace existing world files in --out", cxxopts::value<bool>()->default_value("false"))
            ("print-preset", "print the preset as JSON (a starting point for a custom preset file) and exit",
             cxxopts::value<bool>()->default_value("false"))
            ("stats", "print counts per family, the EFT score histogram and the corpus size, then exit",
             cxxopts::value<bool>()->default_value("false"))
            ("dir", "the world folder that --stats reads", cxxopts::value<std::string>()->default_value("data/world"))
            ("h,help", "print this help");
        auto args = opts.parse(argc, argv);
        if (args.count("help")) { std::cout << opts.help() << std::endl; return 0; }
        if (args["stats"].as<bool>()) return print_stats(args["dir"].as<std::string>());
        Preset preset = load_preset(args["preset"].as<std::string>());
        if (args["print-preset"].as<bool>()) { std::cout << preset_to_json(preset); return 0; }
        std::string out = args["out"].as<std::string>();
        generate_world(preset, args["seed"].as<uint64_t>(), out, args["force"].as<bool>());
        std::cout << "world written to " << out << " (preset " << preset.name << ", seed " << args["seed"].as<uint64_t>() << ")\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "sr world: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace data
}  // namespace sr
