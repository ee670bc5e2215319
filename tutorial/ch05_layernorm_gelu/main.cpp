// Chapter 5: LayerNorm and GELU, as llm.c's doc/layernorm teaches it: the derivation, a
// reference built from primitive autograd ops, and the fused kernel checked against it (double).
#include <cmath>
#include <cstdio>

#include "autograd/ops.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"

using namespace sr;

// The reference: LayerNorm written with primitive ops, so autograd derives its backward.
static Var layernorm_reference(const Var& x, const Var& w, const Var& b, double eps) {
    Var mu = mean(x, -1, true);                       // (N, 1)
    Var xc = sub(x, mu);                              // (N, C)
    Var var = mean(mul(xc, xc), -1, true);            // (N, 1), biased variance
    Var rstd = pow(add_scalar(var, eps), -0.5);       // (N, 1)
    return add(mul(mul(xc, rstd), w), b);             // (N, C)
}

static double maxdiff(const Tensor& a, const Tensor& b) { return max_abs_diff(a, b); }
static const char* small(double d) { return d < 1e-12 ? "< 1e-12" : d < 1e-9 ? "< 1e-9" : ">= 1e-9 (!)"; }

int main() {
    Rng rng(5);
    const int N = 6, C = 16;
    const Tensor X = randn({N, C}, rng, 2.0, DType::F64), W = randn({C}, rng, 1.0, DType::F64), Bt = randn({C}, rng, 1.0, DType::F64);
    const Tensor G = randn({N, C}, rng, 1.0, DType::F64);  // an upstream gradient dL/dout

    Var x1 = param(X), w1 = param(W), b1 = param(Bt);
    Var y1 = layernorm(x1, w1, b1, 1e-5);
    backward(y1, G);
    Var x2 = param(X), w2 = param(W), b2 = param(Bt);
    Var y2 = layernorm_reference(x2, w2, b2, 1e-5);
    backward(y2, G);
    std::printf("layernorm (%d,%d), fused kernel vs primitive ops (float64):\n", N, C);
    std::printf("  out      max |diff| %s\n", small(maxdiff(y1->data, y2->data)));
    std::printf("  dx       max |diff| %s\n", small(maxdiff(x1->grad, x2->grad)));
    std::printf("  dweight  max |diff| %s\n", small(maxdiff(w1->grad, w2->grad)));
    std::printf("  dbias    max |diff| %s\n", small(maxdiff(b1->grad, b2->grad)));
    // Two facts of the derivation: each row of dx sums to 0, and is (almost) orthogonal to the row's x_hat.
    const Tensor xhat = layernorm(constant(X), constant(Tensor::full({C}, 1.0, DType::F64)), constant(Tensor::zeros({C}, DType::F64)))->data;
    double worst_sum = 0, worst_dot = 0;
    for (int i = 0; i < N; i++) {
        double s = 0, d = 0;
        for (int c = 0; c < C; c++) s += x1->grad.at(i * C + c), d += x1->grad.at(i * C + c) * xhat.at(i * C + c);
        worst_sum = std::max(worst_sum, std::fabs(s)), worst_dot = std::max(worst_dot, std::fabs(d));
    }
    std::printf("  rows of dx: |sum| %s, |dx . x_hat| %s 1e-4 (exactly 0 only for eps = 0)\n", small(worst_sum),
                worst_dot < 1e-4 ? "<" : ">=");

    // GELU: 0.5 x (1 + tanh u) == x sigmoid(2u), and the derivative against a central difference.
    std::printf("gelu (tanh approximation), float64:\n");
    for (double v : {-3.0, -1.0, -0.1, 0.0, 0.5, 2.0}) {
        const double u = std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v);
        const double textbook = 0.5 * v * (1 + std::tanh(u));
        const double h = 1e-6, numeric = (kernels::gelu_value(v + h) - kernels::gelu_value(v - h)) / (2 * h);
        std::printf("  x %5.2f  gelu %9.6f  textbook %9.6f  gelu' %9.6f  numeric %9.6f\n", v, kernels::gelu_value(v), textbook,
                    kernels::gelu_derivative(v), numeric);
    }
    return 0;
}
