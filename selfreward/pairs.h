// selfreward/pairs.h: turn one prompt's judged candidates into a DPO preference pair.
//
// Input for one prompt: N candidate responses and, for each, the judge scores that PARSED
// (a judgement that did not parse is simply absent; it is never a 0).
//   score(i)  = mean of candidate i's parsed scores; a candidate with no parsed score has no
//               score at all and can be neither chosen nor rejected.
//   chosen    = the scored candidate with the highest score; among equal highest, the one
//               with the smallest index (deterministic).
//   rejected  = the scored candidate with the lowest score; among equal lowest, the smallest
//               index.
// No pair (counted by reason, checked in this order):
//   dropped_too_few_scored  fewer than 2 candidates have a score (e.g. a single candidate)
//   dropped_tie             highest == lowest (every scored candidate ties); so a response is
//                           never paired with itself
//   dropped_identical       chosen and rejected are different candidates with the same text
//                           (byte-identical strings); DPO on such a pair pushes both ways at once
// Averages are exact comparisons of doubles: each is (integer sum) / count, correctly rounded,
// so equal fractions give equal doubles.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace sr {

struct PreferencePair {
    int chosen_index = -1;
    int rejected_index = -1;
    std::string chosen;
    std::string rejected;
    double chosen_score = 0.0;    // average of the chosen candidate's parsed scores
    double rejected_score = 0.0;  // average of the rejected candidate's parsed scores
};

struct PairStats {
    long prompts = 0;                 // calls to build_preference_pair
    long pairs_kept = 0;
    long dropped_too_few_scored = 0;
    long dropped_tie = 0;
    long dropped_identical = 0;
};

// Mean of the parsed scores, or std::nullopt when there are none.
std::optional<double> mean_parsed_score(const std::vector<int>& parsed_scores);

// candidates[i] and parsed_scores[i] describe candidate i; sizes must match (else throws).
// Updates stats (one prompt, and either pairs_kept or one dropped_* counter).
std::optional<PreferencePair> build_preference_pair(const std::vector<std::string>& candidates,
                                                    const std::vector<std::vector<int>>& parsed_scores,
                                                    PairStats& stats);

// The same rule on one score per candidate (nullopt: unscored), e.g. the judge's expected
// score. With min_margin > 0, a pair whose highest and lowest differ by less than min_margin
// counts as a tie (dropped_tie): a judge's small differences are mostly noise.
std::optional<PreferencePair> build_preference_pair_from_scores(const std::vector<std::string>& candidates,
                                                                const std::vector<std::optional<double>>& scores,
                                                                PairStats& stats, double min_margin = 0);

// Candidates with the same text as one candidate: its score is the mean of all its copies'
// score samples (pooled judgements: each copy's parsed scores, or its one expected score),
// nullopt when none parsed. Without this, sampled judgements give two copies of one answer
// different means, and the highest and lowest are often the same text (dropped_identical).
struct MergedCandidates {
    std::vector<std::string> texts;
    std::vector<std::optional<double>> scores;
    std::vector<int> first_index;  // the first original candidate with this text
};
MergedCandidates merge_identical(const std::vector<std::string>& texts, const std::vector<std::vector<double>>& score_samples);

}  // namespace sr
