// Runtime facts of this build: threads, BLAS, CUDA. Every program prints the banner first,
// because "OpenMP silently off" is the most common complaint about projects like this one.
#pragma once
#include <string>

namespace sr {

// Threads our kernels and OpenBLAS use (one shared OpenMP pool; see tensor/runtime.cpp).
int num_threads();
// Sets both our OpenMP thread count and OpenBLAS's. n <= 0 means "all cores".
void set_num_threads(int n);
// Where float32 matrix products run: "cpu" (default) or "cuda" (offload mode: the model stays
// in host memory, large products are copied to the GPU and back; see tensor/cuda_offload.cu).
// Throws with a HINT for an unknown name or when no CUDA device is present.
void set_compute_device(const std::string& name);
std::string compute_device();
// "sr_tests | OpenMP on, 2 threads | OpenBLAS 0.3.21 (OpenMP build) | CUDA not compiled in"
std::string banner(const std::string& program);
void print_banner(const std::string& program);

}  // namespace sr
