// Chapter 2: reverse-mode autograd. micrograd's worked example on scalars, the same engine on
// tensors, gradients that accumulate, a value used twice, NoGrad, and a graph a million nodes deep.
#include <cstdio>

#include "autograd/ops.h"
#include "autograd/var.h"
#include "tensor/ops.h"

using namespace sr;

static Var scalar(double v) { return param(Tensor::scalar(v, DType::F64)); }

int main() {
    // L = (a*b + c) * f  (micrograd's example): dL/da = b*f, dL/db = a*f, dL/dc = f, dL/df = a*b + c
    Var a = scalar(2), b = scalar(-3), c = scalar(10), f = scalar(-2);
    Var e = mul(a, b);
    Var d = add(e, c);
    Var L = mul(d, f);
    backward(L);
    std::printf("L = %.1f   dL/da %.1f  dL/db %.1f  dL/dc %.1f  dL/df %.1f\n", L->data.item(), a->grad.item(), b->grad.item(),
                c->grad.item(), f->grad.item());
    std::printf("ops on the path: %s <- %s <- %s\n", L->op.c_str(), L->inputs[0]->op.c_str(), L->inputs[0]->inputs[0]->op.c_str());

    // Tensors: y = sum(x * x), dy/dx = 2x. A second backward adds another 2x (accumulation).
    Var x = param(Tensor::from({1, 2, 3}, {3}, DType::F64));
    Var y = sum_all(mul(x, x));
    backward(y);
    std::printf("x = [1 2 3]  after one backward  dx = [%.0f %.0f %.0f]\n", x->grad.at(0), x->grad.at(1), x->grad.at(2));
    backward(y);
    std::printf("               after two         dx = [%.0f %.0f %.0f]\n", x->grad.at(0), x->grad.at(1), x->grad.at(2));
    zero_grad({x});
    std::printf("               after zero_grad   dx = [%.0f %.0f %.0f]\n", x->grad.at(0), x->grad.at(1), x->grad.at(2));

    // A value used twice (a diamond): u = x*3, v = u + u*u; dv/dx = 3 + 2u*3 = 3 + 18x.
    Var s = scalar(0.5);
    Var u = mul_scalar(s, 3.0);
    Var v = add(u, mul(u, u));
    backward(v);
    std::printf("diamond v = u + u*u, u = 3s, s = 0.5: dv/ds = %.2f (3 + 18s = %.2f)\n", s->grad.item(), 3 + 18 * 0.5);

    // Under NoGrad nothing is recorded: the result has no inputs and wants no gradient.
    {
        NoGrad guard;
        Var w = mul(x, x);
        std::printf("under NoGrad: op %s, inputs %zu, requires_grad %s\n", w->op.c_str(), w->inputs.size(), w->requires_grad ? "yes" : "no");
    }

    // A chain 200,000 ops deep (a recursive walk would need a frame per node): the topological order is found without recursion.
    Var z = scalar(1.0), t = z;
    for (int i = 0; i < 200000; i++) t = add_scalar(t, 5e-6);
    backward(t);
    std::printf("a chain of 200000 add_scalar: value %.6f, dz %.1f\n", t->data.item(), z->grad.item());
    return 0;
}
