// tutorial/assignments/a10_scores_and_pairs/test_a10.cpp: the grader of assignment 10.
// Open book: the references are the engine's data::parse_score (data/format.h) and
// mean_parsed_score / build_preference_pair (selfreward/pairs.h), on hand-written cases and
// on a few thousand random ones (our own Rng: the same cases on every machine).
#include "data/format.h"
#include "tensor/rng.h"
#include "tutorial/assignments/a10_scores_and_pairs/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;

static std::string show(const std::optional<int>& s) { return s ? std::to_string(*s) : "none"; }

TEST_CASE("a10.1 parse_score: the rules case by case", "[a10][a10.1]") {
    const std::vector<std::pair<std::string, std::optional<int>>> cases = {
        {"relevant: yes\nsubstantial: yes\nuseful: no\nclear: no\nexpert: no\nScore: 2", 2},
        {"Score: 5", 5},
        {"Score: 0\n\n \t\r\n", 0},          // trailing whitespace is fine
        {"Score: 6", std::nullopt},          // out of range
        {"Score: 10", std::nullopt},         // two digits
        {"Score:3", std::nullopt},           // no space
        {"score: 3", std::nullopt},          // lower case s
        {"xScore: 3", std::nullopt},         // not a whole line
        {"Score: 3.", std::nullopt},
        {"Score: 3\nthanks", std::nullopt},  // not the last line
        {"Score: 1\nScore: 2", std::nullopt},  // twice
        {"SCORE: 4\nScore: 4", std::nullopt},  // twice, in any case
        {"", std::nullopt},
        {"Score: ", std::nullopt},
        {"3", std::nullopt},
        {"\nScore: 4", 4},
        {"useful: yes\r\nScore: 1", 1},           // a Windows line end before the line is fine
    };
    for (const auto& [text, expected] : cases) {
        INFO("judgement: \"" << text << "\"");
        const std::optional<int> mine = course::parse_score(text);
        CHECK(show(mine) == show(expected));
        CHECK(show(mine) == show(data::parse_score(text)));  // the table agrees with the engine
    }
}

TEST_CASE("a10.1 parse_score agrees with the engine on 3,000 mutated judgements", "[a10][a10.1]") {
    const std::string base = "relevant: yes\nsubstantial: no\nuseful: no\nclear: no\nexpert: no\nScore: 1";
    const std::string alphabet = "Score: 0123456789\n\r\t sS:xc";
    Rng rng(101);
    int differ = 0, scored = 0;
    std::string first_bad;
    for (int i = 0; i < 3000; i++) {
        std::string s = base;
        const int edits = 1 + static_cast<int>(rng.below(3));
        for (int e = 0; e < edits; e++) {
            const size_t at = s.size() - std::min<size_t>(s.size(), rng.below(14));  // mostly near the end
            const char ch = alphabet[rng.below(alphabet.size())];
            switch (rng.below(3)) {
                case 0: if (at < s.size()) s[at] = ch; break;         // replace
                case 1: s.insert(s.begin() + static_cast<long>(at), ch); break;  // insert
                default: if (at < s.size()) s.erase(at, 1);           // delete
            }
        }
        const std::optional<int> mine = course::parse_score(s), ref = data::parse_score(s);
        scored += ref.has_value();
        if (show(mine) != show(ref) && differ++ == 0) first_bad = s;
    }
    std::printf("    3000 mutated judgements: %d parse, %d disagree with the engine\n", scored, differ);
    INFO("first disagreement: \"" << first_bad << "\"");
    CHECK(differ == 0);
}

TEST_CASE("a10.2 mean_parsed_score", "[a10][a10.2]") {
    CHECK(!course::mean_parsed_score({}).has_value());
    CHECK(course::mean_parsed_score({4}).value() == 4.0);
    CHECK(course::mean_parsed_score({1, 2}).value() == 1.5);
    CHECK(course::mean_parsed_score({1, 1, 2}).value() == mean_parsed_score({1, 1, 2}).value());  // 4/3, to the bit
}

static std::string pair_str(const std::optional<PreferencePair>& p) {
    if (!p) return "no pair";
    return std::to_string(p->chosen_index) + ">" + std::to_string(p->rejected_index) + " '" + p->chosen + "' > '" + p->rejected +
           "' " + std::to_string(p->chosen_score) + " vs " + std::to_string(p->rejected_score);
}
static std::string stats_str(const PairStats& s) {
    return std::to_string(s.prompts) + " prompts, kept " + std::to_string(s.pairs_kept) + ", too few " +
           std::to_string(s.dropped_too_few_scored) + ", tie " + std::to_string(s.dropped_tie) + ", identical " +
           std::to_string(s.dropped_identical);
}

TEST_CASE("a10.3 build_pair: the rule by hand", "[a10][a10.3]") {
    PairStats st;
    auto p = course::build_pair({"a", "b", "c", "d"}, {{3}, {5, 4}, {}, {1, 2}}, st);
    CHECK(pair_str(p) == "1>3 'b' > 'd' 4.500000 vs 1.500000");
    p = course::build_pair({"a", "b", "c"}, {{4}, {4}, {2}}, st);  // equal highest: the first one
    CHECK(pair_str(p) == "0>2 'a' > 'c' 4.000000 vs 2.000000");
    CHECK(!course::build_pair({"a", "b"}, {{3}, {}}, st));        // too few scored
    CHECK(!course::build_pair({"a", "b"}, {{3, 4}, {4, 3}}, st));  // tie
    CHECK(!course::build_pair({"x", "x", "y"}, {{5}, {1}, {3}}, st));  // identical texts
    CHECK(stats_str(st) == "5 prompts, kept 2, too few 1, tie 1, identical 1");
    grade::expect_error([&] { course::build_pair({"a", "b"}, {{1}}, st); }, "candidates");
}

TEST_CASE("a10.3 build_pair agrees with the engine on 2,000 random prompts", "[a10][a10.3]") {
    Rng rng(102);
    PairStats mine_stats, ref_stats;
    int differ = 0;
    for (int i = 0; i < 2000; i++) {
        const int n = 1 + static_cast<int>(rng.below(5));
        std::vector<std::string> cands;
        std::vector<std::vector<int>> scores;
        for (int c = 0; c < n; c++) {
            cands.push_back(std::string(1, static_cast<char>('a' + rng.below(3))));  // few texts: copies happen
            std::vector<int> s;
            const int judged = static_cast<int>(rng.below(4));  // 0..3 parsed judgements
            for (int j = 0; j < judged; j++) s.push_back(static_cast<int>(rng.below(6)));
            scores.push_back(s);
        }
        const auto mine = course::build_pair(cands, scores, mine_stats);
        const auto ref = build_preference_pair(cands, scores, ref_stats);
        differ += pair_str(mine) != pair_str(ref);
    }
    std::printf("    2000 random prompts: yours %s\n                         engine %s\n", stats_str(mine_stats).c_str(),
                stats_str(ref_stats).c_str());
    CHECK(differ == 0);
    CHECK(stats_str(mine_stats) == stats_str(ref_stats));
}
