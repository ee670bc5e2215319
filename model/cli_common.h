// model/cli_common.h: small helpers shared by every ./sr subcommand (flag parsing rules).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cxxopts.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

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

// ---- flag ranges: a value outside is an error naming the flag and its range, never a clamp ----
inline std::string flag_number_text(double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", x);
    return b;
}
// The value of --name, checked to lie in [lo, hi] (or (lo, hi] when lo_open). `note` says what
// the special values mean, e.g. "0 = the preset's".
template <class T>
T flag_in(const cxxopts::ParseResult& args, const char* cmd, const char* name, T lo, T hi, bool lo_open = false, const char* note = "") {
    const T v = args[name].as<T>();
    const bool ok = !(std::is_floating_point<T>::value && std::isnan(static_cast<double>(v))) && (lo_open ? v > lo : v >= lo) && v <= hi;
    if (!ok) {
        const std::string range = std::string(lo_open ? "(" : "[") + flag_number_text(static_cast<double>(lo)) + ", " +
                                  flag_number_text(static_cast<double>(hi)) + "]";
        throw std::runtime_error(std::string(cmd) + (name[0] && !name[1] ? ": -" : ": --") + name + " must be in " + range + (*note ? std::string(" (") + note + ")" : "") +
                                 ", got " + flag_number_text(static_cast<double>(v)) + ". HINT: run with --help");
    }
    return v;
}

// --threads: 0 = every core; at most 4 per core (and never over 256): more only thrashes, and
// OpenBLAS's buffers grow with it.
inline int max_threads_flag() {
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    return std::min(256, std::max(8, 4 * cores));
}
inline void apply_threads_flag(const cxxopts::ParseResult& args, const char* cmd) {
    set_num_threads(flag_in<int>(args, cmd, "threads", 0, max_threads_flag(), false, "0 = all cores"));
}

}  // namespace sr
