// tutorial/assignments/a8_masks_and_shift/student.h: what assignment 8 asks you to write: the
// loss masks of SFT and DPO and the one-position shift between a position's logits and the
// token they predict. Types from model/train.h (Example, Batch) and selfreward/dpo.h
// (DpoPair). The engine's versions: make_batch in model/train.cpp and dpo_rows in
// selfreward/dpo.cpp: read them AFTER you are done.
#pragma once
#include <vector>

#include "model/train.h"
#include "selfreward/dpo.h"

namespace course {

// a8.1  One SFT example: tokens = prompt + response; mask[i] = 1 when token i is a response
//       token (predicting it counts in the loss), 0 on the prompt.
sr::Example sft_example(const std::vector<int>& prompt, const std::vector<int>& response);

// a8.2  Rows of examples -> one padded batch with the shift (model/train.h):
//         n_r = min(len(tokens_r), T + 1) tokens are kept (the rest is cut);
//         b.T = max(max_r n_r, 2) - 1;  b.B = number of rows;
//         for t in [0, b.T):  ids[r*b.T + t]     = tokens_r[t]     (pad_id if t >= n_r)
//                             targets[r*b.T + t] = tokens_r[t + 1] (pad_id if t + 1 >= n_r)
//                             mask[r*b.T + t]    = mask_r[t + 1]   (0 if t + 1 >= n_r)
//       The mask of position t is the mask of the token it PREDICTS.
sr::Batch make_batch(const std::vector<const sr::Example*>& rows, int T, int pad_id);

// a8.3  The two rows of a DPO pair, chosen first: prompt + chosen and prompt + rejected, mask 0
//       on the prompt and 1 on the response. When prompt + response is longer than context + 1
//       tokens, drop tokens from the START of the prompt until it fits, keeping at least one
//       prompt token (then make_batch cuts the response's end). An empty prompt or an empty
//       response: throw std::runtime_error saying "empty prompt" / "empty response".
std::vector<sr::Example> dpo_rows(const sr::DpoPair& pair, int context);

}  // namespace course
