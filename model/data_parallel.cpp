// model/data_parallel.cpp: see data_parallel.h.
#include "model/data_parallel.h"

#include <exception>

#include "autograd/ops.h"
#include "tensor/distributed.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"
#include "tensor/runtime.h"

namespace sr {

int DataParallel::workers(const Batch& b) const {
    // The planned thread count, not the active one: the parts (and so the bits) must not
    // change when a busy machine leaves us fewer cores (tensor/runtime.h).
    const int threads = threads_ > 0 ? threads_ : num_threads();
    if (kernels::gemm_on_device()) return 1;  // offload mode: keep the big products on the GPU
    return std::max(1, std::min(threads, b.B));
}

// Rows [r0, r1) of a batch (B, T), as a batch of its own.
static Batch rows_of(const Batch& b, int r0, int r1) {
    Batch part;
    part.B = r1 - r0, part.T = b.T;
    const size_t from = static_cast<size_t>(r0) * b.T, to = static_cast<size_t>(r1) * b.T;
    part.ids.assign(b.ids.begin() + static_cast<long>(from), b.ids.begin() + static_cast<long>(to));
    part.targets.assign(b.targets.begin() + static_cast<long>(from), b.targets.begin() + static_cast<long>(to));
    if (!b.mask.empty()) part.mask.assign(b.mask.begin() + static_cast<long>(from), b.mask.begin() + static_cast<long>(to));
    return part;
}

// The positions a batch's mean loss is taken over (cross_entropy's denominator).
static double counted(const Batch& b) {
    if (b.mask.empty()) return static_cast<double>(b.ids.size());
    double n = 0;
    for (float m : b.mask) n += m;
    return n;
}

double DataParallel::loss_backward(GPT& model, const Batch& full, double scale, bool train, uint64_t dropout_seed) {
    adapt_threads();
    const bool ranks = dist::size() > 1;
    // This rank's rows of the batch (all of them in one process), weighted against the whole batch.
    const Batch b = ranks ? rows_of(full, static_cast<int>(dist::share_begin(full.B)), static_cast<int>(dist::share_end(full.B))) : full;
    const double total = counted(full);
    const int W = workers(b);
    if (b.B == 0) return 0.0;  // more ranks than rows: this one has nothing to add
    if (W == 1 && !ranks) {
        Var l = model.loss(b.ids, b.targets, b.mask, b.B, b.T, train, dropout_seed);
        const double loss = l->data.item();
        backward(scale == 1.0 ? l : mul_scalar(l, scale));
        return loss;
    }
    // Dropout masks: part w of rank r draws from dropout_seed + r*W + w (one process: + w).
    const uint64_t seed0 = dropout_seed + static_cast<uint64_t>(dist::rank()) * static_cast<uint64_t>(W);
    // Replicas: created once, parameters refreshed every call (the optimizer moved them), each
    // by its own worker below, while worker 0 already computes.
    while (static_cast<int>(replicas_.size()) < W - 1) replicas_.push_back(model.clone());
    const std::vector<Var> params = model.parameters();
    std::vector<Batch> parts(W);
    std::vector<double> share(W), losses(W, 0.0);
    for (int w = 0; w < W; w++) {  // rows split as evenly as possible, in order
        parts[w] = rows_of(b, b.B * w / W, b.B * (w + 1) / W);
        share[w] = counted(parts[w]);
    }
    std::vector<std::exception_ptr> errors(W);
    // W parts on the threads that are active now (fewer than W on a busy machine: a thread
    // then runs several parts, one after the other; the sum below is in part order all the same).
#pragma omp parallel for num_threads(std::min(W, active_threads())) schedule(static, 1)
    for (int w = 0; w < W; w++) {
        try {  // an exception must not leave an OpenMP region: carried out and rethrown below
            GPT& m = w == 0 ? model : replicas_[w - 1];
            if (w > 0) {
                const std::vector<Var> rp = m.parameters();
                for (size_t i = 0; i < params.size(); i++) {
                    rp[i]->data.copy_from(params[i]->data);
                    if (rp[i]->grad.defined()) rp[i]->grad.zero_();
                }
            }
            const Batch& p = parts[w];
            Var l = m.loss(p.ids, p.targets, p.mask, p.B, p.T, train, seed0 + static_cast<uint64_t>(w));
            losses[w] = l->data.item();
            const double weight = total > 0 ? share[w] / total : 0.0;  // this part's share of the mean
            backward(mul_scalar(l, scale * weight));
        } catch (...) {
            errors[w] = std::current_exception();
        }
    }
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
    double loss = 0;
    for (int w = 0; w < W; w++) {
        if (total > 0) loss += losses[w] * share[w] / total;
        if (w == 0) continue;
        const std::vector<Var> rp = replicas_[w - 1].parameters();
        for (size_t i = 0; i < params.size(); i++)
            if (rp[i]->grad.defined()) add_inplace(params[i]->grad_buffer(), rp[i]->grad);
    }
    return loss;
}

// One buffer of every gradient (in parameter order), summed over the ranks, copied back.
void sum_gradients_over_ranks(GPT& model) {
    if (dist::size() == 1) return;
    const std::vector<Var> params = model.parameters();
    size_t n = 0;
    for (const Var& p : params) n += static_cast<size_t>(p->data.numel());
    std::vector<float> flat(n);
    size_t at = 0;
    for (const Var& p : params) {
        const Tensor& g = p->grad_buffer();  // zeros if this rank's rows never reached it
        std::copy_n(g.data<float>(), g.numel(), flat.data() + at);
        at += static_cast<size_t>(g.numel());
    }
    dist::allreduce_sum(flat.data(), n);
    at = 0;
    for (const Var& p : params) {
        Tensor& g = p->grad_buffer();
        std::copy_n(flat.data() + at, g.numel(), g.data<float>());
        at += static_cast<size_t>(g.numel());
    }
}

void DataParallel::sum_over_ranks(GPT& model, double& loss) {
    if (dist::size() == 1) return;
    sum_gradients_over_ranks(model);
    dist::allreduce_sum(&loss, 1);
}

}  // namespace sr
