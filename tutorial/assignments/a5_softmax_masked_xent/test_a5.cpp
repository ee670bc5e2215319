// tutorial/assignments/a5_softmax_masked_xent/test_a5.cpp: the grader of assignment 5.
// Open book: the references are the engine's softmax (tensor/ops.h) and its fused, masked
// cross_entropy op with its backward (autograd/ops.h), all in double.
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/ops.h"
#include "tutorial/assignments/a5_softmax_masked_xent/student.h"
#include "tutorial/assignments/common/grade.h"

using namespace sr;
using grade::cmp;
using Vec = std::vector<double>;

TEST_CASE("a5.1 softmax_forward equals the engine's softmax, also on rows of +-1000 and all -inf", "[a5][a5.1]") {
    const int64_t N = 5;
    const int C = 9;
    Tensor x = grade::randn64({N, C}, 41, 3.0);
    for (int c = 0; c < C; c++) x.set(2 * C + c, c % 2 ? 1000.0 : -1000.0 + c);  // row 2: huge logits
    for (int c = 0; c < C; c++) x.set(3 * C + c, -std::numeric_limits<double>::infinity());  // row 3: all -inf
    x.set(4 * C + 1, -std::numeric_limits<double>::infinity());  // row 4: one masked entry
    const Vec in = x.to_vector();
    Vec out(N * C, -7.0);
    course::softmax_forward(out.data(), in.data(), N, C);
    CHECK(cmp("softmax", out, softmax(x).to_vector()) < 1e-15);
    for (double v : out) CHECK(std::isfinite(v));
    for (int c = 0; c < C; c++) CHECK(out[3 * C + c] == 0.0);
    CHECK(out[4 * C + 1] == 0.0);
}

// The engine's loss and gradient for the same inputs.
static double engine_xent(const Tensor& logits, const std::vector<int>& targets, const std::vector<float>& mask, Tensor* grad) {
    const Var l = param(logits);
    const Var loss = cross_entropy(l, targets, mask);
    backward(loss);
    *grad = l->grad;
    return loss->data.item();
}

TEST_CASE("a5.2 masked_cross_entropy: loss and gradient equal the engine's, with and without a mask", "[a5][a5.2]") {
    const int64_t N = 6;
    const int V = 11;
    const Tensor logits = grade::randn64({N, V}, 42, 2.0);
    const Vec x = logits.to_vector();
    const std::vector<int> targets = {0, 10, 3, 3, 7, 1};
    Tensor ref_grad;
    Vec d(N * V, 123.0);  // garbage: the function must overwrite every entry
    const double loss = course::masked_cross_entropy(d.data(), x.data(), targets.data(), nullptr, N, V);
    CHECK(cmp("loss, no mask", loss, engine_xent(logits, targets, {}, &ref_grad)) < 1e-13);
    CHECK(cmp("dlogits, no mask", d, ref_grad.to_vector()) < 1e-14);

    const std::vector<float> maskf = {0, 1, 1, 0.5f, 0, 1};  // SFT: prompt rows 0, response rows 1
    const Vec mask(maskf.begin(), maskf.end());
    std::vector<int> t2 = targets;
    t2[0] = -1;   // a masked row's target is never read: padding may carry any id
    t2[4] = 999;
    const double loss2 = course::masked_cross_entropy(d.data(), x.data(), t2.data(), mask.data(), N, V);
    CHECK(cmp("loss, mask", loss2, engine_xent(logits, t2, maskf, &ref_grad)) < 1e-13);
    CHECK(cmp("dlogits, mask", d, ref_grad.to_vector()) < 1e-14);
    for (int v = 0; v < V; v++) CHECK(d[v] == 0.0);  // a masked row gets no gradient
}

TEST_CASE("a5.2 masked_cross_entropy: +-1000 logits stay finite; everything masked gives 0", "[a5][a5.2]") {
    const int64_t N = 2;
    const int V = 4;
    const Vec x = {1000, -1000, 0, 999, -1000, -1000, -1000, 1000};
    const std::vector<int> t = {1, 0};
    Vec d(N * V);
    const double loss = course::masked_cross_entropy(d.data(), x.data(), t.data(), nullptr, N, V);
    Tensor ref_grad;
    CHECK(std::isfinite(loss));
    CHECK(cmp("loss at +-1000", loss, engine_xent(Tensor::from(x, {N, V}, DType::F64), t, {}, &ref_grad)) < 1e-9);
    CHECK(cmp("dlogits at +-1000", d, ref_grad.to_vector()) < 1e-14);
    const Vec zero_mask = {0, 0};
    const std::vector<int> bad = {-5, 77};
    d.assign(N * V, 5.0);
    CHECK(course::masked_cross_entropy(d.data(), x.data(), bad.data(), zero_mask.data(), N, V) == 0.0);
    for (double v : d) CHECK(v == 0.0);
}

TEST_CASE("a5.2 masked_cross_entropy: a counted target outside the vocabulary is an error naming it", "[a5][a5.2]") {
    const Vec x(2 * 3, 0.0);
    const std::vector<int> t = {1, 3};
    Vec d(6);
    grade::expect_error([&] { course::masked_cross_entropy(d.data(), x.data(), t.data(), nullptr, 2, 3); }, "target 3");
}
