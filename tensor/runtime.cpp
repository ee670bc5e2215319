#include "tensor/runtime.h"

#include <cblas.h>
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "tensor/cuda.h"
#include "tensor/distributed.h"
#include "tensor/kernels.h"

// OpenBLAS's own controls (declared here so any cblas.h works).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
int openblas_get_parallel(void);  // 0 sequential, 1 pthreads, 2 OpenMP
char* openblas_get_config(void);
}

namespace sr {

// Threading scheme. The Makefile links the OpenMP build of OpenBLAS, so BLAS calls and our
// `#pragma omp parallel for` kernels draw from one OpenMP pool of num_threads() threads.
// BLAS called from inside one of our parallel regions (attention's per-head products, the
// data-parallel training step) runs single-threaded, so at any moment at most num_threads()
// threads are busy: no oversubscription. `./sr_bench ops` shows it (matmul through our API
// vs cblas_sgemm directly, both on the same pool).
int num_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void set_num_threads(int n) {
#ifdef _OPENMP
    // all cores, shared out among the ranks on this machine (mpirun -np 2 on 2 cores: 1 each)
    if (n <= 0) n = std::max(1, omp_get_num_procs() / dist::local_size());
    omp_set_num_threads(n);
#else
    n = 1;
#endif
    openblas_set_num_threads(n);
}

void set_compute_device(const std::string& name) {
    if (name == "cpu") {
        kernels::gemm_on_device() = false;
    } else if (name == "cuda") {
        cuda::require_device("--device cuda");  // a clear error (and a HINT) when there is no GPU
        kernels::gemm_on_device() = true;
    } else {
        throw std::runtime_error("--device: unknown device '" + name + "'. HINT: use cpu or cuda");
    }
}

std::string compute_device() { return kernels::gemm_on_device() ? "cuda" : "cpu"; }

std::string banner(const std::string& program) {
    std::string s = program + " | ";
#ifdef _OPENMP
    s += "OpenMP on, " + std::to_string(num_threads()) + " threads";
#else
    s += "OpenMP off (built with NO_OMP=1 or without -fopenmp): 1 thread";
#endif
    const int par = openblas_get_parallel();
    const char* kind = par == 2 ? "OpenMP build" : par == 1 ? "pthreads build" : "single-threaded build";
    s += " | OpenBLAS (" + std::string(kind) + ", " + std::to_string(openblas_get_num_threads()) +
         " threads)";
    s += " | " + cuda::describe();
    s += " | " + dist::describe();
    return s;
}

void print_banner(const std::string& program) {
    std::printf("%s\n", banner(program).c_str());
    std::fflush(stdout);
}

}  // namespace sr
