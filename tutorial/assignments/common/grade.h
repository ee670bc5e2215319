// tutorial/assignments/common/grade.h: what every assignment's tests share.
//
//   cmp("dx", mine, reference)   prints one line and returns the largest absolute difference:
//     cmp dx                 | exact: no  | approx: yes | maxdiff: 2.2e-16
//   (the nn-zero-to-hero helper: "exact" is bit for bit, "approx" is allclose with
//   rtol 1e-5, atol 1e-8, maxdiff is what the test compares with the assignment's tolerance).
//
//   expect_error([&] { ... }, "fragment")  the call must throw std::runtime_error whose message
//   contains the fragment; a stub's "not implemented yet" is passed on as a failure.
#pragma once
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/ops.h"
#include "tensor/tensor.h"
#include "tests/catch.hpp"

namespace grade {

inline double cmp(const std::string& name, const std::vector<double>& mine, const std::vector<double>& ref) {
    if (mine.size() != ref.size()) {
        std::printf("cmp %-28s | SIZE MISMATCH: %zu values, the reference has %zu\n", name.c_str(), mine.size(), ref.size());
        return std::numeric_limits<double>::infinity();
    }
    bool exact = true, approx = true;
    double maxdiff = 0;
    for (size_t i = 0; i < mine.size(); i++) {
        const double a = mine[i], b = ref[i];
        const bool same = a == b || (std::isnan(a) && std::isnan(b));
        exact = exact && same;
        const double d = same ? 0.0 : std::fabs(a - b);
        approx = approx && (same || d <= 1e-8 + 1e-5 * std::fabs(b));
        maxdiff = std::isnan(d) ? std::numeric_limits<double>::infinity() : std::max(maxdiff, d);
    }
    std::printf("cmp %-28s | exact: %-3s | approx: %-3s | maxdiff: %.1e\n", name.c_str(), exact ? "yes" : "no",
                approx ? "yes" : "no", maxdiff);
    return maxdiff;
}

inline double cmp(const std::string& name, const sr::Tensor& mine, const sr::Tensor& ref) {
    if (!mine.defined() || mine.shape() != ref.shape()) {
        std::printf("cmp %-28s | SHAPE MISMATCH: %s, the reference is %s\n", name.c_str(),
                    mine.defined() ? sr::shape_str(mine.shape()).c_str() : "undefined (no gradient?)",
                    sr::shape_str(ref.shape()).c_str());
        return std::numeric_limits<double>::infinity();
    }
    return cmp(name, mine.to_vector(), ref.to_vector());
}

inline double cmp(const std::string& name, double mine, double ref) {
    return cmp(name, std::vector<double>{mine}, std::vector<double>{ref});
}

template <typename F> void expect_error(F&& call, const std::string& fragment) {
    try {
        call();
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        if (what.find("not implemented yet") != std::string::npos) throw;
        INFO("the error was: " << what);
        CHECK(what.find(fragment) != std::string::npos);
        return;
    }
    FAIL("expected a std::runtime_error mentioning '" << fragment << "', but nothing was thrown");
}

// Random test data in double, from the engine's generator (same numbers on every machine).
inline sr::Tensor randn64(const sr::Shape& shape, uint64_t seed, double std = 1.0) {
    sr::Rng rng(seed);
    return sr::randn(shape, rng, std, sr::DType::F64);
}

}  // namespace grade
