// tensor/distributed.h: several processes ("ranks") training one model together, over MPI.
//
// The only file that includes <mpi.h> is tensor/distributed.cpp, and only in a `make MPI=1`
// build. Without MPI every function here is the one-process answer (rank 0 of 1; a sum over
// one rank is the buffer itself; a gather is a list of one), so callers read the same either
// way and never test for MPI themselves.
//
// What a rank does (data parallelism, as llm.c and PyTorch's DistributedDataParallel): every
// rank holds the whole model and runs the same program on the same data stream. In each
// training step it takes its share of the batch's rows, runs forward and backward on them,
// and then the gradients are summed over the ranks (allreduce_sum), so every rank takes the
// same optimizer step and the models stay identical bit for bit. Generation is split by
// prompt batches and gathered back in order. Rank 0 alone writes files and prints; the other
// ranks' stdout goes to /dev/null (their errors still reach stderr, marked with the rank).
//
// Determinism: MPI's own reductions may add the ranks' numbers in any order (it depends on
// the library, the message size and the network), and float addition is not associative.
// allreduce_sum therefore adds them in rank order ((rank 0's + rank 1's) + rank 2's ...), passing
// the partial sums down a chain of the ranks in pieces and the total back up (as fast as a ring
// all-reduce for large buffers): the same bits on every run with the same number of ranks, and
// the same bits as the threaded data-parallel step (model/data_parallel.h), which adds its
// workers' gradients in the same order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sr::dist {

// One per program, first thing in main(): starts MPI (in an MPI build), sends the stdout of
// ranks other than 0 to /dev/null, and shuts MPI down when it goes out of scope.
class Session {
public:
    Session(int& argc, char**& argv);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
};

bool compiled_in();     // built with `make MPI=1`
int rank();             // 0 .. size()-1 (0 without MPI)
int size();             // number of ranks (1 without MPI)
bool is_root();         // rank() == 0: the rank that writes files and prints
int local_size();       // ranks on this machine (for the default thread count)
std::string describe(); // for the banner: "MPI on, rank 0 of 2 (Open MPI v4.1.4)" / "MPI not compiled in"

// Sums buf over all ranks, in rank order, and leaves the sum in every rank's buf.
void allreduce_sum(float* buf, size_t n);
void allreduce_sum(double* buf, size_t n);
// Rank 0's values into every rank's buffer.
void broadcast(float* buf, size_t n);
void broadcast(std::string& bytes);
// Every rank's bytes (any length), in rank order, on every rank.
std::vector<std::string> allgather(const std::string& mine);
void barrier();

// Rows [begin, end) of n that this rank takes: n split as evenly as possible, in rank order
// (the rule model/data_parallel.cpp uses for threads).
size_t share_begin(size_t n);
size_t share_end(size_t n);

// Stops every rank: prints "[rank r of R] message" to stderr and exits (MPI_Abort in an MPI
// build, so a rank that fails never leaves the others waiting forever).
[[noreturn]] void abort(const std::string& message);

// Checks that every rank has the same `text` (e.g. a configuration as JSON): compares a hash,
// and on a mismatch stops every rank with an error naming `what` and the ranks that differ.
void check_same(const std::string& what, const std::string& text);

}  // namespace sr::dist
