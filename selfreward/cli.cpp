// selfreward/cli.cpp: ./sr sft | instruct | candidates | judge | pairs | dpo | eval | loop | experiment
#include "selfreward/cli.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <nlohmann/json.hpp>

#include "model/checkpoint.h"
#include "model/cli_common.h"
#include "model/io.h"
#include "data/textutil.h"
#include "data/world.h"
#include "selfreward/gap.h"
#include "selfreward/loop.h"
#include "selfreward/round_files.h"
#include "selfreward/svg.h"
#include "selfreward/stats.h"
#include "tensor/distributed.h"
#include "tensor/runtime.h"

namespace sr {

using json = nlohmann::json;

static void run_flags(cxxopts::Options& o) {
    o.add_options()("run", "run folder", cxxopts::value<std::string>()->default_value("runs/default"))(
        "preset", "quick, default, or a JSON file of overrides (default: the run's own config.json, else default)",
        cxxopts::value<std::string>())("seed", "the one seed that drives everything (0 = the preset's)", cxxopts::value<uint64_t>()->default_value("0"))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))(
        "fresh", "delete the run folder first and start over");
    add_device_flag(o);
}

static RunConfig config_from(const cxxopts::ParseResult& a, const std::string& dir) {
    RunConfig c;
    if (a.count("preset")) c = run_preset(a["preset"].as<std::string>());
    else if (!dir.empty() && file_exists(dir + "/config.json")) c = run_preset(dir + "/config.json");
    if (a["seed"].as<uint64_t>() != 0) c.seed = a["seed"].as<uint64_t>();
    return c;
}

// must_exist: for commands that only read or add to a run (eval, one round stage); the run
// folder is not made for them.
static Run open_run(const cxxopts::ParseResult& a, bool must_exist = false) {
    apply_threads_flag(a, "sr");
    apply_device_flag(a);
    const std::string dir = a["run"].as<std::string>();
    if (must_exist && !file_exists(dir + "/config.json"))
        throw std::runtime_error("no run at " + dir + " (no " + dir + "/config.json). HINT: start one with ./sr loop --run " + dir +
                                 " (or check --run)");
    const bool fresh = a.count("fresh") > 0;  // then the old config.json does not count either
    return Run(dir, config_from(a, fresh ? std::string() : dir), plain_narrator(), fresh);
}

static int round_flag(const cxxopts::ParseResult& a, const Run& run) {
    const int r = a["round"].as<int>();
    if (r < 1 || r > run.config().rounds) throw std::runtime_error("--round must be in 1.." + std::to_string(run.config().rounds));
    if (!run.model_done(Run::model_name(r)))
        throw std::runtime_error("round " + std::to_string(r) + " needs model " + Run::model_name(r) + " in " + run.dir() +
                                 ". HINT: run the earlier stages first (./sr loop does all of them)");
    return r;
}

// One subcommand per round stage: same flags, a different method of Run.
static int round_stage(int argc, char** argv, const char* what, void (Run::*stage)(int)) {
    cxxopts::Options o(std::string("sr ") + argv[0], what);
    run_flags(o);
    o.add_options()("round", "round t (from M_t)", cxxopts::value<int>()->default_value("1"));
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    Run run = open_run(a, true);
    (run.*stage)(round_flag(a, run));
    return 0;
}

int cmd_instruct(int argc, char** argv) { return round_stage(argc, argv, "Self-instruct: new prompts from M_t, filtered.", &Run::instruct); }
int cmd_candidates(int argc, char** argv) { return round_stage(argc, argv, "N candidate responses per prompt from M_t.", &Run::candidates); }
int cmd_judge(int argc, char** argv) { return round_stage(argc, argv, "M_t judges each candidate (sampled judgements averaged).", &Run::judge); }
int cmd_pairs(int argc, char** argv) { return round_stage(argc, argv, "Preference pairs: highest vs lowest self-score, ties dropped.", &Run::pairs); }
int cmd_dpo(int argc, char** argv) { return round_stage(argc, argv, "M_{t+1} = DPO(M_t) on the round's pairs, M_t frozen as reference.", &Run::dpo); }

int cmd_sft(int argc, char** argv) {
    cxxopts::Options o("sr sft", "Supervised fine-tuning from M0: the SFT baseline (IFT) or M1 (IFT + EFT). Pretrains M0 first if missing.");
    run_flags(o);
    o.add_options()("data", "ift (-> SFT baseline) or ift+eft (-> M1)", cxxopts::value<std::string>()->default_value("ift+eft"));
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    const std::string d = a["data"].as<std::string>();
    if (d != "ift" && d != "ift+eft") throw std::runtime_error("sr sft: --data must be ift or ift+eft");
    Run run = open_run(a);
    run.pretrain();
    run.sft(d == "ift" ? "SFT" : "M1", d == "ift+eft");
    return 0;
}

int cmd_eval(int argc, char** argv) {
    cxxopts::Options o("sr eval", "Evaluate every model of a run; write report.json, report.md and SVG plots.");
    run_flags(o);
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    Run run = open_run(a, true);
    run.evaluate();
    std::printf("wrote %s/report.json and %s/report.md\n", run.dir().c_str(), run.dir().c_str());
    return 0;
}

int cmd_loop(int argc, char** argv) {
    cxxopts::Options o("sr loop", "The whole loop: M0, SFT, M1, rounds of self-instruct / candidates / judge / pairs / DPO, ablations, eval.");
    run_flags(o);
    o.add_options()("print-config", "print the run configuration as JSON (a starting point for --preset FILE) and exit");
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    if (a.count("print-config")) {
        std::printf("%s\n", run_config_to_json(config_from(a, a["run"].as<std::string>())).dump(2).c_str());
        return 0;
    }
    Run run = open_run(a);
    run.all();
    run.evaluate();
    std::printf("wrote %s/report.json and %s/report.md\n", run.dir().c_str(), run.dir().c_str());
    return 0;
}

int cmd_experiment(int argc, char** argv) {
    cxxopts::Options o("sr experiment", "The loop over several seeds; each metric's mean and 95% intervals of the paired differences M2-M1, M3-M2.");
    o.add_options()("seeds", "number of seeds (1..N)", cxxopts::value<int>()->default_value("3"))(
        "preset", "quick, default, or a JSON file", cxxopts::value<std::string>()->default_value("default"))(
        "out", "folder for the runs (one per seed) and experiment.json", cxxopts::value<std::string>()->default_value("runs/experiment"))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"));
    add_device_flag(o);
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    const int seeds = flag_in<int>(a, "sr experiment", "seeds", 1, 1000);
    apply_threads_flag(a, "sr experiment");
    apply_device_flag(a);
    const std::string out = a["out"].as<std::string>();
    std::vector<json> reports;
    for (int s = 1; s <= seeds; s++) {
        RunConfig c = run_preset(a["preset"].as<std::string>());
        c.seed = static_cast<uint64_t>(s);
        Run run(out + "/seed" + std::to_string(s), c, plain_narrator());
        run.all();
        reports.push_back(run.evaluate());
    }
    // Per metric: mean over seeds for every model, and paired differences between models.
    json result = {{"preset", a["preset"].as<std::string>()}, {"seeds", seeds}, {"models", json::object()}, {"differences", json::object()}};
    auto metric = [](const json& r, const std::string& m, const std::string& group, const std::string& key) -> double {
        if (!r["models"].contains(m)) return NAN;
        const json& v = r["models"][m][group][key];
        return v.is_number() ? v.get<double>() : NAN;
    };
    const std::vector<std::pair<std::string, std::string>> keys = {{"if", "oracle_mean"}, {"if", "exact_pct"}, {"if", "mean_len"},
                                                                   {"rm", "pairwise_acc"}, {"rm", "spearman"}, {"rm", "kendall_tau"}};
    std::printf("\nexperiment over %d seeds (%s preset): mean [95%% interval]\n", seeds, a["preset"].as<std::string>().c_str());
    for (const char* m : {"SFT", "M0", "M1", "M2", "M3", "M2_posonly", "M2_oracle"})
        for (auto& [g, k] : keys) {
            std::vector<double> xs;
            for (const json& r : reports) xs.push_back(metric(r, m, g, k));
            if (std::isnan(xs[0])) continue;
            const stats::Interval iv = stats::mean_ci95(xs);
            result["models"][m][g + "." + k] = json{{"values", xs}, {"mean", iv.mean}, {"lo", std::isfinite(iv.lo) ? json(iv.lo) : json(nullptr)},
                                                   {"hi", std::isfinite(iv.hi) ? json(iv.hi) : json(nullptr)}};
        }
    for (auto [hi, lo] : {std::pair<std::string, std::string>{"M2", "M1"}, {"M3", "M2"}, {"M3", "M1"}, {"M2_oracle", "M1"}, {"M2_oracle", "M2"}})
        for (auto& [g, k] : keys) {
            std::vector<double> d;
            for (const json& r : reports) d.push_back(metric(r, hi, g, k) - metric(r, lo, g, k));
            if (std::isnan(d[0])) continue;
            const stats::Interval iv = stats::mean_ci95(d);
            result["differences"][hi + "-" + lo][g + "." + k] = json{{"values", d}, {"mean", iv.mean}, {"lo", std::isfinite(iv.lo) ? json(iv.lo) : json(nullptr)},
                                                                    {"hi", std::isfinite(iv.hi) ? json(iv.hi) : json(nullptr)}};
            std::printf("  %-12s %-16s %+8.3f  [%+.3f, %+.3f]%s\n", (hi + "-" + lo).c_str(), (g + "." + k).c_str(), iv.mean, iv.lo, iv.hi,
                        (iv.lo > 0 || iv.hi < 0) ? "  (beyond noise)" : "");
        }
    // The judge on its own candidates, per round: within-prompt accuracy against the oracle (chance 50).
    for (const std::string key : {"judge_within_prompt_acc", "pair_oracle_agreement_nontied_pct"})
        for (int r = 0; r < 2; r++) {
            std::vector<double> xs;
            for (const json& rep : reports)
                if (rep["rounds"].size() > static_cast<size_t>(r) && rep["rounds"][r].contains(key) && rep["rounds"][r][key].is_number())
                    xs.push_back(rep["rounds"][r][key].get<double>());
            if (xs.size() != reports.size()) continue;
            const stats::Interval iv = stats::mean_ci95(xs);
            result["rounds"]["round" + std::to_string(r + 1)][key] = json{{"values", xs}, {"mean", iv.mean},
                                                                        {"lo", std::isfinite(iv.lo) ? json(iv.lo) : json(nullptr)},
                                                                        {"hi", std::isfinite(iv.hi) ? json(iv.hi) : json(nullptr)}};
            std::printf("  round %d %-36s %8.1f  [%.1f, %.1f]\n", r + 1, key.c_str(), iv.mean, iv.lo, iv.hi);
        }
    if (dist::is_root()) {
        make_dirs(out);
        write_file_atomic(out + "/experiment.json", result.dump(2) + "\n");
    }
    std::printf("wrote %s/experiment.json\n", out.c_str());
    return 0;
}

// ---------------------------------------------------------------------------------------------
// sr ablate: our recipe, the paper's, and ours with each change switched off, on dev prompts

// The stages a variant can take over from an earlier run of the same seed: a stage is shared
// when every setting it depends on is equal (so its files would be the same bytes).
static std::string stage_key(const RunConfig& c, const std::string& stage) {
    json k = {{"seed", c.seed}, {"world", c.world}, {"world_dir", c.world_dir}, {"vocab_size", c.vocab_size}, {"n_embd", c.n_embd},
              {"n_layer", c.n_layer}, {"n_head", c.n_head}, {"context", c.context}, {"pretrain_steps", c.pretrain_steps},
              {"pretrain_batch", c.pretrain_batch}, {"pretrain_lr", c.pretrain_lr}};
    if (stage == "pretrain") return k.dump();
    k.update(json{{"sft_steps", c.sft_steps}, {"sft_batch", c.sft_batch}, {"sft_lr", c.sft_lr}, {"sft_replay_docs", c.sft_replay_docs},
                  {"sft_ift_repeat", c.sft_ift_repeat}});
    if (stage == "sft_SFT") return k.dump();
    k.update(json{{"eft_policy_samples", c.eft_policy_samples}, {"eft_policy_cap", c.eft_policy_cap}, {"max_response_tokens", c.max_response_tokens}});
    return k.dump();  // sft_M1
}

static void copy_stage(const std::string& from, const std::string& to, const std::string& stage, const std::string& model,
                       const std::vector<std::string>& extra_files) {
    namespace fs = std::filesystem;
    fs::create_directories(to + "/.done");
    fs::copy(from + "/" + model, to + "/" + model, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    for (const std::string& f : extra_files)
        if (fs::exists(from + "/" + f)) fs::copy_file(from + "/" + f, to + "/" + f, fs::copy_options::overwrite_existing);
    fs::copy_file(from + "/.done/" + stage, to + "/.done/" + stage, fs::copy_options::overwrite_existing);  // the marker last
}

int cmd_ablate(int argc, char** argv) {
    cxxopts::Options o("sr ablate",
                       "Our recipe, the paper's recipe, and ours with each change switched off one at a time, over seeds; "
                       "the effect of each on M2 - M1 (and M3 - M2) on the DEV prompts. Stages that do not depend on a "
                       "variant's change (pretraining, SFT) are run once per seed and shared.");
    o.add_options()("preset", "our recipe: default, or a JSON file", cxxopts::value<std::string>()->default_value("default"))(
        "seeds", "number of seeds (1..N)", cxxopts::value<int>()->default_value("1"))(
        "out", "folder for the runs and ablation.json / ablation.md", cxxopts::value<std::string>()->default_value("runs/ablate"))(
        "only", "comma-separated variant names to run (default: all)", cxxopts::value<std::string>()->default_value(""))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"));
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    const int seeds = flag_in<int>(a, "sr ablate", "seeds", 1, 1000);
    apply_threads_flag(a, "sr ablate");
    const std::string out = a["out"].as<std::string>();
    const RunConfig ours = run_preset(a["preset"].as<std::string>());
    std::vector<std::pair<std::string, RunConfig>> variants = {{"ours", ours}, {"paper", paper_recipe(ours)}};
    const json ours_j = run_config_to_json(ours);
    for (const RecipeSetting& r : recipe_settings())
        if (ours_j[r.field] != r.paper) variants.push_back({"ours_without_" + r.field, with_field(ours, r.field, r.paper)});
    std::set<std::string> only;
    if (!a["only"].as<std::string>().empty())
        for (const std::string& v : data::split(a["only"].as<std::string>(), ",")) only.insert(v);
    json result = {{"preset", a["preset"].as<std::string>()}, {"seeds", seeds}, {"variants", json::array()}};
    std::vector<std::vector<std::string>> table = {{"variant", "M1 dev", "M2 dev", "M3 dev", "M2-M1 [95%]", "M3-M2 [95%]", "M2oracle-M1 [95%]",
                                                    "judge% r1", "pairs r1"}};
    for (auto& [name, base] : variants) {
        if (!only.empty() && !only.count(name)) continue;
        std::map<std::string, std::vector<double>> dev;  // model -> per-prompt dev scores, seeds concatenated
        double judge_acc = 0, pairs = 0;
        for (int s = 1; s <= seeds; s++) {
            RunConfig c = base;
            c.seed = static_cast<uint64_t>(s);
            const std::string dir = out + "/" + name + "/seed" + std::to_string(s);
            // take over finished stages from another variant of this seed whose settings match
            for (auto& [other, oc] : variants) {
                RunConfig occ = oc;
                occ.seed = c.seed;
                const std::string odir = out + "/" + other + "/seed" + std::to_string(s);
                if (odir == dir) continue;
                const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> stages = {
                    {"pretrain", "M0", {}}, {"sft_SFT", "SFT", {}}, {"sft_M1", "M1", {"eft_policy.jsonl"}}};
                for (const auto& [stage, model, extra] : stages)
                    if (file_exists(odir + "/.done/" + stage) && !file_exists(dir + "/.done/" + stage) && stage_key(c, stage) == stage_key(occ, stage)) {
                        std::printf("ablate: %s/seed%d takes %s over from %s\n", name.c_str(), s, model.c_str(), other.c_str());
                        copy_stage(odir, dir, stage, model, extra);
                    }
            }
            Run run(dir, c, plain_narrator());
            run.all();
            const json rep = run.evaluate();
            for (const std::string m : {"M1", "M2", "M3", "M2_oracle"}) {
                const std::string cache = dir + "/eval/" + m + ".json";
                if (!file_exists(cache)) continue;
                const json e = read_eval_cache(cache);
                for (const json& x : e["dev_if_scores"]) dev[m].push_back(x.get<double>());
            }
            if (!rep["rounds"].empty()) {
                const json& r1 = rep["rounds"][0];
                judge_acc += r1.contains("judge_within_prompt_acc") && r1["judge_within_prompt_acc"].is_number()
                                 ? r1["judge_within_prompt_acc"].get<double>() / seeds
                                 : NAN;
                pairs += rep["rounds"][0].value("pairs_kept", 0) / static_cast<double>(seeds);
            }
        }
        auto mean_of = [&](const std::string& m) { return dev.count(m) ? stats::mean(dev[m]) : NAN; };
        auto diff = [&](const std::string& hi, const std::string& lo) {
            if (!dev.count(hi) || !dev.count(lo) || dev[hi].size() != dev[lo].size()) return stats::Interval{NAN, NAN, NAN, 0};
            return stats::paired_diff_ci95(dev[hi], dev[lo]);
        };
        const stats::Interval d21 = diff("M2", "M1"), d32 = diff("M3", "M2"), d_or = diff("M2_oracle", "M1");
        auto iv = [](const stats::Interval& x) {
            char b[64];
            std::snprintf(b, sizeof b, "%+.3f [%+.3f, %+.3f]", x.mean, x.lo, x.hi);
            return std::string(b);
        };
        auto f = [](double x, int d) {
            char b[32];
            std::snprintf(b, sizeof b, "%.*f", d, x);
            return std::string(b);
        };
        table.push_back({name, f(mean_of("M1"), 3), f(mean_of("M2"), 3), f(mean_of("M3"), 3), iv(d21), iv(d32), iv(d_or), f(judge_acc, 1), f(pairs, 1)});
        auto jiv = [](const stats::Interval& x) {
            return json{{"mean", std::isfinite(x.mean) ? json(x.mean) : json(nullptr)}, {"lo", std::isfinite(x.lo) ? json(x.lo) : json(nullptr)},
                        {"hi", std::isfinite(x.hi) ? json(x.hi) : json(nullptr)}, {"n", x.n}};
        };
        result["variants"].push_back(json{{"name", name}, {"config", run_config_to_json(base)}, {"M1_dev", mean_of("M1")},
                                          {"M2_dev", mean_of("M2")}, {"M3_dev", mean_of("M3")}, {"M2_minus_M1", jiv(d21)},
                                          {"M3_minus_M2", jiv(d32)}, {"M2_oracle_minus_M1", jiv(d_or)}, {"judge_acc_round1", judge_acc},
                                          {"pairs_round1", pairs}});
    }
    std::string md = "# Ablation (dev prompts, seeds 1.." + std::to_string(seeds) + ")\n\nOracle mean score (0-5) on the dev prompts; "
                     "differences are paired per prompt, seeds pooled, 95% t-intervals. judge% r1: the judge's within-prompt accuracy "
                     "on its own round-1 candidates (chance 50).\n\n";
    for (size_t r = 0; r < table.size(); r++) {
        md += "|";
        for (const std::string& c : table[r]) md += " " + c + " |";
        md += "\n";
        if (r == 0) {
            md += "|";
            for (size_t k = 0; k < table[r].size(); k++) md += "---|";
            md += "\n";
        }
    }
    std::printf("\n%s", md.c_str());
    if (dist::is_root()) {
        make_dirs(out);
        write_file_atomic(out + "/ablation.json", result.dump(2) + "\n");
        write_file_atomic(out + "/ablation.md", md);
    }
    std::printf("wrote %s/ablation.json and %s/ablation.md\n", out.c_str(), out.c_str());
    return 0;
}

int cmd_gap(int argc, char** argv) {
    cxxopts::Options o("sr gap",
                       "The generation-verification gap: on DEV prompts, N samples per prompt scored by the oracle and by the model's own "
                       "judge; mean, greedy, the judge's pick, the oracle's best-of-N, per family, with 95% intervals.");
    o.add_options()("model", "model folder", cxxopts::value<std::string>())(
        "world", "world folder whose dev_if.jsonl gives the prompts (a run's is runs/NAME/world)",
        cxxopts::value<std::string>()->default_value("data/world"))(
        "set", "dev (tuning) or test (held-out: only for a final report)", cxxopts::value<std::string>()->default_value("dev"))(
        "n", "samples per prompt", cxxopts::value<int>()->default_value("8"))(
        "temperature", "sampling temperature of the samples", cxxopts::value<double>()->default_value("1.0"))(
        "judge", "sample (the paper: 3 sampled judgements averaged), greedy, or expected (the score's expectation under the model)",
        cxxopts::value<std::string>()->default_value("sample"))(
        "limit", "use the first N prompts (0 = all)", cxxopts::value<int>()->default_value("0"))(
        "out", "write the rows as JSON here (and an SVG plot beside it)", cxxopts::value<std::string>()->default_value(""))(
        "seed", "seed", cxxopts::value<uint64_t>()->default_value("1"))(
        "threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"));
    cxxopts::ParseResult a;
    if (!parse_flags(o, argc, argv, &a)) return 0;
    if (!a.count("model")) throw std::runtime_error("sr gap: --model DIR is required. HINT: e.g. --model runs/default/M1 --world runs/default/world");
    const std::string set = a["set"].as<std::string>();
    if (set != "dev" && set != "test") throw std::runtime_error("sr gap: --set must be dev or test");
    const int n = flag_in<int>(a, "sr gap", "n", 2, 64, false, "pairs need two samples");
    const double temp = flag_in<double>(a, "sr gap", "temperature", 0.0, 5.0, true);
    const int limit = flag_in<int>(a, "sr gap", "limit", 0, 1000000, false, "0 = all");
    apply_threads_flag(a, "sr gap");
    const std::string world = a["world"].as<std::string>();
    auto rows = data::load_heldout_if(world + (set == "dev" ? "/dev_if.jsonl" : "/heldout_if.jsonl"));
    if (limit > 0 && static_cast<int>(rows.size()) > limit) rows.resize(limit);
    std::vector<std::string> prompts;
    for (const auto& r : rows) prompts.push_back(r.prompt);
    GapOptions g;
    g.samples = n, g.temperature = temp, g.seed = a["seed"].as<uint64_t>();
    g.judge.mode = a["judge"].as<std::string>();
    const LM lm = load_lm(a["model"].as<std::string>());
    const std::vector<GapRow> table = compute_gap(measure_gap(lm, prompts, g));
    std::printf("generation-verification gap of %s on %zu %s prompts, %d samples at T %.2f, judge: %s\n", a["model"].as<std::string>().c_str(),
                prompts.size(), set.c_str(), n, temp, g.judge.mode.c_str());
    std::printf("(oracle scores 0..5: mean of the samples, greedy answer, the self-judge's pick, the best sample; gap = pick - mean;\n"
                " exact/pick%%/best%% = %% score 5; judge%% = pairs of samples ordered like the oracle, ties half, chance 50)\n");
    std::printf("%s", gap_table(table).c_str());
    const std::string out = a["out"].as<std::string>();
    if (!out.empty() && dist::is_root()) {  // rank 0 writes
        write_file_atomic(out, json{{"model", a["model"].as<std::string>()}, {"set", set}, {"samples", n}, {"temperature", temp},
                                    {"judge", g.judge.mode}, {"rows", gap_to_json(table)}}.dump(2) + "\n");
        std::vector<std::string> fams;
        std::vector<svg::BarGroup> groups = {{"mean of samples", {}}, {"greedy", {}}, {"self-judge's pick", {}}, {"oracle's best", {}}};
        for (const GapRow& r : table) {
            fams.push_back(r.family.substr(0, 7));
            groups[0].values.push_back(r.mean), groups[1].values.push_back(r.greedy);
            groups[2].values.push_back(r.judge_pick), groups[3].values.push_back(r.oracle_best);
        }
        write_file_atomic(out + ".svg", svg::bar_chart("generation-verification gap (" + set + ", " + g.judge.mode + " judge)", fams, groups,
                                                       "oracle score"));
        std::printf("wrote %s and %s.svg\n", out.c_str(), out.c_str());
    }
    return 0;
}

}  // namespace sr
