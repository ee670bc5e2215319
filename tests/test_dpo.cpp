// DPO: the step-0 values (ln 2, zero rewards, dL/dmargin = -beta/2), prompt masking, the
// one-position shift and the SUM of sequence log-probs, a finite-difference check through a
// whole micro model, a tiny preference that training learns, and a reference that never moves.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/catch.hpp"

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/optim.h"
#include "model/gpt.h"
#include "selfreward/dpo.h"
#include "tensor/ops.h"

using namespace sr;

namespace {

const int kEnd = 259;  // plays <|end|>
const int kPad = 0;

GPTConfig micro() {
    GPTConfig c = preset_config("micro");
    c.vocab_size = 260;
    return c;
}

std::vector<int> random_ids(int n, int lo, int hi, Rng& rng) {
    std::vector<int> v(n);
    for (int& t : v) t = lo + static_cast<int>(rng.below(static_cast<uint64_t>(hi - lo)));
    return v;
}

// Prompts of random tokens; chosen = body + a + <|end|>, rejected = body + b + <|end|>.
std::vector<DpoPair> ending_pairs(int n, int a, int b, uint64_t seed, int vocab_hi = 200) {
    Rng rng(seed);
    std::vector<DpoPair> pairs;
    for (int i = 0; i < n; i++) {
        DpoPair p;
        p.prompt = random_ids(3 + static_cast<int>(rng.below(4)), 1, vocab_hi, rng);
        const std::vector<int> body = random_ids(2, 1, vocab_hi, rng);
        p.chosen = body, p.rejected = body;
        p.chosen.push_back(a), p.rejected.push_back(b);
        p.chosen.push_back(kEnd), p.rejected.push_back(kEnd);
        pairs.push_back(p);
    }
    return pairs;
}

void perturb(const GPT& m, double scale, uint64_t seed) {
    Rng rng(seed);
    for (const Var& p : m.parameters())
        for (int64_t i = 0; i < p->data.numel(); i++) p->data.set(i, p->data.at(i) + scale * rng.normal());
}

void scale_weights(const GPT& m, double s) {
    for (const Var& p : m.parameters())
        for (int64_t i = 0; i < p->data.numel(); i++) p->data.set(i, p->data.at(i) * s);
}

// log p(next | context) for every token of the vocabulary, from the full forward pass.
std::vector<double> next_logprobs(const GPT& m, const std::vector<int>& context) {
    NoGrad ng;
    const int T = static_cast<int>(context.size());
    const Tensor lp = log_softmax(m.forward(context, 1, T)->data);  // (1, T, V)
    const int V = m.config().vocab_size;
    std::vector<double> out(V);
    for (int v = 0; v < V; v++) out[v] = lp.at(static_cast<int64_t>(T - 1) * V + v);
    return out;
}

}  // namespace

TEST_CASE("DPO at step 0: loss ln 2, zero rewards and margins, accuracy 0, dL/dmargin = -beta/2", "[dpo]") {
    const GPT policy(micro(), 1);
    const GPT reference = policy.clone();
    const std::vector<DpoPair> pairs = ending_pairs(5, 201, 202, 3);
    const double beta = 0.1;
    DpoMetrics m;
    const Var loss = dpo_loss(policy, reference, pairs, beta, kPad, &m);
    CHECK(loss->data.item() == Approx(std::log(2.0)).margin(1e-6));
    CHECK(m.loss == Approx(0.6931471805599453).margin(1e-6));
    CHECK(m.rewards_chosen == 0.0);
    CHECK(m.rewards_rejected == 0.0);
    CHECK(m.margins == 0.0);
    CHECK(m.accuracies == 0.0);  // ties count as wrong
    CHECK(m.pairs == 5);
    CHECK(m.logps_chosen < -5.0);  // real sums of several ~-5.5 log-probs, not zeros
    // The policy gets a gradient at step 0 (a loss stuck at ln 2 would mean none); the reference none.
    backward(loss);
    CHECK(grad_norm(policy.parameters()) > 1e-4);
    for (const Var& p : reference.parameters()) CHECK_FALSE(p->grad.defined());

    // dL/dmargin through the same formula dpo_loss uses: analytic (backward) ...
    const Tensor zero = Tensor::zeros({1}, DType::F64);
    const Var pc = param(zero), pr = param(zero);
    backward(dpo_loss_from_logps(pc, pr, zero, zero, beta));
    CHECK(pc->grad.at(0) == Approx(-beta / 2).margin(1e-12));
    CHECK(pr->grad.at(0) == Approx(beta / 2).margin(1e-12));
    // ... and by finite differences on the margin.
    const double eps = 1e-5;
    auto L = [&](double margin) {
        NoGrad ng;
        return dpo_loss_from_logps(constant(Tensor::from({margin}, {1}, DType::F64)), constant(zero), zero, zero, beta)->data.item();
    };
    CHECK((L(eps) - L(-eps)) / (2 * eps) == Approx(-beta / 2).margin(1e-8));
    CHECK(L(0) == Approx(std::log(2.0)).margin(1e-12));
    // With N pairs the loss is a mean: each pair's margin gets -beta/(2N).
    const Tensor zeros4 = Tensor::zeros({4}, DType::F64);
    const Var pc4 = param(zeros4);
    backward(dpo_loss_from_logps(pc4, constant(zeros4), zeros4, zeros4, beta));
    CHECK(pc4->grad.at(2) == Approx(-beta / 8).margin(1e-12));
}

TEST_CASE("DPO accuracies are strict and rewards are beta times the log-ratio", "[dpo]") {
    const Tensor pc = Tensor::from({-1.0, -2.0, -3.0}, {3}, DType::F64), pr = Tensor::from({-2.0, -2.0, -1.0}, {3}, DType::F64);
    const Tensor rc = Tensor::from({-1.5, -2.0, -3.0}, {3}, DType::F64), rr = Tensor::from({-1.5, -2.0, -1.0}, {3}, DType::F64);
    DpoMetrics m;
    const double beta = 0.5;
    dpo_loss_from_logps(constant(pc), constant(pr), rc, rr, beta, &m);
    // pair 0: rewards 0.25 vs -0.25 (right); pair 1: 0 vs 0 (tie: wrong); pair 2: 0 vs 0 (tie: wrong)
    CHECK(m.rewards_chosen == Approx(0.25 / 3));
    CHECK(m.rewards_rejected == Approx(-0.25 / 3));
    CHECK(m.margins == Approx(0.5 / 3));
    CHECK(m.accuracies == Approx(1.0 / 3));
    const double expect = (-std::log(1 / (1 + std::exp(-0.5))) + 2 * std::log(2.0)) / 3;
    CHECK(m.loss == Approx(expect).margin(1e-12));
}

TEST_CASE("DPO masking: counting the prompt changes the rewards but not the loss", "[dpo]") {
    for (DType dt : {DType::F64, DType::F32}) {
        const GPT reference = GPT(micro(), 2).to(dt);
        const GPT policy = reference.clone();
        perturb(policy, 0.05, 9);  // policy != reference: the prompt's log-ratio is not zero
        const std::vector<DpoPair> pairs = ending_pairs(6, 201, 202, 4);
        DpoMetrics masked, unmasked;
        NoGrad ng;
        const double l0 = dpo_loss(policy, reference, pairs, 0.1, kPad, &masked, false)->data.item();
        const double l1 = dpo_loss(policy, reference, pairs, 0.1, kPad, &unmasked, true)->data.item();
        INFO(dtype_name(dt) << ": loss " << l0 << " vs " << l1 << ", rewards/chosen " << masked.rewards_chosen << " vs "
                            << unmasked.rewards_chosen);
        CHECK(std::fabs(l0 - l1) < 1e-6);
        CHECK(std::fabs(l0 - std::log(2.0)) > 1e-4);  // the perturbation did move the loss
        CHECK(std::fabs(masked.rewards_chosen - unmasked.rewards_chosen) > 1e-3);
        CHECK(std::fabs(masked.rewards_rejected - unmasked.rewards_rejected) > 1e-3);
        CHECK(unmasked.logps_chosen < masked.logps_chosen - 5.0);  // the prompt's tokens were added in
    }
}

TEST_CASE("sequence_logprobs reads token t from the logits at t-1 and sums over the masked tokens", "[dpo]") {
    const GPT model = GPT(micro(), 5).to(DType::F64);
    scale_weights(model, 10);  // sharp distributions: shifted and unshifted readings differ a lot
    Rng rng(1);
    Example e;
    e.tokens = random_ids(12, 1, 259, rng);
    e.mask = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};  // a 5-token prompt, a 7-token response
    const double got = sequence_logprobs(model, {e}, kPad)->data.at(0);

    // By hand: the full forward pass, log-softmax, token t read at position t-1.
    const int T = static_cast<int>(e.tokens.size()), V = model.config().vocab_size;
    NoGrad ng;
    const Tensor lp = log_softmax(model.forward(e.tokens, 1, T)->data);  // (1, T, V)
    double shifted = 0, unshifted = 0;
    int counted = 0;
    for (int t = 1; t < T; t++)
        if (e.mask[t] > 0) shifted += lp.at(static_cast<int64_t>(t - 1) * V + e.tokens[t]), counted++;
    for (int t = 0; t < T; t++)
        if (e.mask[t] > 0) unshifted += lp.at(static_cast<int64_t>(t) * V + e.tokens[t]);
    INFO("got " << got << ", shifted " << shifted << ", unshifted " << unshifted);
    REQUIRE(counted == 7);
    CHECK(got == Approx(shifted).margin(1e-9));
    CHECK(std::fabs(got - unshifted) > 0.5);          // a missing shift would be caught
    CHECK(std::fabs(got - shifted / counted) > 0.5);  // a mean instead of a sum would be caught

    // Padding never counts: the same row batched with a longer one gives the same sum.
    Example longer;
    longer.tokens = random_ids(16, 1, 259, rng);
    longer.mask.assign(16, 1.0f);
    const Tensor both = sequence_logprobs(model, {e, longer}, kPad)->data;
    CHECK(both.at(0) == Approx(got).margin(1e-9));
}

TEST_CASE("sequence_logprobs is a sum: twice the response, about twice the magnitude", "[dpo]") {
    const GPT model(micro(), 6);  // at init the next-token distribution is near uniform
    Rng rng(2);
    const std::vector<int> prompt = random_ids(4, 1, 259, rng), resp = random_ids(5, 1, 259, rng);
    auto row = [&](int copies) {
        Example e;
        e.tokens = prompt;
        e.mask.assign(prompt.size(), 0.0f);
        for (int c = 0; c < copies; c++) e.tokens.insert(e.tokens.end(), resp.begin(), resp.end());
        e.mask.resize(e.tokens.size(), 1.0f);
        return e;
    };
    NoGrad ng;
    const Tensor lp = sequence_logprobs(model, {row(1), row(2)}, kPad)->data;
    INFO(lp.at(0) << " " << lp.at(1));
    CHECK(lp.at(0) < -20);  // 5 tokens of about -ln 260 = -5.56 each
    CHECK(lp.at(1) / lp.at(0) == Approx(2.0).margin(0.1));
}

TEST_CASE("DPO loss gradient check in double through a whole micro model (reference fixed)", "[dpo][gradcheck]") {
    GPTConfig c = micro();
    c.vocab_size = 13, c.n_positions = 8, c.n_embd = 8, c.n_layer = 2, c.n_head = 2;
    const GPT policy = GPT(c, 3).to(DType::F64);
    Rng rng(5);  // bigger weights than GPT-2's 0.02 so every path carries gradient of a healthy size
    for (const Var& p : policy.parameters())
        for (int64_t i = 0; i < p->data.numel(); i++) p->data.set(i, p->data.at(i) * 10 + (p->data.ndim() == 1 ? rng.normal() * 0.3 : 0));
    const GPT reference = policy.clone();
    perturb(reference, 0.1, 7);  // a reference that differs: margins are not zero
    const std::vector<DpoPair> pairs = {{{1, 2, 3}, {4, 5, 12}, {6, 12}}, {{7, 8}, {9, 10, 11, 12}, {9, 3, 12}}, {{2, 5, 9, 1}, {3, 12}, {11, 4, 12}}};
    const double beta = 0.5;
    {
        NoGrad ng;
        const double l = dpo_loss(policy, reference, pairs, beta, 0)->data.item();
        INFO("loss " << l);
        CHECK(std::fabs(l - std::log(2.0)) > 1e-3);
    }
    const auto named = policy.named_parameters();
    std::vector<Tensor> inputs;
    for (auto& [name, p] : named) inputs.push_back(p->data);
    GradcheckFn f = [&](const std::vector<Var>& v) {
        const GPT m = policy.with_parameters(v);  // the gradcheck's variables in place of the weights
        return dpo_loss(m, reference, pairs, beta, 0);
    };
    GradcheckOptions opt;
    opt.max_entries = 6;
    const GradcheckReport r = gradcheck(f, inputs, opt);
    REQUIRE(r.items.size() == named.size());
    for (size_t i = 0; i < r.items.size(); i++) {
        INFO(named[i].first << ": " << r.items[i].max_rel_error << " (analytic " << r.items[i].analytic << ", numeric " << r.items[i].numeric << ")");
        // The key part of c_attn's bias gets no gradient (softmax ignores a shift): both sides ~0 there.
        CHECK((r.items[i].max_rel_error < 1e-5 || std::fabs(r.items[i].analytic - r.items[i].numeric) < 1e-9));
    }
}

TEST_CASE("DPO on a tiny preference (end in A, not B) moves the policy towards A", "[dpo]") {
    const int A = 201, B = 202;
    GPT policy(micro(), 11);
    const GPT before = policy.clone();
    const std::vector<DpoPair> pairs = ending_pairs(64, A, B, 21);
    const std::string metrics = "/tmp/sr_test_dpo_metrics.jsonl";
    std::remove(metrics.c_str());
    DpoOptions opt;
    opt.beta = 0.1, opt.lr = 1e-2, opt.epochs = 5, opt.batch = 8, opt.warmup = 3, opt.log_every = 10, opt.seed = 1;
    opt.metrics_path = metrics;
    const DpoResult res = train_dpo(policy, pairs, kPad, opt);
    REQUIRE(res.steps.size() == 40);  // 64 pairs / 8 per step * 5 epochs
    CHECK(res.first.loss == Approx(std::log(2.0)).margin(1e-5));  // the first step starts at the reference
    CHECK(res.last.loss < 0.5);
    CHECK(res.last.margins > 0.5);

    // On the training pairs, against the model before training: every pair is now right.
    DpoMetrics m;
    {
        NoGrad ng;
        dpo_loss(policy, before, pairs, opt.beta, kPad, &m);
    }
    INFO("after: loss " << m.loss << ", margins " << m.margins << ", accuracies " << m.accuracies);
    CHECK(m.margins > 0.5);
    CHECK(m.accuracies == 1.0);

    // Fresh prompts (not trained on): after a body, A gained on B, and A itself became likelier.
    Rng rng(99);
    double gap0 = 0, gap1 = 0, a0 = 0, a1 = 0;
    const int fresh = 10;
    for (int k = 0; k < fresh; k++) {
        std::vector<int> context = random_ids(3 + static_cast<int>(rng.below(4)), 1, 200, rng);
        const std::vector<int> body = random_ids(2, 1, 200, rng);
        context.insert(context.end(), body.begin(), body.end());
        const std::vector<double> lp0 = next_logprobs(before, context), lp1 = next_logprobs(policy, context);
        gap0 += (lp0[A] - lp0[B]) / fresh, gap1 += (lp1[A] - lp1[B]) / fresh;
        a0 += lp0[A] / fresh, a1 += lp1[A] / fresh;
    }
    INFO("mean log p(A) - log p(B): " << gap0 << " -> " << gap1 << "; mean log p(A): " << a0 << " -> " << a1);
    CHECK(gap1 > gap0 + 1.0);
    CHECK(a1 > a0 + 0.5);

    // The metrics file: one JSON line per log interval, TRL names.
    std::ifstream in(metrics);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
        lines++;
        CHECK(line.find("\"rewards/chosen\"") != std::string::npos);
        CHECK(line.find("\"rewards/accuracies\"") != std::string::npos);
    }
    CHECK(lines == 4);
}

TEST_CASE("DPO training never updates the reference; the default reference is a deep copy", "[dpo]") {
    GPT policy(micro(), 12);
    const GPT reference = policy.clone();
    for (size_t i = 0; i < policy.parameters().size(); i++)
        CHECK_FALSE(policy.parameters()[i]->data.same_buffer(reference.parameters()[i]->data));
    const GPT snapshot = reference.clone();
    const std::vector<DpoPair> pairs = ending_pairs(8, 201, 202, 5);
    DpoOptions opt;
    opt.lr = 3e-3, opt.epochs = 2, opt.batch = 4, opt.warmup = 1, opt.log_every = 100;
    train_dpo(policy, reference, pairs, kPad, opt);
    const auto ref = reference.parameters(), snap = snapshot.parameters(), pol = policy.parameters();
    double moved = 0;
    for (size_t i = 0; i < ref.size(); i++) {
        CHECK(max_abs_diff(ref[i]->data, snap[i]->data) == 0);  // bit for bit
        CHECK_FALSE(ref[i]->grad.defined());                    // no gradient ever reached it
        moved = std::max(moved, max_abs_diff(pol[i]->data, snap[i]->data));
    }
    CHECK(moved > 1e-4);  // while the policy did train

    // A reference that differs from the policy is the one scored: the first step's loss is
    // dpo_loss(policy at entry, reference) (one step per epoch here: all pairs in the batch).
    GPT p3(micro(), 16);
    const GPT other = p3.clone();
    perturb(other, 0.05, 17);
    double expect = 0;
    {
        NoGrad ng;
        expect = dpo_loss(p3, other, pairs, opt.beta, kPad)->data.item();
    }
    DpoOptions all = opt;
    all.batch = 8;
    const DpoResult r3 = train_dpo(p3, other, pairs, kPad, all);
    CHECK(std::fabs(expect - std::log(2.0)) > 1e-3);
    CHECK(r3.first.loss == Approx(expect).margin(1e-5));

    // The one-argument form: the policy at entry is the reference, so step 1 starts at ln 2.
    GPT p2(micro(), 13);
    const DpoResult r2 = train_dpo(p2, pairs, kPad, opt);
    CHECK(r2.first.loss == Approx(std::log(2.0)).margin(1e-5));
    CHECK(r2.first.margins == Approx(0.0).margin(1e-5));
}

TEST_CASE("DPO: no pairs trains nothing; a NaN loss stops with the step named", "[dpo]") {
    GPT policy(micro(), 14);
    const GPT before = policy.clone();
    DpoOptions opt;
    const DpoResult r = train_dpo(policy, {}, kPad, opt);
    CHECK(r.steps.empty());
    for (size_t i = 0; i < policy.parameters().size(); i++)
        CHECK(max_abs_diff(policy.parameters()[i]->data, before.parameters()[i]->data) == 0);

    GPT bad(micro(), 15);
    const GPT ref = bad.clone();
    bad.ln_f_bias->data.set(0, std::nan(""));
    REQUIRE_THROWS_WITH(train_dpo(bad, ref, ending_pairs(4, 201, 202, 6), kPad, opt),
                        Catch::Contains("step 1/") && Catch::Contains("HINT"));
    REQUIRE_THROWS_WITH(dpo_loss(bad, ref, {{{}, {1, kEnd}, {2, kEnd}}}, 0.1, kPad), Catch::Contains("empty prompt"));
}

TEST_CASE("DPO rows: the prompt is cut from the left to fit the context, the response is kept", "[dpo]") {
    DpoPair p;
    for (int i = 0; i < 20; i++) p.prompt.push_back(i + 1);
    p.chosen = {100, 101, 102, kEnd};
    p.rejected = {100, kEnd};
    const std::vector<Example> rows = dpo_rows(p, 16);  // at most 17 tokens per row
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].tokens.size() == 17);
    CHECK(rows[0].tokens.back() == kEnd);
    CHECK(rows[0].tokens.front() == 8);  // prompt tokens 8..20 kept (13 of them)
    CHECK(rows[1].tokens.size() == 17);
    CHECK(rows[1].tokens.front() == 6);
    float masked = 0;
    for (float v : rows[0].mask) masked += v;
    CHECK(masked == 4);
}

TEST_CASE("DPO+NLL (RPO): the NLL term's value, its gradient by finite differences, alpha 0 is plain DPO", "[dpo][gradcheck]") {
    const Tensor pc = Tensor::from({-1.0, -6.0, -3.0}, {3}, DType::F64), pr = Tensor::from({-2.0, -2.0, -1.0}, {3}, DType::F64);
    const Tensor rc = Tensor::from({-1.5, -5.0, -3.5}, {3}, DType::F64), rr = Tensor::from({-1.5, -2.5, -1.0}, {3}, DType::F64);
    const std::vector<double> len = {2, 3, 4};
    const double beta = 0.5, alpha = 0.7;
    DpoMetrics plain, rpo;
    const double l0 = dpo_loss_from_logps(constant(pc), constant(pr), rc, rr, beta, &plain)->data.item();
    const double l1 = dpo_loss_from_logps(constant(pc), constant(pr), rc, rr, beta, &rpo, alpha, len)->data.item();
    const double nll = (1.0 / 2 + 6.0 / 3 + 3.0 / 4) / 3;  // mean of -logp / |y_w|
    CHECK(rpo.nll == Approx(nll).margin(1e-12));
    CHECK(l1 == Approx(l0 + alpha * nll).margin(1e-12));
    CHECK(rpo.margins == Approx(plain.margins).margin(1e-15));  // the DPO part is untouched
    // alpha 0 with lengths given: the same loss as without them
    CHECK(dpo_loss_from_logps(constant(pc), constant(pr), rc, rr, beta, nullptr, 0.0, len)->data.item() == l0);
    // the gradient of the whole objective w.r.t. both log-prob vectors, by central differences
    GradcheckFn f = [&](const std::vector<Var>& v) { return dpo_loss_from_logps(v[0], v[1], rc, rr, beta, nullptr, alpha, len); };
    const GradcheckReport r = gradcheck(f, {pc, pr});
    INFO(r.str());
    CHECK(r.max_rel_error() < 1e-7);
    // analytically: d/dpc_i of alpha * mean(-pc/len) = -alpha / (N len_i), on top of DPO's
    const Var vc = param(pc), vr = param(pr);
    backward(dpo_loss_from_logps(vc, vr, rc, rr, beta, nullptr, alpha, len));
    const Var wc = param(pc), wr = param(pr);
    backward(dpo_loss_from_logps(wc, wr, rc, rr, beta));
    for (int64_t i = 0; i < 3; i++) {
        CHECK(vc->grad.at(i) - wc->grad.at(i) == Approx(-alpha / (3 * len[i])).margin(1e-12));
        CHECK(vr->grad.at(i) == Approx(wr->grad.at(i)).margin(1e-15));  // rejected: no NLL term
    }
    CHECK_THROWS_WITH(dpo_loss_from_logps(constant(pc), constant(pr), rc, rr, beta, nullptr, alpha, {}), Catch::Contains("token count"));
    CHECK_THROWS_WITH(dpo_loss_from_logps(constant(pc), constant(pr), rc, rr, beta, nullptr, alpha, {1, 0, 2}), Catch::Contains("0"));
}

TEST_CASE("DPO+NLL through a model: nll/chosen is the chosen rows' per-token NLL; the loss gradient checks in double", "[dpo][gradcheck]") {
    GPTConfig c = micro();
    c.vocab_size = 13, c.n_positions = 8, c.n_embd = 8, c.n_layer = 1, c.n_head = 2;
    const GPT policy = GPT(c, 4).to(DType::F64);
    const GPT reference = policy.clone();
    perturb(reference, 0.1, 9);
    const std::vector<DpoPair> pairs = {{{1, 2, 3}, {4, 5, 12}, {6, 12}}, {{7, 8}, {9, 10, 11, 12}, {9, 3, 12}}};
    DpoMetrics m;
    dpo_loss(policy, reference, pairs, 0.5, 0, &m, false, 1.0);
    // by hand: each chosen row's summed log-prob over its response tokens, divided by their count
    double expect = 0;
    for (const DpoPair& p : pairs) {
        NoGrad ng;
        const Var lp = sequence_logprobs(policy, {dpo_rows(p, c.n_positions)[0]}, 0);
        expect += -lp->data.at(0) / static_cast<double>(p.chosen.size()) / pairs.size();
    }
    CHECK(m.nll == Approx(expect).margin(1e-12));
    const auto named = policy.named_parameters();
    std::vector<Tensor> inputs;
    for (auto& [name, p] : named) inputs.push_back(p->data);
    GradcheckFn f = [&](const std::vector<Var>& v) { return dpo_loss(policy.with_parameters(v), reference, pairs, 0.5, 0, nullptr, false, 1.0); };
    GradcheckOptions opt;
    opt.max_entries = 4;
    const GradcheckReport r = gradcheck(f, inputs, opt);
    for (size_t i = 0; i < r.items.size(); i++) {
        INFO(named[i].first << ": " << r.items[i].max_rel_error);
        CHECK((r.items[i].max_rel_error < 1e-5 || std::fabs(r.items[i].analytic - r.items[i].numeric) < 1e-9));
    }
}
