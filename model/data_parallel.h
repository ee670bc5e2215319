// model/data_parallel.h: a training step's batch split across threads, one model copy each.
//
// Why: the tiny and small models' matrix products are too small for OpenBLAS to keep two
// cores busy (a training step on 2 threads ran only ~1.35x faster than on 1). Splitting the
// batch instead gives each thread whole, independent forward and backward passes on its own
// rows, with every kernel and BLAS call inside running single-threaded, and no waiting until
// the gradients are summed at the end (the same idea as PyTorch's DistributedDataParallel,
// on the cores of one machine).
//
// The result is the full batch's loss and gradient: each part's mean loss is weighted by its
// share of the counted (mask) positions, so (parts' losses) -> (total / all positions), as a
// single pass computes it. Replica gradients are added into the model's in worker order, so
// a run is reproducible for a given thread count. With one thread (or `--device cuda`, whose
// offloaded products must come from outside parallel regions) it is a plain forward/backward.
//
// Across processes (mpirun -np R, tensor/distributed.h): every rank sees the whole batch and
// takes its share of the rows by the same rule (rows split as evenly as possible, in rank
// order), split again across its threads; each part is still weighted by its counted positions
// over the WHOLE batch's. loss_backward then returns this rank's part of the loss and leaves
// this rank's part of the gradient; sum_over_ranks, once per optimizer step, adds the parts
// in rank order on every rank. R ranks of one thread split a batch exactly as one process of
// R threads does, so the two give the same bits (when the step has one micro-batch).
#pragma once
#include <vector>

#include "model/gpt.h"
#include "model/train.h"

namespace sr {

class DataParallel {
public:
    // Plans for up to `threads` workers (0 = the current OpenMP thread count).
    explicit DataParallel(int threads = 0) : threads_(threads) {}

    // Forward and backward of batch b on `model`: adds scale * d(loss)/d(params) into the
    // parameters' gradients (like backward(mul_scalar(loss, scale))) and returns the batch's
    // (unscaled) loss. dropout_seed as for GPT::loss (worker w > 0 uses dropout_seed + w).
    double loss_backward(GPT& model, const Batch& b, double scale, bool train, uint64_t dropout_seed);

    int workers(const Batch& b) const;  // how many parts batch b (this rank's rows of it) is split into

    // After a step's loss_backward calls: every rank's gradients and loss summed in rank order,
    // on every rank (nothing to do in one process). `loss` is the step's loss (in: this rank's part).
    void sum_over_ranks(GPT& model, double& loss);

private:
    int threads_;
    std::vector<GPT> replicas_;  // worker w > 0 runs on replicas_[w-1], its parameters copied from the model each call
};

// Every parameter's gradient summed over the ranks (in rank order), on every rank; nothing to
// do in one process. For loops that split their batch across ranks themselves (DPO).
void sum_gradients_over_ranks(GPT& model);

}  // namespace sr
