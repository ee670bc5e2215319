// selfreward/stats.h: small statistics for reporting results with their uncertainty.
//
// Exact definitions:
//   mean(x)        sum / n                                        (NaN when n == 0)
//   sample_std(x)  sqrt( sum (x_i - mean)^2 / (n - 1) )           (NaN when n < 2)
//   mean_ci95(x)   mean +- t * sample_std / sqrt(n), t = the 0.975 quantile of Student's t with
//                  n - 1 degrees of freedom: hard-coded for df 1..30, 1.96 (normal) beyond.
//                  (For df 31..120 the exact t is 2.04..1.98, so the interval is slightly too
//                  narrow there; at df 60 it is 2% too narrow.)  lo = hi = NaN when n < 2.
//   paired_diff_ci95(a, b)   mean_ci95 of d_i = a_i - b_i (the SAME items scored two ways,
//                  e.g. the oracle score of M2 and M1 on the same prompt). Paired, so the
//                  spread between prompts cancels out.
//   bootstrap_mean_ci95(x, resamples, seed)   percentile bootstrap: draw n items with
//                  replacement `resamples` times, take each resample's mean, report the 2.5%
//                  and 97.5% quantiles (linear interpolation between order statistics). Uses
//                  our own splitmix64 generator: the same seed gives the same interval
//                  on every platform.
#pragma once
#include <cstdint>
#include <vector>

namespace sr {
namespace stats {

struct Interval {
    double mean = 0;  // the point estimate
    double lo = 0;    // lower end of the 95% interval
    double hi = 0;    // upper end
    long n = 0;
};

double mean(const std::vector<double>& x);
double sample_std(const std::vector<double>& x);
double t_quantile_975(long df);  // two-sided 95% critical value; df >= 1

Interval mean_ci95(const std::vector<double>& x);
Interval paired_diff_ci95(const std::vector<double>& a, const std::vector<double>& b);

// q in [0, 1] of an ascending-sorted vector, linear interpolation (numpy's default).
double quantile_sorted(const std::vector<double>& sorted, double q);

Interval bootstrap_mean_ci95(const std::vector<double>& x, int resamples, uint64_t seed);
Interval paired_bootstrap_ci95(const std::vector<double>& a, const std::vector<double>& b,
                               int resamples, uint64_t seed);

}  // namespace stats
}  // namespace sr
