// Chapter 1: tensors and broadcasting. Builds a few tensors, broadcasts a bias over a batch,
// sums the broadcast result back (the backward of broadcasting), and checks the BLAS matmul
// against the three-loop reference.
#include <cstdio>

#include "tensor/ops.h"
#include "tensor/tensor.h"

using namespace sr;

static void show(const char* name, const Tensor& t) {
    std::printf("%-22s %-12s [", name, t.str().c_str());
    for (int64_t i = 0; i < t.numel(); i++) std::printf("%s%.4f", i ? " " : "", t.at(i));
    std::printf("]\n");
}

int main() {
    // x (2, 3) and a bias b (3): b is repeated along the leading axis.
    const Tensor x = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor b = Tensor::from({10, 20, 30}, {3});
    show("x", x);
    show("b", b);
    show("x + b", add(x, b));
    // A column (2, 1) times a row (1, 3): both broadcast, to an outer product (2, 3).
    const Tensor col = Tensor::from({1, 2}, {2, 1}), row = Tensor::from({1, 10, 100}, {1, 3});
    show("col * row", mul(col, row));
    std::printf("broadcast_shapes (4,1,3) and (5,1): %s\n", shape_str(broadcast_shapes({4, 1, 3}, {5, 1}, "demo")).c_str());
    try {
        add(x, Tensor::zeros({2}));
    } catch (const std::exception& e) {
        std::printf("error, as it should be: %s\n", e.what());
    }

    // The gradient of a broadcast input is the output's gradient summed over the copies.
    const Tensor g = Tensor::full({2, 3}, 1.0);
    show("sum_to(ones(2,3), (3))", sum_to(g, {3}));
    show("sum_to(ones(2,3), (2,1))", sum_to(g, {2, 1}));

    // Views share the buffer; a transpose copies.
    const Tensor r = x.reshape({3, 2});
    std::printf("reshape shares the buffer: %s; transpose shares it: %s\n", r.same_buffer(x) ? "yes" : "no",
                transpose(x, 0, 1).same_buffer(x) ? "yes" : "no");

    // matmul (OpenBLAS) against three plain loops, float32, on random inputs.
    Rng rng(1);
    const Tensor A = randn({64, 48}, rng), B = randn({48, 32}, rng);
    const double d = max_abs_diff(matmul(A, B), matmul_reference(A, B));
    std::printf("matmul (64,48)x(48,32): BLAS vs reference max |diff| %s 1e-5\n", d < 1e-5 ? "<" : ">=");
    const double dt = max_abs_diff(matmul(A, B.reshape({32, 48}), false, true), matmul_reference(A, B.reshape({32, 48}), false, true));
    std::printf("with transpose_b:                   max |diff| %s 1e-5\n", dt < 1e-5 ? "<" : ">=");
    return 0;
}
