// tests/test_reference.cpp: our numbers against an outside reference (PyTorch), as llm.c's
// test_gpt2.c checks its C against a PyTorch dump: every tensor compared by name, the max
// difference printed. The dump is tests/reference/gpt2_micro.safetensors, written by
// model/make_reference.py (PyTorch, float64); CI needs no PyTorch.
#include <cmath>
#include <cstdio>
#include <limits>

#include "tests/catch.hpp"

#include "autograd/ops.h"
#include "model/gpt.h"
#include "model/safetensors.h"
#include "tensor/fastmath.h"

using namespace sr;

namespace {

const char* kReference = "tests/reference/gpt2_micro.safetensors";

struct Diff {
    double max_abs = 0, max_ref = 0;  // max |ours - ref| and max |ref| over the tensor
    double relative() const { return max_ref > 0 ? max_abs / max_ref : max_abs; }
};
Diff compare(const float* ours, const std::vector<float>& ref) {
    Diff d;
    for (size_t i = 0; i < ref.size(); i++) {
        d.max_abs = std::max(d.max_abs, std::fabs(static_cast<double>(ours[i]) - ref[i]));
        d.max_ref = std::max(d.max_ref, std::fabs(static_cast<double>(ref[i])));
    }
    return d;
}

}  // namespace

TEST_CASE("GPT-2 against PyTorch: logits, loss and every parameter's gradient by name", "[model][reference]") {
    StMetadata meta;
    const StFile f = load_safetensors(kReference, &meta);
    GPTConfig c;
    c.vocab_size = std::stoi(meta.at("vocab_size")), c.n_positions = std::stoi(meta.at("n_positions"));
    c.n_embd = std::stoi(meta.at("n_embd")), c.n_layer = std::stoi(meta.at("n_layer")), c.n_head = std::stoi(meta.at("n_head"));
    GPT model(c, 0);
    for (auto& [name, p] : model.named_parameters()) {  // the same weights, by GPT-2 name
        REQUIRE(f.count(name));
        REQUIRE(f.at(name).shape == p->data.shape());
        const std::vector<float> w = st_to_f32(f.at(name), name);
        std::copy(w.begin(), w.end(), p->data.data<float>());
    }
    const std::vector<int64_t> ids64 = st_to_i64(f.at("ref.ids"), "ref.ids"), targets64 = st_to_i64(f.at("ref.targets"), "ref.targets");
    const std::vector<int> ids(ids64.begin(), ids64.end()), targets(targets64.begin(), targets64.end());
    const int B = static_cast<int>(f.at("ref.ids").shape[0]), T = static_cast<int>(f.at("ref.ids").shape[1]);

    const Var logits = model.forward(ids, B, T);  // (B, T, V)
    const Var loss = cross_entropy(logits, targets);
    backward(loss);

    const Diff dl = compare(logits->data.data<float>(), st_to_f32(f.at("ref.logits"), "ref.logits"));
    const Diff dloss = compare(loss->data.data<float>(), st_to_f32(f.at("ref.loss"), "ref.loss"));
    std::printf("reference: logits max |diff| %.2e, loss %.6f vs PyTorch: |diff| %.2e\n", dl.max_abs, loss->data.at(0), dloss.max_abs);
    CHECK(dl.max_abs < 1e-5);
    CHECK(dloss.max_abs < 1e-5);

    double worst = 0;
    std::string worst_name;
    for (auto& [name, p] : model.named_parameters()) {
        const std::string g = "grad." + name;
        REQUIRE(f.count(g));
        REQUIRE(p->grad.numel() == st_numel(f.at(g).shape));
        const Diff d = compare(p->grad.data<float>(), st_to_f32(f.at(g), g));
        INFO(name << ": max |diff| " << d.max_abs << ", relative to the largest gradient " << d.relative());
        CHECK(d.relative() < 1e-4);
        if (d.relative() >= worst) worst = d.relative(), worst_name = name;
    }
    std::printf("reference: %zu gradients, worst %s: max |diff| / max |grad| %.2e\n", model.named_parameters().size(),
                worst_name.c_str(), worst);
}

TEST_CASE("fastmath::exp is within 2 ulp of exp in double over its whole range", "[tensor][fastmath]") {
    // Every 1e-4 over [-87, 88] (1.75M inputs, about 1 ulp at worst when measured); outside it
    // the clamp: below -87 exactly 0 (expf gives subnormals down to -103), above 88 exp(88).
    double worst = 0, at = 0;
    for (double x = -87.0; x <= 88.0; x += 1e-4) {
        const float xf = static_cast<float>(x);
        const double exact = std::exp(static_cast<double>(xf));
        const float rounded = static_cast<float>(exact);
        const double ulp = static_cast<double>(std::nextafter(rounded, std::numeric_limits<float>::infinity())) - rounded;
        const double err = std::fabs(static_cast<double>(fastmath::exp(xf)) - exact) / ulp;
        if (err > worst) worst = err, at = xf;
    }
    INFO("worst " << worst << " ulp at x = " << at);
    CHECK(worst < 2.0);
    CHECK(fastmath::exp(0.0f) == 1.0f);
    CHECK(fastmath::exp(-100.0f) == 0.0f);
    CHECK(fastmath::exp(-std::numeric_limits<float>::infinity()) == 0.0f);
    CHECK(std::isnan(fastmath::exp(std::numeric_limits<float>::quiet_NaN())));
}
