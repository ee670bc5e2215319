// Chapter 8: training. The one-position shift and the loss mask (make_batch), AdamW checked by
// hand, the learning-rate schedule, a batch split across two model copies giving the single
// pass's loss and gradients, and a micro GPT learning a short text.
#include <cmath>
#include <cstdio>
#include <string>

#include "autograd/optim.h"
#include "model/data_parallel.h"
#include "model/gpt.h"
#include "model/train.h"
#include "tensor/ops.h"

using namespace sr;

static void row(const char* name, const std::vector<int>& v, int r, int T) {
    std::printf("  %-8s", name);
    for (int t = 0; t < T; t++) std::printf(" %3d", v[r * T + t]);
    std::printf("\n");
}

int main() {
    // ---- make_batch: inputs, targets shifted by one, the mask of the PREDICTED token --------
    Example a{{10, 11, 12, 13, 14}, {0, 0, 1, 1, 1}};  // a 2-token prompt, a 3-token response
    Example b{{20, 21, 22}, {0, 1, 1}};
    const Batch bt = make_batch({&a, &b}, 8, /*pad_id*/ 0);
    std::printf("make_batch: B %d, T %d (the longest example has T+1 tokens)\n", bt.B, bt.T);
    for (int r = 0; r < bt.B; r++) {
        std::printf(" row %d\n", r);
        row("ids", bt.ids, r, bt.T);
        row("targets", bt.targets, r, bt.T);
        std::printf("  %-8s", "mask");
        for (int t = 0; t < bt.T; t++) std::printf(" %3.0f", bt.mask[r * bt.T + t]);
        std::printf("\n");
    }

    // ---- AdamW, three steps on one number, against the formulas -------------------------------
    Var p = param(Tensor::from({1.0}, {1}, DType::F64));
    AdamW opt({p}, /*lr*/ 0.1, 0.9, 0.95, 1e-8, /*wd*/ 0.1);
    double hp = 1.0, m = 0, v = 0;
    for (int t = 1; t <= 3; t++) {
        const double g = 2 * hp;  // the gradient of p^2
        p->grad = Tensor::from({g}, {1}, DType::F64);
        opt.step();
        m = 0.9 * m + 0.1 * g, v = 0.95 * v + 0.05 * g * g;
        const double mhat = m / (1 - std::pow(0.9, t)), vhat = v / (1 - std::pow(0.95, t));
        hp -= 0.1 * (mhat / (std::sqrt(vhat) + 1e-8) + 0.1 * hp);
        std::printf("AdamW step %d: p = %.6f, by hand %.6f\n", t, p->data.item(), hp);
    }

    // ---- the schedule: 10 warmup steps, cosine to 10% at step 100 ------------------------------
    std::printf("lr_schedule(step; warmup 10, total 100, 1e-3 -> 1e-4):");
    for (long s : {0L, 4L, 9L, 10L, 55L, 99L, 100L}) std::printf(" %ld:%.2e", s, lr_schedule(s, 10, 100, 1e-3, 1e-4));
    std::printf("\n");

    // ---- data parallel: 2 parts of a batch whose rows count different numbers of positions ----
    const GPT model0(preset_config("micro"), 11);
    Batch batch;
    batch.B = 4, batch.T = 8;
    Rng rng(8);
    for (int i = 0; i < 32; i++) {
        batch.ids.push_back(int(rng.next_u64() % 300)), batch.targets.push_back(int(rng.next_u64() % 300));
        batch.mask.push_back(i < 8 ? 1.0f : (i % 8 < 2 ? 1.0f : 0.0f));  // row 0: 8 positions, rows 1-3: 2 each
    }
    GPT one = model0.clone(), two = model0.clone();
    const double l1 = DataParallel(1).loss_backward(one, batch, 1.0, false, 0);
    const double l2 = DataParallel(2).loss_backward(two, batch, 1.0, false, 0);
    double gdiff = 0;
    const auto p1 = one.parameters(), p2 = two.parameters();
    for (size_t i = 0; i < p1.size(); i++) gdiff = std::max(gdiff, max_abs_diff(p1[i]->grad, p2[i]->grad));
    std::printf("one pass vs 2 parts: loss %.5f vs %.5f, gradients max |diff| %s 1e-6\n", l1, l2, gdiff < 1e-6 ? "<" : ">=");

    // ---- a micro GPT learns a 64-byte text (bytes as tokens), AdamW + schedule + clipping ----
    const std::string text = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789.";
    GPT model = model0.clone();
    AdamW adam(model.parameters(), 3e-3, 0.9, 0.95, 1e-8, 0.1, model.decay_flags());
    DataParallel dp(1);
    const int steps = 300, B = 4, T = 16;
    for (int step = 0; step < steps; step++) {
        Batch x;
        x.B = B, x.T = T;
        for (int r = 0; r < B; r++) {
            const size_t at = rng.next_u64() % (text.size() - T);
            for (int t = 0; t < T; t++) x.ids.push_back((unsigned char)text[at + t]), x.targets.push_back((unsigned char)text[at + t + 1]);
        }
        adam.zero_grad();
        const double loss = dp.loss_backward(model, x, 1.0, true, step);
        const double norm = clip_grad_norm(model.parameters(), 1.0);
        adam.lr = lr_schedule(step, 10, steps, 3e-3, 3e-4);
        adam.step();
        if (step % 50 == 0 || step == steps - 1) std::printf("step %3d | loss %.3f | lr %.2e | norm %.3f\n", step, loss, adam.lr, norm);
    }
    return 0;
}
