// selfreward/pairs.cpp: chosen = highest average judge score, rejected = lowest; see pairs.h.
#include "selfreward/pairs.h"

#include <stdexcept>

namespace sr {

std::optional<double> mean_parsed_score(const std::vector<int>& parsed_scores) {
    if (parsed_scores.empty()) return std::nullopt;
    long sum = 0;
    for (int s : parsed_scores) sum += s;
    return static_cast<double>(sum) / static_cast<double>(parsed_scores.size());
}

std::optional<PreferencePair> build_preference_pair(const std::vector<std::string>& candidates,
                                                    const std::vector<std::vector<int>>& parsed_scores,
                                                    PairStats& stats) {
    if (candidates.size() != parsed_scores.size()) {
        throw std::runtime_error("build_preference_pair: " + std::to_string(candidates.size()) +
                                 " candidates but " + std::to_string(parsed_scores.size()) +
                                 " score lists. HINT: pass one (possibly empty) list of parsed "
                                 "scores per candidate, in the same order.");
    }
    std::vector<std::optional<double>> means;
    for (const auto& s : parsed_scores) means.push_back(mean_parsed_score(s));
    return build_preference_pair_from_scores(candidates, means, stats);
}

std::optional<PreferencePair> build_preference_pair_from_scores(const std::vector<std::string>& candidates,
                                                                const std::vector<std::optional<double>>& scores,
                                                                PairStats& stats, double min_margin) {
    if (candidates.size() != scores.size()) {
        throw std::runtime_error("build_preference_pair: " + std::to_string(candidates.size()) + " candidates but " +
                                 std::to_string(scores.size()) + " scores. HINT: one (possibly missing) score per candidate, in order.");
    }
    stats.prompts++;

    int best = -1, worst = -1, num_scored = 0;
    double best_score = 0.0, worst_score = 0.0;
    for (int i = 0; i < static_cast<int>(candidates.size()); i++) {
        const std::optional<double>& score = scores[i];
        if (!score) continue;  // nothing parsed: not a candidate for either side
        num_scored++;
        // Strict comparisons keep the FIRST index among equals.
        if (best < 0 || *score > best_score) { best = i; best_score = *score; }
        if (worst < 0 || *score < worst_score) { worst = i; worst_score = *score; }
    }

    if (num_scored < 2) { stats.dropped_too_few_scored++; return std::nullopt; }
    if (best_score == worst_score || best_score - worst_score < min_margin) { stats.dropped_tie++; return std::nullopt; }
    if (candidates[best] == candidates[worst]) { stats.dropped_identical++; return std::nullopt; }

    stats.pairs_kept++;
    PreferencePair pair;
    pair.chosen_index = best;
    pair.rejected_index = worst;
    pair.chosen = candidates[best];
    pair.rejected = candidates[worst];
    pair.chosen_score = best_score;
    pair.rejected_score = worst_score;
    return pair;
}

MergedCandidates merge_identical(const std::vector<std::string>& texts, const std::vector<std::vector<double>>& score_samples) {
    if (texts.size() != score_samples.size())
        throw std::runtime_error("merge_identical: " + std::to_string(texts.size()) + " texts but " + std::to_string(score_samples.size()) +
                                 " score lists. HINT: one list per candidate");
    MergedCandidates m;
    std::vector<std::vector<double>> pooled;
    for (size_t i = 0; i < texts.size(); i++) {
        size_t k = 0;
        while (k < m.texts.size() && m.texts[k] != texts[i]) k++;  // N is small (4-16): a linear search
        if (k == m.texts.size()) m.texts.push_back(texts[i]), m.first_index.push_back(static_cast<int>(i)), pooled.emplace_back();
        pooled[k].insert(pooled[k].end(), score_samples[i].begin(), score_samples[i].end());
    }
    for (const auto& p : pooled) {
        if (p.empty()) {
            m.scores.push_back(std::nullopt);
            continue;
        }
        double sum = 0;
        for (double x : p) sum += x;
        m.scores.push_back(sum / static_cast<double>(p.size()));
    }
    return m;
}

}  // namespace sr
