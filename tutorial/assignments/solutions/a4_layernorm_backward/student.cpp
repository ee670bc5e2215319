// tutorial/assignments/solutions/a4_layernorm_backward/student.cpp: the reference solution of
// assignment 4 (not in the student release).
#include "tutorial/assignments/a4_layernorm_backward/student.h"

#include <cmath>

namespace course {

void layernorm_forward(double* out, double* mean, double* rstd, const double* inp, const double* weight, const double* bias,
                       int64_t N, int C, double eps) {
    for (int64_t i = 0; i < N; i++) {
        const double* x = inp + i * C;
        double m = 0;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        double v = 0;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= C;
        const double r = 1.0 / std::sqrt(v + eps);
        for (int c = 0; c < C; c++) out[i * C + c] = (x[c] - m) * r * weight[c] + bias[c];
        mean[i] = m;
        rstd[i] = r;
    }
}

void layernorm_backward(double* dinp, double* dweight, double* dbias, const double* dout, const double* inp, const double* weight,
                        const double* mean, const double* rstd, int64_t N, int C) {
    for (int64_t i = 0; i < N; i++) {
        const double* x = inp + i * C;
        const double* g = dout + i * C;
        const double m = mean[i], r = rstd[i];
        double dnorm_mean = 0, dnorm_xhat_mean = 0;  // mean(dnorm), mean(dnorm * xhat)
        for (int c = 0; c < C; c++) {
            const double xhat = (x[c] - m) * r, dnorm = g[c] * weight[c];
            dnorm_mean += dnorm;
            dnorm_xhat_mean += dnorm * xhat;
            if (dbias) dbias[c] += g[c];
            if (dweight) dweight[c] += xhat * g[c];
        }
        dnorm_mean /= C;
        dnorm_xhat_mean /= C;
        if (!dinp) continue;
        for (int c = 0; c < C; c++) {
            const double xhat = (x[c] - m) * r;
            dinp[i * C + c] += r * (g[c] * weight[c] - dnorm_mean - xhat * dnorm_xhat_mean);
        }
    }
}

}  // namespace course
