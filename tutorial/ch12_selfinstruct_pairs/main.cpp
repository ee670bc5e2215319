// Chapter 12: self-instruct and preference pairs. The few-shot prompt, ROUGE-L and the filters
// a generated prompt goes through, and pairs built from judged candidates (kept and dropped).
#include <cstdio>
#include <string>

#include "data/format.h"
#include "selfreward/filters.h"
#include "selfreward/pairs.h"
#include "selfreward/rouge.h"

using namespace sr;

int main() {
    const std::vector<std::string> seeds = {"Reverse the word cat.", "What is 3 plus 4?", "Name the colour of grass."};
    std::printf("self-instruct prompt (the model continues after the last \"Task:\"):\n%s\n", data::self_instruct_prompt(seeds).c_str());
    std::printf("extracted from \" Write dog backwards.\\nTask: ...\": \"%s\"\n\n",
                data::self_instruct_extract(" Write dog backwards.\nTask: What is").c_str());

    // ROUGE-L F1 = 2PR/(P+R) from the longest common subsequence of the token lists.
    const std::string a = "Reverse the word cat.", b = "Reverse the word dog.", c = "Write the word cat backwards.";
    std::printf("LCS(\"%s\", \"%s\") = %zu tokens of 4 and 4: ROUGE-L %.3f\n", a.c_str(), b.c_str(),
                lcs_length(rouge_tokenize(a), rouge_tokenize(b)), rouge_l_f1(a, b));
    const RougeScore r = rouge_l(rouge_tokenize(c), rouge_tokenize(a));
    std::printf("\"%s\" vs \"%s\": P %.3f R %.3f F1 %.3f\n\n", c.c_str(), a.c_str(), r.precision, r.recall, r.f1);

    // The filters, in order, with the loop's limits (8..120 characters, ROUGE-L 0.9; Self-Instruct's 0.7 for comparison).
    for (double limit : {0.9, 0.7}) {
        PromptFilter f({8, 120, limit}, seeds, [](const std::string& p) { return p == "What is 2 plus 2?"; });
        std::printf("filters with max_rouge %.1f:\n", limit);
        for (const char* p : {"Reverse the word dog.", "Hi.", "What is 3 plus 4?", "What is 2 plus 2?", "Reverse the word cat now.",
                              "Spell the word sun with dashes.", "Spell the word sun with dashes, please."}) {
            const Verdict v = f.check_and_add(p);
            std::printf("  %-42s %-10s (max ROUGE-L %.3f)\n", p, to_string(v.reason), v.rouge);
        }
    }

    // Pairs: the highest mean score vs the lowest; ties, too few scores and identical texts dropped.
    std::printf("\npairs from 4 candidates, 3 sampled judgements each (parsed scores only):\n");
    PairStats stats;
    struct Case { const char* what; std::vector<std::string> texts; std::vector<std::vector<int>> scores; };
    const std::vector<Case> cases = {
        {"clear winner", {"god", "dog", "gdo", "good"}, {{5, 5, 4}, {1, 2}, {4, 4, 3}, {2, 2, 2}}},
        {"all tie", {"god", "gdo", "dgo", "ogd"}, {{4}, {4, 4}, {4, 4, 4}, {}}},
        {"one scored", {"god", "gdo", "dgo", "ogd"}, {{5}, {}, {}, {}}},
        {"same text", {"god", "god", "god", "god"}, {{5}, {4}, {5}, {3}}},
    };
    for (const Case& k : cases) {
        const auto p = build_preference_pair(k.texts, k.scores, stats);
        if (p) std::printf("  %-13s chosen \"%s\" (%.3f) rejected \"%s\" (%.3f)\n", k.what, p->chosen.c_str(), p->chosen_score, p->rejected.c_str(),
                           p->rejected_score);
        else std::printf("  %-13s no pair\n", k.what);
    }
    std::printf("  stats: prompts %ld, kept %ld, dropped: too few scored %ld, tie %ld, identical %ld\n", stats.prompts, stats.pairs_kept,
                stats.dropped_too_few_scored, stats.dropped_tie, stats.dropped_identical);
    const MergedCandidates m = merge_identical({"god", "god", "gdo", "god"}, {{5}, {4}, {3}, {5}});
    std::printf("merge_identical(god 5, god 4, gdo 3, god 5): %zu texts, god %.3f, gdo %.3f\n", m.texts.size(), *m.scores[0], *m.scores[1]);
    return 0;
}
