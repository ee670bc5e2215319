// selfreward/loop.cpp: the stages of the Self-Rewarding loop over one run folder.
#include "selfreward/loop.h"

#include "model/io.h"
#include "selfreward/round_files.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "data/format.h"
#include "data/oracle.h"
#include "data/world.h"
#include "model/checkpoint.h"
#include "model/pretrain.h"
#include "selfreward/cli_model.h"
#include "selfreward/common.h"
#include "selfreward/dpo.h"
#include "selfreward/eval.h"
#include "selfreward/filters.h"
#include "selfreward/gap.h"
#include "selfreward/metrics.h"
#include "selfreward/pairs.h"
#include "selfreward/report.h"
#include "selfreward/stats.h"
#include "tensor/distributed.h"
#include "tensor/ops.h"

namespace sr {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// presets

json run_config_to_json(const RunConfig& c) {
    return json{{"preset", c.preset},
                {"seed", c.seed},
                {"world", c.world},
                {"world_dir", c.world_dir},
                {"vocab_size", c.vocab_size},
                {"n_embd", c.n_embd},
                {"n_layer", c.n_layer},
                {"n_head", c.n_head},
                {"context", c.context},
                {"pretrain_steps", c.pretrain_steps},
                {"pretrain_batch", c.pretrain_batch},
                {"pretrain_lr", c.pretrain_lr},
                {"sft_steps", c.sft_steps},
                {"sft_batch", c.sft_batch},
                {"sft_lr", c.sft_lr},
                {"sft_replay_docs", c.sft_replay_docs},
                {"sft_ift_repeat", c.sft_ift_repeat},
                {"eft_policy_samples", c.eft_policy_samples},
                {"eft_policy_cap", c.eft_policy_cap},
                {"m1_eft", c.m1_eft},
                {"instruct_attempts", c.instruct_attempts},
                {"instruct_max_prompts", c.instruct_max_prompts},
                {"instruct_temperature", c.instruct_temperature},
                {"instruct_top_p", c.instruct_top_p},
                {"prompt_min_chars", c.prompt_min_chars},
                {"prompt_max_chars", c.prompt_max_chars},
                {"max_rouge", c.max_rouge},
                {"candidates", c.candidates},
                {"candidate_temperature", c.candidate_temperature},
                {"candidate_top_p", c.candidate_top_p},
                {"max_response_tokens", c.max_response_tokens},
                {"judge_mode", c.judge_mode},
                {"judge_samples", c.judge_samples},
                {"judge_temperature", c.judge_temperature},
                {"judge_top_p", c.judge_top_p},
                {"max_judgement_tokens", c.max_judgement_tokens},
                {"pair_min_margin", c.pair_min_margin},
                {"pair_merge_identical", c.pair_merge_identical},
                {"beta", c.beta},
                {"dpo_lr", c.dpo_lr},
                {"dpo_epochs", c.dpo_epochs},
                {"dpo_batch", c.dpo_batch},
                {"dpo_nll_weight", c.dpo_nll_weight},
                {"rounds", c.rounds},
                {"ablations", c.ablations},
                {"eval_rm_samples", c.eval_rm_samples},
                {"gap_samples", c.gap_samples},
                {"eval_if_limit", c.eval_if_limit},
                {"eval_rm_limit", c.eval_rm_limit}};
}

// The range of every numeric setting: a preset file cannot ask for a negative batch, a
// temperature of -1 or 10^6 layers (each is an error naming the field and its range).
struct SettingRange {
    const char* field;
    double lo, hi;
    bool integer;
};
static const std::vector<SettingRange>& setting_ranges() {
    static const std::vector<SettingRange> list = {
        {"vocab_size", 257, 1 << 20, true}, {"n_embd", 1, 16384, true}, {"n_layer", 1, 256, true}, {"n_head", 1, 16384, true},
        {"context", 8, 4096, true}, {"pretrain_steps", 0, 1e7, true}, {"pretrain_batch", 1, 4096, true}, {"pretrain_lr", 0, 1, false},
        {"sft_steps", 0, 1e7, true}, {"sft_batch", 1, 4096, true}, {"sft_lr", 0, 1, false}, {"sft_replay_docs", 0, 1e6, true},
        {"sft_ift_repeat", 1, 100, true}, {"eft_policy_samples", 0, 100, true}, {"eft_policy_cap", 0, 1e6, true},
        {"instruct_attempts", 0, 1e6, true}, {"instruct_max_prompts", 0, 1e6, true}, {"instruct_temperature", 0, 10, false},
        {"instruct_top_p", 0, 1, false}, {"prompt_min_chars", 0, 1e5, true}, {"prompt_max_chars", 0, 1e5, true}, {"max_rouge", 0, 1, false},
        {"candidates", 1, 64, true}, {"candidate_temperature", 0, 10, false}, {"candidate_top_p", 0, 1, false},
        {"max_response_tokens", 1, 4096, true}, {"judge_samples", 1, 64, true}, {"judge_temperature", 0, 10, false},
        {"judge_top_p", 0, 1, false}, {"max_judgement_tokens", 1, 4096, true}, {"pair_min_margin", 0, 5, false}, {"beta", 0, 1e3, false},
        {"dpo_lr", 0, 1, false}, {"dpo_epochs", 0, 1000, true}, {"dpo_batch", 1, 4096, true}, {"dpo_nll_weight", 0, 1e3, false},
        {"rounds", 1, 20, true}, {"eval_rm_samples", 1, 64, true}, {"gap_samples", 2, 64, true}, {"eval_if_limit", 0, 1e6, true},
        {"eval_rm_limit", 0, 1e6, true}};
    return list;
}

// Reads every field present in j into c (unknown fields are an error: a typo must not pass).
static void apply_json(RunConfig& c, const json& j, const std::string& where) {
    if (!j.is_object()) fail("run preset", where + ": must be a JSON object of RunConfig fields. HINT: see `./sr loop --print-config`");
    const json known = run_config_to_json(c);
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!known.contains(it.key())) fail("run preset", where + ": unknown field '" + it.key() + "'. HINT: see `./sr loop --print-config`");
    json merged = known;
    merged.update(j);
    for (const SettingRange& r : setting_ranges()) {
        if (r.integer) field_int(merged, r.field, where, static_cast<int64_t>(r.lo), static_cast<int64_t>(r.hi));
        else field_number(merged, r.field, where, r.lo, r.hi);
    }
    for (const char* f : {"preset", "world", "world_dir", "judge_mode"}) require_field(merged, f, JsonType::String, where);
    for (const char* f : {"pair_merge_identical", "ablations"}) require_field(merged, f, JsonType::Bool, where);
    require_field(merged, "seed", JsonType::Integer, where);
    try {
        c.preset = merged["preset"].get<std::string>();
        c.seed = merged["seed"].get<uint64_t>();
        c.world = merged["world"].get<std::string>();
        c.world_dir = merged["world_dir"].get<std::string>();
        c.vocab_size = merged["vocab_size"], c.n_embd = merged["n_embd"], c.n_layer = merged["n_layer"], c.n_head = merged["n_head"];
        c.context = merged["context"];
        c.pretrain_steps = merged["pretrain_steps"], c.pretrain_batch = merged["pretrain_batch"], c.pretrain_lr = merged["pretrain_lr"];
        c.sft_steps = merged["sft_steps"], c.sft_batch = merged["sft_batch"], c.sft_lr = merged["sft_lr"];
        c.sft_replay_docs = merged["sft_replay_docs"];
        c.sft_ift_repeat = merged["sft_ift_repeat"];
        c.eft_policy_samples = merged["eft_policy_samples"], c.eft_policy_cap = merged["eft_policy_cap"];
        c.m1_eft = merged["m1_eft"];
        c.instruct_attempts = merged["instruct_attempts"], c.instruct_max_prompts = merged["instruct_max_prompts"];
        c.instruct_temperature = merged["instruct_temperature"], c.instruct_top_p = merged["instruct_top_p"];
        c.prompt_min_chars = merged["prompt_min_chars"], c.prompt_max_chars = merged["prompt_max_chars"];
        c.max_rouge = merged["max_rouge"];
        c.candidates = merged["candidates"];
        c.candidate_temperature = merged["candidate_temperature"], c.candidate_top_p = merged["candidate_top_p"];
        c.max_response_tokens = merged["max_response_tokens"];
        c.judge_mode = merged["judge_mode"].get<std::string>();
        c.judge_samples = merged["judge_samples"];
        c.judge_temperature = merged["judge_temperature"], c.judge_top_p = merged["judge_top_p"];
        c.max_judgement_tokens = merged["max_judgement_tokens"];
        c.pair_min_margin = merged["pair_min_margin"];
        c.pair_merge_identical = merged["pair_merge_identical"];
        c.beta = merged["beta"], c.dpo_lr = merged["dpo_lr"], c.dpo_epochs = merged["dpo_epochs"], c.dpo_batch = merged["dpo_batch"];
        c.dpo_nll_weight = merged["dpo_nll_weight"];
        c.rounds = merged["rounds"];
        c.ablations = merged["ablations"];
        c.eval_rm_samples = merged["eval_rm_samples"], c.eval_if_limit = merged["eval_if_limit"], c.eval_rm_limit = merged["eval_rm_limit"];
        c.gap_samples = merged["gap_samples"];
    } catch (const json::exception& e) {
        fail("run preset", where + ": a field has the wrong type (" + std::string(e.what()) + ")");
    }
    if (c.judge_mode != "sample" && c.judge_mode != "greedy" && c.judge_mode != "expected")
        fail("run preset", where + ": judge_mode must be sample, greedy or expected (got '" + c.judge_mode + "')");
    if (c.dpo_nll_weight < 0 || c.pair_min_margin < 0 || c.sft_ift_repeat < 1)
        fail("run preset", where + ": dpo_nll_weight and pair_min_margin must be >= 0, sft_ift_repeat >= 1");
}

const std::vector<RecipeSetting>& recipe_settings() {
    static const std::vector<RecipeSetting> list = {
        {"judge_mode", "sample", "judge: 3 sampled judgements averaged (paper) vs the expected score"},
        {"pair_min_margin", 0.0, "pairs: any score difference (paper) vs a minimum margin"},
        {"pair_merge_identical", false, "pairs: identical candidates judged apart (paper) vs as one, judgements pooled"},
        {"dpo_nll_weight", 0.0, "DPO (paper) vs DPO+NLL on the chosen response"},
        {"sft_ift_repeat", 1, "SFT: IFT once (paper) vs repeated"},
        {"eft_policy_samples", 0, "EFT: seed judgements only (paper) vs also the SFT baseline's answers, oracle-labelled"},
        {"candidates", 4, "candidates per prompt: 4 (paper) vs more"},
        {"candidate_temperature", 0.7, "candidate temperature: 0.7 (paper) vs higher"},
    };
    return list;
}

RunConfig with_field(const RunConfig& c, const std::string& field, const json& value) {
    RunConfig out = c;
    apply_json(out, json{{field, value}}, "setting " + field);
    return out;
}

RunConfig paper_recipe(const RunConfig& c) {
    RunConfig out = c;
    for (const RecipeSetting& r : recipe_settings()) out = with_field(out, r.field, r.paper);
    return out;
}

RunConfig run_preset(const std::string& name) {
    RunConfig c;
    if (name == "default") return c;
    if (name == "paper") {
        c = paper_recipe(c);
        c.preset = "paper";
        return c;
    }
    if (name == "quick") {  // a smoke test of every stage in well under a minute; its numbers mean nothing
        c.preset = "quick";
        c.vocab_size = 320, c.n_embd = 48, c.n_layer = 2, c.n_head = 2;
        c.pretrain_steps = 80, c.pretrain_batch = 4;
        c.sft_steps = 30, c.sft_batch = 8;
        c.instruct_attempts = 24, c.instruct_max_prompts = 12;
        c.judge_samples = 2;
        c.max_response_tokens = 16, c.max_judgement_tokens = 40;
        c.dpo_epochs = 1;
        c.eval_if_limit = 24, c.eval_rm_limit = 8;
        c.gap_samples = 4;
        return c;
    }
    if (!file_exists(name)) fail("run preset", "'" + name + "' is neither a preset (quick, default) nor a file. HINT: --preset quick");
    const json j = read_json_file(name);
    if (!j.is_object()) fail("run preset", name + ": must be a JSON object of RunConfig fields");
    apply_json(c, j, name);
    return c;
}

Narrator plain_narrator() {
    Narrator n;
    n.banner = [](const std::string& stage, const std::string&, const std::string& ours) {
        std::printf("\n== %s: %s\n", stage.c_str(), ours.c_str());
        std::fflush(stdout);  // progress should show up at once, also when stdout is a file
    };
    n.example = [](const std::string& t) { std::printf("%s\n", t.c_str()), std::fflush(stdout); };
    n.note = [](const std::string& t) { std::printf("%s\n", t.c_str()), std::fflush(stdout); };
    return n;
}

// ---------------------------------------------------------------------------------------------
// the run folder
//
// Several processes (mpirun; tensor/distributed.h): every rank runs every stage (training
// data-parallel, generation and judging shared out by batches), and rank 0 alone writes the
// folder, which every rank reads (on one machine always; across machines the folder must be on
// a filesystem they share). Whether a file is there is rank 0's answer (another rank could
// look just before or just after rank 0 writes it), and a stage's files are all written before
// any rank starts the next stage (a barrier).

static bool exists_on_root(const std::string& path) {
    std::string yes = dist::is_root() && file_exists(path) ? "1" : "0";
    dist::broadcast(yes);
    return yes == "1";
}

Run::Run(std::string dir, RunConfig config, Narrator narrator, bool fresh)
    : dir_(std::move(dir)), cfg_(std::move(config)), say_(std::move(narrator)) {
    if (dir_.empty() || dir_ == "/" || dir_ == ".") fail("run", "refusing to use '" + dir_ + "' as a run folder. HINT: --run runs/NAME");
    world_ = cfg_.world_dir.empty() ? dir_ + "/world" : cfg_.world_dir;
    if (dist::is_root()) create_or_check(fresh);  // an error there stops every rank (main's dist::abort)
    dist::barrier();
}

void Run::create_or_check(bool fresh) {
    lock_ = std::make_unique<RunLock>(dir_);  // before anything is read or written
    if (fresh) {                               // start over: everything but the lock we hold
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir_, ec))
            if (e.path().filename() != ".lock") remove_tree(e.path().string());
    }
    remove_stale_tmp(dir_, true);  // what killed writes left, anywhere in the run
    make_dirs(dir_ + "/.done");
    const std::string cfg_path = dir_ + "/config.json";
    const json now = run_config_to_json(cfg_);
    if (file_exists(cfg_path)) {
        // an older config.json lacks newer fields: read it like a preset file (defaults filled in)
        RunConfig before_cfg;
        apply_json(before_cfg, read_json_file(cfg_path), cfg_path);
        if (run_config_to_json(before_cfg) != now)
            fail("run", dir_ + " was started with a different configuration. HINT: pass --fresh to start over, or use another --name");
    } else {
        write_file_atomic(cfg_path, now.dump(2) + "\n");
    }
    if (cfg_.world_dir.empty() && !file_exists(world_ + "/manifest.json"))
        data::generate_world(data::load_preset(cfg_.world), 1337, world_, true);  // the shipped world's seed
}

bool Run::done(const std::string& stage) const { return exists_on_root(dir_ + "/.done/" + stage); }

// A model folder has files before its stage has finished (training publishes each checkpoint's
// weights), so "is model X there" means "has the stage that writes X finished".
bool Run::model_done(const std::string& name) const {
    if (name == "M0") return done("pretrain");
    if (name == "SFT" || name == "M1") return done("sft_" + name);
    if (name == "M2_posonly") return done("ablation_posonly");
    if (name == "M2_oracle") return done("ablation_oracle");
    return name.size() >= 2 && name[0] == 'M' && done("dpo_" + std::to_string(std::stoi(name.substr(1)) - 1));  // M_{t+1} = DPO(M_t)
}

void Run::mark_done(const std::string& stage, const json& info) {
    if (dist::is_root()) write_file_atomic(dir_ + "/.done/" + stage, info.dump() + "\n");
}

json Run::stage_info(const std::string& stage) const {
    if (!done(stage)) return json::object();
    const json j = read_json_file(dir_ + "/.done/" + stage);
    if (!j.is_object()) fail("run", dir_ + "/.done/" + stage + ": must be a JSON object. HINT: delete it to run the stage again");
    return j;
}

uint64_t Run::seed_for(const std::string& stage, int round) const {
    // one seed drives everything: each stage gets its own stream derived from it
    uint64_t h = cfg_.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(round) * 1000003ull;
    for (char ch : stage) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ull;
    return splitmix64(h);
}

void Run::timed(const std::string& stage, const std::function<void()>& fn) {
    if (done(stage)) {
        say_.note("(" + stage + ": already done in " + dir_ + ", reusing it)");
        return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dist::is_root()) {
        json info = file_exists(dir_ + "/.done/" + stage + ".info") ? read_json_file(dir_ + "/.done/" + stage + ".info") : json::object();
        if (!info.is_object()) info = json::object();  // a damaged note: the seconds are what matters
        info["seconds"] = s;
        mark_done(stage, info);
        std::remove((dir_ + "/.done/" + stage + ".info").c_str());
    }
    dist::barrier();  // every file of the stage is written before any rank starts the next one
}

static void write_jsonl(const std::string& path, const std::vector<json>& rows) {
    if (!dist::is_root()) return;  // rank 0 writes the run folder
    std::string text;
    for (const json& r : rows) text += r.dump() + "\n";
    write_file_atomic(path, text);
}

// Every row checked against its round file's schema (selfreward/round_files.h).
static std::vector<json> read_jsonl(const std::string& path) {
    if (!file_exists(path)) fail("run", "cannot read " + path + ". HINT: run the stage that writes it first (or ./sr loop)");
    return read_round_jsonl(path);
}

static std::string clip(const std::string& s, size_t n = 90) {
    std::string t;
    for (char c : s) t += c == '\n' ? ' ' : c;
    return t.size() > n ? t.substr(0, n) + "..." : t;
}

// ---------------------------------------------------------------------------------------------
// pretraining and SFT

void Run::pretrain() {
    say_.banner("pretrain M0",
                "The paper starts from Llama 2 70B, a base model pretrained on trillions of tokens: it knows language but "
                "does not yet follow instructions or judge.",
                "We pretrain a " + std::to_string(cfg_.n_layer) + "-layer, d=" + std::to_string(cfg_.n_embd) +
                    " GPT on the task world's corpus (plain sentences showing its skills), so M0 carries the latent abilities.");
    timed("pretrain", [&] {
        PretrainOptions po;
        po.corpus_path = world_ + "/corpus.txt";
        po.special_tokens = chat_special_tokens();  // selfreward/cli_model.h: the chat format's, in id order
        po.out_dir = model_dir("M0");
        po.metrics_path = dir_ + "/metrics.jsonl";
        po.config.vocab_size = cfg_.vocab_size, po.config.n_embd = cfg_.n_embd, po.config.n_layer = cfg_.n_layer;
        po.config.n_head = cfg_.n_head, po.config.n_positions = cfg_.context;
        po.steps = cfg_.pretrain_steps, po.batch = cfg_.pretrain_batch, po.lr = cfg_.pretrain_lr;
        po.warmup = std::max(1, cfg_.pretrain_steps / 20);
        po.log_every = std::max(1, cfg_.pretrain_steps / 10);
        po.checkpoint_every = std::max(1, cfg_.pretrain_steps / 4);
        po.seed = seed_for("pretrain");
        sr::pretrain(po);
    });
    // Show what the base model does with raw text (no chat format).
    LM lm = load_lm(model_dir("M0"));
    SampleOptions so;
    so.temperature = 0, so.max_new_tokens = 24, so.stop_at_newline = true;
    Rng rng(seed_for("pretrain-sample"));
    std::vector<bool> newline(lm.tok.vocab_size());
    for (int i = 0; i < lm.tok.vocab_size(); i++) newline[i] = lm.tok.token_bytes(i).find('\n') != std::string::npos;
    for (const char* p : {"The word cat reversed is", "3 plus 4 is"}) {
        const Generation g = generate(lm.model, {lm.tok.encode(p)}, so, rng, newline)[0];
        say_.example("  M0 continues \"" + std::string(p) + "\" -> \"" + clip(valid_utf8(lm.tok.decode(g.tokens)), 60) + "\"");
    }
}

std::vector<data::EftExample> Run::policy_eft() {
    const std::string path = dir_ + "/eft_policy.jsonl";
    if (!exists_on_root(path)) {
        sft("SFT", false);  // the answers come from the SFT baseline
        say_.note("  policy-like EFT: the SFT baseline answers fresh training prompts " + std::to_string(cfg_.eft_policy_samples) +
                  " times each; the oracle labels the answers");
        LM lm = load_lm(model_dir("SFT"));
        // Fresh training-slice prompts, not the seed IFT prompts: the SFT baseline was trained on
        // those and answers them right, so its answers there are almost all golds (measured: 300
        // of 335 rows). 40 prompts per family, none a seed prompt.
        std::set<std::string> seed_prompts;
        for (const auto& e : data::load_ift(world_ + "/seed_ift.jsonl")) seed_prompts.insert(e.prompt);
        std::vector<std::string> prompts, families;
        const int n_families = static_cast<int>(data::family_names().size());
        for (const data::SampledPrompt& sp : data::sample_prompts(data::world_preset(world_), data::Slice::Train, 40 * n_families,
                                                                  seed_for("eft_policy_prompts")))
            if (!seed_prompts.count(sp.prompt))
                for (int k = 0; k < cfg_.eft_policy_samples; k++) prompts.push_back(sp.prompt), families.push_back(sp.family);
        SampleOptions so;
        so.temperature = 1.0, so.top_p = 1.0, so.max_new_tokens = cfg_.max_response_tokens;
        Rng rng(seed_for("eft_policy"));
        const std::vector<Response> out = respond(lm, prompts, so, rng);
        std::map<std::pair<std::string, int>, int> per_family_score;
        std::set<std::pair<std::string, std::string>> seen;
        std::vector<json> rows;
        for (size_t i = 0; i < out.size(); i++) {
            if (!out[i].finished || !seen.insert({prompts[i], out[i].text}).second) continue;  // a cut-off answer is no example
            const data::OracleResult o = data::oracle(prompts[i], out[i].text, true);
            if (!o.parsed || per_family_score[{families[i], o.score}]++ >= cfg_.eft_policy_cap) continue;
            rows.push_back(json{{"prompt", prompts[i]}, {"response", out[i].text}, {"judgement", data::judgement_text(o)},
                                {"score", o.score}, {"family", families[i]}});
        }
        write_jsonl(path, rows);
        dist::barrier();  // written before any rank reads it
    }
    return data::load_eft(path);
}

void Run::sft(const std::string& out_model, bool with_eft) {
    say_.banner(out_model != "M1" ? "SFT baseline: M0 + IFT" : with_eft ? "SFT: M1 = M0 + IFT + EFT" : "SFT: M1 = M0 + IFT (m1_eft false: no judge data)",
                with_eft ? "M1 is fine-tuned on instruction data (IFT) and evaluation data (EFT: judge prompts with "
                           "judgements ending in 'Score: k'), so one model can both answer and judge."
                         : "The SFT baseline is fine-tuned on the instruction seed (IFT) only (3,200 Open Assistant examples).",
                "Supervised fine-tuning from M0 with the loss on the response tokens only (the prompt is masked out).");
    timed("sft_" + out_model, [&] {
        LM lm = load_lm(model_dir("M0"));
        std::vector<Example> ex;
        for (int rep = 0; rep < cfg_.sft_ift_repeat; rep++)
            for (const auto& e : data::load_ift(world_ + "/seed_ift.jsonl")) ex.push_back(chat_example(lm.tok, e.prompt, e.response));
        const size_t n_ift = ex.size();
        if (with_eft)
            for (const auto& e : data::load_eft(world_ + "/seed_eft.jsonl"))
                ex.push_back(chat_example(lm.tok, data::judge_prompt(e.prompt, e.response), e.judgement));
        if (with_eft && cfg_.eft_policy_samples > 0)
            for (const data::EftExample& e : policy_eft()) ex.push_back(chat_example(lm.tok, data::judge_prompt(e.prompt, e.response), e.judgement));
        const size_t n_eft = ex.size() - n_ift;
        // Replay: the corpus's task-list documents, loss on every token (see RunConfig).
        const std::string corpus = data::load_corpus(world_ + "/corpus.txt");
        const std::string list_head = data::self_instruct_prompt({}).substr(0, data::self_instruct_prompt({}).find('\n') + 1);
        int replayed = 0;
        for (size_t at = 0; at < corpus.size() && replayed < cfg_.sft_replay_docs;) {
            size_t end = corpus.find(data::kEndOfTextToken, at);
            if (end == std::string::npos) end = corpus.size();
            const std::string doc = corpus.substr(at, end - at);
            at = end + std::strlen(data::kEndOfTextToken) + 1;
            if (doc.compare(0, list_head.size(), list_head) != 0) continue;
            Example e;
            e.tokens = lm.tok.encode(doc, false);
            e.mask.assign(e.tokens.size(), 1.0f);
            ex.push_back(std::move(e));
            replayed++;
        }
        if (dist::is_root())  // rank 0 writes the run folder
            write_file_atomic(dir_ + "/.done/sft_" + out_model + ".info",
                              json{{"ift_examples", n_ift}, {"eft_examples", n_eft}, {"replayed_docs", replayed}}.dump() + "\n");
        say_.note("  " + std::to_string(n_ift) + " IFT examples" + (with_eft ? ", " + std::to_string(n_eft) + " EFT examples" : std::string()) +
                  ", " + std::to_string(replayed) + " replayed task lists from the corpus");
        ExampleBatches batches(ex, cfg_.sft_batch, cfg_.context - 1, lm.endoftext_id(), seed_for("sft_" + out_model));
        TrainOptions opt;
        opt.stage = "sft_" + out_model;
        opt.steps = cfg_.sft_steps;
        opt.lr = cfg_.sft_lr;
        opt.warmup = std::max(1, cfg_.sft_steps / 10);
        opt.log_every = std::max(1, cfg_.sft_steps / 5);
        opt.out_dir = model_dir(out_model);
        opt.metrics_path = dir_ + "/metrics.jsonl";
        opt.seed = seed_for("sft_" + out_model);
        train(lm.model, lm.tok, batches, nullptr, opt);
    });
}

// ---------------------------------------------------------------------------------------------
// one round of AIFT(M_t)

void Run::instruct(int round) {
    const std::string model = model_name(round);
    say_.banner("round " + std::to_string(round) + " / self-instruct",
                "New prompts: few-shot prompting with 8 task examples (6 seed + 2 generated), T=0.6, top-p 0.9, then "
                "Self-Instruct's filters (ROUGE-L > 0.7 against kept prompts, length, duplicates).",
                model + " writes new task prompts from a few-shot list; we keep those that pass the filters and do not "
                        "overlap the held-out test prompts.");
    timed("instruct_" + std::to_string(round), [&] {
        LM lm = load_lm(model_dir(model));
        const auto ift = data::load_ift(world_ + "/seed_ift.jsonl");
        std::vector<std::string> seeds;
        for (const auto& e : ift) seeds.push_back(e.prompt);
        std::vector<std::string> earlier = seeds;  // "each round uses new prompts": earlier rounds' too
        for (int r = 1; r < round; r++)
            for (const json& row : read_jsonl(round_dir(r) + "/prompts.jsonl"))
                if (row["kept"].get<bool>()) earlier.push_back(row["prompt"].get<std::string>());
        InstructFilterConfig fc;
        fc.min_chars = cfg_.prompt_min_chars, fc.max_chars = cfg_.prompt_max_chars, fc.max_rouge = cfg_.max_rouge;
        PromptFilter filter(fc, earlier, [](const std::string& p) { return data::overlaps_heldout(p); });
        Rng rng(seed_for("instruct", round));
        SampleOptions so;
        so.temperature = cfg_.instruct_temperature, so.top_p = cfg_.instruct_top_p;
        so.max_new_tokens = 40, so.stop_at_newline = true;
        for (const std::string& sp : lm.tok.specials()) so.stop_ids.push_back(lm.tok.special_id(sp));  // a prompt is plain text
        std::vector<bool> newline(lm.tok.vocab_size());
        for (int i = 0; i < lm.tok.vocab_size(); i++) newline[i] = lm.tok.token_bytes(i).find('\n') != std::string::npos;
        std::vector<std::string> generated;  // kept this round (the 2 generated few-shot examples come from here)
        std::vector<json> rows;
        const int batch = 16;
        for (int done_n = 0; done_n < cfg_.instruct_attempts && static_cast<int>(generated.size()) < cfg_.instruct_max_prompts; done_n += batch) {
            std::vector<std::vector<int>> prompts;
            for (int b = 0; b < batch; b++) {
                std::vector<std::string> shots;
                for (int k = 0; k < 6; k++) shots.push_back(seeds[rng.below(seeds.size())]);
                for (int k = 0; k < 2 && !generated.empty(); k++) shots.push_back(generated[rng.below(generated.size())]);
                for (size_t i = shots.size(); i > 1; i--) std::swap(shots[i - 1], shots[rng.below(i)]);  // mix the 8
                prompts.push_back(lm.tok.encode(data::self_instruct_prompt(shots), false));
            }
            for (const Generation& g : generate(lm.model, prompts, so, rng, newline)) {
                std::vector<int> body = g.tokens;
                if (!body.empty() && lm.tok.is_special(body.back())) body.pop_back();
                const std::string text = valid_utf8(data::self_instruct_extract(lm.tok.decode(body)));
                if (static_cast<int>(generated.size()) >= cfg_.instruct_max_prompts) break;  // enough for this round
                const Verdict v = filter.check_and_add(text);
                const auto task = data::parse_task(text);
                rows.push_back(json{{"prompt", text}, {"kept", v.kept()}, {"reason", to_string(v.reason)}, {"rouge", v.rouge},
                                    {"oracle_family", task ? json(task->family) : json(nullptr)}});
                if (v.kept()) generated.push_back(text);
            }
        }
        make_dirs(round_dir(round));
        write_jsonl(round_dir(round) + "/prompts.jsonl", rows);
        json drops = json::object();
        std::map<std::string, int> reasons;
        for (const json& r : rows) reasons[r["reason"].get<std::string>()]++;
        for (auto& [k, v] : reasons)
            if (k != "kept") drops[k] = v;
        if (dist::is_root())
            write_file_atomic(dir_ + "/.done/instruct_" + std::to_string(round) + ".info",
                          json{{"generated", rows.size()}, {"kept", generated.size()}, {"drops", drops}}.dump());
        say_.note("  generated " + std::to_string(rows.size()) + " prompts, kept " + std::to_string(generated.size()));
        for (size_t i = 0; i < std::min<size_t>(3, generated.size()); i++) say_.example("  new prompt: " + clip(generated[i]));
    });
}

void Run::candidates(int round) {
    const std::string model = model_name(round);
    say_.banner("round " + std::to_string(round) + " / candidates",
                "N=4 candidate responses per new prompt from M_t, T=0.7, top-p 0.9.",
                model + " answers each new prompt " + std::to_string(cfg_.candidates) + " times.");
    timed("candidates_" + std::to_string(round), [&] {
        LM lm = load_lm(model_dir(model));
        std::vector<std::string> prompts;
        for (const json& r : read_jsonl(round_dir(round) + "/prompts.jsonl"))
            if (r["kept"].get<bool>()) prompts.push_back(r["prompt"].get<std::string>());
        std::vector<std::string> asks;
        for (const auto& p : prompts)
            for (int k = 0; k < cfg_.candidates; k++) asks.push_back(p);
        SampleOptions so;
        so.temperature = cfg_.candidate_temperature, so.top_p = cfg_.candidate_top_p, so.max_new_tokens = cfg_.max_response_tokens;
        Rng rng(seed_for("candidates", round));
        const std::vector<Response> out = respond(lm, asks, so, rng);
        std::vector<json> rows;
        for (size_t i = 0; i < prompts.size(); i++) {
            json cands = json::array();
            for (int k = 0; k < cfg_.candidates; k++) {
                const Response& r = out[i * cfg_.candidates + k];
                // The oracle's score is recorded to MEASURE the loop (and for the oracle ablation);
                // the loop itself never reads it.
                const data::OracleResult o = data::oracle(prompts[i], r.text, r.finished);
                cands.push_back(json{{"text", r.text}, {"finished", r.finished}, {"oracle_score", o.parsed ? json(o.score) : json(nullptr)}});
            }
            rows.push_back(json{{"prompt", prompts[i]}, {"candidates", cands}});
        }
        write_jsonl(round_dir(round) + "/candidates.jsonl", rows);
        if (!rows.empty()) {
            say_.example("  prompt: " + clip(rows[0]["prompt"].get<std::string>()));
            for (const json& c : rows[0]["candidates"]) say_.example("    candidate: \"" + clip(c["text"].get<std::string>(), 60) + "\"");
        }
    });
}

JudgeSpec Run::judge_spec() const {
    JudgeSpec j;
    j.mode = cfg_.judge_mode, j.samples = cfg_.judge_samples, j.temperature = cfg_.judge_temperature, j.top_p = cfg_.judge_top_p;
    j.max_tokens = cfg_.max_judgement_tokens;
    return j;
}

void Run::judge(int round) {
    const std::string model = model_name(round);
    say_.banner("round " + std::to_string(round) + " / self-judging",
                "M_t judges each candidate with the additive five-criteria LLM-as-a-Judge prompt, 3 sampled judgements "
                "averaged; a judgement that does not parse is dropped, never counted as 0.",
                model + " judges its own candidates (" +
                    (cfg_.judge_mode == "sample"     ? std::to_string(cfg_.judge_samples) + " sampled judgements each, averaged"
                     : cfg_.judge_mode == "greedy" ? std::string("one greedy judgement each")
                                                   : std::string("the expected score under its own probabilities of the six verdicts")) +
                    ").");
    timed("judge_" + std::to_string(round), [&] {
        LM lm = load_lm(model_dir(model));
        const std::vector<json> cands = read_jsonl(round_dir(round) + "/candidates.jsonl");
        std::vector<std::string> instr, resp;
        for (const json& row : cands)
            for (const json& c : row["candidates"]) {
                instr.push_back(row["prompt"].get<std::string>());
                resp.push_back(c["text"].get<std::string>());
            }
        Rng rng(seed_for("judge", round));
        std::vector<std::vector<std::string>> texts;
        std::vector<std::vector<std::optional<int>>> scores;
        const std::vector<std::optional<double>> means = judge_scores(lm, instr, resp, judge_spec(), rng, &texts, &scores);
        std::vector<json> rows;
        size_t k = 0, unparsed = 0, total = 0;
        for (const json& row : cands) {
            json per = json::array();
            for (size_t c = 0; c < row["candidates"].size(); c++, k++) {
                json sc = json::array();
                for (const auto& s : scores[k]) {
                    total++;
                    if (s) sc.push_back(*s);
                    else unparsed++, sc.push_back(nullptr);
                }
                // "mean": the candidate's self-score (the mean of the parsed samples, or the expected score)
                per.push_back(json{{"judgements", texts[k]}, {"scores", sc}, {"mean", means[k] ? json(*means[k]) : json(nullptr)}});
            }
            rows.push_back(json{{"prompt", row["prompt"]}, {"candidates", row["candidates"]}, {"judged", per}});
        }
        write_jsonl(round_dir(round) + "/judgements.jsonl", rows);
        if (cfg_.judge_mode == "expected")
            say_.note("  " + std::to_string(means.size()) + " candidates scored by their expected score (no sampled judgements)");
        else
            say_.note("  " + std::to_string(total) + " judgements, " + std::to_string(unparsed) + " did not parse");
        if (!texts.empty() && !texts[0].empty())
            say_.example("  a judgement of \"" + clip(resp[0], 40) + "\":\n    " + clip(texts[0][0], 200));
    });
}

void Run::pairs(int round) {
    say_.banner("round " + std::to_string(round) + " / preference pairs",
                "chosen = the highest average score, rejected = the lowest; the prompt is dropped when they tie.",
                "Pairs from the self-assigned scores (oracle scores are recorded beside them only to measure).");
    timed("pairs_" + std::to_string(round), [&] {
        PairStats st;
        std::vector<json> rows;
        for (const json& row : read_jsonl(round_dir(round) + "/judgements.jsonl")) {
            std::vector<std::string> texts;
            std::vector<std::optional<double>> self_scores;
            std::vector<std::vector<double>> samples;  // each candidate's score samples (for merging copies)
            for (size_t c = 0; c < row["candidates"].size(); c++) {
                texts.push_back(row["candidates"][c]["text"].get<std::string>());
                const json& m = row["judged"][c]["mean"];
                self_scores.push_back(m.is_null() ? std::nullopt : std::optional<double>(m.get<double>()));
                std::vector<double> s;
                for (const json& x : row["judged"][c]["scores"])
                    if (!x.is_null()) s.push_back(x.get<double>());
                if (s.empty() && !m.is_null()) s.push_back(m.get<double>());  // expected-score judging: one value
                samples.push_back(s);
            }
            std::vector<int> original(texts.size());  // merged index -> a candidate index
            for (size_t i = 0; i < original.size(); i++) original[i] = static_cast<int>(i);
            if (cfg_.pair_merge_identical) {
                MergedCandidates mc = merge_identical(texts, samples);
                texts = mc.texts, self_scores = mc.scores, original = mc.first_index;
            }
            const auto p = build_preference_pair_from_scores(texts, self_scores, st, cfg_.pair_min_margin);
            if (!p) continue;
            const json& cands = row["candidates"];
            rows.push_back(json{{"prompt", row["prompt"]}, {"chosen", p->chosen}, {"rejected", p->rejected},
                                {"chosen_score", p->chosen_score}, {"rejected_score", p->rejected_score},
                                {"chosen_oracle", cands[original[p->chosen_index]]["oracle_score"]},
                                {"rejected_oracle", cands[original[p->rejected_index]]["oracle_score"]}});
        }
        write_jsonl(round_dir(round) + "/pairs.jsonl", rows);
        if (dist::is_root())
            write_file_atomic(dir_ + "/.done/pairs_" + std::to_string(round) + ".info",
                          json{{"prompts", st.prompts}, {"pairs_kept", st.pairs_kept}, {"dropped_tie", st.dropped_tie},
                               {"dropped_too_few_scored", st.dropped_too_few_scored}, {"dropped_identical", st.dropped_identical}}.dump());
        say_.note("  " + std::to_string(st.pairs_kept) + " pairs from " + std::to_string(st.prompts) + " prompts (ties dropped: " +
                  std::to_string(st.dropped_tie) + ", too few scored: " + std::to_string(st.dropped_too_few_scored) + ")");
        if (!rows.empty())
            say_.example("  pair: " + clip(rows[0]["prompt"].get<std::string>(), 50) + "\n    chosen   \"" + clip(rows[0]["chosen"].get<std::string>(), 50) +
                         "\" (self-score " + json(rows[0]["chosen_score"]).dump() + ")\n    rejected \"" +
                         clip(rows[0]["rejected"].get<std::string>(), 50) + "\" (self-score " + json(rows[0]["rejected_score"]).dump() + ")");
    });
}

void Run::dpo_from_pairs(const std::string& in_model, const std::string& out_model, const std::string& pairs_path, const std::string& stage) {
    LM lm = load_lm(model_dir(in_model));
    std::vector<DpoPair> pairs;
    for (const json& row : read_jsonl(pairs_path)) {
        DpoPair p;
        p.prompt = encode_chat_prompt(lm.tok, row["prompt"].get<std::string>());
        p.chosen = encode_response(lm.tok, row["chosen"].get<std::string>());
        p.rejected = encode_response(lm.tok, row["rejected"].get<std::string>());
        if (static_cast<int>(p.prompt.size() + std::max(p.chosen.size(), p.rejected.size())) > cfg_.context) continue;  // would not fit
        pairs.push_back(std::move(p));
    }
    DpoOptions opt;
    opt.beta = cfg_.beta, opt.lr = cfg_.dpo_lr, opt.epochs = cfg_.dpo_epochs, opt.batch = cfg_.dpo_batch;
    opt.nll_weight = cfg_.dpo_nll_weight;
    opt.seed = seed_for(stage);
    opt.stage = stage;
    opt.metrics_path = dir_ + "/metrics.jsonl";
    opt.log_every = 5;
    const DpoResult r = train_dpo(lm.model, pairs, lm.endoftext_id(), opt);
    if (!dist::is_root()) return;  // rank 0 writes (every rank holds the same model)
    save_model(model_dir(out_model), lm.model, lm.tok);
    write_file_atomic(dir_ + "/.done/" + stage + ".info",
                      json{{"pairs", pairs.size()}, {"loss_first", r.first.loss}, {"loss_last", r.last.loss}, {"accuracies_last", r.last.accuracies},
                           {"margins_last", r.last.margins}, {"rewards_chosen_last", r.last.rewards_chosen},
                           {"rewards_rejected_last", r.last.rewards_rejected}}.dump());
}

void Run::dpo(int round) {
    const std::string in = model_name(round), out = model_name(round + 1);
    say_.banner("round " + std::to_string(round) + " / DPO: " + out + " = DPO(" + in + ")",
                "DPO from M_t with M_t frozen as the reference, beta 0.1: raise the log-probability of chosen over rejected.",
                out + " = " + in + " trained by DPO on its own preference pairs (beta " + json(cfg_.beta).dump() + ").");
    timed("dpo_" + std::to_string(round), [&] { dpo_from_pairs(in, out, round_dir(round) + "/pairs.jsonl", "dpo_" + std::to_string(round)); });
}

// ---------------------------------------------------------------------------------------------
// ablations

void Run::ablation_positive_only() {
    say_.banner("ablation: positive examples only",
                "The paper's appendix fine-tuned on the top-scored responses alone (no rejected side): no gain.",
                "M2_posonly = SFT of M1 on round 1's chosen responses, instead of DPO.");
    timed("ablation_posonly", [&] {
        LM lm = load_lm(model_dir("M1"));
        std::vector<Example> ex;
        for (const json& row : read_jsonl(round_dir(1) + "/pairs.jsonl"))
            ex.push_back(chat_example(lm.tok, row["prompt"].get<std::string>(), row["chosen"].get<std::string>()));
        if (ex.empty()) {
            say_.note("  no pairs in round 1: M2_posonly = M1");
            if (dist::is_root()) save_model(model_dir("M2_posonly"), lm.model, lm.tok);
            return;
        }
        // As many optimizer steps as DPO took on the same pairs, at the DPO learning rate.
        const int steps = std::max(1, static_cast<int>((ex.size() + cfg_.dpo_batch - 1) / cfg_.dpo_batch) * cfg_.dpo_epochs);
        ExampleBatches batches(ex, cfg_.dpo_batch, cfg_.context - 1, lm.endoftext_id(), seed_for("ablation_posonly"));
        TrainOptions opt;
        opt.stage = "ablation_posonly";
        opt.steps = steps, opt.lr = cfg_.dpo_lr, opt.warmup = std::max(1, steps / 10), opt.log_every = std::max(1, steps / 4);
        opt.out_dir = model_dir("M2_posonly");
        opt.metrics_path = dir_ + "/metrics.jsonl";
        opt.seed = seed_for("ablation_posonly");
        train(lm.model, lm.tok, batches, nullptr, opt);
    });
}

void Run::ablation_oracle_pairs() {
    say_.banner("ablation: DPO on oracle preferences",
                "Not in the paper (its truth was human); the upper bound of what a perfect judge would give.",
                "M2_oracle = DPO of M1 on pairs the ORACLE picks from the same round-1 candidates.");
    timed("ablation_oracle", [&] {
        PairStats st;
        std::vector<json> rows;
        for (const json& row : read_jsonl(round_dir(1) + "/candidates.jsonl")) {
            std::vector<std::string> texts;
            std::vector<std::vector<int>> scores;
            for (const json& c : row["candidates"]) {
                texts.push_back(c["text"].get<std::string>());
                scores.push_back(c["oracle_score"].is_null() ? std::vector<int>{} : std::vector<int>{c["oracle_score"].get<int>()});
            }
            const auto p = build_preference_pair(texts, scores, st);
            if (p) rows.push_back(json{{"prompt", row["prompt"]}, {"chosen", p->chosen}, {"rejected", p->rejected},
                                       {"chosen_score", p->chosen_score}, {"rejected_score", p->rejected_score}});
        }
        write_jsonl(round_dir(1) + "/pairs_oracle.jsonl", rows);
        dist::barrier();  // written by rank 0 before any rank reads it below
        say_.note("  " + std::to_string(rows.size()) + " oracle pairs");
        dpo_from_pairs("M1", "M2_oracle", round_dir(1) + "/pairs_oracle.jsonl", "ablation_oracle");
    });
}

// ---------------------------------------------------------------------------------------------
// evaluation and the report

static json nan_to_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// One model on the test prompts (instruction following, reward modelling) and the dev prompts;
// cached in eval/<name>.json (a cache from before the dev split is recomputed).
json Run::evaluate_model(const std::string& name, const std::vector<data::HeldoutIf>& ifs, const std::vector<data::HeldoutIf>& devs,
                         const std::vector<data::HeldoutRm>& rms) {
    const std::string cache = dir_ + "/eval/" + name + ".json";
    json e;
    if (exists_on_root(cache)) {
        e = read_json_file(cache);
        // a current cache: every field used below is checked (an older one is recomputed)
        if (e.is_object() && e.contains("dev_if") && e.contains("if_scores")) e = read_eval_cache(cache);
    }
    if (!e.contains("dev_if") || !e.contains("if_scores")) {
        LM lm = load_lm(model_dir(name));
        const IfEval ie = eval_instruction_following(lm, ifs, cfg_.max_response_tokens);
        const RmEval re = eval_reward_modelling(lm, rms, cfg_.eval_rm_samples, seed_for("eval_rm"));
        const RewardModelMetrics& m = re.metrics;
        e = json{{"if", {{"oracle_mean", ie.oracle_mean}, {"exact_pct", ie.exact_pct}, {"mean_len", ie.mean_len}, {"finished_pct", ie.finished_pct}}},
                 {"rm", {{"pairwise_acc", nan_to_null(m.pairwise_acc_pct)}, {"five_best_pct", nan_to_null(m.five_best_pct)},
                         {"exact_match_pct", nan_to_null(m.exact_match_pct)}, {"spearman", nan_to_null(m.spearman)},
                         {"kendall_tau", nan_to_null(m.kendall_tau)}, {"parse_fail_pct", re.parse_fail_pct}}},
                 {"if_scores", ie.scores},
                 {"if_responses", ie.responses}};
        const IfEval de = eval_instruction_following(lm, devs, cfg_.max_response_tokens);
        e["dev_if"] = json{{"oracle_mean", nan_to_null(de.oracle_mean)}, {"exact_pct", nan_to_null(de.exact_pct)}, {"prompts", devs.size()}};
        e["dev_if_scores"] = de.scores;
        if (dist::is_root()) write_file_atomic(cache, e.dump() + "\n");
    }
    return e;
}

// The generation-verification gap of one model on the dev prompts, judged the run's way (sr gap);
// cached in eval/<name>_gap.json.
json Run::model_gap(const std::string& name, const std::vector<data::HeldoutIf>& devs) {
    const std::string cache = dir_ + "/eval/" + name + "_gap.json";
    if (!exists_on_root(cache)) {
        GapOptions g;
        g.samples = cfg_.gap_samples, g.temperature = 1.0, g.max_response_tokens = cfg_.max_response_tokens;
        g.judge = judge_spec(), g.seed = seed_for("gap");
        std::vector<std::string> prompts;
        for (const auto& d : devs) prompts.push_back(d.prompt);
        const std::string text = gap_to_json(compute_gap(measure_gap(load_lm(model_dir(name)), prompts, g))).dump() + "\n";
        if (dist::is_root()) write_file_atomic(cache, text);
        return json::parse(text);
    }
    return read_gap_cache(cache);
}

// Head-to-head on the test prompts, and paired differences with intervals on the dev prompts.
json Run::comparisons(const std::map<std::string, std::vector<double>>& if_scores,
                      const std::map<std::string, std::vector<double>>& dev_scores) const {
    json out = {{"head_to_head", json::object()}, {"dev_differences", json::object()}};
    auto h2h = [&](const std::string& a, const std::string& b) {
        if (!if_scores.count(a) || !if_scores.count(b)) return;
        const HeadToHead h = head_to_head(if_scores.at(a), if_scores.at(b));
        out["head_to_head"][a + "_vs_" + b] = json{{"win", h.win_pct}, {"tie", h.tie_pct}, {"loss", h.loss_pct}};
    };
    h2h("M1", "SFT");
    for (int t = 2; t <= cfg_.rounds + 1; t++) {
        h2h(model_name(t), "M1");
        h2h(model_name(t), "SFT");
        if (t > 2) h2h(model_name(t), model_name(t - 1));
    }
    h2h("M2_posonly", "M1");
    h2h("M2_oracle", "M1");
    // the numbers tuning may look at: dev prompts, paired per prompt, 95% intervals
    auto dev_diff = [&](const std::string& a, const std::string& b) {
        if (!dev_scores.count(a) || !dev_scores.count(b) || dev_scores.at(a).size() < 2) return;
        const stats::Interval iv = stats::paired_diff_ci95(dev_scores.at(a), dev_scores.at(b));
        out["dev_differences"][a + "-" + b] = json{{"mean", iv.mean}, {"lo", nan_to_null(iv.lo)}, {"hi", nan_to_null(iv.hi)}, {"n", iv.n}};
    };
    for (int t = 2; t <= cfg_.rounds + 1; t++) dev_diff(model_name(t), model_name(t - 1));
    dev_diff("M2_oracle", "M1");
    dev_diff("M2_posonly", "M1");
    return out;
}

// Loop health of round r: prompts, judgements, the judge on its own candidates, pairs, DPO.
json Run::round_health(int r) const {
    json h = {{"round", r}, {"model_in", model_name(r)}, {"model_out", model_name(r + 1)}};
    const json ins = stage_info("instruct_" + std::to_string(r));
    h["prompts_generated"] = ins.value("generated", 0);
    h["prompts_kept"] = ins.value("kept", 0);
    h["filter_drops"] = ins.value("drops", json::object());
    long cands = 0, judgements = 0, unparsed = 0, ties = 0, prompts = 0, oracle_scored = 0;
    std::vector<long> hist(6, 0);
    double self_sum = 0, oracle_sum = 0, len_sum = 0, gap_sum = 0;
    long self_n = 0, oracle_n = 0;
    const std::vector<json> judged = read_jsonl(round_dir(r) + "/judgements.jsonl");
    for (const json& row : judged) {
        prompts++;
        std::set<double> means;
        int scored = 0;
        for (size_t c = 0; c < row["candidates"].size(); c++) {
            cands++;
            len_sum += row["candidates"][c]["text"].get<std::string>().size();
            for (const json& s : row["judged"][c]["scores"]) {
                judgements++;
                if (s.is_null()) unparsed++;
            }
            const json& m = row["judged"][c]["mean"];
            const json& o = row["candidates"][c]["oracle_score"];
            if (!o.is_null()) oracle_sum += o.get<double>(), oracle_n++;
            if (!m.is_null()) {
                const double v = m.get<double>();
                hist[std::min(5L, std::max(0L, std::lround(v)))]++;
                self_sum += v, self_n++, means.insert(v), scored++;
                if (!o.is_null()) gap_sum += v - o.get<double>(), oracle_scored++;
            }
        }
        if (scored >= 2 && means.size() == 1) ties++;
    }
    // The judge on its own candidates: within-prompt accuracy against the oracle (chance
    // 50%), and the round's gap (the oracle score of the judge's pick minus the mean).
    std::vector<GapItem> items;
    for (const json& row : judged) {
        GapItem it;
        bool scorable = row["candidates"].size() >= 2;
        for (size_t c = 0; c < row["candidates"].size() && scorable; c++) {
            const json& o = row["candidates"][c]["oracle_score"];
            const json& m = row["judged"][c]["mean"];
            if (o.is_null()) scorable = false;
            else it.oracle.push_back(o.get<double>()), it.judge.push_back(m.is_null() ? std::nullopt : std::optional<double>(m.get<double>()));
        }
        if (scorable) it.family = "all", items.push_back(std::move(it));
    }
    if (!items.empty()) {
        const GapRow g = compute_gap(items).back();
        h["judge_within_prompt_acc"] = nan_to_null(g.judge_acc);
        h["judge_within_prompt_pairs"] = g.judge_pairs;
        h["judge_tie_pct"] = nan_to_null(g.judge_tie_pct);
        h["gap"] = json{{"mean", nan_to_null(g.gap)}, {"lo", nan_to_null(g.gap_lo)}, {"hi", nan_to_null(g.gap_hi)},
                        {"candidates_mean", g.mean}, {"judge_pick", g.judge_pick}, {"oracle_best", g.oracle_best}};
        h["all_candidates_same_score_pct"] = nan_to_null(g.identical_pct);
    }
    const json pi = stage_info("pairs_" + std::to_string(r));
    // agreement with the oracle over the kept pairs, and over those whose two sides it tells
    // apart (chance: 50%)
    long agree = 0, comparable = 0, nontied = 0;
    for (const json& p : read_jsonl(round_dir(r) + "/pairs.jsonl")) {
        if (p["chosen_oracle"].is_null() || p["rejected_oracle"].is_null()) continue;
        const double c = p["chosen_oracle"].get<double>(), j = p["rejected_oracle"].get<double>();
        comparable++, nontied += c != j;
        agree += c > j;  // a strict win is never a tie, so it counts in both rates
    }
    h["candidates"] = cands;
    h["judgements"] = judgements;
    h["judge_parse_fail_pct"] = judgements ? 100.0 * unparsed / judgements : 0.0;
    h["score_hist"] = hist;
    h["tie_pct"] = prompts ? 100.0 * ties / prompts : 0.0;
    h["pairs_kept"] = pi.value("pairs_kept", 0);
    h["pair_oracle_agreement_pct"] = comparable ? json(100.0 * agree / comparable) : json(nullptr);
    h["pairs_oracle_tied_pct"] = comparable ? json(100.0 * (comparable - nontied) / comparable) : json(nullptr);
    h["pair_oracle_agreement_nontied_pct"] = nontied ? json(100.0 * agree / nontied) : json(nullptr);
    h["pairs_dropped_identical"] = pi.value("dropped_identical", 0);
    h["mean_self_reward"] = self_n ? json(self_sum / self_n) : json(nullptr);
    h["mean_oracle_reward"] = oracle_n ? json(oracle_sum / oracle_n) : json(nullptr);
    // Reward hacking shows as self-reward running ahead of the truth on the same candidates.
    h["self_minus_oracle"] = oracle_scored ? json(gap_sum / oracle_scored) : json(nullptr);
    h["oracle_scorable_pct"] = cands ? 100.0 * oracle_n / cands : 0.0;
    h["mean_response_len"] = cands ? len_sum / cands : 0.0;
    const json di = stage_info("dpo_" + std::to_string(r));
    h["dpo"] = json{{"pairs", di.value("pairs", 0)}, {"loss_first", di.value("loss_first", 0.0)}, {"loss_last", di.value("loss_last", 0.0)},
                    {"accuracies_last", di.value("accuracies_last", 0.0)}, {"margins_last", di.value("margins_last", 0.0)},
                    {"rewards_chosen_last", di.value("rewards_chosen_last", 0.0)},
                    {"rewards_rejected_last", di.value("rewards_rejected_last", 0.0)}};
    return h;
}

// Seconds per finished stage (as their markers recorded them) and their sum.
json Run::stage_seconds(double* total_out) const {
    json secs = json::object();
    double total = 0;
    for (const std::string& st : {std::string("pretrain"), std::string("sft_SFT"), std::string("sft_M1"), std::string("ablation_posonly"),
                                  std::string("ablation_oracle")}) {
        const json i = stage_info(st);
        if (i.contains("seconds")) secs[st] = i["seconds"], total += i["seconds"].get<double>();
    }
    for (int r = 1; r <= cfg_.rounds; r++)
        for (const char* st : {"instruct_", "candidates_", "judge_", "pairs_", "dpo_"}) {
            const json i = stage_info(std::string(st) + std::to_string(r));
            if (i.contains("seconds")) secs[std::string(st) + std::to_string(r)] = i["seconds"], total += i["seconds"].get<double>();
        }
    *total_out = total;
    return secs;
}

json Run::evaluate() {
    say_.banner("evaluation",
                "Instruction following: GPT-4 judges head-to-head on 256 prompts. Reward modelling: agreement of the "
                "model's judgements with held-out human rankings.",
                "The oracle judges: mean score and exact-correct % on 256 held-out prompts (greedy), head-to-head win/tie/loss; "
                "each model's judge against the oracle's ranking of held-out responses.");
    auto ifs = data::load_heldout_if(world_ + "/heldout_if.jsonl");
    // dev prompts: every tuning choice is read from these (worlds made before the dev split have none)
    auto devs = file_exists(world_ + "/dev_if.jsonl") ? data::load_heldout_if(world_ + "/dev_if.jsonl") : std::vector<data::HeldoutIf>{};
    auto rms = data::load_heldout_rm(world_ + "/heldout_rm.jsonl");
    if (cfg_.eval_if_limit > 0 && static_cast<int>(ifs.size()) > cfg_.eval_if_limit) ifs.resize(cfg_.eval_if_limit);
    if (cfg_.eval_if_limit > 0 && static_cast<int>(devs.size()) > cfg_.eval_if_limit) devs.resize(cfg_.eval_if_limit);
    if (cfg_.eval_rm_limit > 0 && static_cast<int>(rms.size()) > cfg_.eval_rm_limit) rms.resize(cfg_.eval_rm_limit);
    make_dirs(dir_ + "/eval");
    json report;
    report["name"] = dir_;
    report["preset"] = cfg_.preset;
    report["seed"] = cfg_.seed;
    report["models"] = json::object();
    std::map<std::string, std::vector<double>> if_scores, dev_scores;
    for (const std::string name : {"M0", "SFT", "M1", "M2", "M3", "M4", "M5", "M2_posonly", "M2_oracle"}) {
        if (!model_done(name)) continue;
        const json e = evaluate_model(name, ifs, devs, rms);
        if_scores[name] = e["if_scores"].get<std::vector<double>>();
        dev_scores[name] = e["dev_if_scores"].get<std::vector<double>>();
        report["models"][name] = json{{"if", e["if"]}, {"rm", e["rm"]}, {"dev_if", e["dev_if"]}};
        say_.note("  " + name + ": oracle mean " + json(e["if"]["oracle_mean"]).dump() + ", exact " + json(e["if"]["exact_pct"]).dump() +
                  "%, judge pairwise acc " + e["rm"]["pairwise_acc"].dump() + "%");
    }
    report["gap"] = json::object();
    if (cfg_.gap_samples >= 2 && !devs.empty())
        for (const std::string name : {"M1", "M2", "M3"}) {
            if (!model_done(name)) continue;
            report["gap"][name] = model_gap(name, devs);
            const json& all = report["gap"][name].back();
            say_.note("  " + name + " on dev: samples " + json(all["mean"]).dump() + ", the judge's pick " + json(all["judge_pick"]).dump() +
                      ", the oracle's best " + json(all["oracle_best"]).dump() + ", judge within-prompt accuracy " + json(all["judge_acc"]).dump() + "%");
        }
    const json cmp = comparisons(if_scores, dev_scores);
    report["head_to_head"] = cmp["head_to_head"];
    report["dev_differences"] = cmp["dev_differences"];
    report["rounds"] = json::array();
    for (int r = 1; r <= cfg_.rounds; r++)
        if (done("pairs_" + std::to_string(r))) report["rounds"].push_back(round_health(r));
    double total = 0;
    report["stage_seconds"] = stage_seconds(&total);
    report["seconds"] = total;
    if (dist::is_root()) write_report(dir_, report, dir_ + "/metrics.jsonl");
    return report;
}

void Run::all() {
    pretrain();
    sft("SFT", false);
    sft("M1", cfg_.m1_eft);
    for (int r = 1; r <= cfg_.rounds; r++) {
        instruct(r);
        candidates(r);
        judge(r);
        pairs(r);
        dpo(r);
        if (r == 1 && cfg_.ablations) {
            ablation_positive_only();
            ablation_oracle_pairs();
        }
    }
}

}  // namespace sr
