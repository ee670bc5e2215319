// Gradient checks, in double, of every differentiable op (central differences; see
// autograd/gradcheck.h). Threshold: max relative error < 1e-6 (cs231n: < 1e-7 is as good as
// double allows, > 1e-2 is wrong). Inputs for log/sqrt/pow are kept positive, and relu/max
// inputs away from their kinks.
#include "tests/catch.hpp"

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

using namespace sr;

namespace {

Tensor rnd(const Shape& s, uint64_t seed, double lo = -1.0, double hi = 1.0) {
    Rng rng(seed);
    return rand_uniform(s, rng, lo, hi, DType::F64);
}

void check(const GradcheckFn& f, const std::vector<Tensor>& xs, double tol = 1e-6, GradcheckOptions opt = {}) {
    const GradcheckReport r = gradcheck(f, xs, opt);
    INFO(r.str());
    REQUIRE(!r.items.empty());
    CHECK(r.max_rel_error() < tol);
}

// Keeps entries away from 0 (the kink of relu).
Tensor away_from_zero(Tensor t) {
    for (int64_t i = 0; i < t.numel(); i++) t.set(i, t.at(i) + (t.at(i) >= 0 ? 0.1 : -0.1));
    return t;
}

}  // namespace

TEST_CASE("gradcheck: add, same shapes", "[gradcheck]") {
    check([](auto& v) { return add(v[0], v[1]); }, {rnd({3, 4}, 1), rnd({3, 4}, 2)});
}
TEST_CASE("gradcheck: add, broadcast row vector and column", "[gradcheck]") {
    check([](auto& v) { return add(v[0], v[1]); }, {rnd({3, 4}, 1), rnd({4}, 2)});
    check([](auto& v) { return add(v[0], v[1]); }, {rnd({3, 1}, 3), rnd({2, 1, 4}, 4)});
}
TEST_CASE("gradcheck: sub with broadcasting", "[gradcheck]") {
    check([](auto& v) { return sub(v[0], v[1]); }, {rnd({2, 3, 4}, 5), rnd({3, 1}, 6)});
}
TEST_CASE("gradcheck: mul with broadcasting", "[gradcheck]") {
    check([](auto& v) { return mul(v[0], v[1]); }, {rnd({2, 3, 4}, 7), rnd({1, 3, 4}, 8)});
    check([](auto& v) { return mul(v[0], v[1]); }, {rnd({5}, 9), rnd({}, 10)});
}
TEST_CASE("gradcheck: div with broadcasting", "[gradcheck]") {
    check([](auto& v) { return div(v[0], v[1]); }, {rnd({3, 4}, 11), rnd({4}, 12, 0.5, 2.0)});
}
TEST_CASE("gradcheck: scalar forms and neg", "[gradcheck]") {
    check([](auto& v) { return add_scalar(mul_scalar(neg(v[0]), 3.5), -2.0); }, {rnd({3, 5}, 13)});
}
TEST_CASE("gradcheck: exp and log", "[gradcheck]") {
    check([](auto& v) { return exp(v[0]); }, {rnd({4, 3}, 14)});
    check([](auto& v) { return log(v[0]); }, {rnd({4, 3}, 15, 0.2, 3.0)});
}
TEST_CASE("gradcheck: sqrt and pow", "[gradcheck]") {
    check([](auto& v) { return sqrt(v[0]); }, {rnd({6}, 16, 0.2, 3.0)});
    check([](auto& v) { return pow(v[0], 3.0); }, {rnd({6}, 17)});
    check([](auto& v) { return pow(v[0], -1.5); }, {rnd({6}, 18, 0.5, 2.0)});
}
TEST_CASE("gradcheck: tanh, relu, gelu", "[gradcheck]") {
    check([](auto& v) { return tanh(v[0]); }, {rnd({3, 4}, 19, -2, 2)});
    check([](auto& v) { return relu(v[0]); }, {away_from_zero(rnd({3, 4}, 20))});
    check([](auto& v) { return gelu(v[0]); }, {rnd({3, 4}, 21, -3, 3)});
}
TEST_CASE("gradcheck: log_sigmoid, including large inputs", "[gradcheck]") {
    check([](auto& v) { return log_sigmoid(v[0]); }, {rnd({7}, 71, -4, 4)});
    check([](auto& v) { return log_sigmoid(mul_scalar(v[0], 12.0)); }, {rnd({5}, 72, -1, 1)});  // |x| up to 12
}
TEST_CASE("gradcheck: sum and mean along axes, keepdim or not", "[gradcheck]") {
    for (int axis : {0, 1, 2, -1})
        for (bool keep : {false, true}) {
            check([=](auto& v) { return sum(v[0], axis, keep); }, {rnd({2, 3, 4}, 22)});
            check([=](auto& v) { return mean(v[0], axis, keep); }, {rnd({2, 3, 4}, 23)});
        }
}
TEST_CASE("gradcheck: max along an axis", "[gradcheck]") {
    check([](auto& v) { return max(v[0], 1, false); }, {rnd({3, 5}, 24)});
    check([](auto& v) { return max(v[0], 0, true); }, {rnd({3, 5}, 25)});
}
TEST_CASE("gradcheck: sum_all and mean_all", "[gradcheck]") {
    check([](auto& v) { return sum_all(mul(v[0], v[0])); }, {rnd({3, 4}, 26)});
    check([](auto& v) { return mean_all(exp(v[0])); }, {rnd({3, 4}, 27)});
}
TEST_CASE("gradcheck: matmul, all transpose combinations", "[gradcheck]") {
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            const Tensor a = ta ? rnd({4, 3}, 28) : rnd({3, 4}, 28);
            const Tensor b = tb ? rnd({5, 4}, 29) : rnd({4, 5}, 29);
            check([=](auto& v) { return matmul(v[0], v[1], ta, tb); }, {a, b});
        }
}
TEST_CASE("gradcheck: batched matmul and a shared right operand", "[gradcheck]") {
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            const Tensor a = ta ? rnd({2, 4, 3}, 30) : rnd({2, 3, 4}, 30);
            const Tensor b = tb ? rnd({2, 5, 4}, 31) : rnd({2, 4, 5}, 31);
            check([=](auto& v) { return matmul(v[0], v[1], ta, tb); }, {a, b});
        }
    check([](auto& v) { return matmul(v[0], v[1]); }, {rnd({2, 3, 4}, 32), rnd({4, 5}, 33)});
    check([](auto& v) { return matmul(v[0], v[1], false, true); }, {rnd({2, 3, 4}, 34), rnd({5, 4}, 35)});
}
TEST_CASE("gradcheck: linear (x W + b)", "[gradcheck]") {
    check([](auto& v) { return linear(v[0], v[1], v[2]); }, {rnd({2, 3, 4}, 36), rnd({4, 6}, 37), rnd({6}, 38)});
    check([](auto& v) { return linear(v[0], v[1], nullptr); }, {rnd({5, 4}, 39), rnd({4, 2}, 40)});
}
TEST_CASE("gradcheck: softmax and log_softmax", "[gradcheck]") {
    check([](auto& v) { return softmax(v[0]); }, {rnd({3, 7}, 41, -3, 3)});
    check([](auto& v) { return log_softmax(v[0]); }, {rnd({2, 2, 7}, 42, -3, 3)});
}
TEST_CASE("gradcheck: causal mask then softmax (an attention piece)", "[gradcheck]") {
    check([](auto& v) { return softmax(causal_mask(v[0])); }, {rnd({2, 4, 4}, 43)});
}
TEST_CASE("gradcheck: attention built from pieces (q k^T, mask, softmax, @ v)", "[gradcheck]") {
    check(
        [](auto& v) {
            Var att = mul_scalar(matmul(v[0], v[1], false, true), 0.5);  // (B,T,HS)x(B,HS,T)
            return matmul(softmax(causal_mask(att)), v[2]);
        },
        {rnd({2, 4, 3}, 44), rnd({2, 4, 3}, 45), rnd({2, 4, 3}, 46)});
}
TEST_CASE("gradcheck: fused causal self-attention", "[gradcheck]") {
    check([](auto& v) { return attention(v[0], 2); }, {rnd({2, 5, 3 * 4}, 47)});
    check([](auto& v) { return attention(v[0], 1); }, {rnd({1, 3, 3 * 2}, 48)});
    GradcheckOptions opt;
    opt.max_entries = 60;  // T = 70: three query blocks (32, 32, 6); a sample of the 1,680 inputs
    check([](auto& v) { return attention(v[0], 2); }, {rnd({1, 70, 3 * 8}, 49)}, 1e-6, opt);
}
TEST_CASE("gradcheck: layernorm (input, weight, bias)", "[gradcheck]") {
    check([](auto& v) { return layernorm(v[0], v[1], v[2]); }, {rnd({2, 3, 5}, 49), rnd({5}, 50), rnd({5}, 51)});
}
TEST_CASE("gradcheck: embedding, with repeated ids", "[gradcheck]") {
    check([](auto& v) { return embedding(v[0], {1, 3, 1, 0}, {2, 2}); }, {rnd({4, 3}, 52)});
}
TEST_CASE("gradcheck: cross-entropy, plain and with a mask", "[gradcheck]") {
    check([](auto& v) { return cross_entropy(v[0], {0, 3, 2}); }, {rnd({3, 5}, 53, -2, 2)});
    check([](auto& v) { return cross_entropy(v[0], {0, 3, 2, 4}, {1.f, 0.f, 1.f, 0.5f}); }, {rnd({2, 2, 5}, 54, -2, 2)});
}
TEST_CASE("gradcheck: token log-probabilities", "[gradcheck]") {
    check([](auto& v) { return token_logprobs(v[0], {4, 0, 2}); }, {rnd({3, 6}, 55, -2, 2)});
}
TEST_CASE("gradcheck: dropout with a fixed mask", "[gradcheck]") {
    check([](auto& v) { return dropout(v[0], 0.3, 99); }, {rnd({4, 6}, 56)});
}
TEST_CASE("gradcheck: reshape, transpose, permute", "[gradcheck]") {
    check([](auto& v) { return mul(reshape(v[0], {3, 4}), v[1]); }, {rnd({2, 6}, 57), rnd({3, 4}, 58)});
    check([](auto& v) { return mul(transpose(v[0], 0, 2), v[1]); }, {rnd({2, 3, 4}, 59), rnd({4, 3, 2}, 60)});
    check([](auto& v) { return mul(permute(v[0], {1, 2, 0}), v[1]); }, {rnd({2, 3, 4}, 61), rnd({3, 4, 2}, 62)});
}
TEST_CASE("gradcheck: slice and concat", "[gradcheck]") {
    check([](auto& v) { return slice(v[0], 1, 1, 3); }, {rnd({2, 4, 3}, 63)});
    check([](auto& v) { return concat({v[0], v[1], v[0]}, 1); }, {rnd({2, 2}, 64), rnd({2, 3}, 65)});
}
TEST_CASE("gradcheck: a composite (a small MLP with a loss)", "[gradcheck]") {
    check(
        [](auto& v) {
            Var h = tanh(linear(v[0], v[1], v[2]));
            return cross_entropy(linear(h, v[3], nullptr), {1, 0, 2});
        },
        {rnd({3, 4}, 66), rnd({4, 5}, 67), rnd({5}, 68), rnd({5, 3}, 69)});
}
TEST_CASE("gradcheck catches a wrong gradient", "[gradcheck]") {
    // A deliberately broken op (backward sends 2x the true gradient) must be flagged.
    GradcheckFn broken = [](const std::vector<Var>& v) {
        return make_node(sr::exp(v[0]->data), "broken_exp", {v[0]},
                         [](Node& self) { self.inputs[0]->accumulate(sr::mul_scalar(sr::mul(self.grad, self.data), 2.0)); });
    };
    const GradcheckReport r = gradcheck(broken, {rnd({4}, 70)});
    CHECK(r.max_rel_error() > 0.3);
}
