// tutorial/assignments/a4_layernorm_backward/test_a4.cpp: the grader of assignment 4.
// Open book, as llm.c's layernorm doc checks its C against PyTorch: the references are the
// engine's kernels::layernorm_forward/backward<double> (tensor/kernels.h), plus a numeric
// gradient of YOUR forward in double.
#include <vector>

#include "tensor/kernels.h"
#include "tutorial/assignments/a4_layernorm_backward/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;
using Vec = std::vector<double>;

static Vec rnd(size_t n, uint64_t seed, double std = 1.0) { return grade::randn64({static_cast<int64_t>(n)}, seed, std).to_vector(); }

struct Case {
    int64_t N;
    int C;
    Vec x, w, b;
    Case(int64_t N_, int C_, uint64_t seed) : N(N_), C(C_), x(rnd(N_ * C_, seed, 2.0)), w(rnd(C_, seed + 1)), b(rnd(C_, seed + 2)) {
        for (double& v : x) v += 3.0;  // a mean far from 0: a forgotten mean shows
    }
};

TEST_CASE("a4.1 layernorm_forward: out, mean and rstd equal the engine's kernel (< 1e-12)", "[a4][a4.1]") {
    for (auto [N, C] : {std::pair<int64_t, int>{1, 1}, {3, 8}, {6, 33}}) {
        Case k(N, C, 100 + C);
        Vec out(N * C), mean(N), rstd(N), out_r(N * C), mean_r(N), rstd_r(N);
        course::layernorm_forward(out.data(), mean.data(), rstd.data(), k.x.data(), k.w.data(), k.b.data(), N, C, 1e-5);
        kernels::layernorm_forward<double>(out_r.data(), mean_r.data(), rstd_r.data(), k.x.data(), k.w.data(), k.b.data(), N, C, 1e-5);
        const std::string s = " N=" + std::to_string(N) + " C=" + std::to_string(C);
        CHECK(cmp("out" + s, out, out_r) < 1e-12);
        CHECK(cmp("mean" + s, mean, mean_r) < 1e-12);
        CHECK(cmp("rstd" + s, rstd, rstd_r) < 1e-12 * (1 + rstd_r[0]));
    }
}

TEST_CASE("a4.2 layernorm_backward: dinp, dweight, dbias equal the engine's kernel, added (+=)", "[a4][a4.2]") {
    const int64_t N = 5;
    const int C = 16;
    Case k(N, C, 7);
    Vec out(N * C), mean(N), rstd(N);
    kernels::layernorm_forward<double>(out.data(), mean.data(), rstd.data(), k.x.data(), k.w.data(), k.b.data(), N, C, 1e-5);
    const Vec dout = rnd(N * C, 8);
    // both start from the same nonzero buffers: a kernel that overwrites instead of adding fails
    Vec dx = rnd(N * C, 9), dw = rnd(C, 10), db = rnd(C, 11);
    Vec dx_r = dx, dw_r = dw, db_r = db;
    course::layernorm_backward(dx.data(), dw.data(), db.data(), dout.data(), k.x.data(), k.w.data(), mean.data(), rstd.data(), N, C);
    kernels::layernorm_backward<double>(dx_r.data(), dw_r.data(), db_r.data(), dout.data(), k.x.data(), k.w.data(), mean.data(),
                                        rstd.data(), N, C);
    CHECK(cmp("dinp", dx, dx_r) < 1e-12);
    CHECK(cmp("dweight", dw, dw_r) < 1e-12);
    CHECK(cmp("dbias", db, db_r) < 1e-12);
    // nullptr: that gradient is not wanted (a frozen LayerNorm)
    Vec dx2(N * C, 0.0);
    course::layernorm_backward(dx2.data(), nullptr, nullptr, dout.data(), k.x.data(), k.w.data(), mean.data(), rstd.data(), N, C);
    Vec dx2_r(N * C, 0.0);
    kernels::layernorm_backward<double>(dx2_r.data(), nullptr, nullptr, dout.data(), k.x.data(), k.w.data(), mean.data(), rstd.data(), N, C);
    CHECK(cmp("dinp alone", dx2, dx2_r) < 1e-12);
}

// L = sum(out * R): its gradient w.r.t. every input entry by central differences of YOUR forward.
TEST_CASE("a4.3 layernorm_backward agrees with central differences of layernorm_forward (rel error < 1e-6)", "[a4][a4.3]") {
    const int64_t N = 3;
    const int C = 7;
    Case k(N, C, 31);
    const Vec R = rnd(N * C, 32);
    auto L = [&](const Vec& x, const Vec& w, const Vec& b) {
        Vec out(N * C), mean(N), rstd(N);
        course::layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), N, C, 1e-5);
        double s = 0;
        for (size_t i = 0; i < out.size(); i++) s += out[i] * R[i];
        return s;
    };
    Vec out(N * C), mean(N), rstd(N);
    course::layernorm_forward(out.data(), mean.data(), rstd.data(), k.x.data(), k.w.data(), k.b.data(), N, C, 1e-5);
    Vec dx(N * C, 0.0), dw(C, 0.0), db(C, 0.0);
    course::layernorm_backward(dx.data(), dw.data(), db.data(), R.data(), k.x.data(), k.w.data(), mean.data(), rstd.data(), N, C);
    const double eps = 1e-5;
    auto numeric = [&](Vec* v) {
        Vec g(v->size());
        for (size_t i = 0; i < v->size(); i++) {
            const double keep = (*v)[i];
            (*v)[i] = keep + eps;
            const double plus = L(k.x, k.w, k.b);
            (*v)[i] = keep - eps;
            const double minus = L(k.x, k.w, k.b);
            (*v)[i] = keep;
            g[i] = (plus - minus) / (2 * eps);
        }
        return g;
    };
    auto worst_rel = [](const Vec& a, const Vec& n) {
        double m = 0;
        for (size_t i = 0; i < a.size(); i++) m = std::max(m, std::fabs(a[i] - n[i]) / std::max(std::fabs(a[i]) + std::fabs(n[i]), 1e-6));
        return m;
    };
    const Vec nx = numeric(&k.x), nw = numeric(&k.w), nb = numeric(&k.b);
    cmp("dinp vs numeric", dx, nx);
    cmp("dweight vs numeric", dw, nw);
    cmp("dbias vs numeric", db, nb);
    std::printf("    max relative error: dinp %.1e, dweight %.1e, dbias %.1e\n", worst_rel(dx, nx), worst_rel(dw, nw), worst_rel(db, nb));
    CHECK(worst_rel(dx, nx) < 1e-6);
    CHECK(worst_rel(dw, nw) < 1e-6);
    CHECK(worst_rel(db, nb) < 1e-6);
    // the gradient w.r.t. x of one row sums to 0 (shifting a row does not change LayerNorm)
    for (int64_t i = 0; i < N; i++) {
        double s = 0;
        for (int c = 0; c < C; c++) s += dx[i * C + c];
        CHECK(std::fabs(s) < 1e-10);
    }
}
