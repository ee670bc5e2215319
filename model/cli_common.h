// model/cli_common.h: small helpers shared by every ./sr subcommand (flag parsing rules).
#pragma once
#include <cstdio>
#include <cxxopts.hpp>
#include <stdexcept>
#include <string>

#include "tensor/runtime.h"

namespace sr {

// Parses flags; --help prints them (with defaults) and returns false; an unknown flag or a
// stray argument is an error naming it.
inline bool parse_flags(cxxopts::Options& options, int argc, char** argv, cxxopts::ParseResult* out) {
    options.add_options()("h,help", "show this help");
    try {
        *out = options.parse(argc, argv);
    } catch (const cxxopts::exceptions::exception& e) {
        throw std::runtime_error(std::string(argv[0]) + ": " + e.what() + ". HINT: run with --help to list the flags");
    }
    if (out->count("help")) {
        std::printf("%s\n", options.help().c_str());
        return false;
    }
    if (!out->unmatched().empty())
        throw std::runtime_error(std::string(argv[0]) + ": unexpected argument '" + out->unmatched()[0] + "'. HINT: run with --help");
    return true;
}

// --device cpu|cuda for the commands that train or run a model (see sr::set_compute_device).
inline void add_device_flag(cxxopts::Options& options) {
    options.add_options()("device", "where matrix products run: cpu, or cuda (offload: operands copied to the GPU and back)",
                          cxxopts::value<std::string>()->default_value("cpu"));
}
inline void apply_device_flag(const cxxopts::ParseResult& args) { set_compute_device(args["device"].as<std::string>()); }

inline void require_flag(const cxxopts::ParseResult& args, const char* cmd, const char* name) {
    if (!args.count(name)) throw std::runtime_error(std::string(cmd) + ": --" + name + " is required. HINT: run with --help");
}

}  // namespace sr
