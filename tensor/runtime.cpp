#include "tensor/runtime.h"

#include <cblas.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "tensor/cuda.h"
#include "tensor/distributed.h"
#include "tensor/kernels.h"

// OpenBLAS's own controls (declared here so any cblas.h works).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
int openblas_get_parallel(void);  // 0 sequential, 1 pthreads, 2 OpenMP
char* openblas_get_config(void);
}

namespace sr {

// Threading scheme. The Makefile links the OpenMP build of OpenBLAS, so BLAS calls and our
// `#pragma omp parallel for` kernels draw from one OpenMP pool of active_threads() threads.
// BLAS called from inside one of our parallel regions (attention's per-head products, the
// data-parallel training step) runs single-threaded, so at any moment at most active_threads()
// threads are busy: no oversubscription. `./sr_bench ops` shows it (matmul through our API
// vs cblas_sgemm directly, both on the same pool).
//
// Why the count adapts: the threaded hot paths (a training step's parts, a generated token's
// team) wait for their slowest thread. When another program keeps a core busy, the thread
// that shares that core runs half the time and the whole team with it: measured, 2 threads
// fell below 1 thread's speed with one busy program beside them, and to ~30 tokens/s with
// two. So by default we run on the cores that are actually free. This changes no bits: the
// parts of a batch are fixed by the planned count and summed in order whichever thread ran
// them, and every other reduction is summed in fixed blocks (tested: tests/test_model.cpp).
namespace {
constexpr double kAdaptSeconds = 0.25;
struct ThreadPlan {
    int planned = 0;        // 0 until set: then omp_get_max_threads() at start
    int active = 0;
    bool automatic = false;
    double last_wall = -1, last_busy = 0, last_self = 0;  // the previous measurement (seconds)
};
ThreadPlan& plan() {
    static ThreadPlan p;
    return p;
}

double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double self_cpu_seconds() {  // all our threads together
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
// CPU-seconds all CPUs of the machine have been busy since boot (the first line of /proc/stat:
// user nice system idle iowait irq softirq steal, in clock ticks), or -1 where it cannot be read.
double machine_busy_seconds() {
    FILE* f = std::fopen("/proc/stat", "r");
    if (!f) return -1;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    const int got = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait, &irq,
                                &softirq, &steal);
    std::fclose(f);
    if (got < 4) return -1;
    return static_cast<double>(user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Other programs' threads that are ready to run right now: /proc/loadavg's fourth field
// ("running/total") counts the runnable threads of the whole machine, this one included. The
// least of three looks 1 ms apart, so that a passing blip is not taken for a busy program.
// -1 where it cannot be read. Used once at start, before there is a /proc/stat interval.
int others_running_now() {
    int least = -1;
    for (int look = 0; look < 3; look++) {
        if (look > 0) usleep(1000);
        FILE* f = std::fopen("/proc/loadavg", "r");
        if (!f) return -1;
        double l1, l5, l15;
        int running = 0, total = 0;
        const int got = std::fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running, &total);
        std::fclose(f);
        if (got < 4) return -1;
        least = least < 0 ? running - 1 : std::min(least, running - 1);
    }
    return std::max(0, least);
}

void apply_active(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    n = 1;
#endif
    openblas_set_num_threads(n);
    plan().active = n;
}
}  // namespace

int num_threads() {
#ifdef _OPENMP
    return plan().planned > 0 ? plan().planned : omp_get_max_threads();
#else
    return 1;
#endif
}

int active_threads() {
#ifdef _OPENMP
    return plan().active > 0 ? plan().active : omp_get_max_threads();
#else
    return 1;
#endif
}

void set_num_threads(int n) {
    ThreadPlan& p = plan();
    p.automatic = false;
#ifdef _OPENMP
    if (n <= 0) {  // all cores, shared out among the ranks on this machine (mpirun -np 2 on 2 cores: 1 each)
        const char* env = std::getenv("OMP_NUM_THREADS");
        const int from_env = env ? std::atoi(env) : 0;
        p.automatic = from_env <= 0;
        n = from_env > 0 ? from_env : std::max(1, omp_get_num_procs() / dist::local_size());
    }
#else
    n = 1;
#endif
    p.planned = n;
    p.last_wall = -1;
    int start = n;
    if (p.automatic) {  // a first guess from the programs running now; adapt_threads refines it
        const int others = others_running_now();
        const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (others >= 0 && cpus > 0) start = std::clamp(static_cast<int>(cpus) - others, 1, n);
    }
    apply_active(start);
    if (p.automatic) adapt_threads();  // the first /proc/stat measurement; the next call can decide
}

void adapt_threads() {
    ThreadPlan& p = plan();
    if (!p.automatic) return;
#ifdef _OPENMP
    if (omp_in_parallel()) return;
#endif
    const double now = wall_seconds();
    if (p.last_wall >= 0 && now - p.last_wall < kAdaptSeconds) return;
    const double busy = machine_busy_seconds(), self = self_cpu_seconds();
    if (busy < 0) {  // no /proc/stat (not Linux): keep the planned count
        p.automatic = false;
        return;
    }
    if (p.last_wall >= 0) {
        // CPUs the other programs kept busy on average since the last measurement.
        const double others = std::max(0.0, ((busy - p.last_busy) - (self - p.last_self)) / (now - p.last_wall));
        const double free_cpus = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN)) - others;
        // A quarter of a core of slack: a core busy 3/4 of the time is not free.
        const int want = std::clamp(static_cast<int>(std::floor(free_cpus + 0.25)), 1, p.planned);
        if (want != p.active) apply_active(want);
    }
    p.last_wall = now, p.last_busy = busy, p.last_self = self;
}

void set_active_threads_for_testing(int n) {
    plan().automatic = false;
    apply_active(std::clamp(n, 1, num_threads()));
}

void set_compute_device(const std::string& name) {
    if (name == "cpu") {
        kernels::gemm_on_device() = false;
    } else if (name == "cuda") {
        cuda::require_device("--device cuda");  // a clear error (and a HINT) when there is no GPU
        kernels::gemm_on_device() = true;
    } else {
        throw std::runtime_error("--device: unknown device '" + name + "'. HINT: use cpu or cuda");
    }
}

std::string compute_device() { return kernels::gemm_on_device() ? "cuda" : "cpu"; }

std::string banner(const std::string& program) {
    std::string s = program + " | ";
#ifdef _OPENMP
    s += "OpenMP on, " + std::to_string(num_threads()) + " threads";
    if (plan().automatic) s += " (fewer while other programs keep cores busy)";
#else
    s += "OpenMP off (built with NO_OMP=1 or without -fopenmp): 1 thread";
#endif
    const int par = openblas_get_parallel();
    const char* kind = par == 2 ? "OpenMP build" : par == 1 ? "pthreads build" : "single-threaded build";
    s += " | OpenBLAS (" + std::string(kind) + ", " + std::to_string(openblas_get_num_threads()) +
         " threads)";
    s += " | " + cuda::describe();
    s += " | " + dist::describe();
    return s;
}

// On stderr: standard output carries only a program's results (sr score's JSON, sr_bench's JSON
// lines, sr world --stats), so it can be piped into another program.
void print_banner(const std::string& program) { std::fprintf(stderr, "%s\n", banner(program).c_str()); }

}  // namespace sr
