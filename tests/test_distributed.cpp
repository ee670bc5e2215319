// tensor/distributed.h: the same tests pass in one process (the fallback, or an MPI build run
// alone) and under `mpirun -np 2 ./sr_tests "[mpi]"` (tests/mpi_check.sh), where they check the
// sums, gathers and the data-parallel step across real processes.
#include <cmath>
#include <string>

#include "tests/catch.hpp"

#include "autograd/ops.h"
#include "model/config.h"
#include "model/data_parallel.h"
#include "model/gpt.h"
#include "tensor/distributed.h"
#include "tensor/ops.h"
#include "tensor/rng.h"

using namespace sr;

TEST_CASE("dist: shares tile the rows, sums go in rank order, gathers keep rank order", "[mpi]") {
    const int R = dist::size(), me = dist::rank();
    REQUIRE(R >= 1);
    REQUIRE(me >= 0);
    REQUIRE(me < R);
    CHECK(dist::is_root() == (me == 0));

    // Every rank's [begin, end) of n rows, gathered: they tile 0..n in rank order.
    for (size_t n : {0, 1, 5, 16}) {
        const std::vector<std::string> all = dist::allgather(std::to_string(dist::share_begin(n)) + " " + std::to_string(dist::share_end(n)));
        REQUIRE(static_cast<int>(all.size()) == R);
        size_t expect = 0;
        for (const std::string& s : all) {
            const size_t b = std::stoul(s.substr(0, s.find(' '))), e = std::stoul(s.substr(s.find(' ') + 1));
            CHECK(b == expect);
            CHECK(e >= b);
            expect = e;
        }
        CHECK(expect == n);
    }

    // Rank r contributes 0.1 * (r + 1) + i / 3: the sum is exactly what adding in rank order gives.
    // 2.4 MB: several of the pieces the sum is passed on in.
    const size_t n = 600000;
    std::vector<float> buf(n);
    for (size_t i = 0; i < n; i++) buf[i] = 0.1f * static_cast<float>(me + 1) + static_cast<float>(i) / 3.0f;
    dist::allreduce_sum(buf.data(), n);
    for (size_t i = 0; i < n; i += 997) {
        float s = 0.1f * 1.0f + static_cast<float>(i) / 3.0f;
        for (int r = 1; r < R; r++) s += 0.1f * static_cast<float>(r + 1) + static_cast<float>(i) / 3.0f;
        CHECK(buf[i] == s);  // bit for bit
    }
    double d = 1.0 + me;
    dist::allreduce_sum(&d, 1);
    CHECK(d == R * (R + 1) / 2.0);

    // Blobs of different lengths (rank r: r+1 copies of 'a'+r, one with a zero byte), in rank order.
    std::string mine(static_cast<size_t>(me + 1), static_cast<char>('a' + me));
    mine += '\0';
    const std::vector<std::string> all = dist::allgather(mine);
    REQUIRE(static_cast<int>(all.size()) == R);
    for (int r = 0; r < R; r++) CHECK(all[static_cast<size_t>(r)] == std::string(static_cast<size_t>(r + 1), static_cast<char>('a' + r)) + '\0');

    std::string word = dist::is_root() ? "from rank 0" : "not this";
    dist::broadcast(word);
    CHECK(word == "from rank 0");
    dist::check_same("the test's text", "the same everywhere");  // a mismatch would stop the run
    dist::barrier();
}

TEST_CASE("dist: a data-parallel step over the ranks equals one pass over the whole batch", "[mpi]") {
    GPTConfig c = preset_config("micro");
    c.vocab_size = 260;
    GPT model(c, 6);
    const int B = 5, T = 8;  // 5 rows: an uneven split for 2 ranks (2 + 3)
    Batch b;
    b.B = B, b.T = T;
    Rng rng(3);
    for (int i = 0; i < B * T; i++) {
        b.ids.push_back(static_cast<int>(rng.below(260)));
        b.targets.push_back(static_cast<int>(rng.below(260)));
        b.mask.push_back(i < 6 || i % 4 == 0 ? 0.0f : 1.0f);  // rows count different numbers of positions
    }
    const std::vector<Var> params = model.parameters();
    zero_grad(params);
    Var l = model.loss(b.ids, b.targets, b.mask, B, T);  // the reference: this rank alone, the whole batch
    const double ref_loss = l->data.item();
    backward(mul_scalar(l, 0.5));
    std::vector<Tensor> ref;
    for (const Var& p : params) ref.push_back(p->grad.clone());

    zero_grad(params);
    DataParallel dp(1);  // one thread per rank: the split is the ranks'
    double loss = dp.loss_backward(model, b, 0.5, false, 0);
    dp.sum_over_ranks(model, loss);
    CHECK(std::fabs(loss - ref_loss) < 1e-6);
    double worst = 0;
    for (size_t i = 0; i < params.size(); i++) worst = std::max(worst, max_abs_diff(params[i]->grad, ref[i]));
    CHECK(worst < 1e-6);
}
