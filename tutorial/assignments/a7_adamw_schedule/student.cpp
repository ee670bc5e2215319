// tutorial/assignments/a7_adamw_schedule/student.cpp: YOUR code for assignment 7.
// Replace each `throw` with your implementation; `make assignment A=7` grades it.
#include "tutorial/assignments/a7_adamw_schedule/student.h"

#include <cmath>
#include <stdexcept>

namespace course {

double lr_at(long step, long warmup, long total, double max_lr, double min_lr) {
    // TODO(a7.1): the three cases of student.h, in that order.  (~6 lines)
    throw std::runtime_error("not implemented yet: lr_at (TODO a7.1)");
}

double clip_by_global_norm(const std::vector<std::vector<double>*>& grads, double max_norm) {
    // TODO(a7.2): the norm over all entries of all vectors; scale only when it is too large.  (~10 lines)
    throw std::runtime_error("not implemented yet: clip_by_global_norm (TODO a7.2)");
}

void adamw_update(std::vector<double>& p, std::vector<double>& m, std::vector<double>& v, const std::vector<double>& g, long t,
                  const AdamWHyper& h, bool decay) {
    // TODO(a7.3): the bias corrections once (std::pow), then one loop over the entries.
    // Note the decay uses p BEFORE this step's update.  (~10 lines)
    throw std::runtime_error("not implemented yet: adamw_update (TODO a7.3)");
}

}  // namespace course
