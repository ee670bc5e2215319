// Our own main (instead of Catch2WithMain) so that the test binary prints the same build
// banner as every other program: OpenMP on/off and threads, BLAS, CUDA.
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include "tensor/runtime.h"

int main(int argc, char** argv) {
    sr::print_banner("sr_tests");
    return Catch::Session().run(argc, argv);
}
