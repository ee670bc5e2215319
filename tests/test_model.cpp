// The GPT: whole-model gradient check, golden losses, generation with and without the cache,
// sampling constraints, checkpoints and exact resume.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "tests/catch.hpp"

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/optim.h"
#include "model/checkpoint.h"
#include "model/data_parallel.h"
#include "model/generate.h"
#include "tensor/runtime.h"
#include "model/gpt.h"
#include "model/safetensors.h"
#include "model/train.h"
#include "tensor/ops.h"

using namespace sr;

namespace {

std::vector<int> random_ids(int n, int V, uint64_t seed) {
    Rng rng(seed);
    std::vector<int> v(n);
    for (int& t : v) t = static_cast<int>(rng.below(V));
    return v;
}

Tokenizer byte_tokenizer() {  // no merges: 256 bytes + the 4 specials
    Tokenizer t;
    t.train("", 260, {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"});
    return t;
}

GPTConfig micro() {
    GPTConfig c = preset_config("micro");
    c.vocab_size = 260;
    return c;
}

}  // namespace

TEST_CASE("whole-model gradient check in double on a micro config (every parameter tensor)", "[model][gradcheck]") {
    GPTConfig c = micro();
    c.vocab_size = 11, c.n_positions = 5, c.n_embd = 8, c.n_layer = 2, c.n_head = 2;
    const GPT model = GPT(c, 3).to(DType::F64);
    // Bigger weights than GPT-2's 0.02 so every path carries gradient of a healthy size.
    Rng rng(5);
    for (auto& [name, p] : model.named_parameters())
        for (int64_t i = 0; i < p->data.numel(); i++) p->data.set(i, p->data.at(i) * 10 + (p->data.ndim() == 1 ? rng.normal() * 0.3 : 0));
    const int B = 2, T = 4;
    const std::vector<int> ids = random_ids(B * T, c.vocab_size, 1), targets = random_ids(B * T, c.vocab_size, 2);
    const std::vector<float> mask = {1, 1, 0, 1, 1, 0.5f, 1, 1};
    const auto named = model.named_parameters();
    std::vector<Tensor> inputs;
    for (auto& [name, p] : named) inputs.push_back(p->data);
    GradcheckFn f = [&](const std::vector<Var>& v) {
        const GPT m = model.with_parameters(v);  // the gradcheck's variables in place of the weights
        return m.loss(ids, targets, mask, B, T);
    };
    GradcheckOptions opt;
    opt.max_entries = 6;  // a few entries of each tensor
    // The key part of c_attn.bias has a gradient of exactly 0 (it shifts all of a query's scores
    // equally, which softmax ignores): its numeric gradient is rounding noise of ~1e-11, which a
    // floor of 1e-6 would turn into a relative error of 1e-5. The worst entries of the other
    // tensors have gradients of 4e-4 and more, so a floor of 1e-4 still measures them relatively.
    opt.tiny = 1e-4;
    const GradcheckReport r = gradcheck(f, inputs, opt);
    REQUIRE(r.items.size() == named.size());
    for (size_t i = 0; i < r.items.size(); i++) {
        INFO(named[i].first << ": " << r.items[i].max_rel_error << " (analytic " << r.items[i].analytic << ", numeric " << r.items[i].numeric << ")");
        CHECK(r.items[i].max_rel_error < 1e-5);
    }
}

TEST_CASE("golden values: the first 10 training losses of the tiny preset on a fixed batch", "[model][golden]") {
    const GPTConfig c = preset_config("tiny");
    GPT model(c, 42);
    const int B = 4, T = 64;
    const std::vector<int> ids = random_ids(B * T, c.vocab_size, 7), targets = random_ids(B * T, c.vocab_size, 8);
    AdamW opt(model.parameters(), 1e-3, 0.9, 0.95, 1e-8, 0.1, model.decay_flags());
    std::vector<double> losses;
    for (int s = 0; s < 10; s++) {
        opt.zero_grad();
        Var l = model.loss(ids, targets, {}, B, T);
        backward(l);
        clip_grad_norm(model.parameters(), 1.0);
        opt.step();
        losses.push_back(l->data.item());
    }
    const double golden[10] = {6.278549, 5.651230, 5.341974, 5.130112, 4.949310, 4.761512, 4.588720, 4.423255, 4.261410, 4.107410};
    for (int s = 0; s < 10; s++) {
        std::printf("%.6f%s", losses[s], s == 9 ? "\n" : ", ");
        CHECK(losses[s] == Approx(golden[s]).margin(1e-5));
    }
}

TEST_CASE("a tiny model overfits a single batch to near-zero loss", "[model]") {
    GPTConfig c = micro();
    c.n_embd = 32, c.n_head = 2, c.n_layer = 2, c.n_positions = 16;
    GPT model(c, 1);
    const int B = 2, T = 16;
    const std::vector<int> ids = random_ids(B * T, 40, 3), targets = random_ids(B * T, 40, 4);
    AdamW opt(model.parameters(), 1e-2, 0.9, 0.95, 1e-8, 0.0, model.decay_flags());
    double loss = 0;
    for (int s = 0; s < 150; s++) {
        opt.zero_grad();
        Var l = model.loss(ids, targets, {}, B, T);
        backward(l);
        opt.step();
        loss = l->data.item();
    }
    CHECK(loss < 0.05);
}

TEST_CASE("the loss mask: masked positions contribute nothing", "[model]") {
    const GPT model(micro(), 2);
    const std::vector<int> ids = random_ids(8, 260, 5);
    std::vector<int> t1 = random_ids(8, 260, 6), t2 = t1;
    t2[0] = (t2[0] + 1) % 260;  // change a masked target: the loss must not move
    const std::vector<float> mask = {0, 1, 1, 1, 1, 1, 1, 1};
    NoGrad ng;
    CHECK(model.loss(ids, t1, mask, 1, 8)->data.item() == model.loss(ids, t2, mask, 1, 8)->data.item());
    CHECK(model.loss(ids, t1, {}, 1, 8)->data.item() != model.loss(ids, t2, {}, 1, 8)->data.item());
}

TEST_CASE("a batch split across threads gives the single pass's loss and gradients", "[model]") {
    // 3 rows on 2 and 3 workers (uneven parts), with and without a mask whose parts count
    // different numbers of positions: the parts' losses must be weighted by those counts.
    GPT model(micro(), 9);
    const int B = 3, T = 8;
    Batch b;
    b.B = B, b.T = T, b.ids = random_ids(B * T, 260, 10), b.targets = random_ids(B * T, 260, 11);
    for (bool masked : {false, true}) {
        b.mask.clear();
        if (masked)
            for (int i = 0; i < B * T; i++) b.mask.push_back(i < 5 || i % 3 == 0 ? 0.0f : 1.0f);
        const std::vector<Var> params = model.parameters();
        zero_grad(params);
        const double ref_loss = DataParallel(1).loss_backward(model, b, 0.5, false, 0);
        std::vector<Tensor> ref_grads;
        for (const Var& p : params) ref_grads.push_back(p->grad.clone());
        for (int workers : {2, 3}) {
            DataParallel dp(workers);
            REQUIRE(dp.workers(b) == workers);
            zero_grad(params);
            const double loss = dp.loss_backward(model, b, 0.5, false, 0);
            CHECK(std::fabs(loss - ref_loss) < 1e-6);
            double worst = 0;
            for (size_t i = 0; i < params.size(); i++) worst = std::max(worst, max_abs_diff(params[i]->grad, ref_grads[i]));
            CHECK(worst < 1e-6);
        }
    }
}

TEST_CASE("training gives the same bits whatever the number of active threads", "[model]") {
    // On a busy machine the active thread count drops below the planned one, even from step to
    // step (tensor/runtime.h: adapt_threads). Nothing may change: a data-parallel step keeps
    // the planned parts, and a plain step's sums (layernorm's dweight, dbias: large enough here
    // to run threaded) are taken in fixed blocks. Five AdamW steps of each, with 2 active
    // threads throughout, then with 1 and 2 alternating.
    const int threads = num_threads();
    set_num_threads(2);
    GPTConfig c = micro();
    c.n_embd = 64, c.n_positions = 32;
    const int B = 8, T = 32;  // B*T*C = 16384 floats: layernorm's backward runs threaded
    auto train = [&](bool alternate) {
        GPT model(c, 5);
        AdamW opt(model.parameters(), 1e-2);
        DataParallel dp;
        std::vector<double> losses;
        for (int step = 0; step < 10; step++) {
            set_active_threads_for_testing(alternate && step % 2 == 0 ? 1 : 2);
            Batch b;
            b.B = B, b.T = T, b.ids = random_ids(B * T, 260, 40 + step), b.targets = random_ids(B * T, 260, 60 + step);
            opt.zero_grad();
            if (step < 5) {
                REQUIRE(dp.workers(b) == 2);  // the plan, not the active count
                losses.push_back(dp.loss_backward(model, b, 1.0, true, step));
            } else {  // a plain step (as DPO's): every kernel threaded
                Var l = model.loss(b.ids, b.targets, {}, B, T);
                losses.push_back(l->data.item());
                backward(l);
            }
            losses.push_back(clip_grad_norm(model.parameters(), 1.0));
            opt.step();
        }
        std::vector<float> weights;
        for (const Var& p : model.parameters())
            for (int64_t i = 0; i < p->data.numel(); i++) weights.push_back(p->data.at(i));
        return std::make_pair(losses, weights);
    };
    const auto steady = train(false), alternating = train(true);
    set_num_threads(threads);
    CHECK(steady.first == alternating.first);    // losses and gradient norms, bit for bit
    CHECK(steady.second == alternating.second);  // the trained weights, bit for bit
}

TEST_CASE("greedy decoding with and without the KV cache gives identical tokens", "[model][generate]") {
    GPTConfig c = micro();
    c.n_positions = 32;
    GPT model(c, 9);
    for (auto& [n, p] : model.named_parameters())  // sharper weights: a less flat, more telling distribution
        for (int64_t i = 0; i < p->data.numel(); i++) p->data.set(i, p->data.at(i) * 20);
    SampleOptions so;
    so.temperature = 0;
    so.max_new_tokens = 20;
    const std::vector<std::vector<int>> prompts = {random_ids(5, 260, 1), random_ids(11, 260, 2), random_ids(1, 260, 3)};
    Rng r1(0), r2(0);
    const auto batched = generate(model, prompts, so, r1);  // different lengths in one batch
    for (size_t i = 0; i < prompts.size(); i++) {
        const Generation ref = generate_nocache(model, prompts[i], so, r2);
        CHECK(batched[i].tokens == ref.tokens);
    }
}

TEST_CASE("KV-cache logits equal the full forward pass", "[model][generate]") {
    const GPT model(micro(), 4);
    const std::vector<int> ids = random_ids(9, 260, 12);
    KVCache cache(model.config(), 1);
    const std::vector<float> all = cache.forward(model, {ids}, true);  // (9, V)
    NoGrad ng;
    const Tensor full = model.forward(ids, 1, 9)->data;
    double m = 0;
    for (int64_t i = 0; i < full.numel(); i++) m = std::max(m, std::fabs(full.at(i) - all[i]));
    CHECK(m < 1e-4);
}

TEST_CASE("KV-cache logits equal the full forward pass when filled in pieces up to the context", "[model][generate]") {
    // Shapes that exercise the decoding attention's blocked loops and their remainders: a context
    // that is not a multiple of the 16-key block, and heads of 12 (remainder only) and 40 (two
    // blocks of 16 channels and a remainder of 8) channels, and 17 (odd: the even/odd partial
    // sums end on an even one). With 200 channels and two threads the column slices of the
    // team (KVCache::forward_rows) end in a partial block and the five heads split unevenly.
    const int threads = num_threads();
    set_num_threads(2);
    for (const auto& [embd, heads] : std::vector<std::pair<int, int>>{{24, 2}, {80, 2}, {85, 5}, {200, 5}}) {
        GPTConfig c = micro();
        c.n_positions = 37, c.n_embd = embd, c.n_head = heads;
        const GPT model(c, 21);
        const std::vector<int> ids = random_ids(37, 260, 13);
        KVCache cache(model.config(), 1);
        std::vector<float> pieces;
        size_t at = 0;
        for (size_t len : {20, 10, 1, 1, 1, 1, 1, 1, 1}) {
            const std::vector<int> chunk(ids.begin() + static_cast<long>(at), ids.begin() + static_cast<long>(at + len));
            const std::vector<float>& l = cache.forward(model, {chunk}, true);
            pieces.insert(pieces.end(), l.begin(), l.end());
            at += len;
        }
        REQUIRE(at == 37);
        NoGrad ng;
        const Tensor full = model.forward(ids, 1, 37)->data;  // (1, 37, V)
        REQUIRE(static_cast<int64_t>(pieces.size()) == full.numel());
        double m = 0;
        for (int64_t i = 0; i < full.numel(); i++) m = std::max(m, std::fabs(full.at(i) - pieces[i]));
        CHECK(m < 1e-4);
    }
    set_num_threads(threads);
}

TEST_CASE("KVCache (threads, panels, tiles) agrees with the plain-loop KVCacheReference on several shapes", "[model][generate]") {
    // Shapes: heads of 12, 17 (odd), 40 and 16 channels; 1 to 3 layers; a context that is not a
    // multiple of the 16-key tile; three prompts of different lengths batched, then decoding
    // steps with one sequence sitting one out; one and two threads.
    const int threads = num_threads();
    struct Shape { int embd, heads, layers; };
    for (const Shape& sh : std::vector<Shape>{{24, 2, 1}, {85, 5, 2}, {80, 2, 3}, {64, 4, 2}}) {
        GPTConfig c = micro();
        c.n_positions = 37, c.n_embd = sh.embd, c.n_head = sh.heads, c.n_layer = sh.layers;
        const GPT model(c, 31);
        const int V = c.vocab_size;
        const std::vector<std::vector<std::vector<int>>> steps = {
            {random_ids(7, V, 1), random_ids(19, V, 2), random_ids(1, V, 3)}, {{5}, {}, {9}}, {{6}, {7}, {8}}};
        for (int nt : {1, 2}) {
            set_num_threads(nt);
            KVCache cache(c, 3);
            std::vector<KVCacheReference> refs(3, KVCacheReference(c));
            double m = 0;
            for (const auto& step : steps) {
                const std::vector<float> fast = cache.forward(model, step);  // (3, V): each sequence's last new token
                for (int b = 0; b < 3; b++) {
                    if (step[b].empty()) continue;
                    const std::vector<float> ref = refs[b].forward(model, step[b]);  // (n, V): every new token
                    const float* last = &ref[ref.size() - V];
                    for (int v = 0; v < V; v++) m = std::max(m, static_cast<double>(std::fabs(fast[static_cast<size_t>(b) * V + v] - last[v])));
                }
            }
            INFO("C " << sh.embd << ", NH " << sh.heads << ", L " << sh.layers << ", threads " << nt << ": max |fast - reference| = " << m);
            CHECK(m < 1e-5);  // measured: under 1e-6
        }
    }
    set_num_threads(threads);
}

TEST_CASE("a sequence's logits are the same bits alone, in a batch, and on any thread count", "[model][generate]") {
    // A batch reads packed weight panels, a single sequence reads them in place; both sum in the
    // same order, so batching (or the thread count) must not change one bit. Three prompts of
    // different lengths, then two decoding steps with one sequence sitting one out.
    const int threads = num_threads();
    GPTConfig c = micro();
    c.n_positions = 40, c.n_embd = 200, c.n_head = 5;  // 200: column slices end in a partial panel
    const GPT model(c, 23);
    const std::vector<std::vector<int>> prompts = {random_ids(7, 260, 1), random_ids(19, 260, 2), random_ids(1, 260, 3)};
    const std::vector<std::vector<std::vector<int>>> steps = {prompts, {{5}, {}, {9}}, {{6}, {7}, {8}}};
    const int V = c.vocab_size;
    std::vector<std::vector<float>> alone;  // per step and sequence: logits of its last new token
    set_num_threads(1);
    for (int b = 0; b < 3; b++) {
        KVCache cache(model.config(), 1);
        for (const auto& step : steps) {
            if (step[b].empty()) continue;
            alone.push_back(cache.forward(model, {step[b]}));
        }
    }
    for (int nt : {1, 2}) {
        set_num_threads(nt);
        KVCache cache(model.config(), 3);
        std::vector<std::vector<float>> batched(3);  // per sequence, its steps' logits in order
        for (const auto& step : steps) {
            const std::vector<float>& l = cache.forward(model, step);
            for (int b = 0; b < 3; b++)
                if (!step[b].empty()) batched[b].insert(batched[b].end(), l.begin() + b * V, l.begin() + (b + 1) * V);
        }
        std::vector<float> expect, got;
        for (int b = 0, i = 0; b < 3; b++)
            for (const auto& step : steps)
                if (!step[b].empty()) expect.insert(expect.end(), alone[i].begin(), alone[i].end()), i++;
        for (const auto& v : batched) got.insert(got.end(), v.begin(), v.end());
        CHECK(got == expect);
    }
    set_num_threads(threads);
}

TEST_CASE("top-k and top-p sample only from the allowed set; greedy takes the argmax", "[model][generate]") {
    const std::vector<float> logits = {0.0f, 3.0f, 1.0f, 2.9f, -1.0f, 2.0f};  // order: 1, 3, 5, 2, 0, 4
    Rng rng(1);
    SampleOptions so;
    so.temperature = 0;
    CHECK(sample_token(logits.data(), 6, so, rng) == 1);
    so.temperature = 1.0;
    so.top_k = 2;
    std::set<int> seen;
    for (int i = 0; i < 500; i++) seen.insert(sample_token(logits.data(), 6, so, rng));
    CHECK(seen == std::set<int>{1, 3});
    so.top_k = 0;
    so.top_p = 0.8;  // p(1)=.39 p(3)=.35 p(5)=.14 -> the first three reach 0.8? .39+.35 = .74 < .8, +.14 = .88
    seen.clear();
    for (int i = 0; i < 2000; i++) seen.insert(sample_token(logits.data(), 6, so, rng));
    CHECK(seen == std::set<int>{1, 3, 5});
    so.top_p = 1.0;
    seen.clear();
    for (int i = 0; i < 4000; i++) seen.insert(sample_token(logits.data(), 6, so, rng));
    CHECK(seen.size() == 6);
}

TEST_CASE("sampling is seeded: same seed, same output", "[model][generate]") {
    const GPT model(micro(), 5);
    SampleOptions so;
    so.temperature = 1.0, so.top_p = 0.9, so.max_new_tokens = 12;
    Rng a(77), b(77), c(78);
    const auto ga = generate(model, {{1, 2, 3}}, so, a), gb = generate(model, {{1, 2, 3}}, so, b), gc = generate(model, {{1, 2, 3}}, so, c);
    CHECK(ga[0].tokens == gb[0].tokens);
    CHECK(ga[0].tokens != gc[0].tokens);
}

TEST_CASE("a model folder round-trips, with GPT-2 names and (in, out) layouts", "[model][checkpoint]") {
    const std::string dir = "/tmp/sr_test_ckpt";
    const GPT model(micro(), 6);
    const Tokenizer tok = byte_tokenizer();
    save_model(dir, model, tok, 17);
    const StFile f = load_safetensors(dir + "/model.safetensors");
    REQUIRE(f.count("transformer.wte.weight"));
    CHECK(f.at("transformer.h.1.attn.c_attn.weight").shape == std::vector<int64_t>{16, 48});  // (in, out)
    CHECK(f.at("transformer.h.0.mlp.c_proj.weight").shape == std::vector<int64_t>{64, 16});
    CHECK(f.count("transformer.ln_f.bias"));
    Tokenizer tok2;
    long step = 0;
    const GPT back = load_model(dir, &tok2, &step);
    CHECK(step == 17);
    CHECK(tok2.vocab_size() == tok.vocab_size());
    const auto a = model.named_parameters(), b = back.named_parameters();
    for (size_t i = 0; i < a.size(); i++) CHECK(max_abs_diff(a[i].second->data, b[i].second->data) == 0);
    std::ifstream cfg(dir + "/config.json");
    std::string text((std::istreambuf_iterator<char>(cfg)), {});
    CHECK(text.find("\"n_embd\": 16") != std::string::npos);
    CHECK(text.find("\"layer_norm_epsilon\"") != std::string::npos);
}

TEST_CASE("a checkpoint that does not match its config is a clear error", "[model][checkpoint]") {
    const std::string dir = "/tmp/sr_test_ckpt_bad";
    save_model(dir, GPT(micro(), 6), byte_tokenizer());
    // Rewrite config.json with a different width: every matrix now has the wrong shape.
    std::string cfg = read_file(dir + "/config.json");
    cfg.replace(cfg.find("\"n_embd\": 16"), 12, "\"n_embd\": 8");
    write_file_atomic(dir + "/config.json", cfg);
    REQUIRE_THROWS_WITH(load_model(dir), Catch::Contains("has shape") && Catch::Contains("config.json implies"));
    // Wider than the weights: refused before the model is built (the file bounds what we allocate)
    cfg.replace(cfg.find("\"n_embd\": 8"), 11, "\"n_embd\": 32");
    write_file_atomic(dir + "/config.json", cfg);
    REQUIRE_THROWS_WITH(load_model(dir), Catch::Contains("config.json describes") && Catch::Contains("model.safetensors holds"));
    REQUIRE_THROWS_WITH(load_model("/tmp/sr_no_such_model"), Catch::Contains("HINT"));
}

TEST_CASE("an interrupted run resumed from its checkpoint continues with exactly the same losses", "[model][checkpoint]") {
    GPTConfig c = micro();
    c.dropout = 0.1;  // dropout masks must resume exactly too
    const Tokenizer tok = byte_tokenizer();
    const std::vector<int> stream = random_ids(3000, 200, 11);
    TrainOptions opt;
    opt.steps = 12, opt.lr = 3e-3, opt.warmup = 3, opt.log_every = 100, opt.seed = 3, opt.progress = false;
    std::vector<double> full, resumed;
    {
        system("rm -rf /tmp/sr_test_resume_a /tmp/sr_test_resume_b");
        GPT m(c, 1);
        StreamBatches data(stream, 2, 16, 5);
        opt.out_dir = "/tmp/sr_test_resume_a";
        full = train(m, tok, data, nullptr, opt).losses;
    }
    {
        opt.out_dir = "/tmp/sr_test_resume_b";
        GPT m1(c, 1);
        StreamBatches d1(stream, 2, 16, 5);
        opt.stop_after = 5;  // "interrupted" after 5 steps, checkpoint written
        resumed = train(m1, tok, d1, nullptr, opt).losses;
        GPT m2(c, 99);  // a fresh process would start from a different init: the checkpoint must win
        StreamBatches d2(stream, 2, 16, 5);
        opt.stop_after = -1;
        const auto rest = train(m2, tok, d2, nullptr, opt).losses;
        resumed.insert(resumed.end(), rest.begin(), rest.end());
    }
    REQUIRE(full.size() == 12);
    REQUIRE(resumed.size() == 12);
    for (int i = 0; i < 12; i++) CHECK(full[i] == resumed[i]);  // bit-for-bit
}

TEST_CASE("NaN in training stops the run with a message naming the step", "[model]") {
    GPT m(micro(), 1);
    m.wte->data.set(3, std::nan(""));
    StreamBatches data(random_ids(2000, 200, 1), 2, 16, 1);
    TrainOptions opt;
    opt.steps = 5, opt.progress = false, opt.log_every = 100;
    REQUIRE_THROWS_WITH(train(m, byte_tokenizer(), data, nullptr, opt), Catch::Contains("at step 0") && Catch::Contains("HINT"));
}

TEST_CASE("example batches: the loss mask follows the predicted token, padding never counts", "[model]") {
    Example e{{10, 11, 12, 13}, {0, 0, 1, 1}};  // prompt 10 11, response 12 13
    Example f{{20, 21}, {0, 1}};
    const Batch b = make_batch({&e, &f}, 16, 0);
    REQUIRE(b.T == 3);
    CHECK(b.ids == std::vector<int>{10, 11, 12, 20, 21, 0});
    CHECK(b.targets == std::vector<int>{11, 12, 13, 21, 0, 0});
    CHECK(b.mask == std::vector<float>{0, 1, 1, 1, 0, 0});
}
