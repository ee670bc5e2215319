// autograd/var.h: reverse-mode automatic differentiation, micrograd style, on whole tensors.
//
// A Var is a shared handle to a Node: the value (a Tensor), its gradient (same shape, made on
// first use), the name of the op that made it, its inputs, and a backward closure that sends
// the node's gradient to its inputs. Every op in autograd/ops.h is a free function that
// computes its output and registers that closure, right next to each other.
//
//   Var x = param(Tensor::from({1, 2, 3}, {3}));
//   Var y = sum_all(mul(x, x));
//   backward(y);            // x->grad == 2 * x
//
// Gradients ACCUMULATE: calling backward twice doubles them, exactly like PyTorch; call
// zero_grad() between steps. Inside a NoGrad scope no graph is recorded (used for inference
// and for the frozen DPO reference model).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace sr {

struct Node;
using Var = std::shared_ptr<Node>;

struct Node {
    Tensor data;
    Tensor grad;                 // undefined until a gradient arrives
    std::string op = "leaf";     // what made it ("leaf" for parameters and inputs)
    std::vector<Var> inputs;     // the nodes it was computed from
    std::function<void(Node&)> backward_fn;  // reads this->grad, adds into inputs' grads
    bool requires_grad = false;

    // Tearing down a long chain of shared_ptrs recursively would overflow the stack
    // (a 1,000,000-node graph); the destructor releases the inputs iteratively instead.
    ~Node();

    // Adds g into grad (allocating zeros first if needed).
    void accumulate(const Tensor& g);
    // grad, created as zeros when missing: kernels that add in place write here.
    Tensor& grad_buffer();
};

// A leaf that wants gradients (a parameter or an input under test).
Var param(const Tensor& value);
// A leaf without gradients (data, targets, masks).
Var constant(const Tensor& value);

// Builds an op's output node. If no input requires grad, or NoGrad is active, the node keeps
// no inputs and no closure (so nothing is recorded).
Var make_node(Tensor value, const char* op, std::vector<Var> inputs, std::function<void(Node&)> backward_fn);

// Runs backward from `root`. The root's gradient is seeded with ones (a scalar loss gets 1).
// The graph is walked in reverse topological order found iteratively (no recursion limit).
void backward(const Var& root);
// Same, with an explicit seed gradient of the root's shape.
void backward(const Var& root, const Tensor& seed);

void zero_grad(const std::vector<Var>& params);

// While a NoGrad object lives, ops record no graph on this thread.
class NoGrad {
public:
    NoGrad();
    ~NoGrad();
    NoGrad(const NoGrad&) = delete;
    NoGrad& operator=(const NoGrad&) = delete;
    static bool active();

private:
    bool previous_;
};

}  // namespace sr
