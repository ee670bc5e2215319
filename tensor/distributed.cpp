// tensor/distributed.cpp: see distributed.h. The MPI calls are behind SR_MPI (set by
// `make MPI=1` for this file alone); without it every function is the one-process answer.
#include "tensor/distributed.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#ifdef SR_MPI
#include <mpi.h>
#endif

namespace sr::dist {

namespace {
int g_rank = 0, g_size = 1, g_local_size = 1;
[[maybe_unused]] bool g_started = false;  // we called MPI_Init (and so must call MPI_Finalize)

uint64_t fnv1a(const std::string& s) {  // a hash of the text, the same on every machine
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}
}  // namespace

bool compiled_in() {
#ifdef SR_MPI
    return true;
#else
    return false;
#endif
}
int rank() { return g_rank; }
int size() { return g_size; }
bool is_root() { return g_rank == 0; }
int local_size() { return g_local_size; }

size_t share_begin(size_t n) { return n * static_cast<size_t>(g_rank) / static_cast<size_t>(g_size); }
size_t share_end(size_t n) { return n * static_cast<size_t>(g_rank + 1) / static_cast<size_t>(g_size); }

void abort(const std::string& message) {
    std::fflush(stdout);
    if (g_size > 1) std::fprintf(stderr, "[rank %d of %d] %s\n", g_rank, g_size, message.c_str());
    else std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
#ifdef SR_MPI
    if (g_started) MPI_Abort(MPI_COMM_WORLD, 1);  // mpirun stops every other rank
#endif
    std::exit(1);
}

#ifdef SR_MPI
// ---------------------------------------------------------------------------------------------
// with MPI

Session::Session(int& argc, char**& argv) {
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready) {
        MPI_Init(&argc, &argv);
        g_started = true;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Comm local;  // the ranks that share this machine's memory (and its cores)
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local);
    MPI_Comm_size(local, &g_local_size);
    MPI_Comm_free(&local);
    // One voice: rank 0 prints the logs. The others keep stderr, for their errors.
    if (g_rank != 0 && !std::freopen("/dev/null", "w", stdout))
        std::fprintf(stderr, "[rank %d] cannot silence stdout; its lines will repeat rank 0's\n", g_rank);
    // Ranks of different builds or with different command lines must not train together.
    check_same("the build (commit " SR_BUILD_ID ", compiler " __VERSION__ ")", SR_BUILD_ID " " __VERSION__);
    std::string args;
    for (int i = 1; i < argc; i++) args += std::string(argv[i]) + "\n";
    check_same("the command line", args);
}

Session::~Session() {
    if (!g_started) return;
    std::fflush(stdout);
    int finished = 0;
    MPI_Finalized(&finished);
    if (!finished) MPI_Finalize();
}

std::string describe() {
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    std::string name(lib, static_cast<size_t>(len));
    name = name.substr(0, name.find(','));  // "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4"
    return "MPI on (" + name + "), rank " + std::to_string(g_rank) + " of " + std::to_string(g_size);
}

// Rank order, not MPI_Allreduce: the sum travels down a chain of the ranks, 0 -> 1 -> ... ->
// R-1, each adding its own numbers (so every element is ((g0 + g1) + g2) + ...), and the total
// travels back up, R-1 -> ... -> 0. The buffer goes in pieces, so the ranks work at once on
// different pieces (a pipeline): each link carries the buffer once each way, 2 x bytes / bandwidth
// in all, like a ring all-reduce, plus (R - 1) pieces to fill the pipeline.
template <class T>
static void sum_in_rank_order(T* buf, size_t n, MPI_Datatype type) {
    if (g_size == 1 || n == 0) return;
    const size_t piece = (size_t{1} << 20) / sizeof(T);  // 1 MiB
    const int up = g_rank - 1, down = g_rank + 1;        // neighbours in the chain (-1, R: none)
    std::vector<T> in(std::min(piece, n));
    std::vector<MPI_Request> sent;
    for (size_t at = 0; at < n; at += piece) {  // down the chain: add the partial sum from above
        const int c = static_cast<int>(std::min(piece, n - at));
        if (up >= 0) {
            MPI_Recv(in.data(), c, type, up, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            for (int i = 0; i < c; i++) buf[at + static_cast<size_t>(i)] = in[static_cast<size_t>(i)] + buf[at + static_cast<size_t>(i)];
        }
        if (down < g_size) MPI_Isend(buf + at, c, type, down, 0, MPI_COMM_WORLD, &sent.emplace_back());
    }
    MPI_Waitall(static_cast<int>(sent.size()), sent.data(), MPI_STATUSES_IGNORE);
    sent.clear();
    for (size_t at = 0; at < n; at += piece) {  // up the chain: the total, from rank R-1
        const int c = static_cast<int>(std::min(piece, n - at));
        if (down < g_size) MPI_Recv(buf + at, c, type, down, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (up >= 0) MPI_Isend(buf + at, c, type, up, 1, MPI_COMM_WORLD, &sent.emplace_back());
    }
    MPI_Waitall(static_cast<int>(sent.size()), sent.data(), MPI_STATUSES_IGNORE);
}
void allreduce_sum(float* buf, size_t n) { sum_in_rank_order(buf, n, MPI_FLOAT); }
void allreduce_sum(double* buf, size_t n) { sum_in_rank_order(buf, n, MPI_DOUBLE); }

void broadcast(float* buf, size_t n) {
    for (size_t at = 0; at < n; at += INT_MAX / 2)
        MPI_Bcast(buf + at, static_cast<int>(std::min<size_t>(INT_MAX / 2, n - at)), MPI_FLOAT, 0, MPI_COMM_WORLD);
}

void broadcast(std::string& bytes) {
    if (g_size == 1) return;
    unsigned long long n = bytes.size();
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    bytes.resize(static_cast<size_t>(n));
    for (size_t at = 0; at < n; at += INT_MAX / 2)
        MPI_Bcast(&bytes[at], static_cast<int>(std::min<size_t>(INT_MAX / 2, n - at)), MPI_CHAR, 0, MPI_COMM_WORLD);
}

std::vector<std::string> allgather(const std::string& mine) {
    if (g_size == 1) return {mine};
    std::vector<unsigned long long> lens(static_cast<size_t>(g_size));
    unsigned long long my_len = mine.size();
    MPI_Allgather(&my_len, 1, MPI_UNSIGNED_LONG_LONG, lens.data(), 1, MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD);
    std::vector<int> counts(static_cast<size_t>(g_size)), offsets(static_cast<size_t>(g_size));
    unsigned long long total = 0;
    for (int r = 0; r < g_size; r++) {
        offsets[static_cast<size_t>(r)] = static_cast<int>(total);
        counts[static_cast<size_t>(r)] = static_cast<int>(lens[static_cast<size_t>(r)]);
        total += lens[static_cast<size_t>(r)];
    }
    if (total > INT_MAX) throw std::runtime_error("dist::allgather: " + std::to_string(total) + " bytes in one gather (at most 2 GiB)");
    std::string all(static_cast<size_t>(total), '\0');
    MPI_Allgatherv(mine.data(), static_cast<int>(my_len), MPI_CHAR, &all[0], counts.data(), offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
    std::vector<std::string> out;
    for (int r = 0; r < g_size; r++) out.push_back(all.substr(static_cast<size_t>(offsets[static_cast<size_t>(r)]), lens[static_cast<size_t>(r)]));
    return out;
}

void barrier() {
    if (g_size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

#else
// ---------------------------------------------------------------------------------------------
// without MPI: one process

Session::Session(int&, char**&) {}
Session::~Session() {}
std::string describe() { return "MPI not compiled in (make MPI=1 for several processes)"; }
void allreduce_sum(float*, size_t) {}
void allreduce_sum(double*, size_t) {}
void broadcast(float*, size_t) {}
void broadcast(std::string&) {}
std::vector<std::string> allgather(const std::string& mine) { return {mine}; }
void barrier() {}
#endif

void check_same(const std::string& what, const std::string& text) {
    if (g_size == 1) return;
    const uint64_t h = fnv1a(text);
    const std::vector<std::string> all = allgather(std::string(reinterpret_cast<const char*>(&h), sizeof h));
    std::string differ;
    for (int r = 1; r < g_size; r++)
        if (all[static_cast<size_t>(r)] != all[0]) differ += (differ.empty() ? "" : ", ") + std::to_string(r);
    if (differ.empty()) return;
    // Rank 0 reports and stops everyone; the others wait here to be stopped, so that its
    // message is the one that gets printed.
    if (g_rank == 0)
        abort("error: " + what + " differs between rank 0 and rank(s) " + differ +
              ". HINT: every rank must run the same build (the same commit, built the same way) with the same flags and the same data "
              "files; compare the banners and the command lines");
    barrier();
    abort("error: " + what + " differs from rank 0's");  // not reached: rank 0 has stopped the job
}

}  // namespace sr::dist
