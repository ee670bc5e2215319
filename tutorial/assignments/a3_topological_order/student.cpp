// tutorial/assignments/a3_topological_order/student.cpp: YOUR code for assignment 3.
// Replace each `throw` with your implementation; `make assignment A=3` grades it.
#include "tutorial/assignments/a3_topological_order/student.h"

#include <stdexcept>
#include <unordered_set>

namespace course {

std::vector<sr::Node*> topological_order(const sr::Var& root) {
    // TODO(a3.1): a depth-first search with an explicit stack of (node, index of the next
    // input to visit) pairs and a visited set; a node goes into the order when all its inputs
    // are done (post-order). Only follow inputs with requires_grad.  (~15 lines)
    throw std::runtime_error("not implemented yet: topological_order (TODO a3.1)");
}

void run_backward(const sr::Var& root) {
    // TODO(a3.2): check root->requires_grad; order = topological_order(root); clear the grad
    // (n->grad = sr::Tensor()) of nodes with a backward_fn; root->accumulate(ones); walk the
    // order backwards calling n->backward_fn(*n).  (~10 lines)
    throw std::runtime_error("not implemented yet: run_backward (TODO a3.2)");
}

}  // namespace course
