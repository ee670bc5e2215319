// Tests of the task world's families, oracle and formats (data/oracle.h, data/format.h).
#include "tests/catch.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "data/format.h"
#include "data/lexicon.h"
#include "data/oracle.h"
#include "data/textutil.h"

using namespace sr::data;

static int score(const std::string& prompt, const std::string& response, bool finished = true) {
    OracleResult r = oracle(prompt, response, finished);
    REQUIRE(r.parsed);
    return r.score;
}

// one instance per family: args, and the gold answer they must give
struct Case { std::string family; std::vector<std::string> args; std::string gold; };
static const std::vector<Case> kCases = {
    {"reverse", {"cat"}, "tac"},
    {"sort_letters", {"cat"}, "act"},
    {"spell", {"cat"}, "c-a-t"},
    {"uppercase", {"cat"}, "CAT"},
    {"add", {"3", "4"}, "7"},
    {"subtract", {"9", "4"}, "5"},
    {"compare", {"7", "12"}, "12"},
    {"count_letter", {"a", "banana"}, "3"},
    {"count_items", {"cat", "dog", "sun"}, "3"},
    {"pick_item", {"second", "cat", "dog", "sun"}, "dog"},
    {"repeat", {"cat", "3"}, "cat cat cat"},
    {"sort_numbers", {"5", "2", "9"}, "2, 5, 9"},
    {"colour", {"grass"}, "green"},
    {"animal_sound", {"cow"}, "moo"},
    {"capital", {"Norland"}, "Vesk"},
};

TEST_CASE("every family has 3+ phrasings that parse back to the same task and gold", "[data]") {
    REQUIRE(family_names().size() >= 12);
    REQUIRE(kCases.size() == family_names().size());
    for (const auto& c : kCases) {
        INFO(c.family);
        REQUIRE(num_phrasings(c.family) >= 3);
        for (int p = 0; p < num_phrasings(c.family); p++) {
            Task t = make_task(c.family, c.args, p);
            auto back = parse_task(t.prompt);
            INFO(t.prompt);
            REQUIRE(back);
            CHECK(back->family == c.family);
            CHECK(back->args == c.args);
            CHECK(back->answer == c.gold);
            CHECK(instance_key(*back) == c.family + ":" + join(c.args, ","));
        }
    }
}

TEST_CASE("gold answers of specific prompts", "[data]") {
    auto gold = [](const std::string& p) { auto t = parse_task(p); return t ? t->answer : std::string("<none>"); };
    CHECK(gold("Reverse the word horse.") == "esroh");
    CHECK(gold("Write the letters of banana sorted alphabetically.") == "aaabnn");
    CHECK(gold("Write cat three times.") == "cat cat cat");
    CHECK(parse_task("Write cat three times.")->args == std::vector<std::string>{"cat", "3"});
    CHECK(gold("What is the last item in the list cat, dog, sun, pen?") == "pen");
    CHECK(gold("From the list cat, dog, sun, give the first item.") == "cat");  // list followed by ", give"
    CHECK(gold("How many times does the letter z appear in banana?") == "0");
    CHECK(gold("Sort these numbers from smallest to largest: 10, 2, 33.") == "2, 10, 33");
    CHECK(gold("Which is larger, 19 or 4?") == "19");
    CHECK(gold("What is 0 minus 0?") == "0");
    CHECK(gold("  Reverse the word cat.\n") == "tac");  // surrounding whitespace is ignored
}

TEST_CASE("parse_task rejects what is not exactly a task", "[data]") {
    for (const char* p : {"", "Tell me a joke.", "Reverse the word Cat.", "Reverse the word cat", "Reverse the word cat. please",
                          "reverse the word cat.", "What is 03 plus 4?", "What is 3 minus 5?", "Which is larger, 7 or 7?",
                          "What is the fifth item in the list cat, dog, sun?", "What is the colour of unicorns?",
                          "Repeat the word cat 1 times.", "Repeat the word cat 99 times.", "Name the capital of Atlantis.",
                          "Count the letter ab in the word banana.", "What is 1234567 plus 1?", "Write cat eleventy times.",
                          "How many items are in this list: cat?", "Reverse the word c\xc3\xa4t."}) {
        INFO(p);
        CHECK_FALSE(parse_task(p));
    }
    OracleResult r = oracle("Tell me a joke.", "ha");
    CHECK_FALSE(r.parsed);
    CHECK(r.score == 0);
    CHECK_THROWS(make_task("reverse", {"Cat"}, 0));
    CHECK_THROWS(make_task("nope", {"cat"}, 0));
    CHECK_THROWS(make_task("reverse", {"cat"}, 99));
}

TEST_CASE("the word list and knowledge base are clean", "[data]") {
    std::set<std::string> seen;
    REQUIRE(word_list().size() >= 300);
    for (const auto& w : word_list()) {
        INFO(w);
        CHECK(seen.insert(w).second);
        CHECK(w.size() >= 3);
        CHECK(w.size() <= 8);
        CHECK(w.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos);
    }
    for (const auto* table : {&colour_facts(), &sound_facts(), &capital_facts()}) {
        std::set<std::string> subjects;
        for (const auto& f : *table) CHECK(subjects.insert(f.subject).second);
        CHECK(table->size() >= 24);
    }
}

TEST_CASE("oracle levels on reverse: each criterion in turn", "[data][oracle]") {
    const std::string p = "Reverse the word cat.";
    CHECK(score(p, "") == 0);                      // empty
    CHECK(score(p, "I like to swim.") == 0);       // off topic
    CHECK(score(p, "7") == 0);                     // an answer to a different kind of task
    CHECK(score(p, "cat") == 1);                   // relevant: mentions the word, but a copy is no answer
    CHECK(score(p, "I cannot reverse cat.") == 1);
    CHECK(score(p, "act") == 2);                   // substantial: an anagram, but two edits away
    CHECK(score(p, "tca") == 4);                   // useful + clear: one swap away, bare
    CHECK(score(p, "ta") == 4);                    // one letter dropped
    CHECK(score(p, "The answer is tac.") == 4);    // right, in an assistant sentence: not expert
    CHECK(score(p, "tac.") == 4);
    CHECK(score(p, "tac tac") == 3);               // repetition: not clear
    CHECK(score(p, "tac\ntac") == 3);
    CHECK(score(p, "blorp zzz tac") == 3);         // buried in noise
    CHECK(score(p, "tac", false) == 3);            // cut off before <|end|>
    CHECK(score(p, "tac") == 5);                   // expert
    CHECK(score(p, "  tac\n") == 5);               // surrounding whitespace is fine
    CHECK(score(p, "tac or act") == 2);            // the last answer counts, and it is wrong
}

TEST_CASE("oracle on every kind of answer", "[data][oracle]") {
    // numbers
    CHECK(score("What is 3 plus 4?", "7") == 5);
    CHECK(score("What is 3 plus 4?", "8") == 4);
    CHECK(score("What is 3 plus 4?", "6") == 4);
    CHECK(score("What is 3 plus 4?", "9") == 2);
    CHECK(score("What is 3 plus 4?", "seven") == 1);  // right value, wrong form: digits required
    CHECK(score("What is 3 plus 4?", "3 plus 4 is 7") == 3);
    CHECK(score("What is 3 plus 4?", "Answer: 7") == 4);
    CHECK(score("What is 3 plus 4?", "tac") == 0);
    CHECK(score("What is 3 plus 4?", "99999999999999999999") == 2);
    CHECK(score("Which is larger, 7 or 12?", "7") == 2);
    CHECK(score("How many times does the letter a appear in banana?", "3") == 5);
    CHECK(score("How many times does the letter a appear in banana?", "banana") == 1);
    CHECK(score("Count the items in the list cat, dog, sun.", "4") == 4);
    // list items: neighbours are close
    const std::string pick = "Name the second word in cat, dog, sun, pen, box.";
    CHECK(score(pick, "dog") == 5);
    CHECK(score(pick, "sun") == 4);
    CHECK(score(pick, "pen") == 2);
    CHECK(score(pick, "The second one.") == 1);
    // number lists
    const std::string sn = "Put 5, 2, 9 in increasing order.";
    CHECK(score(sn, "2, 5, 9") == 5);
    CHECK(score(sn, "2 5 9") == 4);   // right, wrong separator
    CHECK(score(sn, "2, 9, 5") == 4); // one swap
    CHECK(score(sn, "9, 5, 2") == 2);
    CHECK(score(sn, "5") == 1);
    // repeat
    const std::string rp = "Repeat the word cat 3 times.";
    CHECK(score(rp, "cat cat cat") == 5);
    CHECK(score(rp, "cat cat") == 4);
    CHECK(score(rp, "cat, cat, cat") == 4);
    CHECK(score(rp, "dog dog dog") == 2);
    CHECK(score(rp, "cat cat cat cat cat cat") == 2);
    // spelling, case, knowledge
    CHECK(score("Spell cat with dashes.", "c-a-t") == 5);
    CHECK(score("Spell cat with dashes.", "c-t") == 4);
    CHECK(score("Spell cat with dashes.", "c a t") == 4);
    CHECK(score("Spell cat with dashes.", "d-o-g-s") == 2);
    CHECK(score("Convert cat to uppercase.", "CAT") == 5);
    CHECK(score("Convert cat to uppercase.", "CTA") == 4);
    CHECK(score("Convert cat to uppercase.", "Cat") == 1);
    CHECK(score("What is the colour of grass?", "green") == 5);
    CHECK(score("What is the colour of grass?", "Green") == 4);
    CHECK(score("What is the colour of grass?", "red") == 2);
    CHECK(score("What is the colour of grass?", "grass grows") == 1);
    CHECK(score("What does a cow say?", "moo") == 5);
    CHECK(score("What is the capital of Norland?", "Vesk") == 5);
    CHECK(score("What is the capital of Norland?", "vesk") == 4);
    CHECK(score("What is the capital of Norland?", "Olm") == 2);
    CHECK(score("What is the capital of Norland?", "Norland") == 1);
}

TEST_CASE("oracle on adversarial responses", "[data][oracle]") {
    const std::string p = "Reverse the word horse.";
    std::string many;
    for (int i = 0; i < 500; i++) many += "esroh ";
    CHECK(score(p, many) == 3);                         // the answer repeated many times
    std::string noise(20000, 'x');
    CHECK(score(p, noise + " esroh") == 3);             // very long, the answer at the end
    CHECK(score(p, noise) == 0);
    CHECK(score(p, "esroh \xc3\xa9") == 3);             // non-ASCII: not clear
    CHECK(score(p, "\xff\xfe\x00\x01") == 0);           // invalid UTF-8 and control bytes: no crash
    CHECK(score(p, std::string("esroh\0", 6)) == 3);    // a NUL byte is not clear
    CHECK(score(p, "ESROH") == 0);                      // wrong form for a lowercase answer
    CHECK(score(p, "Reverse the word horse.") == 1);    // echoing the prompt
}

TEST_CASE("criteria are cumulative and the score counts them", "[data][oracle]") {
    std::vector<std::string> responses = {"", "x", "7", "8", "tac", "cat", "c-a-t", "The answer is 3.", "green", "Vesk", "dog dog",
                                          "2, 5, 9", "sun", "CAT", "3 3", "moo\n", "c a t", "act", "I like cat"};
    for (const auto& c : kCases) {
        Task t = make_task(c.family, c.args, 0);
        for (const auto& r : responses)
            for (bool fin : {true, false}) {
                OracleResult o = oracle_task(t, r, fin);
                bool v[5] = {o.relevant, o.substantial, o.useful, o.clear, o.expert};
                int count = 0;
                for (int i = 0; i < 5; i++) {
                    if (v[i]) count++;
                    if (i > 0 && v[i]) CHECK(v[i - 1]);  // never met after a miss
                }
                CHECK(o.score == count);
                CHECK(std::count(o.reason.begin(), o.reason.end(), '\n') == 4);
            }
        CHECK(oracle_task(t, t.answer).score == 5);
        CHECK(oracle_task(t, t.answer, false).score == 3);
    }
}

TEST_CASE("chat format renders and parses back", "[data][format]") {
    CHECK(chat_prompt("Reverse the word cat.") == "<|user|>Reverse the word cat.<|assistant|>");
    std::string text = chat_text("Reverse the word cat.", "tac");
    CHECK(text == "<|user|>Reverse the word cat.<|assistant|>tac<|end|>");
    std::string u, r;
    REQUIRE(parse_chat(text, &u, &r));
    CHECK(u == "Reverse the word cat.");
    CHECK(r == "tac");
    REQUIRE(parse_chat(chat_text("a\nb", ""), &u, &r));
    CHECK(u == "a\nb");
    CHECK(r.empty());
    for (const std::string& bad : {std::string("<|user|>x<|assistant|>y"), std::string("x<|assistant|>y<|end|>"),
                                   std::string("<|user|>x y<|end|>"), std::string("<|user|>x<|assistant|>y<|end|>z<|end|>"),
                                   std::string("<|user|>x<|assistant|>y<|assistant|>z<|end|>"), std::string("")}) {
        INFO(bad);
        CHECK_FALSE(parse_chat(bad, &u, &r));
    }
}

TEST_CASE("judge prompt, judgement and score parsing", "[data][format]") {
    std::string jp = judge_prompt("Reverse the word cat.", "tca");
    CHECK(jp.find("Instruction: Reverse the word cat.") != std::string::npos);
    CHECK(jp.find("Response: tca") != std::string::npos);
    for (const char* c : {"relevant", "substantial", "useful", "clear", "expert"}) CHECK(jp.find(c) != std::string::npos);
    OracleResult o = oracle("Reverse the word cat.", "tca");
    std::string j = judgement_text(o);
    CHECK(j == "relevant: yes\nsubstantial: yes\nuseful: yes\nclear: yes\nexpert: no\nScore: 4");
    CHECK(parse_score(j) == 4);
    std::string full = chat_prompt(jp) + j + kEndToken;
    CHECK(full.size() < 420);
    for (int s = 0; s <= 5; s++) {
        OracleResult r;
        r.score = s;
        CHECK(parse_score(judgement_text(r)) == s);
    }
}

TEST_CASE("parse_score is strict and never throws", "[data][format]") {
    CHECK(parse_score("Score: 3") == 3);
    CHECK(parse_score("Score: 0") == 0);
    CHECK(parse_score("relevant: yes\nScore: 5\n  \n") == 5);
    for (const std::string& bad :
         {std::string(""), std::string("garbage"), std::string("Score: 7"), std::string("Score:3"), std::string("Score:  3"),
          std::string("Score: 3 points"), std::string("Score: 3."), std::string("Score: 2\nScore: 3"), std::string("Score: -1"),
          std::string("Score: 10"), std::string("Score: 03"), std::string("score: 4"), std::string("The Score: 4"),
          std::string("Score: 4\nthanks"), std::string("SCORE: 4"), std::string("Score: 4\nscore: 4"), std::string("Score: "),
          std::string("\xff\xfeScore: 9"), std::string("Score: \xd9\xa3"), std::string(3, '\0')}) {
        INFO(bad);
        CHECK_FALSE(parse_score(bad).has_value());
    }
}

TEST_CASE("self-instruct prompt", "[data][format]") {
    std::string p = self_instruct_prompt({"Reverse the word cat.", "What is 3 plus 4?"});
    CHECK(p == "Here are some tasks.\nTask: Reverse the word cat.\nTask: What is 3 plus 4?\nTask:");
    CHECK(p.find("<|") == std::string::npos);
    CHECK(self_instruct_extract(" Spell dog with dashes.\nTask: Add 1 and 2.") == "Spell dog with dashes.");
    CHECK(self_instruct_extract("") == "");
}
