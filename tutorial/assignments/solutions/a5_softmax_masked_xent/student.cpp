// tutorial/assignments/solutions/a5_softmax_masked_xent/student.cpp: the reference solution of
// assignment 5 (not in the student release).
#include "tutorial/assignments/a5_softmax_masked_xent/student.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace course {

void softmax_forward(double* out, const double* inp, int64_t N, int C) {
    for (int64_t i = 0; i < N; i++) {
        const double* x = inp + i * C;
        double* y = out + i * C;
        double mx = -std::numeric_limits<double>::infinity();
        for (int c = 0; c < C; c++) mx = std::max(mx, x[c]);
        if (mx == -std::numeric_limits<double>::infinity()) {  // nothing allowed in this row
            std::fill(y, y + C, 0.0);
            continue;
        }
        double sum = 0;  // e^(x - max) <= 1: no overflow; the max's term is 1, so sum >= 1
        for (int c = 0; c < C; c++) sum += (y[c] = std::exp(x[c] - mx));
        for (int c = 0; c < C; c++) y[c] /= sum;
    }
}

double masked_cross_entropy(double* dlogits, const double* logits, const int* targets, const double* mask, int64_t N, int V) {
    double denom = 0;
    for (int64_t i = 0; i < N; i++) {
        const double m = mask ? mask[i] : 1.0;
        denom += m;
        if (m != 0 && (targets[i] < 0 || targets[i] >= V))
            throw std::runtime_error("masked_cross_entropy: target " + std::to_string(targets[i]) + " at row " + std::to_string(i) +
                                     " is outside [0, " + std::to_string(V) + ")");
    }
    std::fill(dlogits, dlogits + N * V, 0.0);
    if (denom == 0) return 0.0;
    double total = 0;
    for (int64_t i = 0; i < N; i++) {
        const double m = mask ? mask[i] : 1.0;
        if (m == 0) continue;
        const double* x = logits + i * V;
        double* d = dlogits + i * V;
        softmax_forward(d, x, 1, V);  // p, written straight into the gradient row
        const double mx = *std::max_element(x, x + V);
        double sum = 0;
        for (int v = 0; v < V; v++) sum += std::exp(x[v] - mx);
        total += m * (mx + std::log(sum) - x[targets[i]]);  // nll = logsumexp - logit[target]
        d[targets[i]] -= 1.0;
        for (int v = 0; v < V; v++) d[v] *= m / denom;
    }
    return total / denom;
}

}  // namespace course
