// Bad input of every kind (issue 15): each crash and each silent wrong behaviour that was found
// is reproduced here and must now be a clear error naming the file or the flag.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/cli.h"
#include "data/world.h"
#include "model/bench.h"
#include "model/checkpoint.h"
#include "model/io.h"
#include "model/safetensors.h"
#include "model/tokenizer.h"
#include "selfreward/cli.h"
#include "selfreward/cli_model.h"
#include "selfreward/loop.h"
#include "selfreward/round_files.h"
#include "tests/catch.hpp"

using namespace sr;
using json = nlohmann::json;
using Catch::Contains;

namespace {

// A fresh folder for this process, made on first use and removed at exit.
struct TempDir {
    std::string path = "/tmp/sr_inputs_" + std::to_string(::getpid());
    TempDir() { std::system(("rm -rf " + path + " && mkdir -p " + path).c_str()); }
    ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};
const std::string& test_dir() {
    static const TempDir dir;
    return dir.path;
}

void put(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Narrator quiet() {
    Narrator n;
    n.banner = [](const std::string&, const std::string&, const std::string&) {};
    n.example = [](const std::string&) {};
    n.note = [](const std::string&) {};
    return n;
}

// A micro model folder (1 layer, 8 channels) with a trained tokenizer.
std::string micro_model(const std::string& name) {
    const std::string dir = test_dir() + "/" + name;
    Tokenizer tok;
    tok.train("the cat sat on the mat. the dog ate the hat. " + std::string(100, 'a'), 270,
              {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"});
    GPTConfig c = preset_config("micro");
    c.vocab_size = tok.vocab_size(), c.n_embd = 8, c.n_head = 2, c.n_layer = 1, c.n_positions = 16;
    save_model(dir, GPT(c, 1), tok);
    return dir;
}

// Runs a subcommand in-process; returns the error it throws ("" when none).
std::string run_cmd(int (*cmd)(int, char**), std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(&a[0]);
    try {
        cmd(static_cast<int>(argv.size()), argv.data());
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}


}  // namespace

// ---- crashes ------------------------------------------------------------------------------

TEST_CASE("round files: a row without a field, or judged shorter than candidates, is an error naming file:line", "[inputs]") {
    const std::string dir = test_dir() + "/run";
    std::system(("mkdir -p " + dir + "/round1").c_str());
    RunConfig cfg = run_preset("quick");
    cfg.world_dir = "data/world";
    const std::string judgements = dir + "/round1/judgements.jsonl";
    auto pairs_stage = [&] {
        std::remove((dir + "/.done/pairs_1").c_str());
        Run run(dir, cfg, quiet());
        run.pairs(1);
    };
    // was SIGABRT (nlohmann's assertion on a missing key)
    put(judgements, "{}\n");
    REQUIRE_THROWS_WITH(pairs_stage(), Contains("judgements.jsonl:1: missing field \"prompt\""));
    put(judgements, "{\"prompt\":\"Reverse the word cat.\",\"candidates\":[]}\n");
    REQUIRE_THROWS_WITH(pairs_stage(), Contains("judgements.jsonl:1: missing field \"judged\""));
    // was SIGSEGV (a read past the judged array)
    put(judgements, "{\"prompt\":\"p\",\"candidates\":[{\"text\":\"a\",\"oracle_score\":1}],\"judged\":[]}\n");
    REQUIRE_THROWS_WITH(pairs_stage(), Contains("judgements.jsonl:1: \"judged\" has 0 entries for 1 candidates"));
    // wrong types and ranges
    put(judgements, "{\"prompt\":\"p\",\"candidates\":[{\"text\":\"a\",\"oracle_score\":1}],\"judged\":[{\"mean\":\"5\",\"scores\":[]}]}\n");
    REQUIRE_THROWS_WITH(pairs_stage(), Contains("judged[0]: field \"mean\" must be a number or null, got string"));
    put(judgements, "{\"prompt\":\"p\",\"candidates\":[{\"text\":\"a\",\"oracle_score\":1}],\"judged\":[{\"mean\":1,\"scores\":[7]}]}\n");
    REQUIRE_THROWS_WITH(pairs_stage(), Contains("outside 0..5"));
    // the other round files
    for (const char* f : {"prompts", "candidates", "pairs", "pairs_oracle"}) {
        INFO(f);
        const std::string path = dir + "/round1/" + f + ".jsonl";
        put(path, "{\"prompt\":\"p\"}\n{}\n");
        REQUIRE_THROWS_WITH(read_round_jsonl(path), Contains(std::string(f) + ".jsonl:1: missing field"));
        put(path, "{\"prompt\":\"p\",\"prompt\":\"q\"}\n");
        REQUIRE_THROWS_WITH(read_round_jsonl(path), Contains("appears twice"));
    }
    put(dir + "/round1/pairs.jsonl", "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"chosen_oracle\":3}\n");
    REQUIRE_THROWS_WITH(read_round_jsonl(dir + "/round1/pairs.jsonl"), Contains("missing field \"rejected_oracle\""));
    // a directory in place of a round file
    std::system(("rm -f " + judgements + " && mkdir -p " + judgements).c_str());
    REQUIRE_THROWS_WITH(pairs_stage(), Contains("judgements.jsonl: is a directory"));
}

TEST_CASE("a damaged evaluation cache is an error naming it (was an assertion on a missing key)", "[inputs]") {
    const std::string path = test_dir() + "/M1.json";
    put(path, "{}");
    REQUIRE_THROWS_WITH(read_eval_cache(path), Contains("M1.json: missing field \"if\"") && Contains("HINT: delete"));
    put(path, "{\"if\":{\"oracle_mean\":1,\"exact_pct\":2,\"mean_len\":3,\"finished_pct\":4},\"rm\":{},\"dev_if\":{}}");
    REQUIRE_THROWS_WITH(read_eval_cache(path), Contains("M1.json: rm: missing field \"pairwise_acc\""));
    put(path, "[]");
    REQUIRE_THROWS_WITH(read_gap_cache(path), Contains("M1.json: must be a non-empty JSON array"));  // .back() of it was undefined
}

TEST_CASE("header values cannot make us allocate without end", "[inputs]") {
    const std::string dir = micro_model("alloc");
    // config.json asks for 200 layers: refused before the model is built (the weights hold 1)
    json c = read_json_file(dir + "/config.json");
    c["n_layer"] = 200;
    put(dir + "/config.json", c.dump());
    REQUIRE_THROWS_WITH(load_model(dir), Contains("config.json describes") && Contains("model.safetensors holds"));
    c["n_layer"] = 100000;  // over the cap
    put(dir + "/config.json", c.dump());
    REQUIRE_THROWS_WITH(load_model(dir), Contains("config.json") && Contains("n_layer") && Contains("outside 1..256"));
    c["n_layer"] = 1e300;
    put(dir + "/config.json", c.dump());
    REQUIRE_THROWS_WITH(load_config(dir + "/config.json"), Contains("n_layer\" must be an integer"));
    // the tokenizer: a count the file cannot hold
    put(test_dir() + "/tok.txt", "sr-bpe v1\nspecials 99999999\n<|endoftext|>\nmerges 0\n");
    REQUIRE_THROWS_WITH(Tokenizer::load(test_dir() + "/tok.txt"), Contains("tok.txt:2") && Contains("bytes follow"));
    put(test_dir() + "/tok.txt", "sr-bpe v1\nspecials 0\nmerges 99999999\n");
    REQUIRE_THROWS_WITH(Tokenizer::load(test_dir() + "/tok.txt"), Contains("tok.txt:3"));
    // safetensors: a header length near 2^64
    std::string st(8, '\xff');
    st += "{}";
    put(test_dir() + "/huge.safetensors", st);
    REQUIRE_THROWS_WITH(load_safetensors(test_dir() + "/huge.safetensors"), Contains("huge.safetensors") && Contains("header too large"));
}

// ---- silent wrong behaviour ---------------------------------------------------------------

TEST_CASE("a directory in place of a data file is an error, not an empty file", "[inputs]") {
    const std::string d = test_dir() + "/dirs";
    std::system(("mkdir -p " + d + "/seed_ift.jsonl " + d + "/corpus.txt " + d + "/config.json " + d + "/model.safetensors").c_str());
    REQUIRE_THROWS_WITH(data::load_ift(d + "/seed_ift.jsonl"), Contains("seed_ift.jsonl: is a directory"));
    REQUIRE_THROWS_WITH(data::load_corpus(d + "/corpus.txt"), Contains("corpus.txt: is a directory"));
    REQUIRE_THROWS_WITH(load_config(d + "/config.json"), Contains("config.json: is a directory"));
    REQUIRE_THROWS_WITH(load_safetensors(d + "/model.safetensors"), Contains("model.safetensors: is a directory"));
    REQUIRE_THROWS_WITH(read_file(d), Contains("is a directory"));
}

TEST_CASE("world JSONL: counts and families are checked against manifest.json", "[inputs]") {
    const std::string d = test_dir() + "/world";
    std::system(("mkdir -p " + d + " && cp data/world/heldout_if.jsonl data/world/manifest.json " + d + "/").c_str());
    REQUIRE(data::load_heldout_if(d + "/heldout_if.jsonl").size() == 256);
    // truncated at a line boundary: the count no longer matches
    std::string text = read_file(d + "/heldout_if.jsonl");
    text.resize(text.rfind('\n', text.size() - 2) + 1);
    put(d + "/heldout_if.jsonl", text);
    REQUIRE_THROWS_WITH(data::load_heldout_if(d + "/heldout_if.jsonl"), Contains("255 rows but") && Contains("says 256"));
    // an unknown family (with or without a manifest)
    put(d + "/seed_ift.jsonl", "{\"prompt\":\"p\",\"response\":\"r\",\"family\":\"astrology\"}\n");
    REQUIRE_THROWS_WITH(data::load_ift(d + "/seed_ift.jsonl"), Contains("seed_ift.jsonl: unknown family \"astrology\""));
    // a duplicated key in a row
    put(d + "/seed_ift.jsonl", "{\"prompt\":\"p\",\"response\":\"r\",\"family\":\"reverse\",\"family\":\"add\"}\n");
    REQUIRE_THROWS_WITH(data::load_ift(d + "/seed_ift.jsonl"), Contains("seed_ift.jsonl:1") && Contains("\"family\" appears twice"));
}

TEST_CASE("NaN or Inf in the weights is refused, naming the tensor", "[inputs]") {
    const std::string dir = micro_model("nan");
    StMetadata meta;
    StFile f = load_safetensors(dir + "/model.safetensors", &meta);
    std::vector<float> v = st_to_f32(f["transformer.h.0.mlp.c_fc.weight"], "w");
    v[3] = std::numeric_limits<float>::quiet_NaN();
    f["transformer.h.0.mlp.c_fc.weight"] = st_from_f32(v, f["transformer.h.0.mlp.c_fc.weight"].shape);
    save_safetensors(dir + "/model.safetensors", f, meta);
    REQUIRE_THROWS_WITH(load_model(dir), Contains("transformer.h.0.mlp.c_fc.weight holds NaN"));
    v[3] = std::numeric_limits<float>::infinity();
    f["transformer.h.0.mlp.c_fc.weight"] = st_from_f32(v, f["transformer.h.0.mlp.c_fc.weight"].shape);
    save_safetensors(dir + "/model.safetensors", f, meta);
    REQUIRE_THROWS_WITH(load_model(dir), Contains("holds Inf"));
}

TEST_CASE("duplicate JSON keys are refused at every depth, with the file named", "[inputs]") {
    REQUIRE_THROWS_WITH(parse_json_strict("{\"a\":{\"b\":1,\"b\":2}}", "x.json"), Contains("x.json: ") && Contains("\"b\" appears twice"));
    REQUIRE_NOTHROW(parse_json_strict("[{\"b\":1},{\"b\":2}]", "x.json"));  // the same key in two objects is fine
    REQUIRE_THROWS_WITH(parse_json_strict(std::string(200, '[') + std::string(200, ']'), "deep.json"), Contains("deep.json") && Contains("100 levels"));
    REQUIRE_THROWS_WITH(parse_json_strict("{x", "bad.json"), Contains("bad.json: not valid JSON (") && !Contains("[json.exception"));
    const std::string dir = micro_model("dup");
    put(dir + "/config.json", "{\"vocab_size\":270,\"n_positions\":16,\"n_embd\":8,\"n_layer\":1,\"n_head\":2,\"n_layer\":3}");
    REQUIRE_THROWS_WITH(load_config(dir + "/config.json"), Contains("config.json") && Contains("\"n_layer\" appears twice"));
    put(test_dir() + "/preset.json", "{\"beta\":0.1,\"beta\":0.2}");
    REQUIRE_THROWS_WITH(run_preset(test_dir() + "/preset.json"), Contains("preset.json") && Contains("appears twice"));
    put(test_dir() + "/preset.json", "{\"n_layer\":100000}");
    REQUIRE_THROWS_WITH(run_preset(test_dir() + "/preset.json"), Contains("preset.json") && Contains("n_layer") && Contains("outside 1..256"));
    put(test_dir() + "/preset.json", "{\"pretrain_batch\":-1}");
    REQUIRE_THROWS_WITH(run_preset(test_dir() + "/preset.json"), Contains("pretrain_batch"));
    // safetensors: a key twice inside __metadata__ (was accepted: only the top level was checked)
    StFile f;
    f["w"] = st_from_f32({1, 2}, {2});
    std::string bytes = serialize_safetensors(f, {{"k", "v"}});
    const size_t at = bytes.find("\"k\":\"v\"");
    REQUIRE(at != std::string::npos);
    bytes.replace(at, 7, "\"k\":\"v\",\"k\":\"w\"");
    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= uint64_t(uint8_t(bytes[k])) << (8 * k);
    n += 8;
    for (int k = 0; k < 8; k++) bytes[k] = char((n >> (8 * k)) & 0xff);
    REQUIRE_THROWS_WITH(parse_safetensors(bytes, "meta.safetensors"), Contains("meta.safetensors") && Contains("\"k\" appears twice"));
}

// ---- flags ------------------------------------------------------------------------------------

TEST_CASE("every flag out of its range is an error naming the flag and the range", "[inputs][cli]") {
    const std::string model = micro_model("flags");
    struct Case {
        int (*cmd)(int, char**);
        std::vector<std::string> args;
        std::string expect;
    };
    const std::string out = test_dir() + "/pretrain_out";
    const std::vector<Case> cases = {
        {cmd_pretrain, {"pretrain", "--out", out, "--steps", "-1"}, "--steps must be in [0, 1e+07]"},
        {cmd_pretrain, {"pretrain", "--out", out, "--batch", "-1"}, "--batch must be in [0, 4096]"},
        {cmd_pretrain, {"pretrain", "--out", out, "--lr", "-1"}, "--lr must be in [0, 1]"},
        {cmd_pretrain, {"pretrain", "--out", out, "--lr", "nan"}, "failed to parse"},  // cxxopts refuses it first
        {cmd_pretrain, {"pretrain", "--out", out, "--context", "-1"}, "--context must be in [0, 4096]"},
        {cmd_pretrain, {"pretrain", "--out", out, "--log-every", "0"}, "--log-every must be in [1, 1e+07]"},  // was SIGFPE
        {cmd_pretrain, {"pretrain", "--out", out, "--checkpoint-every", "-5"}, "--checkpoint-every must be in [0, 1e+07]"},
        {cmd_pretrain, {"pretrain", "--out", out, "--threads", "1000"}, "--threads must be in [0, "},
        {cmd_pretrain, {"pretrain", "--out", out, "--threads", "-1"}, "--threads must be in [0, "},
        {cmd_sample, {"sample", "--model", model, "--prompt", "the", "--temperature", "-1"}, "--temperature must be in [0, 100]"},
        {cmd_sample, {"sample", "--model", model, "--prompt", "the", "--top-p", "2"}, "--top-p must be in (0, 1]"},
        {cmd_sample, {"sample", "--model", model, "--prompt", "the", "--top-p", "0"}, "--top-p must be in (0, 1]"},
        {cmd_sample, {"sample", "--model", model, "--prompt", "the", "--top-k", "-5"}, "--top-k must be in [0, "},
        {cmd_sample, {"sample", "--model", model, "--prompt", "the", "--max-new-tokens", "-1"}, "--max-new-tokens must be in [1, 4096]"},
        {cmd_sample, {"sample", "--model", model, "--prompt", "the", "-n", "-1"}, "-n must be in [1, 256]"},
        {cmd_sample, {"sample", "--model", model, "--prompt", "the", "-n", "100000000"}, "-n must be in [1, 256]"},
        {cmd_sample, {"sample", "--model", model, "--prompt", "", "-n", "1"}, "--prompt is empty"},
        {cmd_score, {"score", "--model", model, "--text", "the cat", "--threads", "100000"}, "--threads must be in [0, "},
        {cmd_gap, {"gap", "--model", model, "-n", "1"}, "-n must be in [2, 64]"},
        {cmd_gap, {"gap", "--model", model, "--temperature", "0"}, "--temperature must be in (0, 5]"},
        {cmd_gap, {"gap", "--model", model, "--limit", "-2"}, "--limit must be in [0, 1e+06]"},
        {cmd_experiment, {"experiment", "--seeds", "0"}, "--seeds must be in [1, 1000]"},
        {cmd_ablate, {"ablate", "--seeds", "-3"}, "--seeds must be in [1, 1000]"},
        {cmd_eval, {"eval", "--run", test_dir() + "/never", "--threads", "999"}, "--threads must be in [0, "},
        {bench_train, {"train", "--steps", "0"}, "sr_bench train: --steps must be in [1, 100000]"},
        {bench_train, {"train", "--warmup", "-1"}, "sr_bench train: --warmup must be in [0, 100000]"},
        {bench_generate, {"generate", "--batch", "0"}, "sr_bench generate: --batch must be in [1, 256]"},
        {bench_generate, {"generate", "--new-tokens", "100000"}, "sr_bench generate: --new-tokens must be in [1, 4096]"},
        {bench_ops, {"ops", "--repeats", "0"}, "sr_bench ops: --repeats must be in [1, 10000]"},
        {bench_ops, {"ops", "--threads", "100000"}, "sr_bench ops: --threads must be in [0, "},
    };
    for (const Case& c : cases) {
        std::string line;
        for (const auto& a : c.args) line += a + " ";
        INFO(line);
        CHECK_THAT(run_cmd(c.cmd, c.args), Contains(c.expect));
    }
    struct stat st;
    CHECK(::stat(out.c_str(), &st) != 0);  // nothing was trained or written
}

// ---- standard output carries only results ------------------------------------------------------

TEST_CASE("sr score prints only its JSON on stdout (the banner is on stderr), and sr sample warns of a cut prompt", "[inputs][cli]") {
    const std::string model = micro_model("stdout");
    std::string out;
    {
        FILE* p = ::popen(("./sr score --model " + model + " --text 'the cat sat' --threads 1 2>/dev/null").c_str(), "r");
        REQUIRE(p);
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        REQUIRE(::pclose(p) == 0);
    }
    const json j = json::parse(out);  // the whole of stdout is one JSON value
    CHECK(j.contains("logprobs"));
    std::string err;
    {
        std::string long_prompt;  // digits: never merged by this tokenizer, one token each
        for (int i = 0; i < 40; i++) long_prompt += "12345";
        FILE* p = ::popen(("./sr sample --model " + model + " --prompt " + long_prompt + " --max-new-tokens 2 --threads 1 2>&1 >/dev/null").c_str(), "r");
        REQUIRE(p);
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) err.append(buf, n);
        REQUIRE(::pclose(p) == 0);
    }
    CHECK_THAT(err, Contains("sr | ") && Contains("longer than the model's context of 16: only its last 15 tokens are used"));
}
