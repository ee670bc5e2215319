// selfreward/filters.cpp: Self-Instruct prompt filters, see filters.h for the order of checks.
#include "selfreward/filters.h"

#include <stdexcept>

#include "selfreward/rouge.h"

namespace sr {

const char* to_string(FilterReason reason) {
    switch (reason) {
        case FilterReason::kept: return "kept";
        case FilterReason::too_short: return "too_short";
        case FilterReason::too_long: return "too_long";
        case FilterReason::duplicate: return "duplicate";
        case FilterReason::heldout: return "heldout";
        case FilterReason::rouge: return "rouge";
    }
    return "unknown";
}

std::string trim_whitespace(const std::string& s) {
    const char* ws = " \t\n\r\f\v";
    const std::size_t begin = s.find_first_not_of(ws);
    if (begin == std::string::npos) return "";
    const std::size_t end = s.find_last_not_of(ws);
    return s.substr(begin, end - begin + 1);
}

PromptFilter::PromptFilter(InstructFilterConfig config, const std::vector<std::string>& seed_prompts,
                           std::function<bool(const std::string&)> overlaps_heldout)
    : config_(config), overlaps_heldout_(std::move(overlaps_heldout)) {
    if (config_.min_chars < 0 || config_.max_chars < config_.min_chars) {
        throw std::runtime_error("PromptFilter: min_chars=" + std::to_string(config_.min_chars) +
                                 ", max_chars=" + std::to_string(config_.max_chars) +
                                 " is not a valid range. HINT: need 0 <= min_chars <= max_chars.");
    }
    for (const std::string& seed : seed_prompts) {
        const std::string t = trim_whitespace(seed);
        if (kept_set_.count(t) == 0) add(t);  // repeated seeds are stored once
    }
    num_seeds_ = kept_.size();
}

void PromptFilter::add(const std::string& trimmed) {
    kept_.push_back(trimmed);
    kept_tokens_.push_back(rouge_tokenize(trimmed));
    kept_set_.insert(trimmed);
}

Verdict PromptFilter::check_and_add(const std::string& prompt) {
    const std::string t = trim_whitespace(prompt);
    const long length = static_cast<long>(t.size());
    Verdict v;
    if (length < config_.min_chars) {
        v.reason = FilterReason::too_short;
        counts_.too_short++;
    } else if (length > config_.max_chars) {
        v.reason = FilterReason::too_long;
        counts_.too_long++;
    } else if (kept_set_.count(t)) {
        v.reason = FilterReason::duplicate;
        counts_.duplicate++;
    } else if (overlaps_heldout_ && overlaps_heldout_(t)) {
        v.reason = FilterReason::heldout;
        counts_.heldout++;
    } else {
        const std::vector<std::string> tokens = rouge_tokenize(t);
        for (const auto& other : kept_tokens_) {
            const double f1 = rouge_l(tokens, other).f1;
            if (f1 > v.rouge) v.rouge = f1;
            if (f1 > config_.max_rouge) {  // strictly above, as in Self-Instruct
                v.reason = FilterReason::rouge;
                break;
            }
        }
        if (v.reason == FilterReason::rouge) {
            counts_.rouge++;
        } else {
            counts_.kept++;
            add(t);
        }
    }
    return v;
}

}  // namespace sr
