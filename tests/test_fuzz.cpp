// Fuzzing every file reader: mutated files (byte flips, truncations, inserted and deleted
// bytes, bad UTF-8, huge numbers, duplicated keys, an empty file, a directory in place of the
// file) must give either a result or a std::runtime_error whose message names the file; never
// another exception type (a nlohmann or std::stol message without the file, bad_alloc), and
// never a crash (the test process would die).
//
// In `make test` each reader gets a few hundred mutations from fixed seeds (deterministic, a
// few seconds). The long mode runs one reader (or all) for a number of seconds per reader:
//   SR_FUZZ_SECONDS=600 SR_FUZZ_READER=safetensors ./sr_tests "[fuzz]"
// (readers: safetensors, model, config, tokenizer, world_ift, world_eft, world_heldout_rm,
// world_manifest, round_prompts, round_candidates, round_judgements, round_pairs, run_config,
// eval_cache; SR_FUZZ_SEED picks another seed). It prints iterations and findings; a crash leaves the file that caused
// it at the path it prints.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "data/world.h"
#include "model/checkpoint.h"
#include "model/io.h"
#include "model/safetensors.h"
#include "model/tokenizer.h"
#include "selfreward/loop.h"
#include "selfreward/round_files.h"
#include "tests/catch.hpp"

using namespace sr;
using json = nlohmann::json;

namespace {

const std::string kFuzzDir = "/tmp/sr_fuzz_" + std::to_string(::getpid());

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// ---- mutations ----------------------------------------------------------------------------

// One mutation of `in`, chosen by rng; `kind` says which (for the report).
std::string mutate(const std::string& in, std::mt19937_64& rng, std::string* kind) {
    std::string s = in;
    auto below = [&](size_t n) { return n == 0 ? size_t(0) : static_cast<size_t>(rng() % n); };
    const char* specials[] = {"{", "}", "[", "]", "\"", ",", ":", "\n", "\xff", "\xc3\x28", "\xe2\x82", "\\u0000", "null", "-1",
                              "1e999", "99999999999999999999", "18446744073709551615", "-9223372036854775809", "1.5", "true", "0"};
    switch (rng() % 10) {
        case 0: {  // flip bits of a few bytes
            *kind = "bit flips";
            const int n = 1 + static_cast<int>(below(4));
            for (int k = 0; k < n && !s.empty(); k++) s[below(s.size())] ^= static_cast<char>(1u << below(8));
            break;
        }
        case 1: {  // cut the file short (also at a line boundary)
            *kind = "truncation";
            size_t at = below(s.size() + 1);
            if (rng() % 2) {
                const size_t nl = s.rfind('\n', at);
                at = nl == std::string::npos ? 0 : nl + 1;
            }
            s.resize(at);
            break;
        }
        case 2: {  // insert random bytes
            *kind = "inserted bytes";
            std::string ins(1 + below(8), '\0');
            for (char& c : ins) c = static_cast<char>(rng());
            s.insert(below(s.size() + 1), ins);
            break;
        }
        case 3: {  // delete a range
            *kind = "deleted bytes";
            if (!s.empty()) {
                const size_t at = below(s.size());
                s.erase(at, 1 + below(std::min<size_t>(16, s.size() - at)));
            }
            break;
        }
        case 4: {  // insert a JSON-ish token (structure, bad UTF-8, huge or negative numbers)
            *kind = "inserted token";
            s.insert(below(s.size() + 1), specials[below(sizeof specials / sizeof *specials)]);
            break;
        }
        case 5: {  // replace a run of digits by a huge / negative / fractional number
            *kind = "huge number";
            std::vector<size_t> starts;
            for (size_t i = 0; i < s.size(); i++)
                if (isdigit(static_cast<unsigned char>(s[i])) && (i == 0 || !isdigit(static_cast<unsigned char>(s[i - 1])))) starts.push_back(i);
            if (!starts.empty()) {
                const size_t at = starts[below(starts.size())];
                size_t end = at;
                while (end < s.size() && isdigit(static_cast<unsigned char>(s[end]))) end++;
                const char* nums[] = {"99999999", "2147483648", "99999999999999999999", "18446744073709551615", "1e300", "-1", "0", "1.5"};
                s.replace(at, end - at, nums[below(8)]);
            }
            break;
        }
        case 6: {  // duplicate a key: copy a `"key":` at the start of an object
            *kind = "duplicated key";
            const size_t q = s.find("{\"", below(s.size() + 1));
            if (q != std::string::npos) {
                const size_t colon = s.find("\":", q + 2);
                const size_t comma = colon == std::string::npos ? colon : s.find_first_of(",}", colon);
                if (comma != std::string::npos) s.insert(q + 1, s.substr(q + 1, comma - q - 1) + ",");
            }
            break;
        }
        case 7: {  // a line repeated or dropped
            *kind = "line repeated or dropped";
            std::vector<size_t> lines = {0};
            for (size_t i = 0; i + 1 < s.size(); i++)
                if (s[i] == '\n') lines.push_back(i + 1);
            const size_t k = below(lines.size());
            const size_t end = s.find('\n', lines[k]);
            const std::string line = s.substr(lines[k], end == std::string::npos ? std::string::npos : end - lines[k] + 1);
            if (rng() % 2) s.insert(lines[k], line);
            else s.erase(lines[k], line.size());
            break;
        }
        case 8: {  // overwrite a byte with a random one
            *kind = "random byte";
            if (!s.empty()) s[below(s.size())] = static_cast<char>(rng());
            break;
        }
        default: {  // two mutations at once
            std::string k1, k2;
            s = mutate(mutate(s, rng, &k1), rng, &k2);
            *kind = k1 + " + " + k2;
        }
    }
    return s;
}

// ---- the readers ----------------------------------------------------------------------------

struct Reader {
    std::string name;
    std::string file;  // the file that is mutated
    std::string seed;  // its valid contents
    std::function<void()> read;
};

Narrator quiet_narrator() {
    Narrator n;
    n.banner = [](const std::string&, const std::string&, const std::string&) {};
    n.example = [](const std::string&) {};
    n.note = [](const std::string&) {};
    return n;
}

std::string first_lines(const std::string& path, int n) {
    std::ifstream in(path);
    std::string line, out;
    for (int i = 0; i < n && std::getline(in, line); i++) out += line + "\n";
    return out;
}

std::vector<Reader> make_readers() {
    std::vector<Reader> rs;
    std::system(("rm -rf " + kFuzzDir + " && mkdir -p " + kFuzzDir).c_str());

    // safetensors: a small file with two tensors and metadata
    {
        StFile f;
        f["w"] = st_from_f32({1, 2, 3, 4, 5, 6}, {2, 3});
        f["b"] = st_from_f32({0.5f, -1}, {2});
        const std::string path = kFuzzDir + "/t.safetensors";
        save_safetensors(path, f, {{"step", "12"}});
        rs.push_back({"safetensors", path, read_file(path), [path] { StMetadata m; load_safetensors(path, &m); }});
    }
    // a model folder (micro GPT): its weights, config.json and tokenizer.txt
    {
        const std::string dir = kFuzzDir + "/model";
        Tokenizer tok;
        tok.train("the cat sat on the mat. the dog ate the hat. " + std::string(200, 'a'), 270, {"<|endoftext|>"});
        GPTConfig c = preset_config("micro");
        c.vocab_size = tok.vocab_size(), c.n_embd = 8, c.n_head = 2, c.n_layer = 1, c.n_positions = 8;
        save_model(dir, GPT(c, 1), tok);
        rs.push_back({"model", dir + "/model.safetensors", read_file(dir + "/model.safetensors"), [dir] {
                          Tokenizer t;
                          load_model(dir, &t);
                      }});
        rs.push_back({"config", dir + "/config.json", read_file(dir + "/config.json"), [dir] { load_config(dir + "/config.json"); }});
        rs.push_back({"tokenizer", dir + "/tokenizer.txt", read_file(dir + "/tokenizer.txt"), [dir] { Tokenizer::load(dir + "/tokenizer.txt"); }});
    }
    // the world's JSONL (a few rows each, no manifest beside them), and one folder with a manifest
    {
        const std::string dir = kFuzzDir + "/world";
        ::mkdir(dir.c_str(), 0755);
        for (const char* f : {"seed_ift", "seed_eft", "heldout_rm"}) write_bytes(dir + "/" + f + ".jsonl", first_lines(std::string("data/world/") + f + ".jsonl", 6));
        rs.push_back({"world_ift", dir + "/seed_ift.jsonl", read_file(dir + "/seed_ift.jsonl"), [dir] { data::load_ift(dir + "/seed_ift.jsonl"); }});
        rs.push_back({"world_eft", dir + "/seed_eft.jsonl", read_file(dir + "/seed_eft.jsonl"), [dir] { data::load_eft(dir + "/seed_eft.jsonl"); }});
        rs.push_back({"world_heldout_rm", dir + "/heldout_rm.jsonl", read_file(dir + "/heldout_rm.jsonl"),
                      [dir] { data::load_heldout_rm(dir + "/heldout_rm.jsonl"); }});
        const std::string mdir = kFuzzDir + "/world_m";
        ::mkdir(mdir.c_str(), 0755);
        write_bytes(mdir + "/heldout_if.jsonl", first_lines("data/world/heldout_if.jsonl", 4));
        json m = read_json_file("data/world/manifest.json");
        m["counts"]["heldout_if"] = 4;
        write_bytes(mdir + "/manifest.json", m.dump(2));
        rs.push_back({"world_manifest", mdir + "/manifest.json", read_file(mdir + "/manifest.json"),
                      [mdir] {
                          data::load_heldout_if(mdir + "/heldout_if.jsonl");
                          data::world_preset(mdir);  // the world's preset, as the loop reads it
                      }});
    }
    // a run's round files; judgements and pairs are also read by the stages that use them
    {
        const std::string dir = kFuzzDir + "/run";
        const std::string r1 = dir + "/round1";
        std::system(("mkdir -p " + r1).c_str());
        const json cand = json::array({json{{"text", "tac"}, {"finished", true}, {"oracle_score", 5}},
                                       json{{"text", "cat"}, {"finished", true}, {"oracle_score", 1}},
                                       json{{"text", "ta"}, {"finished", false}, {"oracle_score", nullptr}}});
        const json judged = json::array({json{{"judgements", {"Score: 5", "Score: 4"}}, {"scores", {5, 4}}, {"mean", 4.5}},
                                         json{{"judgements", {"Score: 2", "??"}}, {"scores", {2, nullptr}}, {"mean", 2}},
                                         json{{"judgements", {"??", "??"}}, {"scores", {nullptr, nullptr}}, {"mean", nullptr}}});
        std::string prompts, cands, judgements, pairs;
        for (const char* p : {"Reverse the word cat.", "Reverse the word dog."}) {
            prompts += json{{"prompt", p}, {"kept", true}, {"reason", "kept"}, {"rouge", 0.2}, {"oracle_family", "reverse"}}.dump() + "\n";
            cands += json{{"prompt", p}, {"candidates", cand}}.dump() + "\n";
            judgements += json{{"prompt", p}, {"candidates", cand}, {"judged", judged}}.dump() + "\n";
            pairs += json{{"prompt", p}, {"chosen", "tac"}, {"rejected", "cat"}, {"chosen_score", 4.5}, {"rejected_score", 2},
                          {"chosen_oracle", 5}, {"rejected_oracle", 1}}.dump() + "\n";
        }
        prompts += json{{"prompt", "Say hi."}, {"kept", false}, {"reason", "too_short"}, {"rouge", 0}, {"oracle_family", nullptr}}.dump() + "\n";
        write_bytes(r1 + "/prompts.jsonl", prompts);
        write_bytes(r1 + "/candidates.jsonl", cands);
        write_bytes(r1 + "/judgements.jsonl", judgements);
        write_bytes(r1 + "/pairs.jsonl", pairs);
        RunConfig cfg = run_preset("quick");
        cfg.world_dir = "data/world";  // the shipped world: no world is generated
        rs.push_back({"round_prompts", r1 + "/prompts.jsonl", prompts, [r1] { read_round_jsonl(r1 + "/prompts.jsonl"); }});
        rs.push_back({"round_candidates", r1 + "/candidates.jsonl", cands, [r1] { read_round_jsonl(r1 + "/candidates.jsonl"); }});
        rs.push_back({"round_judgements", r1 + "/judgements.jsonl", judgements, [dir, cfg] {
                          // the pairs stage reads every field of every judgement (sr pairs)
                          std::remove((dir + "/.done/pairs_1").c_str());
                          Run run(dir, cfg, quiet_narrator());
                          run.pairs(1);
                      }});
        rs.push_back({"round_pairs", r1 + "/pairs.jsonl", pairs, [r1] { read_round_jsonl(r1 + "/pairs.jsonl"); }});
        // the evaluation cache of a model (sr eval reads it back instead of evaluating again)
        const json eval = {{"if", {{"oracle_mean", 2.5}, {"exact_pct", 40.0}, {"mean_len", 9.5}, {"finished_pct", 100.0}}},
                           {"rm", {{"pairwise_acc", 55.0}, {"five_best_pct", nullptr}, {"exact_match_pct", 10.0}, {"spearman", 0.1},
                                   {"kendall_tau", 0.05}, {"parse_fail_pct", 3.0}}},
                           {"if_scores", {5, 0, 3}}, {"if_responses", {"a", "b", "c"}},
                           {"dev_if", {{"oracle_mean", 2.0}, {"exact_pct", 33.3}, {"prompts", 3}}}, {"dev_if_scores", {1, 5, 0}}};
        // a run's config.json / a --preset file
        const std::string preset_text = run_config_to_json(run_preset("quick")).dump(2);
        rs.push_back({"run_config", kFuzzDir + "/preset.json", preset_text, [] { run_preset(kFuzzDir + "/preset.json"); }});
        rs.push_back({"eval_cache", dir + "/M1.json", eval.dump(), [dir] { read_eval_cache(dir + "/M1.json"); }});
    }
    for (const Reader& r : rs) {  // each reader reads its valid file
        INFO(r.name);
        write_bytes(r.file, r.seed);
        REQUIRE_NOTHROW(r.read());
    }
    return rs;
}

// One case: the reader on `bytes` (or on a directory in place of the file). Returns "" when it
// read the file or threw std::runtime_error naming the file, else what went wrong.
std::string try_case(const Reader& r, const std::string& bytes, bool directory, bool* threw) {
    ::unlink(r.file.c_str());  // the file, or the empty directory of the case before
    ::rmdir(r.file.c_str());
    if (directory) ::mkdir(r.file.c_str(), 0755);
    else write_bytes(r.file, bytes);
    std::string finding;
    const std::string name = r.file.substr(r.file.rfind('/') + 1);
    try {
        r.read();
    } catch (const std::runtime_error& e) {
        *threw = true;
        if (std::string(e.what()).find(name) == std::string::npos) finding = std::string("error without the file's name: ") + e.what();
    } catch (const std::exception& e) {
        finding = std::string("not a clean error (") + typeid(e).name() + "): " + e.what();
    }
    if (directory) ::rmdir(r.file.c_str());
    return finding;
}

// Runs n mutations (or until `seconds` pass, when > 0) of one reader; returns the findings.
// *refused counts the cases that were a clean error (the rest read fine).
std::vector<std::string> fuzz_reader(const Reader& r, uint64_t seed, int n, double seconds, long* iterations, long* refused) {
    std::vector<std::string> findings;
    std::mt19937_64 rng(seed);
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    long i = 0;
    for (; seconds > 0 ? elapsed() < seconds : i < n; i++) {
        std::string kind = "directory in place of the file", bytes;
        const bool directory = i == 0;
        if (i == 1) kind = "empty file";
        else if (i > 1) bytes = mutate(r.seed, rng, &kind);
        bool threw = false;
        const std::string f = try_case(r, bytes, directory, &threw);
        *refused += threw;
        if (!f.empty()) {
            findings.push_back(r.name + " case " + std::to_string(i) + " (" + kind + "): " + f);
            write_bytes(kFuzzDir + "/finding_" + r.name + "_" + std::to_string(i), bytes);
        }
        if (seconds > 0 && i % 1000 == 0) std::fprintf(stderr, "fuzz %s: %ld cases, %zu findings, %.0f s\n", r.name.c_str(), i, findings.size(), elapsed());
    }
    write_bytes(r.file, r.seed);
    *iterations = i;
    return findings;
}

}  // namespace

TEST_CASE("fuzz: every file reader gives a result or an error naming the file, never a crash", "[fuzz]") {
    const std::vector<Reader> readers = make_readers();
    const char* secs_env = std::getenv("SR_FUZZ_SECONDS");
    const char* only = std::getenv("SR_FUZZ_READER");
    const char* seed_env = std::getenv("SR_FUZZ_SEED");
    const double seconds = secs_env ? std::atof(secs_env) : 0;
    const uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : 2026;
    bool any = false;
    for (size_t k = 0; k < readers.size(); k++) {
        const Reader& r = readers[k];
        if (only && *only && r.name != only) continue;
        any = true;
        long iterations = 0, refused = 0;
        const std::vector<std::string> findings = fuzz_reader(r, seed + k, 300, seconds, &iterations, &refused);
        if (seconds > 0 || std::getenv("SR_FUZZ_VERBOSE"))
            std::printf("fuzz %-18s %8ld cases (%ld clean errors, %ld read fine) in %.0f s, %zu findings\n", r.name.c_str(), iterations, refused,
                        iterations - refused, seconds, findings.size()),
                std::fflush(stdout);
        for (const std::string& f : findings) FAIL_CHECK(f);
        CHECK(findings.empty());
    }
    CHECK(any);  // SR_FUZZ_READER named a reader
    std::system(("rm -rf " + kFuzzDir).c_str());
}
