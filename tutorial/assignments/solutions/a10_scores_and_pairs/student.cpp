// tutorial/assignments/solutions/a10_scores_and_pairs/student.cpp: the reference solution of
// assignment 10 (not in the student release).
#include "tutorial/assignments/a10_scores_and_pairs/student.h"

#include <cctype>
#include <stdexcept>

namespace course {

std::optional<int> parse_score(const std::string& judgement) {
    std::string low = judgement;
    for (char& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const size_t first = low.find("score:");
    if (first == std::string::npos || low.find("score:", first + 1) != std::string::npos) return std::nullopt;
    size_t end = judgement.size();
    while (end > 0 && (judgement[end - 1] == ' ' || judgement[end - 1] == '\t' || judgement[end - 1] == '\n' || judgement[end - 1] == '\r'))
        end--;
    const std::string head = "Score: ";
    if (end < head.size() + 1) return std::nullopt;
    const size_t start = end - head.size() - 1;  // where "Score: k" must begin
    if (judgement.compare(start, head.size(), head) != 0) return std::nullopt;
    if (start != 0 && judgement[start - 1] != '\n') return std::nullopt;
    const char k = judgement[end - 1];
    if (k < '0' || k > '5') return std::nullopt;
    return k - '0';
}

std::optional<double> mean_parsed_score(const std::vector<int>& parsed_scores) {
    if (parsed_scores.empty()) return std::nullopt;
    long sum = 0;
    for (int s : parsed_scores) sum += s;
    return static_cast<double>(sum) / static_cast<double>(parsed_scores.size());
}

std::optional<sr::PreferencePair> build_pair(const std::vector<std::string>& candidates,
                                             const std::vector<std::vector<int>>& parsed_scores, sr::PairStats& stats) {
    if (candidates.size() != parsed_scores.size())
        throw std::runtime_error("build_pair: " + std::to_string(candidates.size()) + " candidates but " +
                                 std::to_string(parsed_scores.size()) + " score lists");
    stats.prompts++;
    int best = -1, worst = -1, scored = 0;
    double best_score = 0, worst_score = 0;
    for (int i = 0; i < static_cast<int>(candidates.size()); i++) {
        const std::optional<double> s = mean_parsed_score(parsed_scores[i]);
        if (!s) continue;
        scored++;
        if (best < 0 || *s > best_score) best = i, best_score = *s;
        if (worst < 0 || *s < worst_score) worst = i, worst_score = *s;
    }
    if (scored < 2) return stats.dropped_too_few_scored++, std::nullopt;
    if (best_score == worst_score) return stats.dropped_tie++, std::nullopt;
    if (candidates[best] == candidates[worst]) return stats.dropped_identical++, std::nullopt;
    stats.pairs_kept++;
    sr::PreferencePair p;
    p.chosen_index = best;
    p.rejected_index = worst;
    p.chosen = candidates[best];
    p.rejected = candidates[worst];
    p.chosen_score = best_score;
    p.rejected_score = worst_score;
    return p;
}

}  // namespace course
