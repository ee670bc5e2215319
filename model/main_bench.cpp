// ./sr_bench: speed measurements (never pass/fail). One JSON line per case.
//   ./sr_bench ops                    tensor kernels: matmul via our API vs cblas directly, fused ops in GB/s
#include <cstdio>
#include <cstring>
#include <string>

#include "model/bench.h"
#include "tensor/runtime.h"

int main(int argc, char** argv) {
    sr::print_banner("sr_bench");
    const std::string what = argc > 1 ? argv[1] : "";
    try {
        if (what == "ops") return sr::bench_ops(argc - 1, argv + 1);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: sr_bench ops [--threads N]\n");
    return what == "--help" || what == "-h" ? 0 : 2;
}
