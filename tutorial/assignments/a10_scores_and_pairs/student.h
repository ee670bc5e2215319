// tutorial/assignments/a10_scores_and_pairs/student.h: what assignment 10 asks you to write:
// how a round of the self-rewarding loop turns the model's judgements into DPO pairs. The
// engine's versions: data::parse_score (data/format.cpp) and build_preference_pair
// (selfreward/pairs.cpp): read them AFTER you are done.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "selfreward/pairs.h"

namespace course {

// a10.1  The strict score parser. A judgement gives a score k only when
//         - "score:" occurs exactly once, in any case ("Score:", "SCORE:", ...), and
//         - after removing trailing spaces, tabs, '\n' and '\r', the text ENDS with a line that
//           is exactly "Score: k" (capital S, one space), k a single digit 0..5, that line
//           being the whole text or preceded by '\n'.
//        Anything else is std::nullopt ("no score"; never 0). Never throws.
std::optional<int> parse_score(const std::string& judgement);

// a10.2  Mean of the parsed scores (sum / count, in double), nullopt when there are none.
std::optional<double> mean_parsed_score(const std::vector<int>& parsed_scores);

// a10.3  One prompt's pair (selfreward/pairs.h states the rule): score_i = mean of candidate i's
//        parsed scores (no score when none parsed); chosen = highest score, rejected = lowest,
//        the smallest index among equals. No pair, counted in stats in this order:
//          fewer than 2 scored candidates      -> dropped_too_few_scored
//          highest == lowest                   -> dropped_tie
//          chosen and rejected texts identical -> dropped_identical
//        otherwise pairs_kept. stats.prompts counts every call. Sizes differ: throw
//        std::runtime_error mentioning "candidates".
std::optional<sr::PreferencePair> build_pair(const std::vector<std::string>& candidates,
                                             const std::vector<std::vector<int>>& parsed_scores, sr::PairStats& stats);

}  // namespace course
