// autograd/var.cpp: the graph: nodes, topological order, backward, no-grad mode.
#include "autograd/var.h"

#include <unordered_set>

#include "tensor/ops.h"

namespace sr {

static thread_local bool g_no_grad = false;

NoGrad::NoGrad() : previous_(g_no_grad) { g_no_grad = true; }
NoGrad::~NoGrad() { g_no_grad = previous_; }
bool NoGrad::active() { return g_no_grad; }

Node::~Node() {
    // Move our inputs onto an explicit stack; a node we were the last owner of gets its own
    // inputs moved onto the stack before it dies, so no destructor ever recurses deeply.
    std::vector<Var> stack = std::move(inputs);
    while (!stack.empty()) {
        Var v = std::move(stack.back());
        stack.pop_back();
        if (v && v.use_count() == 1) {
            for (Var& in : v->inputs) stack.push_back(std::move(in));
            v->inputs.clear();
            v->backward_fn = nullptr;  // closures may hold Vars too
        }
    }
}

void Node::accumulate(const Tensor& g) {
    if (g.shape() != data.shape())
        fail("backward", "gradient " + shape_str(g.shape()) + " for a " + shape_str(data.shape()) + " value from op '" + op + "'");
    if (!grad.defined()) grad = g.dtype() == data.dtype() ? g.clone() : g.to(data.dtype());
    else add_inplace(grad, g);
}

Tensor& Node::grad_buffer() {
    if (!grad.defined()) grad = Tensor::zeros(data.shape(), data.dtype());
    return grad;
}

Var param(const Tensor& value) {
    auto n = std::make_shared<Node>();
    n->data = value;
    n->requires_grad = true;
    return n;
}

Var constant(const Tensor& value) {
    auto n = std::make_shared<Node>();
    n->data = value;
    return n;
}

Var make_node(Tensor value, const char* op, std::vector<Var> inputs, std::function<void(Node&)> backward_fn) {
    auto n = std::make_shared<Node>();
    n->data = std::move(value);
    n->op = op;
    bool any = false;
    for (const Var& v : inputs) any = any || (v && v->requires_grad);
    if (any && !g_no_grad) {
        n->requires_grad = true;
        n->inputs = std::move(inputs);
        n->backward_fn = std::move(backward_fn);
    }
    return n;
}

// Reverse topological order by an iterative depth-first search (post-order).
static std::vector<Node*> topo_order(Node* root) {
    std::vector<Node*> order;
    std::unordered_set<Node*> visited;
    std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
    visited.insert(root);
    while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->inputs.size()) {
            Node* child = node->inputs[next++].get();
            if (child && child->requires_grad && visited.insert(child).second) stack.push_back({child, 0});
        } else {
            order.push_back(node);
            stack.pop_back();
        }
    }
    return order;  // inputs before the nodes that use them; root last
}

void backward(const Var& root, const Tensor& seed) {
    if (!root->requires_grad) fail("backward", "the root does not require grad (no parameter reaches it, or it was built under NoGrad)");
    const std::vector<Node*> order = topo_order(root.get());
    // Gradients of intermediate nodes are transient: clear what an earlier backward left, so
    // a second backward() adds exactly one more gradient into the leaves (like PyTorch).
    for (Node* n : order)
        if (n->backward_fn) n->grad = Tensor();
    root->accumulate(seed);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node* n = *it;
        if (n->backward_fn && n->grad.defined()) n->backward_fn(*n);
    }
}

void backward(const Var& root) { backward(root, Tensor::full(root->data.shape(), 1.0, root->data.dtype())); }

void zero_grad(const std::vector<Var>& params) {
    for (const Var& p : params)
        if (p->grad.defined()) p->grad.zero_();
}

}  // namespace sr
