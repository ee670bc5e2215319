// Chapter 10: the task world and its oracle. Recognises prompts of several families, renders one
// instance in every phrasing, and scores a ladder of responses criterion by criterion.
#include <cstdio>
#include <string>

#include "data/oracle.h"

using namespace sr;

int main() {
    for (const char* p : {"Reverse the word cat.", "What is 12 plus 7?", "Name the second word in cat, dog, sun.",
                          "What is the capital of Norland?", "Reverse the word Cat.", "Tell me a joke."}) {
        const auto t = data::parse_task(p);
        if (t) std::printf("%-40s -> %-14s gold %-6s instance %s\n", p, t->family.c_str(), t->answer.c_str(), data::instance_key(*t).c_str());
        else std::printf("%-40s -> not a task of this world\n", p);
    }
    std::printf("\nthe phrasings of instance sort_letters:cat\n");
    for (int i = 0; i < data::num_phrasings("sort_letters"); i++) std::printf("  %s\n", data::make_task("sort_letters", {"cat"}, i).prompt.c_str());

    const char* prompt = "Reverse the word dog.";
    std::printf("\n%s  (gold: god)\n", prompt);
    struct R { const char* text; bool finished; };
    for (const R& r : {R{"god", true}, R{"The answer is god.", true}, R{"gdo", true}, R{"god god god", true}, R{"god", false},
                       R{"dog", true}, R{"I love dogs", true}, R{"Sure!", true}}) {
        const data::OracleResult o = data::oracle(prompt, r.text, r.finished);
        std::printf("\nresponse \"%s\"%s: score %d\n", r.text, r.finished ? "" : " (cut off)", o.score);
        std::string reason = "  " + o.reason;
        for (size_t at = reason.find('\n'); at != std::string::npos; at = reason.find('\n', at + 3)) reason.replace(at, 1, "\n  ");
        std::printf("%s\n", reason.c_str());
    }
    return 0;
}
