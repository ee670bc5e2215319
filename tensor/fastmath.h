// tensor/fastmath.h: an exp that the compiler can vectorise (float only).
//
// glibc's expf is exact to the last bit but is a scalar function call, so a loop of them runs
// one element at a time; in the GELU of a transformer's MLP (x sigmoid(2u): one exp) that was a
// third of a training step. This is the classic Cephes polynomial form, branch-free so that
// `#pragma omp simd` loops become AVX2/AVX-512 code: within 2 ulp of the exact value on
// [-87, 88] (tested against std::exp in double; about 1 ulp at worst), exactly 0 below -87,
// exp(88) above 88. Double keeps the standard library (gradient checks want the exact function).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sr::fastmath {

inline float exp(float x_in) {
    // Clamp to the float range (fmin/fmax would not vectorise); NaN goes through as 0 here and
    // comes back as NaN at the end, so the integer conversion below never sees it.
    const float x = x_in < -87.0f ? -87.0f : (x_in > 88.0f ? 88.0f : (x_in == x_in ? x_in : 0.0f));
    const float n = std::floor(x * 1.44269504088896341f + 0.5f);  // x = n ln2 + r, |r| <= ln2/2
    const float r = x - n * 0.693359375f + n * 2.12194440e-4f;    // ln2 split in two for precision
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * r * r + r + 1.0f;
    const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;  // 2^n as a float, n in [-126, 127]
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const float r_exp = x_in < -87.0f ? 0.0f : y * scale;  // underflow (and -inf) give exactly 0, as expf
    return x_in != x_in ? x_in : r_exp;                    // NaN in, NaN out (selects, no branch: keeps loops vectorisable)
}
inline double exp(double x) { return std::exp(x); }

}  // namespace sr::fastmath
