// tutorial/assignments/a8_masks_and_shift/student.cpp: YOUR code for assignment 8.
// Replace each `throw` with your implementation; `make assignment A=8` grades it.
#include "tutorial/assignments/a8_masks_and_shift/student.h"

#include <algorithm>
#include <stdexcept>

namespace course {

sr::Example sft_example(const std::vector<int>& prompt, const std::vector<int>& response) {
    // TODO(a8.1): (~6 lines)
    throw std::runtime_error("not implemented yet: sft_example (TODO a8.1)");
}

sr::Batch make_batch(const std::vector<const sr::Example*>& rows, int T, int pad_id) {
    // TODO(a8.2): b.T first (the longest kept row), then one loop over rows and positions.  (~15 lines)
    throw std::runtime_error("not implemented yet: make_batch (TODO a8.2)");
}

std::vector<sr::Example> dpo_rows(const sr::DpoPair& pair, int context) {
    // TODO(a8.3): for each response (chosen, then rejected): how many prompt tokens to keep,
    // then tokens and mask.  (~15 lines)
    throw std::runtime_error("not implemented yet: dpo_rows (TODO a8.3)");
}

}  // namespace course
