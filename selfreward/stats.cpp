// selfreward/stats.cpp: mean, std, t and bootstrap confidence intervals; see stats.h.
#include "selfreward/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace sr {
namespace stats {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// splitmix64: tiny, fast, and identical everywhere (unlike std:: distributions).
struct SplitMix64 {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Index in [0, n); the modulo bias is about n / 2^64, far below anything we can measure.
    size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

std::vector<double> differences(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size())
        throw std::runtime_error("paired CI: " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
                                 " values. HINT: a paired difference needs both scores of the same items.");
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); i++) d[i] = a[i] - b[i];
    return d;
}

}  // namespace

double mean(const std::vector<double>& x) {
    if (x.empty()) return kNaN;
    double sum = 0;
    for (double v : x) sum += v;
    return sum / static_cast<double>(x.size());
}

double sample_std(const std::vector<double>& x) {
    if (x.size() < 2) return kNaN;
    const double m = mean(x);
    double ss = 0;
    for (double v : x) ss += (v - m) * (v - m);
    return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

double t_quantile_975(long df) {
    // Student's t, 0.975 quantile, df = 1..30 (standard tables, 3 decimals).
    static const double table[30] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                     2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                     2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                     2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df < 1) throw std::runtime_error("t_quantile_975: df=" + std::to_string(df) + ". HINT: need n >= 2 values.");
    return df <= 30 ? table[df - 1] : 1.96;
}

Interval mean_ci95(const std::vector<double>& x) {
    Interval ci;
    ci.n = static_cast<long>(x.size());
    ci.mean = mean(x);
    if (x.size() < 2) { ci.lo = ci.hi = kNaN; return ci; }
    const double half = t_quantile_975(ci.n - 1) * sample_std(x) / std::sqrt(static_cast<double>(ci.n));
    ci.lo = ci.mean - half;
    ci.hi = ci.mean + half;
    return ci;
}

Interval paired_diff_ci95(const std::vector<double>& a, const std::vector<double>& b) {
    return mean_ci95(differences(a, b));
}

double quantile_sorted(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return kNaN;
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const size_t below = static_cast<size_t>(std::floor(pos));
    const size_t above = std::min(below + 1, sorted.size() - 1);
    const double frac = pos - static_cast<double>(below);
    return sorted[below] + frac * (sorted[above] - sorted[below]);
}

Interval bootstrap_mean_ci95(const std::vector<double>& x, int resamples, uint64_t seed) {
    if (resamples < 1) throw std::runtime_error("bootstrap_mean_ci95: resamples < 1. HINT: use e.g. 1000.");
    Interval ci;
    ci.n = static_cast<long>(x.size());
    ci.mean = mean(x);
    if (x.size() < 2) { ci.lo = ci.hi = kNaN; return ci; }
    SplitMix64 rng{seed};
    std::vector<double> means(static_cast<size_t>(resamples));  // (resamples,)
    for (double& m : means) {
        double sum = 0;
        for (size_t k = 0; k < x.size(); k++) sum += x[rng.below(x.size())];
        m = sum / static_cast<double>(x.size());
    }
    std::sort(means.begin(), means.end());
    ci.lo = quantile_sorted(means, 0.025);
    ci.hi = quantile_sorted(means, 0.975);
    return ci;
}

Interval paired_bootstrap_ci95(const std::vector<double>& a, const std::vector<double>& b,
                               int resamples, uint64_t seed) {
    return bootstrap_mean_ci95(differences(a, b), resamples, seed);
}

}  // namespace stats
}  // namespace sr
