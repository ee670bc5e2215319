// Chapter 11: supervised fine-tuning on instructions (IFT) and on judgements (EFT). Shows an
// IFT example with its loss mask, an EFT example (the judge prompt and the oracle's judgement),
// the strict score parser, and how several sampled judgements become one score.
#include <cstdio>
#include <string>

#include "data/format.h"
#include "data/oracle.h"
#include "selfreward/common.h"
#include "selfreward/pairs.h"

using namespace sr;

static std::string printable(const std::string& s) {
    std::string o;
    for (char c : s) o += c == '\n' ? std::string("\\n") : std::string(1, c);
    return o;
}

int main() {
    Tokenizer tok;  // bytes and the four special tokens: enough to see every position
    tok.train("", 260, {data::kEndOfTextToken, data::kUserToken, data::kAssistantToken, data::kEndToken});

    // IFT: the loss counts the response and its end token, never the prompt.
    const Example e = chat_example(tok, "Reverse the word dog.", "god");
    std::string masked, trained;
    for (size_t i = 0; i < e.tokens.size(); i++) (e.mask[i] == 0 ? masked : trained) += tok.decode({e.tokens[i]});
    std::printf("IFT example, %zu tokens\n  mask 0 (conditioned on): %s\n  mask 1 (trained on):     %s\n", e.tokens.size(), masked.c_str(),
                trained.c_str());

    // EFT: the same format; the user turn is the judge prompt, the response the oracle's judgement.
    const std::string instruction = "Reverse the word dog.", response = "gdo";
    const data::OracleResult o = data::oracle(instruction, response);
    std::printf("\nEFT example (response \"%s\", oracle score %d)\n  user:      %s\n  assistant: %s\n", response.c_str(), o.score,
                printable(data::judge_prompt(instruction, response)).c_str(), printable(data::judgement_text(o)).c_str());
    const Example j = chat_example(tok, data::judge_prompt(instruction, response), data::judgement_text(o));
    int counted = 0;
    for (float m : j.mask) counted += m != 0;
    std::printf("  %zu tokens, %d of them trained on (the judgement and <|end|>)\n", j.tokens.size(), counted);

    // The parser: the last line must be exactly "Score: k", k in 0..5, and "score:" occur once.
    std::printf("\nparse_score\n");
    for (const char* t : {"relevant: yes\nScore: 4", "Score: 4\n  ", "Score: 7", "score: 3", "Score: 3 points", "Score: 2\nScore: 3",
                          "I give it a 4", "useful: no\nScore: 2"}) {
        const auto s = data::parse_score(t);
        std::printf("  %-28s -> %s\n", ("\"" + printable(t) + "\"").c_str(), s ? std::to_string(*s).c_str() : "no score (dropped, counted)");
    }

    // Several sampled judgements of one response: the parsed ones averaged, failures dropped.
    std::printf("\nmean of parsed samples\n");
    for (const std::vector<int>& v : std::vector<std::vector<int>>{{4, 5, 4}, {3}, {}}) {
        const auto m = mean_parsed_score(v);
        std::printf("  %zu parsed -> %s\n", v.size(), m ? std::to_string(*m).substr(0, 5).c_str() : "none (the response gets no score)");
    }
    // judge_mode "expected": sum_k k p_k over the six well-formed judgements' probabilities.
    const double p[6] = {0.05, 0.05, 0.10, 0.20, 0.35, 0.25};
    double expect = 0;
    for (int k = 0; k <= 5; k++) expect += k * p[k];
    std::printf("  expected score of p = (0.05 0.05 0.10 0.20 0.35 0.25) over k = 0..5: %.2f\n", expect);
    return 0;
}
