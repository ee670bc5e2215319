// Chapter 16: CUDA, the CPU side. What every GPU kernel of this chapter is validated against,
// run here on the CPU so the chapter builds and runs anywhere: the four transposition cases of
// matmul against a double-precision reference within the tests' error bound, and the online
// softmax (one pass for max and sum) of the v2/v3 kernels against the two-pass softmax.
#include <cmath>
#include <cstdio>
#include <vector>

#include "tensor/ops.h"

using namespace sr;

int main() {
    // matmul, all four (trans_a, trans_b) cases, against sum_p a_ip b_pj in double; the bound
    // of tests/test_cuda.cpp: |got - ref| <= 5e-5 * sum_p |a_ip b_pj|.
    Rng rng(16);
    const int M = 64, N = 48, K = 1024;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            const Tensor A = randn(ta ? Shape{K, M} : Shape{M, K}, rng), B = randn(tb ? Shape{N, K} : Shape{K, N}, rng);
            const Tensor C = matmul(A, B, ta, tb);
            double worst = 0;  // the largest |got - ref| / (5e-5 * scale)
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++) {
                    double ref = 0, scale = 0;
                    for (int p = 0; p < K; p++) {
                        const double a = ta ? A.at(p * M + i) : A.at(i * K + p), b = tb ? B.at(j * K + p) : B.at(p * N + j);
                        ref += a * b, scale += std::fabs(a * b);
                    }
                    worst = std::max(worst, std::fabs(C.at(i * N + j) - ref) / (5e-5 * scale));
                }
            std::printf("matmul %s%s (%d x %d x %d): within the tests' bound: %s\n", ta ? "A^T" : "A", tb ? " B^T" : " B", M, N, K,
                        worst <= 1 ? "yes" : "NO");
        }

    // Online softmax: one pass keeps a running max m and s = sum exp(x - m); a larger value
    // rescales s by exp(m_old - m_new). Two partial (m, s) pairs merge the same way (warp lanes).
    const std::vector<float> x = {1.0f, 3.0f, -2.0f, 7.0f, 7.5f, 0.0f, 1000.0f, 999.0f};
    float m = -INFINITY, s = 0;
    std::printf("\nonline softmax over x = 1 3 -2 7 7.5 0 1000 999:\n");
    for (float v : x) {
        const float m_new = std::max(m, v);
        s = s * std::exp(m - m_new) + std::exp(v - m_new);
        m = m_new;
        std::printf("  x %7.1f -> m %7.1f  s %.6f\n", v, m, s);
    }
    const Tensor ref = softmax(Tensor::from(std::vector<double>(x.begin(), x.end()), {8}));
    double d = 0;
    for (int i = 0; i < 8; i++) d = std::max(d, std::fabs(std::exp(x[i] - m) / s - ref.at(i)));
    std::printf("exp(x - m) / s vs the two-pass softmax: max |diff| %s 1e-6\n", d < 1e-6 ? "<" : ">=");
    // merging two halves' pairs (m1, s1), (m2, s2): m = max, s = s1 e^(m1 - m) + s2 e^(m2 - m)
    float m1 = -INFINITY, s1 = 0, m2 = -INFINITY, s2 = 0;
    for (int i = 0; i < 4; i++) { const float mn = std::max(m1, x[i]); s1 = s1 * std::exp(m1 - mn) + std::exp(x[i] - mn); m1 = mn; }
    for (int i = 4; i < 8; i++) { const float mn = std::max(m2, x[i]); s2 = s2 * std::exp(m2 - mn) + std::exp(x[i] - mn); m2 = mn; }
    const float mm = std::max(m1, m2), sm = s1 * std::exp(m1 - mm) + s2 * std::exp(m2 - mm);
    std::printf("halves merged: m %.1f s %.6f (the one pass: m %.1f s %.6f)\n", mm, sm, m, s);
    return 0;
}
