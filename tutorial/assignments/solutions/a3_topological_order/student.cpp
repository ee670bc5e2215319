// tutorial/assignments/solutions/a3_topological_order/student.cpp: the reference solution of
// assignment 3 (not in the student release).
#include "tutorial/assignments/a3_topological_order/student.h"

#include <stdexcept>
#include <unordered_set>
#include <utility>

namespace course {

std::vector<sr::Node*> topological_order(const sr::Var& root) {
    std::vector<sr::Node*> order;
    std::unordered_set<sr::Node*> visited{root.get()};
    std::vector<std::pair<sr::Node*, size_t>> stack{{root.get(), 0}};  // (node, next input to visit)
    while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->inputs.size()) {
            sr::Node* in = node->inputs[next++].get();
            if (in && in->requires_grad && visited.insert(in).second) stack.push_back({in, 0});
        } else {
            order.push_back(node);  // all its inputs are already in the order
            stack.pop_back();
        }
    }
    return order;
}

void run_backward(const sr::Var& root) {
    if (!root->requires_grad) throw std::runtime_error("run_backward: the root does not require grad");
    const std::vector<sr::Node*> order = topological_order(root);
    for (sr::Node* n : order)
        if (n->backward_fn) n->grad = sr::Tensor();
    root->accumulate(sr::Tensor::full(root->data.shape(), 1.0, root->data.dtype()));
    for (auto it = order.rbegin(); it != order.rend(); ++it)
        if ((*it)->backward_fn && (*it)->grad.defined()) (*it)->backward_fn(**it);
}

}  // namespace course
