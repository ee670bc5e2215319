// Tests of the generated world (data/world.h): exact regeneration, the shipped files agree
// with the oracle, held-out sets are disjoint from seeds and corpus, loaders reject bad input.
#include "tests/catch.hpp"

#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "data/cli.h"
#include "data/format.h"
#include "data/oracle.h"
#include "data/textutil.h"
#include "data/world.h"

using namespace sr::data;

static const std::string kWorld = "data/world/";

static std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
static std::string tmp_dir(const std::string& tag) { return "/tmp/sr_test_data_" + tag + "_" + std::to_string(getpid()); }
static void write_file(const std::string& path, const std::string& s) { std::ofstream(path, std::ios::binary) << s; }

static const std::vector<std::string> kFiles = {"corpus.txt", "seed_ift.jsonl", "seed_eft.jsonl", "heldout_if.jsonl",
                                               "heldout_rm.jsonl", "dev_if.jsonl", "dev_rm.jsonl", "words.txt", "facts.txt",
                                               "manifest.json"};

TEST_CASE("the shipped world regenerates byte for byte", "[data][world]") {
    std::string dir = tmp_dir("regen");
    generate_world(load_preset("default"), 1337, dir, true);
    for (const auto& f : kFiles) {
        INFO(f);
        std::string shipped = read_all(kWorld + f), fresh = read_all(dir + "/" + f);
        REQUIRE(!shipped.empty());
        CHECK(shipped.size() == fresh.size());
        CHECK((shipped == fresh));
    }
    // never overwrites silently
    CHECK_THROWS_WITH(generate_world(load_preset("default"), 1337, dir, false), Catch::Contains("--force"));
    // another seed gives another world
    std::string dir2 = tmp_dir("regen2");
    generate_world(load_preset("default"), 7, dir2, true);
    CHECK(read_all(dir2 + "/seed_ift.jsonl") != read_all(dir + "/seed_ift.jsonl"));
    for (const auto& f : kFiles) { std::remove((dir + "/" + f).c_str()); std::remove((dir2 + "/" + f).c_str()); }
    rmdir(dir.c_str());
    rmdir(dir2.c_str());
}

TEST_CASE("shipped seeds agree with the oracle and are balanced", "[data][world]") {
    auto ift = load_ift(kWorld + "seed_ift.jsonl");
    auto eft = load_eft(kWorld + "seed_eft.jsonl");
    auto hif = load_heldout_if(kWorld + "heldout_if.jsonl");
    auto hrm = load_heldout_rm(kWorld + "heldout_rm.jsonl");
    CHECK(ift.size() == 450);
    CHECK(eft.size() == 900);
    CHECK(hif.size() == 256);
    CHECK(hrm.size() >= 100);
    std::map<std::string, int> fam_ift, fam_hif;
    for (const auto& e : ift) {
        auto t = parse_task(e.prompt);
        REQUIRE(t);
        CHECK(t->family == e.family);
        CHECK(e.response == t->answer);
        fam_ift[e.family]++;
    }
    int hist[6] = {0};
    size_t longest = 0;
    for (const auto& e : eft) {
        OracleResult o = oracle(e.prompt, e.response);
        REQUIRE(o.parsed);
        CHECK(o.score == e.score);
        CHECK(e.judgement == judgement_text(o));
        CHECK(parse_score(e.judgement) == e.score);
        hist[e.score]++;
        longest = std::max(longest, (chat_prompt(judge_prompt(e.prompt, e.response)) + e.judgement + kEndToken).size());
    }
    for (int s = 0; s <= 5; s++) CHECK(hist[s] == 150);
    CHECK(longest < 420);  // the judge example fits a small context
    for (const auto& h : hif) {
        auto t = parse_task(h.prompt);
        REQUIRE(t);
        CHECK(t->answer == h.answer);
        fam_hif[h.family]++;
    }
    for (const auto& f : family_names()) {
        INFO(f);
        CHECK(fam_ift[f] >= 25);
        CHECK(fam_hif[f] >= 10);
    }
    for (const auto& h : hrm) {
        REQUIRE(h.responses.size() >= 4);
        std::set<int> distinct(h.scores.begin(), h.scores.end());
        CHECK(distinct.size() == h.scores.size());
        for (size_t i = 0; i < h.responses.size(); i++) CHECK(oracle(h.prompt, h.responses[i]).score == h.scores[i]);
    }
}

TEST_CASE("dev and test sets: disjoint slices of the reserved space, apart from all training data", "[data][world]") {
    // every test instance is in the test slice, every dev instance in the dev slice
    std::set<std::string> test_keys, dev_keys;
    for (const auto& h : load_heldout_if(kWorld + "heldout_if.jsonl")) test_keys.insert(instance_key(*parse_task(h.prompt)));
    for (const auto& h : load_heldout_rm(kWorld + "heldout_rm.jsonl")) test_keys.insert(instance_key(*parse_task(h.prompt)));
    for (const auto& h : load_heldout_if(kWorld + "dev_if.jsonl")) dev_keys.insert(instance_key(*parse_task(h.prompt)));
    for (const auto& h : load_heldout_rm(kWorld + "dev_rm.jsonl")) dev_keys.insert(instance_key(*parse_task(h.prompt)));
    REQUIRE(dev_keys.size() > 50);
    for (const auto& k : test_keys) CHECK(instance_slice(k) == Slice::Test);
    for (const auto& k : dev_keys) {
        CHECK(instance_slice(k) == Slice::Dev);
        CHECK(is_reserved_instance(k));  // so self-instruct's overlaps_heldout filter drops dev prompts too
        CHECK_FALSE(test_keys.count(k));
    }
    // nothing the loop trains on is a dev instance
    for (const auto& e : load_ift(kWorld + "seed_ift.jsonl")) CHECK_FALSE(dev_keys.count(instance_key(*parse_task(e.prompt))));
    for (const auto& e : load_eft(kWorld + "seed_eft.jsonl")) CHECK_FALSE(dev_keys.count(instance_key(*parse_task(e.prompt))));
    const std::string corpus = load_corpus(kWorld + "corpus.txt");
    for (const auto& h : load_heldout_if(kWorld + "dev_if.jsonl")) {
        INFO(h.prompt);
        CHECK(overlaps_heldout(h.prompt));
        CHECK(corpus.find(h.prompt) == std::string::npos);
    }
    // the split is a fixed function of the key: about 40% of reserved instances are dev
    int reserved = 0, dev = 0;
    for (int a = 0; a < 200; a++)
        for (int b = 0; b < 20; b++) {
            const std::string k = "add:" + std::to_string(a) + "," + std::to_string(b);
            if (!is_reserved_instance(k)) { CHECK(instance_slice(k) == Slice::Train); continue; }
            reserved++, dev += instance_slice(k) == Slice::Dev;
        }
    CHECK(dev > reserved * 30 / 100);
    CHECK(dev < reserved * 50 / 100);
}

TEST_CASE("held-out sets overlap neither seeds nor corpus", "[data][world]") {
    auto keys = heldout_instance_keys(kWorld);
    REQUIRE(keys.size() > 100);
    std::set<std::string> heldout_prompts;
    for (const auto& h : load_heldout_if(kWorld + "heldout_if.jsonl")) heldout_prompts.insert(h.prompt);
    for (const auto& h : load_heldout_rm(kWorld + "heldout_rm.jsonl")) heldout_prompts.insert(h.prompt);
    for (const auto& p : heldout_prompts) {
        CHECK(overlaps_heldout(p));
        CHECK(overlaps_heldout(" " + p + "\n"));
    }
    for (const auto& k : keys) CHECK(is_reserved_instance(k));
    for (const auto& e : load_ift(kWorld + "seed_ift.jsonl")) {
        CHECK_FALSE(keys.count(instance_key(*parse_task(e.prompt))));
        CHECK_FALSE(overlaps_heldout(e.prompt));
    }
    for (const auto& e : load_eft(kWorld + "seed_eft.jsonl")) CHECK_FALSE(keys.count(instance_key(*parse_task(e.prompt))));
    CHECK_FALSE(overlaps_heldout("Tell me a joke."));

    std::string corpus = load_corpus(kWorld + "corpus.txt");
    REQUIRE(corpus.size() > 2000000);
    for (const char* marker : {kUserToken, kAssistantToken, kEndToken}) CHECK(corpus.find(marker) == std::string::npos);
    CHECK(corpus.compare(corpus.size() - 14, 14, std::string(kEndOfTextToken) + "\n") == 0);
    for (const auto& p : heldout_prompts) {
        INFO(p);
        CHECK(corpus.find(p) == std::string::npos);
    }
    // answers that are unique text (dash spellings, capitals of a word) never appear for a held-out word
    for (const auto& k : keys) {
        auto colon = k.find(':');
        std::string fam = k.substr(0, colon), word = k.substr(colon + 1);
        if (fam != "spell" && fam != "uppercase") continue;
        Task t = make_task(fam, {word}, 0);
        INFO(k);
        CHECK(corpus.find(" " + t.answer + ".") == std::string::npos);
        CHECK(corpus.find(" " + t.answer + " ") == std::string::npos);
    }
}

TEST_CASE("loaders name the file and line of bad input", "[data][world]") {
    std::string path = tmp_dir("bad") + ".jsonl";
    const std::string good = "{\"prompt\":\"Reverse the word cat.\",\"response\":\"tac\",\"family\":\"reverse\"}\n";
    auto expect_error = [&](const std::string& content, const std::string& what) {
        write_file(path, content);
        INFO(content);
        CHECK_THROWS_WITH(load_ift(path), Catch::Contains(path + ":2:") && Catch::Contains(what));
    };
    write_file(path, good + good);
    CHECK(load_ift(path).size() == 2);
    expect_error(good + "{\"prompt\": \"x\", \n", "not valid JSON");
    expect_error(good + "{\"prompt\":\"x\",\"family\":\"reverse\"}\n", "missing field \"response\"");
    expect_error(good + "{\"prompt\":1,\"response\":\"tac\",\"family\":\"reverse\"}\n", "must be a string");
    expect_error(good + "{\"prompt\":\"\xff\",\"response\":\"tac\",\"family\":\"reverse\"}\n", "invalid UTF-8");
    expect_error(good + "[1,2]\n", "not a JSON object");
    expect_error(good + "\n" + good, "empty line");
    const std::string eft_ok = "{\"prompt\":\"a\",\"response\":\"b\",\"judgement\":\"Score: 1\",\"score\":1,\"family\":\"add\"}\n";
    write_file(path, eft_ok + "{\"prompt\":\"a\",\"response\":\"b\",\"judgement\":\"j\",\"score\":\"1\",\"family\":\"add\"}\n");
    CHECK_THROWS_WITH(load_eft(path), Catch::Contains(path + ":2:") && Catch::Contains("integer"));
    write_file(path, eft_ok + "{\"prompt\":\"a\",\"response\":\"b\",\"judgement\":\"j\",\"score\":9,\"family\":\"add\"}\n");
    CHECK_THROWS_WITH(load_eft(path), Catch::Contains(path + ":2:") && Catch::Contains("0..5"));
    const std::string rm_ok = "{\"prompt\":\"a\",\"family\":\"add\",\"responses\":[\"x\",\"y\"],\"scores\":[1,2]}\n";
    write_file(path, rm_ok + "{\"prompt\":\"a\",\"family\":\"add\",\"responses\":[\"x\"],\"scores\":[1,2]}\n");
    CHECK_THROWS_WITH(load_heldout_rm(path), Catch::Contains(path + ":2:") && Catch::Contains("differ in length"));
    write_file(path, rm_ok + "{\"prompt\":\"a\",\"family\":\"add\",\"responses\":\"x\",\"scores\":[1]}\n");
    CHECK_THROWS_WITH(load_heldout_rm(path), Catch::Contains(path + ":2:") && Catch::Contains("must be an array"));
    write_file(path, "ok line\nbad \xc3\x28 line\n");
    CHECK_THROWS_WITH(load_corpus(path), Catch::Contains(path + ":2:") && Catch::Contains("invalid UTF-8"));
    std::remove(path.c_str());
    CHECK_THROWS_WITH(load_ift("/nonexistent/x.jsonl"), Catch::Contains("/nonexistent/x.jsonl"));
}

TEST_CASE("presets differ, round-trip through JSON, and reject bad knobs", "[data][world]") {
    Preset e = load_preset("easy"), d = load_preset("default"), h = load_preset("hard");
    CHECK(e.knobs.at("add").num_max < d.knobs.at("add").num_max);
    CHECK(d.knobs.at("add").num_max < h.knobs.at("add").num_max);
    CHECK(e.knobs.at("reverse").word_max < h.knobs.at("reverse").word_max);
    CHECK_THROWS_WITH(load_preset("nonsense"), Catch::Contains("HINT"));
    std::string path = tmp_dir("preset") + ".json";
    write_file(path, preset_to_json(h));
    Preset back = load_preset(path);
    CHECK(preset_to_json(back) == preset_to_json(h));
    write_file(path, "{\"knobs\": {\"reverse\": {\"word_min\": 6, \"word_max\": 3}}}");
    CHECK_THROWS_WITH(load_preset(path), Catch::Contains("out of range"));
    write_file(path, "{\"knobs\": {\"nope\": {}}}");
    CHECK_THROWS_WITH(load_preset(path), Catch::Contains("unknown family"));
    std::remove(path.c_str());
}

TEST_CASE("sr oracle and sr world flags", "[data][cli]") {
    auto run = [](std::vector<std::string> args, int (*cmd)(int, char**)) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(&a[0]);
        return cmd((int)argv.size(), argv.data());
    };
    CHECK(run({"oracle", "--help"}, cmd_oracle) == 0);
    CHECK(run({"oracle", "--prompt", "Reverse the word cat.", "--response", "tac"}, cmd_oracle) == 0);
    CHECK(run({"oracle", "--prompt", "Tell me a joke.", "--response", "tac"}, cmd_oracle) != 0);
    CHECK(run({"oracle", "--bogus"}, cmd_oracle) != 0);
    CHECK(run({"world", "--help"}, cmd_world) == 0);
    CHECK(run({"world", "--bogus"}, cmd_world) != 0);
    CHECK(run({"world", "--preset", "nonsense"}, cmd_world) != 0);
    CHECK(run({"world"}, cmd_world) != 0);  // data/world exists: refuses without --force
    CHECK(run({"world", "--stats"}, cmd_world) == 0);
}
