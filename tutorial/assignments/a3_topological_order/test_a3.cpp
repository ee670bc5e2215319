// tutorial/assignments/a3_topological_order/test_a3.cpp: the grader of assignment 3.
// The order is checked by its defining properties; run_backward is compared with the
// engine's sr::backward (autograd/var.cpp) on the same graph, gradient by gradient.
#include <unordered_map>
#include <unordered_set>

#include "autograd/ops.h"
#include "tutorial/assignments/a3_topological_order/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;

// The properties of a topological order of root's graph; returns a message, "" when all hold.
static std::string order_problem(const Var& root, const std::vector<Node*>& order) {
    std::unordered_map<Node*, size_t> pos;
    for (size_t i = 0; i < order.size(); i++)
        if (!pos.emplace(order[i], i).second) return "a node appears twice (op '" + order[i]->op + "')";
    if (order.empty() || order.back() != root.get()) return "root is not last";
    std::unordered_set<Node*> reachable{root.get()};  // what the order must contain
    std::vector<Node*> todo{root.get()};
    while (!todo.empty()) {
        Node* n = todo.back();
        todo.pop_back();
        for (const Var& in : n->inputs) {
            if (!in->requires_grad) continue;
            if (reachable.insert(in.get()).second) todo.push_back(in.get());
            if (pos.count(n) && pos.count(in.get()) && pos[in.get()] > pos[n])
                return "op '" + in->op + "' comes after op '" + n->op + "', which uses it";
        }
    }
    for (Node* n : order)
        if (!reachable.count(n)) return "op '" + n->op + "' is in the order but not needed (a constant, or not in the graph)";
    if (reachable.size() != order.size())
        return std::to_string(reachable.size() - order.size()) + " node(s) that require grad are missing";
    return "";
}

TEST_CASE("a3.1 topological_order of a diamond: each node once, inputs first, no constants", "[a3][a3.1]") {
    const Var x = param(grade::randn64({3}, 1));
    const Var w = constant(grade::randn64({3}, 2));   // no gradient: must not be in the order
    const Var a = tanh(x), b = exp(x);                 // x feeds two branches ...
    const Var c = mul(a, b), d = add(c, a);            // ... and a feeds two ops
    const Var root = sum_all(mul(d, w));
    const std::vector<Node*> order = course::topological_order(root);
    CHECK(order.size() == 7);  // x, a, b, c, d, mul(d, w), root
    CHECK(order_problem(root, order) == "");
}

TEST_CASE("a3.1 topological_order of a 300,000-node chain (no recursion)", "[a3][a3.1]") {
    const Var x = param(Tensor::scalar(0.0, DType::F64));
    Var y = x;
    for (int i = 0; i < 300000; i++) y = add_scalar(y, 1.0);  // a recursive search overflows the stack here
    const std::vector<Node*> order = course::topological_order(y);
    REQUIRE(order.size() == 300001);
    CHECK(order.front() == x.get());
    CHECK(order.back() == y.get());
}

// A small network: linear -> layernorm -> gelu -> linear -> cross-entropy, plus a branch that
// reuses the hidden layer (so nodes have several users).
struct Net {
    Var x = constant(grade::randn64({4, 6}, 3));
    Var w1 = param(grade::randn64({6, 8}, 4, 0.5)), b1 = param(grade::randn64({8}, 5, 0.1));
    Var g = param(Tensor::full({8}, 1.0, DType::F64)), bb = param(Tensor::zeros({8}, DType::F64));
    Var w2 = param(grade::randn64({8, 5}, 6, 0.5));
    std::vector<Var> params() const { return {w1, b1, g, bb, w2}; }
    Var loss() const {
        const Var h = gelu(layernorm(linear(x, w1, b1), g, bb));
        const Var logits = matmul(h, w2);
        return add(cross_entropy(logits, {0, 3, 1, 4}), mul_scalar(mean_all(mul(h, h)), 0.1));
    }
};

TEST_CASE("a3.1 topological_order of a small network", "[a3][a3.1]") {
    const Net net;
    const Var root = net.loss();
    CHECK(order_problem(root, course::topological_order(root)) == "");
}

TEST_CASE("a3.2 run_backward gives sr::backward's gradients, and accumulates on a second call", "[a3][a3.2]") {
    const Net mine, engine;  // same numbers (same seeds), separate parameters
    course::run_backward(mine.loss());
    backward(engine.loss());
    const char* names[] = {"dw1", "db1", "dgain", "dbias", "dw2"};
    for (size_t i = 0; i < 5; i++) CHECK(cmp(names[i], mine.params()[i]->grad, engine.params()[i]->grad) < 1e-14);
    // the same graph twice: leaves accumulate (2x), intermediate gradients are not counted twice
    const Var r1 = mine.loss(), r2 = engine.loss();
    course::run_backward(r1);
    course::run_backward(r1);
    backward(r2);
    backward(r2);
    for (size_t i = 0; i < 5; i++) CHECK(cmp(std::string(names[i]) + " after 3 calls", mine.params()[i]->grad, engine.params()[i]->grad) < 1e-14);
}

TEST_CASE("a3.2 run_backward refuses a root without gradient", "[a3][a3.2]") {
    const Var c = constant(grade::randn64({2}, 9));
    grade::expect_error([&] { course::run_backward(sum_all(c)); }, "does not require grad");
}
