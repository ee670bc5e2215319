// ./sr_bench: speed measurements (never pass/fail). One JSON line per case.
//   ./sr_bench ops                    tensor kernels: matmul via our API vs cblas directly, fused ops in GB/s
//   ./sr_bench train --preset P       training tokens/s (compare: ../shared/bench/torch_gpt.py train)
//   ./sr_bench generate --preset P --batch B   generation tokens/s with the KV cache
//   ./sr_bench cuda                   our CUDA kernels vs cuBLAS and the bandwidth bound (needs a GPU)
#include <cstdio>
#include <cstring>
#include <string>

#include "model/bench.h"
#include "tensor/cuda.h"
#include "tensor/distributed.h"
#include "tensor/runtime.h"

int main(int argc, char** argv) {
    sr::dist::Session mpi(argc, argv);  // several processes under mpirun (an MPI build); else nothing
    sr::print_banner("sr_bench");
    const std::string what = argc > 1 ? argv[1] : "";
    try {
        if (what == "ops") return sr::bench_ops(argc - 1, argv + 1);
        if (what == "train") return sr::bench_train(argc - 1, argv + 1);
        if (what == "generate") return sr::bench_generate(argc - 1, argv + 1);
        if (what == "cuda") return sr::cuda::bench_cuda(argc - 1, argv + 1);
    } catch (const std::exception& e) {
        if (sr::dist::size() > 1) sr::dist::abort(std::string("error: ") + e.what());  // stops every rank, names this one
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: sr_bench ops|train|generate|cuda [flags]   (sr_bench <case> --help lists the flags)\n");
    return what == "--help" || what == "-h" ? 0 : 2;
}
