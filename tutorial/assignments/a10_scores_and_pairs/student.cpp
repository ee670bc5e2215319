// tutorial/assignments/a10_scores_and_pairs/student.cpp: YOUR code for assignment 10.
// Replace each `throw` with your implementation; `make assignment A=10` grades it.
#include "tutorial/assignments/a10_scores_and_pairs/student.h"

#include <stdexcept>

namespace course {

std::optional<int> parse_score(const std::string& judgement) {
    // TODO(a10.1): count "score:" in a lower-cased copy; strip the trailing whitespace; check
    // the last line. Careful with short strings: no out-of-range substr.  (~20 lines)
    throw std::runtime_error("not implemented yet: parse_score (TODO a10.1)");
}

std::optional<double> mean_parsed_score(const std::vector<int>& parsed_scores) {
    // TODO(a10.2): (~5 lines)
    throw std::runtime_error("not implemented yet: mean_parsed_score (TODO a10.2)");
}

std::optional<sr::PreferencePair> build_pair(const std::vector<std::string>& candidates,
                                             const std::vector<std::vector<int>>& parsed_scores, sr::PairStats& stats) {
    // TODO(a10.3): one pass for the best and the worst scored candidate (strict comparisons
    // keep the first index), then the three drop reasons in order.  (~30 lines)
    throw std::runtime_error("not implemented yet: build_pair (TODO a10.3)");
}

}  // namespace course
