// Tests for the byte-level BPE tokenizer (model/tokenizer.h): exact round trips on any bytes,
// special tokens, the merge order on a tiny known example, determinism, the model file.
#include "tests/catch.hpp"

#include "model/tokenizer.h"
#include "tensor/rng.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using sr::Tokenizer;

namespace {

const std::vector<std::string> kSpecials = {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"};

// The splitmix64 stream of tensor/rng.h: same bytes on every platform
struct SplitMix {
    uint64_t s;
    uint64_t next() { return sr::splitmix64(s); }
};

// A small English-like corpus with numbers and chat markers, deterministic.
std::string make_corpus(size_t approx_bytes, uint64_t seed) {
    const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "reverse", "sort", "letters",
                           "what", "is", "plus", "answer", "count", "how", "many", "word", "list",
                           "and", "of", "to", "in", "string", "number", "first", "last"};
    const int nw = sizeof(words) / sizeof(words[0]);
    SplitMix rng{seed};
    std::string s;
    while (s.size() < approx_bytes) {
        int len = 3 + (int)(rng.next() % 10);
        for (int i = 0; i < len; ++i) {
            if (i) s += ' ';
            if (rng.next() % 7 == 0) s += std::to_string(rng.next() % 1000);
            else s += words[rng.next() % nw];
        }
        s += (rng.next() % 3 == 0) ? "?\n" : ".\n";
        if (rng.next() % 20 == 0) s += "<|endoftext|>";
    }
    return s;
}

std::string tmp_path(const std::string& name) { return "/tmp/sr_test_tokenizer_" + name; }

void write_file(const std::string& path, const std::string& contents) {
    std::ofstream f(path, std::ios::binary);
    f << contents;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

const Tokenizer& trained() {
    static Tokenizer t = [] {
        Tokenizer tok;
        tok.train(make_corpus(60000, 1), 330, kSpecials);
        return tok;
    }();
    return t;
}

}  // namespace

TEST_CASE("tokenizer: untrained tokenizer is the identity on bytes", "[tokenizer]") {
    Tokenizer t;
    REQUIRE(t.vocab_size() == 256);
    std::string s("a\0b\xff", 4);
    std::vector<int> ids = t.encode(s);
    REQUIRE(ids == std::vector<int>{'a', 0, 'b', 255});
    REQUIRE(t.decode(ids) == s);
}

TEST_CASE("tokenizer: known tiny example merges aa, then ab, then (aa)(ab)", "[tokenizer]") {
    // minbpe's Wikipedia example. Pairs in "aaabdaaabac": aa x4 -> 256. Then "ZabdZabac":
    // Za x2 and ab x2 tie; the lower pair (97, 98) wins -> 257. Then "ZYdZYac": ZY x2 -> 258.
    Tokenizer t;
    t.train("aaabdaaabac", 256 + 3, {});
    REQUIRE(t.num_merges() == 3);
    REQUIRE(t.merges()[0] == std::make_pair(97, 97));
    REQUIRE(t.merges()[1] == std::make_pair(97, 98));
    REQUIRE(t.merges()[2] == std::make_pair(256, 257));
    REQUIRE(t.token_bytes(258) == "aaab");
    REQUIRE(t.encode("aaabdaaabac") == std::vector<int>{258, 'd', 258, 'a', 'c'});
}

TEST_CASE("tokenizer: training stops early when no pairs are left", "[tokenizer]") {
    Tokenizer t;
    t.train("ab ab", 1000, {"<|end|>"});
    // chunks "ab", " ab": merges (a,b), then (' ', ab)
    REQUIRE(t.num_merges() == 2);
    REQUIRE(t.vocab_size() == 256 + 2 + 1);
    REQUIRE(t.special_id("<|end|>") == 258);
}

TEST_CASE("tokenizer: pre-split chunks", "[tokenizer]") {
    using V = std::vector<std::string>;
    REQUIRE(Tokenizer::split_chunks("Hello, world 123!") ==
            V{"Hello", ",", " world", " ", "1", "2", "3", "!"});
    REQUIRE(Tokenizer::split_chunks("a  b\n\nc") == V{"a", " ", " b", "\n\n", "c"});
    REQUIRE(Tokenizer::split_chunks("x (y)") == V{"x", " (", "y", ")"});
    REQUIRE(Tokenizer::split_chunks("caf\xc3\xa9 ok") == V{"caf\xc3\xa9", " ok"});
    REQUIRE(Tokenizer::split_chunks("").empty());
    // runs longer than 64 bytes are cut into 64-byte chunks
    std::vector<std::string> long_run = Tokenizer::split_chunks(" " + std::string(150, 'x'));
    REQUIRE(long_run == V{" " + std::string(63, 'x'), std::string(64, 'x'), std::string(23, 'x')});
    std::vector<std::string> spaces = Tokenizer::split_chunks(std::string(70, ' ') + "a");
    REQUIRE(spaces == V{std::string(64, ' '), std::string(5, ' '), " a"});
}

TEST_CASE("tokenizer: round trip on random bytes, including 0x00, 0xFF and invalid UTF-8",
          "[tokenizer]") {
    const Tokenizer& t = trained();
    SplitMix rng{42};
    for (int trial = 0; trial < 50; ++trial) {
        std::string s;
        size_t len = rng.next() % 500;
        for (size_t i = 0; i < len; ++i) s += (char)(rng.next() & 0xff);
        if (trial == 0) s = std::string("\x00\xff\xfe\xc3(\x80\x80", 7) + s;  // invalid UTF-8
        std::vector<int> ids = t.encode(s);
        for (int id : ids) REQUIRE((id >= 0 && id < t.vocab_size()));
        REQUIRE(t.decode(ids) == s);
        REQUIRE(t.decode(t.encode(s, false)) == s);
    }
}

TEST_CASE("tokenizer: merges compress the text they were trained on", "[tokenizer]") {
    const Tokenizer& t = trained();
    REQUIRE(t.num_merges() == 330 - 256 - 4);
    std::string text = make_corpus(5000, 7);
    std::vector<int> ids = t.encode(text);
    REQUIRE(t.decode(ids) == text);
    REQUIRE(ids.size() * 2 < text.size());  // words like " reverse" become one token
}

TEST_CASE("tokenizer: digits are never merged", "[tokenizer]") {
    Tokenizer t;
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "x" + std::to_string(i * 7919 % 1000) + " 12 345 ";
    t.train(text, 300, {});
    REQUIRE(t.num_merges() > 0);
    for (int id = 256; id < t.vocab_size(); ++id) {
        for (char c : t.token_bytes(id)) REQUIRE(!(c >= '0' && c <= '9'));
    }
    std::vector<int> ids = t.encode("12345");
    REQUIRE(ids == std::vector<int>{'1', '2', '3', '4', '5'});
}

TEST_CASE("tokenizer: specials are single ids; allow_special=false encodes them as text",
          "[tokenizer]") {
    const Tokenizer& t = trained();
    const int eot = t.special_id("<|endoftext|>"), user = t.special_id("<|user|>");
    const int asst = t.special_id("<|assistant|>"), end = t.special_id("<|end|>");
    REQUIRE(eot == 256 + t.num_merges());
    REQUIRE(end == t.vocab_size() - 1);
    REQUIRE(t.is_special(user));
    REQUIRE(!t.is_special(255));
    REQUIRE(!t.is_special(256));
    REQUIRE_THROWS_WITH(t.special_id("<|nope|>"), Catch::Contains("not a special token"));

    std::string chat = "<|user|>reverse abc<|end|><|assistant|>cba<|end|><|endoftext|>";
    std::vector<int> ids = t.encode(chat);
    REQUIRE(ids.front() == user);
    REQUIRE(ids.back() == eot);
    int n_special = 0;
    for (int id : ids) n_special += t.is_special(id);
    REQUIRE(n_special == 5);
    REQUIRE(std::count(ids.begin(), ids.end(), end) == 2);
    REQUIRE(std::count(ids.begin(), ids.end(), asst) == 1);
    REQUIRE(t.decode(ids) == chat);

    std::vector<int> plain = t.encode(chat, false);
    for (int id : plain) REQUIRE(!t.is_special(id));
    REQUIRE(t.decode(plain) == chat);

    // a special glued to text and a partial special
    std::string tricky = "ab<|end|>cd<|en<|end|";
    std::vector<int> tr = t.encode(tricky);
    REQUIRE(std::count(tr.begin(), tr.end(), end) == 1);
    REQUIRE(t.decode(tr) == tricky);
}

TEST_CASE("tokenizer: the longest special wins at the same position", "[tokenizer]") {
    Tokenizer t;
    t.train("hello world", 256 + 2 + 2, {"<|end|>", "<|end|>x"});
    std::vector<int> ids = t.encode("<|end|>x<|end|>");
    REQUIRE(ids == std::vector<int>{t.special_id("<|end|>x"), t.special_id("<|end|>")});
}

// The simple trainer, as minbpe writes it: recount every pair over every chunk before each
// merge. The real trainer updates counts incrementally; both must learn the same merges.
static std::vector<std::pair<int, int>> reference_train(const std::string& text, int num_merges) {
    std::vector<std::vector<int>> chunks;
    for (const std::string& c : Tokenizer::split_chunks(text)) {
        chunks.emplace_back();
        for (unsigned char b : c) chunks.back().push_back(b);
    }
    std::vector<std::pair<int, int>> merges;
    for (int m = 0; m < num_merges; ++m) {
        std::map<std::pair<int, int>, long> counts;  // ordered: ties go to the lowest pair
        for (const auto& ids : chunks)
            for (size_t i = 0; i + 1 < ids.size(); ++i) ++counts[{ids[i], ids[i + 1]}];
        if (counts.empty()) break;
        auto best = counts.begin();
        for (auto it = counts.begin(); it != counts.end(); ++it)
            if (it->second > best->second) best = it;
        merges.push_back(best->first);
        for (auto& ids : chunks) {
            std::vector<int> out;
            for (size_t i = 0; i < ids.size(); ++i) {
                if (i + 1 < ids.size() && std::make_pair(ids[i], ids[i + 1]) == best->first) {
                    out.push_back(256 + m);
                    ++i;
                } else {
                    out.push_back(ids[i]);
                }
            }
            ids = out;
        }
    }
    return merges;
}

TEST_CASE("tokenizer: incremental training matches the simple recount-everything trainer",
          "[tokenizer]") {
    std::string text = make_corpus(8000, 11);
    SplitMix rng{5};
    for (int i = 0; i < 2000; ++i) text += (char)(rng.next() % 6 == 0 ? ' ' : 'a' + rng.next() % 3);
    Tokenizer t;
    t.train(text, 256 + 120, {});
    REQUIRE(t.num_merges() == 120);
    REQUIRE(t.merges() == reference_train(text, 120));
}

TEST_CASE("tokenizer: training is deterministic", "[tokenizer]") {
    std::string text = make_corpus(30000, 3);
    Tokenizer a, b;
    a.train(text, 350, kSpecials);
    b.train(text, 350, kSpecials);
    REQUIRE(a.merges() == b.merges());
    REQUIRE(a.encode(text) == b.encode(text));
}

TEST_CASE("tokenizer: training never learns pieces of special tokens", "[tokenizer]") {
    std::string text;
    for (int i = 0; i < 500; ++i) text += "<|user|>hi<|end|>";
    Tokenizer t;
    t.train(text, 300, {"<|user|>", "<|end|>"});
    for (int id = 256; id < 256 + t.num_merges(); ++id) {
        REQUIRE(t.token_bytes(id).find('|') == std::string::npos);
    }
}

TEST_CASE("tokenizer: save then load gives an identical tokenizer", "[tokenizer]") {
    const Tokenizer& t = trained();
    const std::string path = tmp_path("model.txt");
    t.save(path);
    REQUIRE(read_file(path).rfind("sr-bpe v1\n", 0) == 0);
    Tokenizer u = Tokenizer::load(path);
    REQUIRE(u.merges() == t.merges());
    REQUIRE(u.specials() == t.specials());
    REQUIRE(u.vocab_size() == t.vocab_size());
    for (int id = 0; id < t.vocab_size(); ++id) REQUIRE(u.token_bytes(id) == t.token_bytes(id));
    std::string text = make_corpus(3000, 9);
    REQUIRE(u.encode(text) == t.encode(text));
    // saving the loaded one gives the same bytes
    u.save(path + "2");
    REQUIRE(read_file(path + "2") == read_file(path));
    std::remove(path.c_str());
    std::remove((path + "2").c_str());
}

TEST_CASE("tokenizer: dump_vocab lists every token with its parts", "[tokenizer]") {
    Tokenizer t;
    t.train("aaabdaaabac", 256 + 3 + 1, {"<|end|>"});
    const std::string path = tmp_path("vocab.txt");
    t.dump_vocab(path);
    std::string dump = read_file(path);
    REQUIRE(dump.find("\n0 \"\\x00\"\n") != std::string::npos);
    REQUIRE(dump.find("\n256 \"aa\" = 97 \"a\" + 97 \"a\"\n") != std::string::npos);
    REQUIRE(dump.find("\n258 \"aaab\" = 256 \"aa\" + 257 \"ab\"\n") != std::string::npos);
    REQUIRE(dump.find("\n259 \"<|end|>\" special\n") != std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("tokenizer: corrupt or wrong-version files are clear errors", "[tokenizer]") {
    const std::string path = tmp_path("bad.txt");
    auto load_error = [&](const std::string& contents) {
        write_file(path, contents);
        try {
            Tokenizer::load(path);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    std::string e = load_error("sr-bpe v2\nspecials 0\nmerges 0\n");
    REQUIRE(e.find(path + ":1:") != std::string::npos);
    REQUIRE(e.find("sr-bpe v1") != std::string::npos);
    REQUIRE(e.find("HINT") != std::string::npos);

    e = load_error("sr-bpe v1\nspecials 1\n<|end|>\nmerges 2\n97 97\n256 x\n");
    REQUIRE(e.find(path + ":6:") != std::string::npos);

    e = load_error("sr-bpe v1\nspecials 0\nmerges 1\n97 300\n");  // id not yet defined
    REQUIRE(e.find(path + ":4:") != std::string::npos);

    e = load_error("sr-bpe v1\nspecials 0\nmerges 3\n97 97\n");  // truncated
    REQUIRE(e.find("file ends early") != std::string::npos);

    e = load_error("sr-bpe v1\nspecials 0\nmerges 1\n97 97\n97 97\n");  // trailing line
    REQUIRE(e.find(path + ":5:") != std::string::npos);

    e = load_error("sr-bpe v1\nspecials x\nmerges 0\n");
    REQUIRE(e.find(path + ":2:") != std::string::npos);

    REQUIRE(load_error("sr-bpe v1\nspecials 0\nmerges 1\n97 97\n") == "no error");
    REQUIRE_THROWS_WITH(Tokenizer::load("/tmp/sr_no_such_tokenizer_file"),
                        Catch::Contains("cannot open"));
    std::remove(path.c_str());
}

TEST_CASE("tokenizer: bad arguments are errors", "[tokenizer]") {
    Tokenizer t;
    REQUIRE_THROWS_WITH(t.train("abc", 257, {"<|a|>", "<|b|>"}), Catch::Contains("HINT"));
    REQUIRE_THROWS(t.train("abc", 300, {"<|a|>", "<|a|>"}));
    REQUIRE_THROWS(t.train("abc", 300, {""}));
    REQUIRE_THROWS_WITH(t.decode({256}), Catch::Contains("outside the vocabulary"));
    REQUIRE_THROWS(t.decode({-1}));
}
