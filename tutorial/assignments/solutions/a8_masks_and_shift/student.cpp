// tutorial/assignments/solutions/a8_masks_and_shift/student.cpp: the reference solution of
// assignment 8 (not in the student release).
#include "tutorial/assignments/a8_masks_and_shift/student.h"

#include <algorithm>
#include <stdexcept>

namespace course {

sr::Example sft_example(const std::vector<int>& prompt, const std::vector<int>& response) {
    sr::Example e;
    e.tokens = prompt;
    e.tokens.insert(e.tokens.end(), response.begin(), response.end());
    e.mask.assign(prompt.size(), 0.0f);
    e.mask.resize(e.tokens.size(), 1.0f);
    return e;
}

sr::Batch make_batch(const std::vector<const sr::Example*>& rows, int T, int pad_id) {
    sr::Batch b;
    b.B = static_cast<int>(rows.size());
    int longest = 2;
    for (const sr::Example* e : rows) longest = std::max(longest, static_cast<int>(std::min<size_t>(e->tokens.size(), T + 1)));
    b.T = longest - 1;
    for (const sr::Example* e : rows) {
        const int n = static_cast<int>(std::min<size_t>(e->tokens.size(), T + 1));
        for (int t = 0; t < b.T; t++) {
            b.ids.push_back(t < n ? e->tokens[t] : pad_id);
            b.targets.push_back(t + 1 < n ? e->tokens[t + 1] : pad_id);  // position t predicts token t+1
            b.mask.push_back(t + 1 < n ? e->mask[t + 1] : 0.0f);
        }
    }
    return b;
}

std::vector<sr::Example> dpo_rows(const sr::DpoPair& pair, int context) {
    if (pair.prompt.empty()) throw std::runtime_error("dpo_rows: empty prompt");
    if (pair.chosen.empty() || pair.rejected.empty()) throw std::runtime_error("dpo_rows: empty response");
    const size_t cap = static_cast<size_t>(context) + 1;
    std::vector<sr::Example> rows;
    for (const std::vector<int>* resp : {&pair.chosen, &pair.rejected}) {
        size_t keep = pair.prompt.size();
        if (keep + resp->size() > cap) keep = std::max<size_t>(1, cap > resp->size() ? cap - resp->size() : 1);
        rows.push_back(sft_example(std::vector<int>(pair.prompt.end() - static_cast<long>(keep), pair.prompt.end()), *resp));
    }
    return rows;
}

}  // namespace course
