// Tensor library: kernels against references, numerical stability, misuse errors.
#include <cmath>

#include "tests/catch.hpp"

#include "tensor/cuda.h"
#include "tensor/kernels.h"
#include "tensor/kernels_inference.h"
#include "tensor/ops.h"

using namespace sr;

static Tensor rnd(const Shape& s, uint64_t seed, DType dt = DType::F32) {
    Rng rng(seed);
    return rand_uniform(s, rng, -1, 1, dt);
}

TEST_CASE("BLAS matmul equals the naive reference, every transpose, float and double", "[tensor]") {
    for (DType dt : {DType::F32, DType::F64})
        for (bool ta : {false, true})
            for (bool tb : {false, true}) {
                const Tensor a = ta ? rnd({33, 17}, 1, dt) : rnd({17, 33}, 1, dt);
                const Tensor b = tb ? rnd({9, 33}, 2, dt) : rnd({33, 9}, 2, dt);
                const Tensor fast = matmul(a, b, ta, tb), ref = matmul_reference(a, b, ta, tb);
                REQUIRE(fast.shape() == Shape{17, 9});
                CHECK(max_abs_diff(fast, ref) < (dt == DType::F32 ? 1e-5 : 1e-12));
            }
}

TEST_CASE("batched matmul equals the naive reference, also with a shared 2-D right operand", "[tensor]") {
    for (DType dt : {DType::F32, DType::F64})
        for (bool ta : {false, true})
            for (bool tb : {false, true}) {
                const Tensor a = ta ? rnd({3, 2, 8, 5}, 3, dt) : rnd({3, 2, 5, 8}, 3, dt);
                const Tensor b = tb ? rnd({3, 2, 4, 8}, 4, dt) : rnd({3, 2, 8, 4}, 4, dt);
                CHECK(max_abs_diff(matmul(a, b, ta, tb), matmul_reference(a, b, ta, tb)) < 1e-5);
                const Tensor b2 = tb ? rnd({4, 8}, 5, dt) : rnd({8, 4}, 5, dt);
                CHECK(max_abs_diff(matmul(a, b2, ta, tb), matmul_reference(a, b2, ta, tb)) < 1e-5);
            }
}

TEST_CASE("misuse throws with the op and both shapes in the message", "[tensor]") {
    const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 5});
    REQUIRE_THROWS_WITH(matmul(a, b), "matmul: (2,3) x (4,5): inner dimensions differ");
    REQUIRE_THROWS_WITH(add(Tensor::zeros({2, 3}), Tensor::zeros({4})),
                        "add: (2,3) and (4): shapes cannot be broadcast together");
    REQUIRE_THROWS_WITH(a.reshape({4, 2}), "reshape: (2,3) -> (4,2): element counts differ");
    REQUIRE_THROWS(add(Tensor::zeros({2}), Tensor::zeros({2}, DType::F64)));
    REQUIRE_THROWS(a.data<double>());
    REQUIRE_THROWS(sum(a, 2));
    REQUIRE_THROWS(slice(a, 1, 2, 5));
}

TEST_CASE("broadcasting follows NumPy", "[tensor]") {
    const Tensor a = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor col = Tensor::from({10, 20}, {2, 1});
    const Tensor row = Tensor::from({1, 1, 2}, {3});
    CHECK(add(a, col).to_vector() == std::vector<double>{11, 12, 13, 24, 25, 26});
    CHECK(mul(a, row).to_vector() == std::vector<double>{1, 2, 6, 4, 5, 12});
    CHECK(broadcast_shapes({3, 1, 5}, {4, 1}, "x") == Shape{3, 4, 5});
    CHECK(sum_to(Tensor::full({2, 3}, 1.0), {3}).to_vector() == std::vector<double>{2, 2, 2});
    CHECK(sum_to(Tensor::full({2, 3}, 1.0), {2, 1}).to_vector() == std::vector<double>{3, 3});
}

TEST_CASE("reductions, keepdim and argmax", "[tensor]") {
    const Tensor a = Tensor::from({1, 5, 3, 4, 2, 6}, {2, 3});
    CHECK(sum(a, 1).to_vector() == std::vector<double>{9, 12});
    CHECK(sum(a, 0, true).shape() == Shape{1, 3});
    CHECK(mean(a, 0).to_vector() == std::vector<double>{2.5, 3.5, 4.5});
    std::vector<int64_t> arg;
    CHECK(max(a, 1, false, &arg).to_vector() == std::vector<double>{5, 6});
    CHECK(arg == std::vector<int64_t>{1, 2});
}

TEST_CASE("views and copies: reshape shares, transpose/permute/slice/concat copy correctly", "[tensor]") {
    Tensor a = Tensor::from({0, 1, 2, 3, 4, 5}, {2, 3});
    Tensor r = a.reshape({3, 2});
    CHECK(r.same_buffer(a));
    CHECK(transpose(a, 0, 1).to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
    const Tensor p = permute(Tensor::from({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2}), {2, 0, 1});
    CHECK(p.to_vector() == std::vector<double>{0, 2, 4, 6, 1, 3, 5, 7});
    CHECK(slice(a, 1, 1, 3).to_vector() == std::vector<double>{1, 2, 4, 5});
    CHECK(a.slice0(1, 2).to_vector() == std::vector<double>{3, 4, 5});
    CHECK(concat({a, a}, 0).shape() == Shape{4, 3});
    CHECK(concat({a, slice(a, 1, 0, 1)}, 1).to_vector() == std::vector<double>{0, 1, 2, 0, 3, 4, 5, 3});
}

TEST_CASE("softmax and log-softmax stay finite for inputs of +-1000", "[tensor]") {
    for (DType dt : {DType::F32, DType::F64}) {
        const Tensor x = Tensor::from({1000, -1000, 0, 1000, 999, -1000}, {2, 3}, dt);
        const Tensor s = softmax(x), ls = log_softmax(x);
        CHECK(all_finite(s));
        CHECK(all_finite(ls));
        CHECK(s.at(0) == Approx(1.0));
        // float32 resolves 1000 only to about 6e-5, hence the looser bound there
        const double tol = dt == DType::F32 ? 1e-4 : 1e-12;
        CHECK(s.at(3) == Approx(1.0 / (1.0 + std::exp(-1.0))).epsilon(tol));
        CHECK(ls.at(4) == Approx(-std::log(1.0 + std::exp(1.0))).epsilon(tol));
    }
}

TEST_CASE("cross-entropy equals the hand-computed value", "[tensor]") {
    // logits (2,3), targets {0, 2}: loss = mean(-log softmax)
    const double l[6] = {1, 2, 3, 0, 0, 0};
    const double row0 = -(1 - std::log(std::exp(1) + std::exp(2) + std::exp(3)));
    const double row1 = std::log(3.0);
    std::vector<float> probs(6), losses(2);
    float logits[6];
    for (int i = 0; i < 6; i++) logits[i] = static_cast<float>(l[i]);
    const int targets[2] = {0, 2};
    double denom = 0;
    const double loss = kernels::crossentropy_forward<float>(probs.data(), losses.data(), logits, targets, nullptr, 2, 3, &denom);
    CHECK(loss == Approx((row0 + row1) / 2).epsilon(1e-6));
    const float mask[2] = {0, 1};  // only the second row counts
    CHECK(kernels::crossentropy_forward<float>(probs.data(), losses.data(), logits, targets, mask, 2, 3, &denom) ==
          Approx(row1).epsilon(1e-6));
}

TEST_CASE("the decoding matrix-vector product equals the naive reference on any column slices", "[tensor]") {
    const int K = 37, N = 200;  // 200 columns: three blocks of 64 and a partial block of 8
    const Tensor x = rnd({1, K}, 7), w = rnd({K, N}, 8), y0 = rnd({1, N}, 9);
    std::vector<float> ref(y0.data<float>(), y0.data<float>() + N);
    kernels::matmul_naive<float>(ref.data(), x.data<float>(), w.data<float>(), 1, N, K, false, false, true);
    for (int nt : {1, 2, 3, 7}) {  // the slices of nt threads, done one after another, cover every column once
        std::vector<float> y(y0.data<float>(), y0.data<float>() + N);
        int covered = 0;
        for (int t = 0; t < nt; t++) {
            int n0, n1;
            kernels::gemv_slice(N, t, nt, n0, n1);
            CHECK(n0 == covered);
            covered = n1;
            kernels::gemv_columns<float>(y.data(), x.data<float>(), w.data<float>(), K, N, n0, n1);
        }
        CHECK(covered == N);
        double m = 0;
        for (int n = 0; n < N; n++) m = std::max(m, (double)std::fabs(y[n] - ref[n]));
        CHECK(m < 1e-5);
    }
}

TEST_CASE("the few-row inference products give each row the bits of its one-row product", "[tensor]") {
    // rows_columns (in place and from packed panels, the portable 6-row blocks and, where the
    // CPU has AVX-512, the wide 16-row blocks) must sum every output exactly like gemv_columns
    // does for a single row: that is what makes a sequence's logits independent of its batch.
    // 200 columns: twelve 16-column panels and a partial one of 8; 13 rows: blocks of 6, 6 and 1
    // (wide: one of 13); 17: 16 + 1; 50 rows: two chunks of rows. Rows are ldi / ldo apart.
    const int K = 37, N = 200, ldi = K + 3, ldo = N + 5;
    const Tensor w = rnd({K, N}, 8);
    std::vector<float> packed(static_cast<size_t>(K) * N);
    kernels::pack_panels(packed.data(), w.data<float>(), K, N, 0, N);
    const bool wide_available = kernels::wide_kernel_enabled();
    for (int R : {2, 5, 13, 16, 17, 50}) {
        const Tensor x = rnd({R, ldi}, 7), y0 = rnd({R, ldo}, 9);
        std::vector<float> one(y0.data<float>(), y0.data<float>() + R * ldo), ref = one;
        for (int r = 0; r < R; r++) {
            kernels::gemv_columns<float>(&one[r * ldo], x.data<float>() + r * ldi, w.data<float>(), K, N, 0, N);
            kernels::matmul_naive<float>(&ref[r * ldo], x.data<float>() + r * ldi, w.data<float>(), 1, N, K, false, false, true);
        }
        for (bool wide : {false, true})
            for (bool use_packed : {false, true})
                for (int nt : {1, 2, 3}) {
                    kernels::wide_kernel_enabled() = wide && wide_available;
                    std::vector<float> y(y0.data<float>(), y0.data<float>() + R * ldo);
                    for (int t = 0; t < nt; t++) {
                        int n0, n1;
                        kernels::gemv_slice(N, t, nt, n0, n1);
                        kernels::rows_columns(y.data(), ldo, x.data<float>(), ldi, w.data<float>(), use_packed ? packed.data() : nullptr, R,
                                              K, N, n0, n1);
                    }
                    CHECK(y == one);  // bit for bit (the padding between rows untouched too)
                    double m = 0;
                    for (int i = 0; i < R * ldo; i++) m = std::max(m, (double)std::fabs(y[i] - ref[i]));
                    CHECK(m < 1e-5);
                }
        kernels::wide_kernel_enabled() = wide_available;
    }
    // The head's dot products: rows (R, C) against vocabulary rows (V, C); C = 37 is not a
    // multiple of the 8 lanes, V = 11 not of the 4-row blocks, R = 5 not of the 2-row blocks.
    const int R = 5, C = 37, V = 11;
    const Tensor a = rnd({R, C}, 3), b = rnd({V, C}, 4);
    std::vector<float> all(R * V), ref(R * V);
    kernels::rows_dot_rows(all.data(), V, a.data<float>(), R, b.data<float>(), C, 0, 6);
    kernels::rows_dot_rows(all.data(), V, a.data<float>(), R, b.data<float>(), C, 6, V);
    kernels::matmul_naive<float>(ref.data(), a.data<float>(), b.data<float>(), R, V, C, false, true, false);
    for (int r = 0; r < R; r++) {
        std::vector<float> alone(V);
        kernels::rows_dot_rows(alone.data(), V, a.data<float>() + r * C, 1, b.data<float>(), C, 0, V);
        for (int v = 0; v < V; v++) {
            CHECK(all[r * V + v] == alone[v]);
            CHECK(std::fabs(all[r * V + v] - ref[r * V + v]) < 1e-5);
        }
    }
}

TEST_CASE("fused attention equals the loop reference", "[tensor]") {
    const int B = 2, C = 12, NH = 3;
    for (int T : {7, 70})  // 70: query blocks of 32, 32 and 6 rows (the causal skipping)
    for (DType dt : {DType::F32, DType::F64}) {
        const Tensor qkv = rnd({B, T, 3 * C}, 6, dt);
        Tensor out = Tensor::empty({B, T, C}, dt), ref = Tensor::empty({B, T, C}, dt), att = Tensor::empty({B, NH, T, T}, dt);
        if (dt == DType::F32) {
            kernels::attention_forward<float>(out.data<float>(), att.data<float>(), qkv.data<float>(), B, T, C, NH);
            kernels::attention_forward_reference<float>(ref.data<float>(), qkv.data<float>(), B, T, C, NH);
        } else {
            kernels::attention_forward<double>(out.data<double>(), att.data<double>(), qkv.data<double>(), B, T, C, NH);
            kernels::attention_forward_reference<double>(ref.data<double>(), qkv.data<double>(), B, T, C, NH);
        }
        CHECK(max_abs_diff(out, ref) < 1e-5);
    }
}

TEST_CASE("layernorm output has zero mean and unit variance per row", "[tensor]") {
    const Tensor x = rnd({4, 16}, 7, DType::F64);
    Tensor out = Tensor::empty({4, 16}, DType::F64), m = Tensor::empty({4}, DType::F64), r = Tensor::empty({4}, DType::F64);
    const Tensor w = Tensor::full({16}, 1.0, DType::F64), b = Tensor::zeros({16}, DType::F64);
    kernels::layernorm_forward<double>(out.data<double>(), m.data<double>(), r.data<double>(), x.data<double>(),
                                       w.data<double>(), b.data<double>(), 4, 16, 1e-12);
    const Tensor mu = mean(out, 1), var = mean(mul(out, out), 1);
    for (int i = 0; i < 4; i++) {
        CHECK(std::fabs(mu.at(i)) < 1e-12);
        CHECK(var.at(i) == Approx(1.0).epsilon(1e-9));
    }
}

TEST_CASE("inference's one-row layernorm equals the training kernel's", "[tensor]") {
    // layernorm_row sums in 8 fixed lanes (C = 37: not a multiple of 8; 256: small's width);
    // against layernorm_forward in double on the same float inputs.
    for (int C : {5, 37, 256}) {
        const Tensor x = rnd({3, C}, 11), w = rnd({C}, 12), b = rnd({C}, 13);
        const Tensor xd = x.to(DType::F64), wd = w.to(DType::F64), bd = b.to(DType::F64);
        Tensor ref = Tensor::empty({3, C}, DType::F64), m = Tensor::empty({3}, DType::F64), r = Tensor::empty({3}, DType::F64);
        kernels::layernorm_forward<double>(ref.data<double>(), m.data<double>(), r.data<double>(), xd.data<double>(), wd.data<double>(),
                                           bd.data<double>(), 3, C, 1e-5);
        for (int i = 0; i < 3; i++) {
            std::vector<float> out(C);
            kernels::layernorm_row(out.data(), x.data<float>() + i * C, w.data<float>(), b.data<float>(), C, 1e-5f);
            for (int c = 0; c < C; c++) CHECK(std::fabs(out[c] - ref.data<double>()[i * C + c]) < 1e-5);
        }
    }
}

TEST_CASE("our random generator gives fixed numbers for a seed", "[tensor]") {
    Rng a(42), b(42), c(43);
    const uint64_t first = a.next_u64();
    CHECK(first == b.next_u64());
    CHECK(first != c.next_u64());
    // golden: xoshiro256** seeded by splitmix64(42); if this changes, every golden value does
    Rng g(42);
    CHECK(g.next_u64() == first);
    Rng s(7);
    s.normal();
    Rng t(0);
    t.set_state(s.state());  // the state round-trips, including the spare normal
    CHECK(t.normal() == s.normal());
    CHECK(t.uniform() == s.uniform());
}

TEST_CASE("dropout mask is seeded, scaled and independent of threads", "[tensor]") {
    const Tensor m1 = dropout_mask({1000}, 0.25, 5), m2 = dropout_mask({1000}, 0.25, 5), m3 = dropout_mask({1000}, 0.25, 6);
    CHECK(max_abs_diff(m1, m2) == 0);
    CHECK(max_abs_diff(m1, m3) > 0);
    int zeros = 0;
    for (int64_t i = 0; i < 1000; i++) {
        const double v = m1.at(i);
        CHECK((v == 0 || std::fabs(v - 1 / 0.75) < 1e-6));
        zeros += v == 0;
    }
    CHECK(zeros > 200);
    CHECK(zeros < 300);
}

TEST_CASE("a CUDA tensor in a CPU-only op is a clear error, and without a device to() fails clearly", "[tensor]") {
    if (sr::cuda::device_count() > 0) return;  // on a GPU machine, tests/test_cuda.cpp covers it
    REQUIRE_THROWS(Tensor::zeros({2}).to(Device::CUDA));
}
