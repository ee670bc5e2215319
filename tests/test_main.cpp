// Our own main (instead of Catch2WithMain) so that the test binary prints the same build
// banner as every other program: OpenMP on/off and threads, BLAS, CUDA.
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include "tensor/distributed.h"
#include "tensor/runtime.h"

#include <cstring>

int main(int argc, char** argv) {
    sr::dist::Session mpi(argc, argv);  // an MPI build: the [mpi] tests run under mpirun -np 2
    bool listing = false;  // ctest's test discovery parses the list output: keep it clean
    for (int i = 1; i < argc; i++) listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
    if (!listing) sr::print_banner("sr_tests");
    return Catch::Session().run(argc, argv);
}
