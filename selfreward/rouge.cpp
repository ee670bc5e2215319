// selfreward/rouge.cpp: ROUGE-L (LCS-based F1), see rouge.h for the exact definition.
#include "selfreward/rouge.h"

#include <algorithm>

namespace sr {

std::vector<std::string> rouge_tokenize(const std::string& text) {
    std::vector<std::string> tokens;
    std::string current;
    for (unsigned char c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
        const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (keep) {
            current.push_back(static_cast<char>(c));
        } else if (!current.empty()) {  // any other byte (space, punctuation, UTF-8) separates
            tokens.push_back(current);
            current.clear();
        }
    }
    if (!current.empty()) tokens.push_back(current);
    return tokens;
}

std::size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    // Classic dynamic programme, two rows: row[j] = LCS(a[0..i), b[0..j)).
    std::vector<std::size_t> prev(b.size() + 1, 0), row(b.size() + 1, 0);
    for (std::size_t i = 1; i <= a.size(); i++) {
        for (std::size_t j = 1; j <= b.size(); j++) {
            row[j] = (a[i - 1] == b[j - 1]) ? prev[j - 1] + 1 : std::max(prev[j], row[j - 1]);
        }
        std::swap(prev, row);
    }
    return prev[b.size()];
}

RougeScore rouge_l(const std::vector<std::string>& prediction, const std::vector<std::string>& reference) {
    RougeScore s;
    if (prediction.empty() || reference.empty()) return s;  // rouge_score returns 0, 0, 0
    const double lcs = static_cast<double>(lcs_length(prediction, reference));
    s.precision = lcs / static_cast<double>(prediction.size());
    s.recall = lcs / static_cast<double>(reference.size());
    s.f1 = (s.precision + s.recall > 0) ? 2.0 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    return s;
}

double rouge_l_f1(const std::string& a, const std::string& b) {
    return rouge_l(rouge_tokenize(a), rouge_tokenize(b)).f1;
}

}  // namespace sr
