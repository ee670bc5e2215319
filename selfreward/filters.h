// selfreward/filters.h: the Self-Instruct filters applied to each newly generated prompt.
//
// A PromptFilter starts from the seed prompts (they count as kept) and judges each new
// prompt in this order, stopping at the first reason that applies:
//   1. too_short  trimmed length (bytes) < min_chars
//   2. too_long   trimmed length (bytes) > max_chars
//   3. duplicate  the trimmed prompt equals a kept prompt exactly (trimmed, case-sensitive)
//   4. heldout    the caller's predicate overlaps_heldout(trimmed prompt) is true
//                 (contamination with the evaluation sets; checked before ROUGE so that its
//                 count is never hidden behind a ROUGE drop)
//   5. rouge      ROUGE-L F1 (selfreward/rouge.h) against ANY kept prompt, seeds included,
//                 is strictly above max_rouge (Self-Instruct: `if max(scores) > 0.7: drop`)
// otherwise the prompt is kept and joins the pool that later prompts are compared against.
// "Trimmed" means leading/trailing whitespace removed; the kept text is the trimmed text.
// Counts per reason are kept; the seeds are not counted (they were never checked).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

namespace sr {

struct InstructFilterConfig {
    int min_chars = 1;         // set these for your world's prompts
    int max_chars = 1000;
    double max_rouge = 0.7;    // Self-Instruct's threshold
};

enum class FilterReason { kept, too_short, too_long, duplicate, heldout, rouge };
const char* to_string(FilterReason reason);

struct Verdict {
    FilterReason reason = FilterReason::kept;
    // Highest ROUGE-L seen while checking. For a rouge drop: the score that exceeded the limit
    // (the check stops at the first kept prompt above it). 0 if the ROUGE step was not reached.
    double rouge = 0.0;
    bool kept() const { return reason == FilterReason::kept; }
};

struct FilterCounts {
    long kept = 0, too_short = 0, too_long = 0, duplicate = 0, heldout = 0, rouge = 0;
    long checked() const { return kept + too_short + too_long + duplicate + heldout + rouge; }
};

class PromptFilter {
public:
    // overlaps_heldout may be empty (no held-out check).
    PromptFilter(InstructFilterConfig config, const std::vector<std::string>& seed_prompts,
                 std::function<bool(const std::string&)> overlaps_heldout = nullptr);

    // Judge a prompt; if it is kept, add it to the pool. Updates counts().
    Verdict check_and_add(const std::string& prompt);

    const std::vector<std::string>& kept_prompts() const { return kept_; }  // seeds first
    std::size_t num_seeds() const { return num_seeds_; }
    const FilterCounts& counts() const { return counts_; }

private:
    void add(const std::string& trimmed);

    InstructFilterConfig config_;
    std::function<bool(const std::string&)> overlaps_heldout_;
    std::vector<std::string> kept_;                      // trimmed text, seeds first
    std::vector<std::vector<std::string>> kept_tokens_;  // rouge tokens of each kept prompt
    std::unordered_set<std::string> kept_set_;           // for the exact-duplicate check
    std::size_t num_seeds_ = 0;
    FilterCounts counts_;
};

// Remove leading and trailing whitespace (space, \t, \n, \r, \f, \v).
std::string trim_whitespace(const std::string& s);

}  // namespace sr
