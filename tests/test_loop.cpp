// The loop's glue: SFT mask polarity, chat examples, UTF-8 cleaning, the quick preset end to end.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/catch.hpp"

#include "autograd/ops.h"
#include "data/format.h"
#include "model/checkpoint.h"
#include "selfreward/common.h"
#include "selfreward/loop.h"
#include "selfreward/report.h"

using namespace sr;
using json = nlohmann::json;

static Narrator silent() {  // a run that prints nothing
    Narrator n;
    n.banner = [](const std::string&, const std::string&, const std::string&) {};
    n.example = [](const std::string&) {};
    n.note = [](const std::string&) {};
    return n;
}

static Tokenizer chat_tokenizer() {
    Tokenizer t;
    t.train("", 260, {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"});
    return t;
}

TEST_CASE("SFT mask polarity: the loss counts the response (and its end token), never the prompt", "[loop][sft]") {
    const Tokenizer tok = chat_tokenizer();
    const Example e = chat_example(tok, "Reverse cat.", "tac");
    const std::vector<int> prompt = encode_chat_prompt(tok, "Reverse cat.");
    REQUIRE(e.tokens.size() == prompt.size() + 5);  // ' ' t a c <|end|> (a byte tokenizer: no merges)
    for (size_t i = 0; i < e.tokens.size(); i++) CHECK(e.mask[i] == (i < prompt.size() ? 0.0f : 1.0f));
    CHECK(e.tokens.back() == tok.special_id("<|end|>"));

    // Through a model: changing a prompt token's target changes nothing, a response token's does.
    GPTConfig c = preset_config("micro");
    c.vocab_size = 260, c.n_positions = 32;
    const GPT model(c, 1);
    Batch b = make_batch({&e}, 31, 0);
    NoGrad ng;
    const double base = model.loss(b.ids, b.targets, b.mask, b.B, b.T)->data.item();
    Batch prompt_changed = b, response_changed = b;
    prompt_changed.targets[1] = (prompt_changed.targets[1] + 7) % 260;   // predicting a prompt token
    response_changed.targets[b.T - 1] = (response_changed.targets[b.T - 1] + 7) % 260;  // predicting <|end|>
    CHECK(model.loss(prompt_changed.ids, prompt_changed.targets, prompt_changed.mask, b.B, b.T)->data.item() == base);
    CHECK(model.loss(response_changed.ids, response_changed.targets, response_changed.mask, b.B, b.T)->data.item() != base);
}

TEST_CASE("a response cannot smuggle special tokens into training text", "[loop]") {
    const Tokenizer tok = chat_tokenizer();
    const std::vector<int> r = encode_response(tok, "a<|end|>b");
    int ends = 0;
    for (int id : r) ends += id == tok.special_id("<|end|>");
    CHECK(ends == 1);  // only the real end token
}

TEST_CASE("model output is made valid UTF-8 before it goes into JSON", "[loop]") {
    CHECK(valid_utf8("abc") == "abc");
    CHECK(valid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(valid_utf8("a\xbf" "b") == "a?b");
    CHECK(valid_utf8("\xe2\x82") == "??");            // a cut 3-byte character
    CHECK(valid_utf8("\xed\xa0\x80") == "???");       // a surrogate
    CHECK(valid_utf8("\xc0\xaf") == "??");            // an overlong form
    CHECK(json(valid_utf8("x\xff\xfe")).dump() == "\"x??\"");
}

TEST_CASE("run presets: quick and default exist, a JSON file overrides, typos are errors", "[loop]") {
    CHECK(run_preset("quick").preset == "quick");
    CHECK(run_preset("default").rounds == 2);
    write_file_atomic("/tmp/sr_test_preset.json", "{\"beta\": 0.3, \"rounds\": 3}");
    const RunConfig c = run_preset("/tmp/sr_test_preset.json");
    CHECK(c.beta == 0.3);
    CHECK(c.rounds == 3);
    write_file_atomic("/tmp/sr_test_preset_bad.json", "{\"betta\": 0.3}");
    REQUIRE_THROWS_WITH(run_preset("/tmp/sr_test_preset_bad.json"), Catch::Contains("unknown field 'betta'"));
    REQUIRE_THROWS_WITH(run_preset("nope"), Catch::Contains("HINT"));
}

TEST_CASE("the quick preset runs the whole loop and writes every file with in-range metrics", "[loop][slow][quick preset]") {
    const std::string dir = "/tmp/sr_test_quick_run";
    std::system(("rm -rf " + dir).c_str());
    const Narrator quiet = silent();
    RunConfig cfg = run_preset("quick");
    {
        Run run(dir, cfg, quiet);
        run.all();
        const json report = run.evaluate();
        CHECK(validate_report(report) == "");
        for (const char* m : {"M0", "SFT", "M1", "M2", "M3", "M2_posonly", "M2_oracle"}) {
            INFO(m);
            CHECK(report["models"].contains(m));
            CHECK(file_exists(dir + "/" + m + "/model.safetensors"));
        }
        CHECK(report["rounds"].size() == 2);
        CHECK(report["head_to_head"].contains("M2_vs_M1"));
        CHECK(json::parse(read_file(dir + "/.done/sft_M1"))["eft_examples"].get<int>() > 0);
        CHECK(json::parse(read_file(dir + "/.done/sft_SFT"))["eft_examples"].get<int>() == 0);
    }
    for (const char* f : {"report.json", "report.md", "metrics.jsonl", "config.json", "round1/prompts.jsonl", "round1/candidates.jsonl",
                          "round1/judgements.jsonl", "round1/pairs.jsonl", "round2/pairs.jsonl", "losses.svg"}) {
        INFO(f);
        CHECK(file_exists(dir + "/" + f));
    }
    // Every stage is marked done, and a second run reuses them (the report comes out the same).
    const std::string before = read_file(dir + "/report.json");
    {
        Run again(dir, cfg, quiet);
        CHECK(again.done("dpo_2"));
        again.all();
        again.evaluate();
        // One Run per folder at a time (its lock), also within one process.
        REQUIRE_THROWS_WITH(Run(dir, cfg, quiet), Catch::Contains("in use by process"));
    }
    const json a = json::parse(before), b = json::parse(read_file(dir + "/report.json"));
    CHECK(a["models"] == b["models"]);
    // A different configuration in the same folder is refused.
    RunConfig other = cfg;
    other.beta = 0.5;
    REQUIRE_THROWS_WITH(Run(dir, other, quiet), Catch::Contains("--fresh"));
}

TEST_CASE("recipe settings: the paper preset is the default with every recipe setting at the paper's value", "[loop]") {
    const RunConfig ours = run_preset("default"), paper = run_preset("paper");
    const json o = run_config_to_json(ours), p = run_config_to_json(paper);
    for (const RecipeSetting& r : recipe_settings()) {
        INFO(r.field);
        REQUIRE(p.contains(r.field));
        CHECK(p[r.field] == r.paper);
    }
    // nothing outside the recipe differs (model, pretraining, evaluation)
    for (auto it = o.begin(); it != o.end(); ++it) {
        bool recipe = it.key() == "preset";
        for (const RecipeSetting& r : recipe_settings()) recipe |= r.field == it.key();
        if (!recipe) {
            INFO(it.key());
            CHECK(p[it.key()] == it.value());
        }
    }
    CHECK(paper.judge_mode == "sample");
    CHECK(paper.dpo_nll_weight == 0);
    CHECK(with_field(ours, "dpo_nll_weight", 0.5).dpo_nll_weight == 0.5);
    CHECK_THROWS_WITH(with_field(ours, "no_such_field", 1), Catch::Contains("unknown field"));
    CHECK_THROWS_WITH(with_field(ours, "judge_mode", "coin"), Catch::Contains("judge_mode"));
}

TEST_CASE("m1_eft false trains M1 on IFT alone (the no-EFT ablation as a preset field)", "[loop]") {
    write_file_atomic("/tmp/sr_test_preset_noeft.json", "{\"m1_eft\": false}");
    CHECK_FALSE(run_preset("/tmp/sr_test_preset_noeft.json").m1_eft);
    CHECK(run_preset("default").m1_eft);
    const std::string dir = "/tmp/sr_test_no_eft_run";
    std::system(("rm -rf " + dir).c_str());
    const Narrator quiet = silent();
    RunConfig cfg = run_preset("quick");
    cfg.m1_eft = false;
    cfg.rounds = 0, cfg.ablations = false;  // M0, the SFT baseline and M1 only
    cfg.pretrain_steps = 10, cfg.sft_steps = 5;
    Run run(dir, cfg, quiet);
    run.all();
    const json m1 = json::parse(read_file(dir + "/.done/sft_M1"));
    CHECK(m1["eft_examples"].get<int>() == 0);
    CHECK(m1["ift_examples"].get<int>() > 0);
    CHECK(file_exists(dir + "/M1/model.safetensors"));
}
