// Small string helpers shared by the data/ files: trimming, splitting, edit distance,
// a stable hash and a portable random number generator (same bytes on every platform).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sr {
namespace data {

std::string trim(const std::string& s);  // strips ' ', '\t', '\n', '\r' at both ends
std::string join(const std::vector<std::string>& parts, const std::string& sep);
std::vector<std::string> split(const std::string& s, const std::string& sep);
std::string to_lower(std::string s);
std::string to_upper(std::string s);
bool is_printable_ascii(const std::string& s);  // every byte in 0x20..0x7e
bool is_valid_utf8(const std::string& s);

// Optimal string alignment distance (Levenshtein + swap of two neighbours), capped: returns
// cap+1 as soon as the distance must exceed cap (cheap for long, unrelated strings).
int edit_distance(const std::string& a, const std::string& b, int cap = 2);
int edit_distance(const std::vector<long>& a, const std::vector<long>& b, int cap = 2);

uint64_t fnv1a64(const std::string& s);

// The task world's own generator, splitmix64 (data/ stands apart from tensor/, whose
// sr::Rng is xoshiro256**): tiny, fast, and fully specified, so a seed gives the same stream
// everywhere. Every byte of a generated world depends on it.
struct WorldRng {
    uint64_t state;
    explicit WorldRng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // uniform integer in [lo, hi] (inclusive), by rejection so it is unbiased
    long range(long lo, long hi) {
        uint64_t n = (uint64_t)(hi - lo) + 1;
        uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        uint64_t x;
        do { x = next(); } while (x >= limit);
        return lo + (long)(x % n);
    }
    template <class T> const T& pick(const std::vector<T>& v) { return v[(size_t)range(0, (long)v.size() - 1)]; }
    template <class C> void shuffle(C& v) {  // Fisher-Yates (vector or string)
        for (size_t i = v.size(); i > 1; i--) std::swap(v[i - 1], v[(size_t)range(0, (long)i - 1)]);
    }
};

}  // namespace data
}  // namespace sr
