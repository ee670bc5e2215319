// Chapter 4: softmax, log-softmax, cross-entropy and log-sigmoid, done stably. Each stable
// version beside the textbook formula evaluated naively in float32.
#include <cmath>
#include <cstdio>

#include "autograd/ops.h"
#include "tensor/ops.h"

using namespace sr;

static void show(const char* name, const Tensor& t) {
    std::printf("%-34s [", name);
    for (int64_t i = 0; i < t.numel(); i++) std::printf("%s%.4f", i ? " " : "", t.at(i));
    std::printf("]\n");
}

int main() {
    // softmax of large logits: e^1000 overflows float (and double), the shifted form does not.
    const float big[3] = {1000, 1001, 1002};
    float naive[3], z = 0;
    for (int c = 0; c < 3; c++) z += std::exp(big[c]);
    for (int c = 0; c < 3; c++) naive[c] = std::exp(big[c]) / z;
    std::printf("%-34s [", "naive softmax(1000,1001,1002)");
    for (int c = 0; c < 3; c++) std::printf(std::isnan(naive[c]) ? "%snan" : "%s%.4f", c ? " " : "", naive[c]);  // inf/inf
    std::printf("]\n");
    show("softmax(1000,1001,1002)", softmax(Tensor::from({1000, 1001, 1002}, {3})));
    show("softmax(0,1,2)  (shift-invariant)", softmax(Tensor::from({0, 1, 2}, {3})));

    // log-softmax: log of a softmax that underflowed to 0 is -inf; x - logsumexp(x) is exact.
    std::printf("%-34s [%.4f %.4f]\n", "naive log(softmax(-1000, 0))", std::log(std::exp(-1000.0f) / (std::exp(-1000.0f) + 1.0f)),
                std::log(1.0f / (std::exp(-1000.0f) + 1.0f)));
    show("log_softmax(-1000, 0)", log_softmax(Tensor::from({-1000, 0}, {2})));

    // cross-entropy: fused op = mean of -log_softmax at the target; its gradient is p - onehot.
    Var logits = param(Tensor::from({2.0, 1.0, 0.1, 0.5, 2.5, -1.0}, {2, 3}));
    Var loss = cross_entropy(logits, {0, 1});
    const Tensor lp = log_softmax(logits->data);
    std::printf("cross_entropy %.6f   by hand -(lp[0,0] + lp[1,1]) / 2 = %.6f\n", loss->data.item(), -(lp.at(0) + lp.at(4)) / 2);
    backward(loss);
    show("dlogits (= (p - onehot) / 2)", logits->grad);
    Var masked = param(logits->data.clone());
    Var mloss = cross_entropy(masked, {0, 1}, {0.0f, 1.0f});
    backward(mloss);
    std::printf("masked row 0 out: loss %.6f (= -lp[1,1] = %.6f)\n", mloss->data.item(), -lp.at(4));
    show("dlogits, row 0 masked", masked->grad);

    // log-sigmoid: log(1/(1+e^-x)) overflows e^-x for x << 0; min(x,0) - log1p(e^-|x|) does not.
    for (float x : {-100.0f, -50.0f, 0.0f, 50.0f}) {
        Var v = param(Tensor::from({x}, {1}));
        Var y = log_sigmoid(v);
        backward(y);
        std::printf("x %7.1f  naive %-12.6g stable %-12.6g  d/dx = sigmoid(-x) %.6g\n", x, std::log(1.0f / (1.0f + std::exp(-x))),
                    y->data.item(), v->grad.item());
    }
    return 0;
}
