// fastmath.hpp — portable log, exp and sin/cos of a turn, written with plain IEEE double arithmetic.
// They auto-vectorize and, compiled with -ffp-contract=off, give the same bits on every x86-64
// instruction set (vendor vector libms may differ in the last bit), so results are reproducible.
#pragma once

#include <bit>
#include <cstdint>
#include <utility>

// Compile a hot loop once per instruction set and pick at load time. None of the clones enables
// FMA, so with -ffp-contract=off every clone computes the same bits.
#define AICAST_SIMD_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))

namespace aicast::fastmath {

inline constexpr double kLn2Hi = 6.93147180369123816490e-01;  // fdlibm split of ln 2
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;
inline constexpr double kInvLn2 = 1.44269504088896338700e+00;
inline constexpr double kRoundShift = 6755399441055744.0;  // 1.5 * 2^52: x + shift rounds x to an integer
inline constexpr double kTwoPow52Plus1023 = 4503599627370496.0 + 1023.0;

// e^r - 1 by its Taylor series to r^N, in Horner form: r + r^2 (1/2! + r (1/3! + ... + r / N!)).
// Coefficients are T(1) / T(k!), k! exact in double for k <= 18.
template <class T, int N>
inline T expm1_taylor(T r) noexcept {
  static_assert(N >= 2 && N <= 18);
  constexpr auto factorial = [](int k) {
    double f = 1.0;
    for (int i = 2; i <= k; ++i) f *= i;
    return f;
  };
  T p = T(1) / T(factorial(N));
  [&]<int... I>(std::integer_sequence<int, I...>) {
    ((p = p * r + T(1) / T(factorial(N - 1 - I))), ...);  // k = N - 1 down to 2
  }(std::make_integer_sequence<int, N - 2>{});
  return p * r * r + r;
}

// Natural log for positive normal finite x (what the engine feeds it); about 1 ulp.
inline double log(double x) noexcept {
  const std::uint64_t b = std::bit_cast<std::uint64_t>(x);
  double m = std::bit_cast<double>((b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);  // [1, 2)
  // exponent as a double without int->double conversion
  double e = std::bit_cast<double>(0x4330000000000000ull | (b >> 52)) - kTwoPow52Plus1023;
  const bool big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1.0 : e;
  const double s = (m - 1.0) / (m + 1.0);  // |s| <= 0.1716
  const double s2 = s * s;
  // log m = 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...); truncation error < 1e-20
  double p = 1.0 / 25.0;
  p = p * s2 + 1.0 / 23.0;
  p = p * s2 + 1.0 / 21.0;
  p = p * s2 + 1.0 / 19.0;
  p = p * s2 + 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  const double logm = 2.0 * s + 2.0 * s * (s2 * p);
  return e * kLn2Hi + (e * kLn2Lo + logm);
}

// exp(x); 0 below -708, +inf above 709.78. About 1 ulp.
inline double exp(double x) noexcept {
  const double xc = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
  const double kd_shifted = xc * kInvLn2 + kRoundShift;
  const std::uint64_t kbits = std::bit_cast<std::uint64_t>(kd_shifted);
  const double kd = kd_shifted - kRoundShift;
  const double r = (xc - kd * kLn2Hi) - kd * kLn2Lo;  // |r| <= ln2/2
  const double p = expm1_taylor<double, 13>(r);  // truncation error < 5e-18
  const std::uint64_t k = kbits - std::bit_cast<std::uint64_t>(kRoundShift);  // two's complement k
  const double scale = std::bit_cast<double>((k + 1023ull) << 52);
  const double y = (1.0 + p) * scale;
  return x < -708.0 ? 0.0 : (x > 709.782712893384 ? __builtin_inf() : y);
}

// cos and sin of 2*pi*w/2^32 for a 32-bit angle word w (a uniform angle for Box-Muller).
inline void cos_sin_turn(std::uint64_t w, double& c, double& s) noexcept {
  const std::uint64_t q = (w >> 30) & 3u;  // quadrant
  const double f = std::bit_cast<double>(0x3FF0000000000000ull | ((w & 0x3FFFFFFFull) << 22)) - 1.0;
  const double x = f * 1.5707963267948966;  // [0, pi/2)
  const double x2 = x * x;
  // Taylor series; terms past x^21 are below 2e-18 on [0, pi/2)
  double ps = -1.0 / 51090942171709440000.0;
  ps = ps * x2 + 1.0 / 121645100408832000.0;
  ps = ps * x2 - 1.0 / 355687428096000.0;
  ps = ps * x2 + 1.0 / 1307674368000.0;
  ps = ps * x2 - 1.0 / 6227020800.0;
  ps = ps * x2 + 1.0 / 39916800.0;
  ps = ps * x2 - 1.0 / 362880.0;
  ps = ps * x2 + 1.0 / 5040.0;
  ps = ps * x2 - 1.0 / 120.0;
  ps = ps * x2 + 1.0 / 6.0;
  const double sx = x - x * (x2 * ps);
  double pc = 1.0 / 2432902008176640000.0;
  pc = pc * x2 - 1.0 / 6402373705728000.0;
  pc = pc * x2 + 1.0 / 20922789888000.0;
  pc = pc * x2 - 1.0 / 87178291200.0;
  pc = pc * x2 + 1.0 / 479001600.0;
  pc = pc * x2 - 1.0 / 3628800.0;
  pc = pc * x2 + 1.0 / 40320.0;
  pc = pc * x2 - 1.0 / 720.0;
  pc = pc * x2 + 1.0 / 24.0;
  pc = pc * x2 - 0.5;
  const double cx = 1.0 + x2 * pc;
  // rotate by the quadrant with integer selects (branch-free, vectorizes)
  const std::uint64_t sb = std::bit_cast<std::uint64_t>(sx);
  const std::uint64_t cb = std::bit_cast<std::uint64_t>(cx);
  const std::uint64_t odd = 0 - (q & 1u);
  const std::uint64_t cos_bits = (sb & odd) | (cb & ~odd);
  const std::uint64_t sin_bits = (cb & odd) | (sb & ~odd);
  const std::uint64_t cos_sign = (((q + 1u) >> 1) & 1u) << 63;
  const std::uint64_t sin_sign = ((q >> 1) & 1u) << 63;
  c = std::bit_cast<double>(cos_bits ^ cos_sign);
  s = std::bit_cast<double>(sin_bits ^ sin_sign);
}

// ---- single precision, for Box-Muller normals -------------------------------------------------
// Normals need far less than double precision: a relative error near 1e-7 is invisible to any
// Monte Carlo estimate, and single precision doubles the SIMD width and shortens the polynomials.
// Plain IEEE float arithmetic without FMA, so every instruction set gives the same bits.

// ln u for the uniform u = (t + 1/2) / 2^31 in (0, 1), t < 2^31, with an absolute error below
// 1e-7 * |ln u| + 1e-14: accurate near u = 1 too, where u - 1 is formed exactly.
inline float log_uniform31(std::uint32_t t) noexcept {
  const float u = static_cast<float>(static_cast<std::int32_t>(t)) * 4.656612873077393e-10f + 2.3283064365386963e-10f;
  // u - 1 = (t - 2^31 + 1/2) / 2^31; exact whenever u > 1/sqrt(2), where it is used
  const float d = static_cast<float>(static_cast<std::int32_t>(t | 0x80000000u)) * 4.656612873077393e-10f +
                  2.3283064365386963e-10f;
  const std::uint32_t b = std::bit_cast<std::uint32_t>(u);
  float m = std::bit_cast<float>((b & 0x007FFFFFu) | 0x3F800000u);  // [1, 2)
  float e = static_cast<float>(static_cast<std::int32_t>(b >> 23) - 127);
  const bool big = m > 1.41421356f;
  m = big ? m * 0.5f : m;
  e = big ? e + 1.0f : e;
  const bool near_one = u > 0.70710678f;  // then e = 0 and m = u
  const float s = near_one ? d / (2.0f + d) : (m - 1.0f) / (m + 1.0f);  // |s| <= 0.1716
  const float s2 = s * s;
  // ln m = 2 atanh(s); the first omitted term, 2 s^11 / 11, is below 1e-9 |s|
  float p = 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  const float logm = 2.0f * s + 2.0f * s * (s2 * p);
  // ln 2 split so that e * hi is exact for |e| < 256
  return e * 0.693145751953125f + (e * 1.428606765330187e-06f + logm);
}

// exp(x) in single precision, relative error below 1.5e-7; 0 below -87, e^88 above 88.
inline float exp_f(float x) noexcept {
  const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  constexpr float kShift = 12582912.0f;  // 1.5 * 2^23: xc / ln 2 + shift rounds to an integer
  const float k_shifted = xc * 1.44269504088896341f + kShift;
  const float kf = k_shifted - kShift;
  const float r = (xc - kf * 0.693145751953125f) - kf * 1.428606765330187e-06f;  // |r| <= ln2/2
  const float p = expm1_taylor<float, 7>(r);  // truncation below 6e-9
  const std::uint32_t k = std::bit_cast<std::uint32_t>(k_shifted) - std::bit_cast<std::uint32_t>(kShift);
  const float scale = std::bit_cast<float>((k + 127u) << 23);  // k in [-126, 127]
  const float y = (1.0f + p) * scale;
  return x < -87.0f ? 0.0f : y;
}

// cos and sin of 2*pi*w/2^32 in single precision; absolute error below 2e-7.
inline void cos_sin_turn_f(std::uint32_t w, float& c, float& s) noexcept {
  const std::uint32_t q = w >> 30;  // quadrant
  // angle = q pi/2 + pi/4 + x with x in [-pi/4, pi/4): short series both ways
  const float x = static_cast<float>(static_cast<std::int32_t>(w & 0x3FFFFFFFu) - 0x20000000) *
                  (1.5707963267948966f / 1073741824.0f);
  const float x2 = x * x;
  float ps = 1.0f / 362880.0f;
  ps = ps * x2 - 1.0f / 5040.0f;
  ps = ps * x2 + 1.0f / 120.0f;
  ps = ps * x2 - 1.0f / 6.0f;
  const float sx = x + x * (x2 * ps);
  float pc = 1.0f / 40320.0f;
  pc = pc * x2 - 1.0f / 720.0f;
  pc = pc * x2 + 1.0f / 24.0f;
  pc = pc * x2 - 0.5f;
  const float cx = 1.0f + x2 * pc;
  constexpr float kHalfSqrt2 = 0.70710678118654752f;
  const float c0 = (cx - sx) * kHalfSqrt2;  // cos(pi/4 + x)
  const float s0 = (sx + cx) * kHalfSqrt2;  // sin(pi/4 + x)
  const std::uint32_t sb = std::bit_cast<std::uint32_t>(s0);
  const std::uint32_t cb = std::bit_cast<std::uint32_t>(c0);
  const std::uint32_t odd = 0u - (q & 1u);
  const std::uint32_t cos_bits = (sb & odd) | (cb & ~odd);
  const std::uint32_t sin_bits = (cb & odd) | (sb & ~odd);
  c = std::bit_cast<float>(cos_bits ^ ((((q + 1u) >> 1) & 1u) << 31));
  s = std::bit_cast<float>(sin_bits ^ (((q >> 1) & 1u) << 31));
}

// A Box-Muller pair of standard normals from two 32-bit words: the radius from wu (a uniform
// in (0, 1) with 31 bits, so |z| <= 6.66 and the tail beyond has probability 3e-11), the
// angle from wa. Single precision inside (absolute error below 2e-6), returned as doubles.
inline void box_muller(std::uint32_t wu, std::uint32_t wa, double& z0, double& z1) noexcept {
  const float r = __builtin_sqrtf(-2.0f * log_uniform31(wu >> 1));
  float c = 0.0f, s = 0.0f;
  cos_sin_turn_f(wa, c, s);
  z0 = static_cast<double>(r * c);
  z1 = static_cast<double>(r * s);
}

}  // namespace aicast::fastmath
