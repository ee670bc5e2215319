// selfreward/rouge.h: ROUGE-L, the overlap score Self-Instruct uses to drop near-duplicate
// prompts (a new prompt is dropped when its ROUGE-L against any kept prompt is above 0.7).
//
// Exact definition (matches Google's `rouge_score` package, RougeScorer(["rougeL"]) without
// stemming, which is what Self-Instruct calls):
//   tokens(s)  = lowercase s (ASCII), treat every run of characters outside [a-z0-9] as a
//                separator, keep the non-empty pieces. So "Sort: 3,1,2!" -> [sort, 3, 1, 2].
//                (Whitespace splits tokens; so does punctuation, as in rouge_score.)
//   LCS        = length of the longest common subsequence of the two token lists
//   precision  = LCS / |prediction tokens|,   recall = LCS / |reference tokens|
//   F          = (1 + b^2) P R / (R + b^2 P) with b = 1, i.e. plain F1 = 2PR / (P + R).
// F1 is symmetric, so rouge_l_f1(a, b) == rouge_l_f1(b, a).
// If either side has no tokens (empty string, only punctuation), all three are 0, as in
// rouge_score; exact-duplicate detection is the filter's job, not ROUGE's.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace sr {

struct RougeScore {
    double precision = 0.0;
    double recall = 0.0;
    double f1 = 0.0;
};

// rouge_score's tokenizer (see above).
std::vector<std::string> rouge_tokenize(const std::string& text);

// Longest common subsequence length, O(|a| |b|) time, O(|b|) memory.
std::size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b);

// ROUGE-L on already-tokenised text (the filter tokenises each kept prompt once).
RougeScore rouge_l(const std::vector<std::string>& prediction, const std::vector<std::string>& reference);

// ROUGE-L F1 of two raw strings.
double rouge_l_f1(const std::string& a, const std::string& b);

}  // namespace sr
