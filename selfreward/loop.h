// selfreward/loop.h: the Self-Rewarding loop as resumable stages over one run folder.
//
//   pretrain  M0 on the world corpus                                   runs/NAME/M0/
//   sft       SFT baseline = M0 + IFT;  M1 = M0 + IFT + EFT             runs/NAME/SFT/, M1/
//   round t = 1..rounds, from M_t (M1 first):
//     instruct    new prompts by few-shot prompting M_t, then filters   round<t>/prompts.jsonl
//     candidates  N responses per prompt from M_t                        round<t>/candidates.jsonl
//     judge       M_t scores each candidate, several samples averaged    round<t>/judgements.jsonl
//     pairs       highest vs lowest average; ties dropped                round<t>/pairs.jsonl
//     dpo         M_{t+1} = DPO(M_t, pairs), reference frozen M_t        M<t+1>/
//   ablations (round 1): M2_posonly = SFT of M1 on the chosen responses; M2_oracle = DPO of M1
//     on pairs the oracle picked from the same candidates (a perfect judge's upper bound)
//   eval      every model: instruction following + reward modelling     report.json, report.md
//
// Each stage writes its files atomically and then a marker `.done/<stage>`: the marker (one
// file, written to a temporary name and renamed) is the stage's commit. Running again skips
// finished stages and redoes an unfinished one from its start (training stages resume from
// their model folder's newest checkpoint), so a run killed at any moment continues to the same
// bytes. One process at a time works on a run folder (a lock on runs/NAME/.lock). The oracle
// never feeds the loop: it only measures (and drives the oracle-preference ablation, by design).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/world.h"
#include "model/atomic_io.h"
#include "model/config.h"

namespace sr {

struct JudgeSpec;  // selfreward/gap.h

struct RunConfig {
    std::string preset = "default";
    uint64_t seed = 1;
    // The task world: world_dir if set (e.g. "data/world", the shipped default-difficulty
    // world), else the run generates the world of preset `world` into runs/<name>/world/
    // (0.6 s, deterministic). The loop runs on the easy world by default: at this model size
    // the default world leaves M1 at 13% exact-correct (measured), too weak to judge anything.
    std::string world = "easy";
    std::string world_dir;
    // model (architecture of every model in the run): the tiny preset's shape, but a context of
    // 256 tokens, because a judging turn needs ~150 (the tiny benchmark preset has 128)
    int vocab_size = 1024, n_embd = 128, n_layer = 4, n_head = 4, context = 256;
    // pretraining M0
    // 6,000 steps of 8 x 256 tokens = 12.3M tokens (about 9.5 min on 2 cores). At 1,800 steps
    // (3.7M tokens, the default until session 6) M0 could not yet copy a word from its prompt,
    // and M1 answered 22% of the test prompts exactly; at 7,200, 52% (NOTES.md).
    int pretrain_steps = 6000, pretrain_batch = 8;
    double pretrain_lr = 2e-3;
    // supervised fine-tuning (SFT baseline and M1)
    int sft_steps = 300, sft_batch = 16;
    double sft_lr = 5e-4;
    // SFT also replays this many of the corpus's task-list documents ("Here are some tasks.\n
    // Task: ..."), whole-text loss, so that M_t can still continue a few-shot list of prompts
    // (the paper's 70B model kept that ability through SFT; a tiny one forgets it and
    // self-instruct then yields nothing). The same replay goes into the SFT baseline and M1.
    int sft_replay_docs = 300;
    // Each IFT example appears this many times in SFT (the answers are a few bytes each: once,
    // they are ~1% of the SFT loss beside the judgements and the replay)
    int sft_ift_repeat = 1;
    // Policy-like EFT: M1's judge data also gets the SFT baseline's own answers to fresh
    // training prompts (eft_policy_samples per prompt at T 1.0), labelled by the oracle as the seed EFT
    // is (seed data, built once before the loop: the oracle plays the paper's human raters).
    // The seed EFT's bare answers are almost all golds, so a judge learns "bare answer -> 5";
    // these are answers like the candidates it will judge, right and wrong. At most
    // eft_policy_cap rows per family and score. 0 = off (the paper's EFT).
    int eft_policy_samples = 0, eft_policy_cap = 20;
    // M1's SFT data includes the judge (EFT) examples; false trains M1 on IFT alone, the
    // paper's "no EFT" ablation, in which its judge could not score (tutorial chapter 11's lab)
    bool m1_eft = true;
    // self-instruct
    int instruct_attempts = 400;        // generated prompts per round (before filtering)
    int instruct_max_prompts = 150;     // kept prompts per round at most
    double instruct_temperature = 0.6, instruct_top_p = 0.9;
    int prompt_min_chars = 8, prompt_max_chars = 120;
    // Self-Instruct drops a prompt whose ROUGE-L against a kept one exceeds 0.7. Our world's
    // prompts come from templates: "Reverse the word cat." and "Reverse the word dog." score
    // 0.75, so 0.7 keeps one prompt per template and round (measured: 290 of 400 dropped).
    // 0.9 still drops near-copies; set 0.7 for the paper's rule.
    double max_rouge = 0.9;
    // candidates
    int candidates = 4;
    double candidate_temperature = 0.7, candidate_top_p = 0.9;
    int max_response_tokens = 32;
    // judging: "sample" (the paper: judge_samples sampled judgements averaged), "greedy", or
    // "expected" (the score's expectation under the model's probabilities: judge_expected)
    std::string judge_mode = "sample";
    int judge_samples = 3;
    double judge_temperature = 0.7, judge_top_p = 0.9;
    int max_judgement_tokens = 48;
    // pairs: highest vs lowest self-score; a pair whose scores differ by less than this is a tie
    double pair_min_margin = 0;
    // identical candidates (same text) count as one, their judgements pooled (false: the
    // paper's rule, where noise can make a text both the highest and the lowest: dropped)
    bool pair_merge_identical = false;
    // DPO; dpo_nll_weight > 0 adds the chosen response's NLL (DPO+NLL / RPO; 0 = plain DPO)
    double beta = 0.1, dpo_lr = 1e-4;
    int dpo_epochs = 3, dpo_batch = 8;
    double dpo_nll_weight = 0;
    // loop
    int rounds = 2;
    bool ablations = true;
    // evaluation
    int eval_rm_samples = 1;  // 1 = one greedy judgement per response
    // the generation-verification gap of M1, M2, M3 on the dev prompts (sr gap), this many
    // samples per prompt at T 1.0, judged the way the run judges (0 = not measured)
    int gap_samples = 4;
    int eval_if_limit = 0;    // use only the first N held-out prompts (0 = all 256)
    int eval_rm_limit = 0;    // use only the first N reward-modelling items (0 = all)
};

// "quick" (the whole loop in seconds: a smoke test, not a result), "default" (minutes;
// meant to show the effect), "paper" (the default's model and pretraining with the paper's
// recipe: see paper_recipe), or a JSON file with any RunConfig fields to override "default".
RunConfig run_preset(const std::string& name_or_path);

// The settings in which our recipe departs from the paper's (judging, pairs, DPO, SFT data,
// candidates), each with the paper's value; the model, pretraining and everything else are
// not part of the recipe. paper_recipe(c) is c with every one of them set to the paper's value.
struct RecipeSetting {
    std::string field;     // the RunConfig field (its JSON name)
    nlohmann::json paper;  // the paper's value
    std::string what;      // one line for tables
};
const std::vector<RecipeSetting>& recipe_settings();
RunConfig paper_recipe(const RunConfig& c);
// c with one field set from JSON (throws on an unknown field or a wrong type)
RunConfig with_field(const RunConfig& c, const std::string& field, const nlohmann::json& value);
nlohmann::json run_config_to_json(const RunConfig& c);

// What the stages report to whoever runs them (./sr prints plainly; ./sr_demo narrates).
struct Narrator {
    std::function<void(const std::string& stage, const std::string& paper, const std::string& ours)> banner;
    std::function<void(const std::string& text)> example;  // a real example to show
    std::function<void(const std::string& text)> note;
};
Narrator plain_narrator();

class Run {
public:
    // Locks dir (a second process on it gets a clear error), creates it if missing (fresh:
    // empties it first), removes what killed writes left (*.tmp), and makes the world.
    Run(std::string dir, RunConfig config, Narrator narrator, bool fresh = false);
    const std::string& dir() const { return dir_; }
    const RunConfig& config() const { return cfg_; }

    void pretrain();
    void sft(const std::string& out_model, bool with_eft);  // "SFT" (IFT only) or "M1" (IFT + EFT)
    void instruct(int round);
    void candidates(int round);
    void judge(int round);
    void pairs(int round);
    void dpo(int round);
    void ablation_positive_only();  // M2_posonly
    void ablation_oracle_pairs();   // M2_oracle
    nlohmann::json evaluate();      // evaluates every model present, writes report.json/md
    void all();                     // every stage in order (skipping finished ones)

    std::string model_dir(const std::string& name) const { return dir_ + "/" + name; }
    std::string round_dir(int round) const { return dir_ + "/round" + std::to_string(round); }
    static std::string model_name(int t) { return "M" + std::to_string(t); }
    bool done(const std::string& stage) const;
    bool model_done(const std::string& name) const;  // the stage that writes model `name` has finished

private:
    void create_or_check(bool fresh);  // rank 0: the lock taken (fresh: the folder emptied), config.json written or compared with the run's, the world generated
    void mark_done(const std::string& stage, const nlohmann::json& info = nlohmann::json::object());
    nlohmann::json stage_info(const std::string& stage) const;
    void timed(const std::string& stage, const std::function<void()>& fn);
    void dpo_from_pairs(const std::string& in_model, const std::string& out_model, const std::string& pairs_path,
                        const std::string& stage);
    uint64_t seed_for(const std::string& stage, int round = 0) const;
    JudgeSpec judge_spec() const;
    std::vector<data::EftExample> policy_eft();  // writes/reads eft_policy.jsonl (see RunConfig)
    // the parts of evaluate()
    nlohmann::json evaluate_model(const std::string& name, const std::vector<data::HeldoutIf>& ifs,
                                  const std::vector<data::HeldoutIf>& devs, const std::vector<data::HeldoutRm>& rms);
    nlohmann::json model_gap(const std::string& name, const std::vector<data::HeldoutIf>& devs);
    nlohmann::json comparisons(const std::map<std::string, std::vector<double>>& if_scores,
                               const std::map<std::string, std::vector<double>>& dev_scores) const;
    nlohmann::json round_health(int round) const;
    nlohmann::json stage_seconds(double* total) const;

    std::unique_ptr<RunLock> lock_;  // held for the Run's life
    std::string dir_;
    std::string world_;  // the world folder in use
    RunConfig cfg_;
    Narrator say_;
};

}  // namespace sr
