// tutorial/assignments/a3_topological_order/student.h: what assignment 3 asks you to write:
// the order in which backward() visits the graph, and backward() itself.
// The engine's own version is autograd/var.cpp (topo_order, backward): read it AFTER.
#pragma once
#include <vector>

#include "autograd/var.h"

namespace course {

// a3.1  Every node that requires grad and that root depends on (root included), each exactly
//       once, every node AFTER all of its inputs (that require grad), root last. Iterative:
//       a graph may be a chain of a million nodes, deeper than any call stack.
std::vector<sr::Node*> topological_order(const sr::Var& root);

// a3.2  Reverse-mode backward from a root, as sr::backward(root) does: clear the gradients
//       of the intermediate nodes (those with a backward_fn; leaves keep accumulating), seed
//       root's gradient with ones of its shape, then call each node's backward_fn in REVERSE
//       topological order (skip nodes without a backward_fn or without a gradient).
//       A root that does not require grad: throw std::runtime_error saying "does not require grad".
void run_backward(const sr::Var& root);

}  // namespace course
