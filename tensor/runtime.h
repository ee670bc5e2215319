// Runtime facts of this build: threads, BLAS, CUDA. Every program prints the banner first,
// because "OpenMP silently off" is the most common complaint about projects like this one.
#pragma once
#include <string>

namespace sr {

// Threads (one shared OpenMP pool for our kernels and OpenBLAS; see tensor/runtime.cpp).
// num_threads() is the planned count: work that is cut into parts (a training batch's rows,
// model/data_parallel.h) is cut by it, so it is part of what decides the bits of a run.
// active_threads() is how many run now. They are equal unless the count is automatic.
int num_threads();
int active_threads();
// n > 0: exactly n threads. n <= 0, the default: automatic. Plans for OMP_NUM_THREADS when it
// is set (then fixed), else for every core, and runs on the cores other programs leave free
// (adapt_threads). Results never depend on how many threads are active, only on the plan.
void set_num_threads(int n);
// Automatic mode: at most every kAdaptSeconds, measures how busy other programs keep the CPUs
// (/proc/stat minus our own CPU time) and runs on the free ones: 1..num_threads(). Called
// before each training step and each generation step. A no-op with a fixed count, inside a
// parallel region, or where /proc/stat does not exist.
void adapt_threads();
// Tests only: sets the active count directly (1..num_threads()) to show it changes no bits.
void set_active_threads_for_testing(int n);
// Where float32 matrix products run: "cpu" (default) or "cuda" (offload mode: the model stays
// in host memory, large products are copied to the GPU and back; see tensor/cuda_offload.cu).
// Throws with a HINT for an unknown name or when no CUDA device is present.
void set_compute_device(const std::string& name);
std::string compute_device();
// "sr_tests | OpenMP on, 2 threads | OpenBLAS 0.3.21 (OpenMP build) | CUDA not compiled in"
std::string banner(const std::string& program);
void print_banner(const std::string& program);

}  // namespace sr
