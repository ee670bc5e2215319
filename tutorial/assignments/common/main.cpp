// tutorial/assignments/common/main.cpp: the Catch2 runner of every ./course_aN.
// It prints the build banner, like every program of the engine, then runs the tests asked
// for (make assignment A=N passes "[aN]").
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <cstring>
#include <string>

#include "tensor/runtime.h"

int main(int argc, char** argv) {
    bool listing = false;
    for (int i = 1; i < argc; i++) listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
    if (!listing) {
        const std::string self = argv[0];
        sr::print_banner(self.substr(self.find_last_of('/') + 1));
    }
    return Catch::Session().run(argc, argv);
}
