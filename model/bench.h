// model/bench.h: the benchmark cases behind ./sr_bench (speed is measured, never a test).
#pragma once
#include <functional>

namespace sr {

// Median wall time in seconds of `fn` over `repeats` runs after `warmup` runs.
double median_seconds(const std::function<void()>& fn, int repeats, int warmup);

int bench_ops(int argc, char** argv);       // ./sr_bench ops
int bench_train(int argc, char** argv);     // ./sr_bench train --preset P
int bench_generate(int argc, char** argv);  // ./sr_bench generate --preset P --batch B

}  // namespace sr
