// tensor/rng.h: our own random number generator, so a seed gives the same numbers on every
// platform, compiler and thread count (std::normal_distribution & co. differ between standard
// libraries, so we never use them).
//
// Rng is xoshiro256** seeded through splitmix64. Normals come from Box-Muller in double.
// For parallel work (dropout masks) use hash_uniform(seed, index): a counter-based draw that
// does not depend on which thread handles which index.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

namespace sr {

inline uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// A uniform double in [0,1) that depends only on (seed, index).
inline double hash_uniform(uint64_t seed, uint64_t index) {
    uint64_t x = seed ^ (index * 0xD1B54A32D192ED03ull);
    return static_cast<double>(splitmix64(x) >> 11) * 0x1.0p-53;
}

class Rng {
public:
    explicit Rng(uint64_t seed = 0) { reseed(seed); }
    void reseed(uint64_t seed) {
        uint64_t x = seed;
        for (auto& w : s_) w = splitmix64(x);
        has_spare_ = false;
    }
    uint64_t next_u64() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }  // [0,1)
    // An integer in [0, n) (n > 0), without modulo bias worth worrying about at our sizes.
    uint64_t below(uint64_t n) { return static_cast<uint64_t>(uniform() * static_cast<double>(n)); }
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = uniform(), u2 = uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        const double r = std::sqrt(-2.0 * std::log(u1)), th = 6.283185307179586 * u2;
        spare_ = r * std::sin(th);
        has_spare_ = true;
        return r * std::cos(th);
    }
    // The full state as text (for checkpoints) and back.
    std::string state() const {
        std::string s;
        for (auto w : s_) s += std::to_string(w) + " ";
        s += has_spare_ ? "1 " : "0 ";
        char buf[64];
        std::snprintf(buf, sizeof buf, "%a", spare_);
        return s + buf;
    }
    void set_state(const std::string& text);  // defined in tensor/ops.cpp; throws on bad text

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
    bool has_spare_ = false;
    double spare_ = 0;
};

}  // namespace sr
