// Chapter 13: DPO. The loss on hand-made log-probabilities against the formula and its gradient,
// sequence log-probabilities as sums read one position earlier, and a micro GPT trained by DPO
// on one preference, its implicit rewards moving apart.
#include <cmath>
#include <cstdio>

#include "autograd/ops.h"
#include "autograd/optim.h"
#include "model/gpt.h"
#include "selfreward/dpo.h"
#include "tensor/ops.h"

using namespace sr;

static double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

int main() {
    // ---- the loss on sequence log-probs: L = -mean log sigmoid(beta ((pc - rc) - (pr - rr))) ----
    const double beta = 0.1;
    const std::vector<double> pc = {-4.0, -8.5}, pr = {-6.0, -5.0}, rc = {-5.0, -8.0}, rr = {-5.0, -6.0};
    Var vc = param(Tensor::from(pc, {2}, DType::F64)), vr = param(Tensor::from(pr, {2}, DType::F64));
    DpoMetrics m;
    Var loss = dpo_loss_from_logps(vc, vr, Tensor::from(rc, {2}, DType::F64), Tensor::from(rr, {2}, DType::F64), beta, &m);
    backward(loss);
    double by_hand = 0;
    for (int i = 0; i < 2; i++) by_hand += -std::log(sigmoid(beta * ((pc[i] - rc[i]) - (pr[i] - rr[i])))) / 2;
    std::printf("DPO loss %.6f, by hand %.6f; rewards/chosen %.4f rewards/rejected %.4f margins %.4f accuracies %.2f\n",
                loss->data.item(), by_hand, m.rewards_chosen, m.rewards_rejected, m.margins, m.accuracies);
    for (int i = 0; i < 2; i++) {
        const double w = beta * sigmoid(-beta * ((pc[i] - rc[i]) - (pr[i] - rr[i]))) / 2;
        std::printf("  pair %d: dL/dlogp(chosen) %.6f (= -beta sigma(-beta margin)/N = %.6f), dL/dlogp(rejected) %.6f\n", i,
                    vc->grad.at(i), -w, vr->grad.at(i));
    }
    Var same = param(Tensor::from({-3.0}, {1}, DType::F64));
    std::printf("policy = reference: loss %.6f = ln 2 = %.6f\n",
                dpo_loss_from_logps(same, constant(Tensor::from({-7.0}, {1}, DType::F64)), Tensor::from({-3.0}, {1}, DType::F64),
                                    Tensor::from({-7.0}, {1}, DType::F64), beta)->data.item(),
                std::log(2.0));

    // ---- sequence log-probs: the sum over the response of log p(token | prefix) -----------------
    GPTConfig cfg = preset_config("micro");
    cfg.n_positions = 16;
    GPT policy(cfg, 31);
    const DpoPair pair{{10, 11, 12, 13}, {40, 41, 2}, {50, 51, 52, 53, 54, 2}};  // prompt, chosen (3 tokens), rejected (6)
    const std::vector<Example> rows = dpo_rows(pair, cfg.n_positions);
    const Tensor seq = sequence_logprobs(policy, rows, 0)->data;
    // By hand: the log-softmax of the logits at position t-1, read at token t, for each response token.
    const std::vector<int> ids = {10, 11, 12, 13, 40, 41, 2};
    const Tensor lp = log_softmax(policy.forward(ids, 1, 7)->data);  // (1, 7, V)
    double hand = 0;
    for (int t = 4; t < 7; t++) hand += lp.at((t - 1) * cfg.vocab_size + ids[t]);
    std::printf("sequence log-prob of the chosen response %.4f, by hand %.4f; of the rejected %.4f\n", seq.at(0), hand, seq.at(1));
    std::printf("  per token (a mean, which DPO does NOT use): chosen %.4f, rejected %.4f\n", seq.at(0) / 3, seq.at(1) / 6);

    // ---- DPO on that one pair: the policy moves, the frozen reference does not ------------------
    const GPT reference = policy.clone();
    AdamW opt(policy.parameters(), 1e-3, 0.9, 0.95, 1e-8, 0.0);
    for (int step = 0; step <= 30; step++) {
        opt.zero_grad();
        DpoMetrics dm;
        Var l = dpo_loss(policy, reference, {pair}, 0.1, 0, &dm);
        if (step % 10 == 0)
            std::printf("dpo step %2d | loss %.4f | rewards/chosen %+.3f | rewards/rejected %+.3f | logps/chosen %.3f | logps/rejected %.3f\n",
                        step, dm.loss, dm.rewards_chosen, dm.rewards_rejected, dm.logps_chosen, dm.logps_rejected);
        backward(l);
        opt.step();
    }
    return 0;
}
