// samplers.cpp — exact samplers and the vectorized normal block kernel.
#include "aicast/samplers.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "aicast/fastmath.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AICAST_X86_KERNELS 1
#endif

namespace aicast {

namespace {

std::array<double, 256> make_log_factorials() {
  std::array<double, 256> t{};
  t[0] = 0.0;
  for (std::size_t k = 1; k < t.size(); ++k) t[k] = t[k - 1] + std::log(static_cast<double>(k));
  return t;
}
const std::array<double, 256> kLogFactorial = make_log_factorials();

// uniform in [0, 1)
inline double uniform_closed0(Stream& s) noexcept { return 1.0 - s.uniform(); }


// log(k!) = log Gamma(n), n = k + 1, for a whole k >= 0 held in a double: Stirling's series at
// max(n, 16) (the first omitted term, 3617 / (122400 n^15), is below 3e-20), shifted down by the
// log of the exact integer product n (n + 1) ... 15 when n < 16. Plain arithmetic and the portable
// log, branch-free, so a vectorized loop gives the same bits as a scalar call.
// Stirling's series for log Gamma(big), big >= 16.
inline double log_gamma_stirling(double big) noexcept {
  const double r = 1.0 / big, r2 = r * r;
  double series = 1.0 / 156.0;
  series = series * r2 - 691.0 / 360360.0;
  series = series * r2 + 1.0 / 1188.0;
  series = series * r2 - 1.0 / 1680.0;
  series = series * r2 + 1.0 / 1260.0;
  series = series * r2 - 1.0 / 360.0;
  series = series * r2 + 1.0 / 12.0;
  return (big - 0.5) * fastmath::log(big) - big + 0.91893853320467274178 + series * r;
}
inline double log_factorial_of(double k) noexcept {
  const double n = k + 1.0;
  const double big = n < 16.0 ? 16.0 : n;
  double prod = 1.0;
  for (int i = 0; i < 15; ++i) {
    const double f = n + static_cast<double>(i);
    prod *= f < 16.0 ? f : 1.0;
  }
  return log_gamma_stirling(big) - fastmath::log(prod);
}
// The same for k >= 15, where the product is 1 and its log 0: the same bits, two logs less work.
inline double log_factorial_large(double k) noexcept { return log_gamma_stirling(k + 1.0); }

// Poisson(mu < 10) by sequential inversion of u in [0, 1), exp(-mu) given: p_k = p_{k-1} (mu (1 / k)),
// the reciprocal off the chain of dependent multiplies (the batched kernel multiplies by the same value,
// tabled: poisson_invert_lanes counts the same steps).
inline double poisson_invert(double u, double mu, double exp_minus_mu) noexcept {
  double p = exp_minus_mu;
  double cdf = p;
  std::size_t k = 0;
  while (u >= cdf && p > 0.0) {
    ++k;
    p *= mu * (1.0 / static_cast<double>(k));
    cdf += p;
  }
  return static_cast<double>(k);
}

// log v for finite v >= 0: -inf at 0
inline double log_unit(double v) noexcept { return v > 0.0 ? fastmath::log(v > 0.0 ? v : 1.0) : -__builtin_inf(); }

// PTRS's acceptance test, log(v invalpha / (a / us^2 + b)) <= -mu + k log(mu) - log(k!), in one
// place for the scalar and the batched sampler (portable logs: the same decision in both).
inline bool ptrs_accept(double v, double invalpha, double a, double b, double us, double mu, double loglam,
                        double k) noexcept {
  return log_unit(v * invalpha / (a / (us * us) + b)) <= -mu + k * loglam - log_factorial_of(k);
}
// The same for k >= 15 (the same decision).
inline bool ptrs_accept_large(double v, double invalpha, double a, double b, double us, double mu, double loglam,
                              double k) noexcept {
  return log_unit(v * invalpha / (a / (us * us) + b)) <= -mu + k * loglam - log_factorial_large(k);
}

}  // namespace

double log_factorial(std::int64_t k) noexcept { return log_factorial_of(static_cast<double>(k)); }


namespace {

// Beyond this mean, PTRS's acceptance test uses the saddle-point form of the log-pmf: the direct
// form -mu + k ln mu - ln k! loses about mu ln(mu) 1e-16 to cancellation.
constexpr double kPoissonSaddleFrom = 1048576.0;  // 2^20
// Beyond this mean, k would no longer be an exact integer in double precision: a normal draw.
constexpr double kPoissonNormalFrom = 1125899906842624.0;  // 2^50

// ln(k!) - [(k + 1/2) ln k - k + ln(2 pi)/2], Stirling's error, for k >= 1.
double stirling_error(double k) noexcept {
  constexpr double kHalfLog2Pi = 0.91893853320467274178;
  if (k <= 15.0) return log_factorial(static_cast<std::int64_t>(k)) - (k + 0.5) * std::log(k) + k - kHalfLog2Pi;
  const double r = 1.0 / k, r2 = r * r;
  return r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0)));
}

// k ln(k / mu) + mu - k without cancellation (Loader's bd0), for k >= 0 and mu > 0.
double deviance_term(double k, double mu) noexcept {
  const double x = (k - mu) / mu;
  if (std::fabs(x) >= 0.1) return k * std::log(k / mu) + mu - k;
  // mu [(1 + x) ln(1 + x) - x] = mu sum_{n >= 2} (-x)^n / (n (n - 1)); 24 terms: error < 1e-26 mu
  double sum = 0.0, pow = x * x;
  for (int n = 2; n < 26; ++n) {
    sum += pow / static_cast<double>(n * (n - 1));
    pow *= -x;
  }
  return mu * sum;
}

// ln P(N = k) for N ~ Poisson(mu), k >= 0, accurate for any mu.
double log_poisson_pmf(double k, double mu, double log_mu) noexcept {
  if (mu < kPoissonSaddleFrom) return -mu + k * log_mu - log_factorial(static_cast<std::int64_t>(k));
  if (k == 0.0) return -mu;
  constexpr double kLog2Pi = 1.8378770664093454836;
  return -0.5 * (kLog2Pi + std::log(k)) - stirling_error(k) - deviance_term(k, mu);
}

// PTRS: W. Hormann, "The transformed rejection method for generating Poisson random variables",
// Insurance: Mathematics and Economics 12 (1993); as in NumPy. For 10 <= mu < 2^50.
double poisson_ptrs(Stream& s, double mu) noexcept {
  const double slam = std::sqrt(mu);
  const double loglam = fastmath::log(mu);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform_closed0(s) - 0.5;
    const double v = uniform_closed0(s);
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (mu < kPoissonSaddleFrom) {
      // portable logs, so the batched sampler (poisson_block) decides exactly as here
      if (ptrs_accept(v, invalpha, a, b, us, mu, loglam, k)) return k;
    } else if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= log_poisson_pmf(k, mu, loglam)) {
      return k;
    }
  }
}

}  // namespace

std::int64_t sample_poisson(Stream& s, double mu) noexcept {
  if (!(mu > 0.0)) return 0;
  if (mu < 10.0) return static_cast<std::int64_t>(poisson_invert(uniform_closed0(s), mu, fastmath::exp(-mu)));
  return static_cast<std::int64_t>(poisson_ptrs(s, mu));
}

double sample_poisson_count(Stream& s, double mu) noexcept {
  if (!(mu > 0.0)) return 0.0;
  if (mu < 10.0) return poisson_invert(uniform_closed0(s), mu, fastmath::exp(-mu));
  if (mu < kPoissonNormalFrom) return poisson_ptrs(s, mu);
  // skewness 1/sqrt(mu) < 3e-8: no sample could tell Poisson(mu) from this rounded normal
  return std::max(0.0, std::nearbyint(mu + std::sqrt(mu) * s.normal()));
}

double sample_gamma(Stream& s, double shape) noexcept {
  if (shape < 1.0) {
    // G(a) = G(a + 1) U^(1/a)
    const double g = sample_gamma(s, shape + 1.0);
    return g * fastmath::exp(fastmath::log(s.uniform()) / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0, v = 0.0;
    do {
      x = s.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = s.uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    // portable logs, so the batched sampler (gamma_block) decides exactly as here
    if (fastmath::log(u) < 0.5 * x2 + d * (1.0 - v + fastmath::log(v))) return d * v;
  }
}

double sample_beta(Stream& s, double a, double b) noexcept {
  const double x = sample_gamma(s, a);
  const double y = sample_gamma(s, b);
  return x / (x + y);
}

std::int64_t sample_binomial(Stream& s, std::int64_t n, double p) noexcept {
  if (n <= 0 || !(p > 0.0)) return 0;
  if (p >= 1.0) return n;
  if (p > 0.5) return n - sample_binomial(s, n, 1.0 - p);
  const double q = 1.0 - p;
  const double nd = static_cast<double>(n);
  if (nd * p < 10.0) {
    // sequential inversion from 0
    const double u = uniform_closed0(s);
    double f = std::exp(nd * std::log1p(-p));
    double cdf = f;
    const double ratio = p / q;
    std::int64_t k = 0;
    while (u >= cdf && k < n) {
      f *= static_cast<double>(n - k) / static_cast<double>(k + 1) * ratio;
      ++k;
      cdf += f;
    }
    return k;
  }
  // BTRS: W. Hormann, "The generation of binomial random variates", J. Statist. Comput.
  // Simul. 46 (1993), with the exact log-pmf acceptance test.
  const double spq = std::sqrt(nd * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = nd * p + 0.5;
  const double vr = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double lpq = std::log(p / q);
  const auto m = static_cast<std::int64_t>(std::floor((nd + 1.0) * p));
  const double h = log_factorial(m) + log_factorial(n - m);
  for (;;) {
    const double u = uniform_closed0(s) - 0.5;
    double v = uniform_closed0(s);
    const double us = 0.5 - std::fabs(u);
    const auto k = static_cast<std::int64_t>(std::floor((2.0 * a / us + b) * u + c));
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = std::log(v * alpha / (a / (us * us) + b));
    if (v <= h - log_factorial(k) - log_factorial(n - k) + static_cast<double>(k - m) * lpq) return k;
  }
}

namespace {

// ---- Philox words for many counters at once ----------------------------------------------------
// Counter j is (c0(j), c1, c2, 0) with c0(j) = first + j, or c0s[j] when a list is given. The
// AVX-512 and AVX2 kernels are integer arithmetic, so they give exactly the scalar kernel's bits.

inline std::uint32_t counter0(const std::uint32_t* c0s, std::uint32_t first, std::size_t j) noexcept {
  return c0s != nullptr ? c0s[j] : first + static_cast<std::uint32_t>(j);
}

void philox_words_scalar(Key key, const std::uint32_t* c0s, std::uint32_t first, std::size_t n, std::uint32_t c1,
                         std::uint32_t c2, std::uint32_t c3, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                         std::uint32_t* w3) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const Counter c = philox4x32({counter0(c0s, first, j), c1, c2, c3}, key);
    w0[j] = c[0];
    w1[j] = c[1];
    w2[j] = c[2];
    w3[j] = c[3];
  }
}

#ifdef AICAST_X86_KERNELS
// GCC 12 reports the AVX-512 headers' own _mm512_undefined_epi32() (a self-initialized value the
// shift intrinsics pass as an ignored source) as uninitialized once these kernels are inlined widely.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// hi and lo 32-bit halves of a * m: m64 holds the multiplier in every 64-bit lane, m32 in every
// 32-bit lane
__attribute__((target("avx512f"))) inline __m512i mulhilo512(__m512i a, __m512i m64, __m512i m32,
                                                             __m512i& lo) noexcept {
  const __m512i even = _mm512_mul_epu32(a, m64);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m64);
  lo = _mm512_mullo_epi32(a, m32);
  return _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

// Ten rounds on L groups of 16 blocks at once (independent chains keep the multipliers busy).
template <int L>
__attribute__((target("avx512f"))) inline void philox_rounds512(__m512i (&x0)[L], __m512i (&x1)[L], __m512i (&x2)[L],
                                                                __m512i (&x3)[L], Key key) noexcept {
  const __m512i m0 = _mm512_set1_epi64(detail::kPhiloxM0), m1 = _mm512_set1_epi64(detail::kPhiloxM1);
  const __m512i m0w = _mm512_set1_epi32(static_cast<int>(detail::kPhiloxM0));
  const __m512i m1w = _mm512_set1_epi32(static_cast<int>(detail::kPhiloxM1));
  for (std::uint32_t r = 0; r < 10; ++r) {
    const __m512i k0 = _mm512_set1_epi32(static_cast<int>(key[0] + r * detail::kPhiloxW0));
    const __m512i k1 = _mm512_set1_epi32(static_cast<int>(key[1] + r * detail::kPhiloxW1));
    for (int l = 0; l < L; ++l) {
      __m512i lo0, lo1;
      const __m512i hi0 = mulhilo512(x0[l], m0, m0w, lo0);
      const __m512i hi1 = mulhilo512(x2[l], m1, m1w, lo1);
      x0[l] = _mm512_ternarylogic_epi32(hi1, x1[l], k0, 0x96);  // hi1 ^ x1 ^ k0
      x1[l] = lo1;
      x2[l] = _mm512_ternarylogic_epi32(hi0, x3[l], k1, 0x96);
      x3[l] = lo0;
    }
  }
}

template <int L>
__attribute__((target("avx512f"))) inline void philox_group512(Key key, const std::uint32_t* c0s, std::uint32_t first,
                                                               std::size_t j, std::uint32_t c1, std::uint32_t c2,
                                                               std::uint32_t c3, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                                                               std::uint32_t* w3) noexcept {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i x0[L], x1[L], x2[L], x3[L];
  for (int l = 0; l < L; ++l) {
    const std::size_t at = j + 16 * static_cast<std::size_t>(l);
    x0[l] = c0s != nullptr ? _mm512_loadu_si512(c0s + at)
                           : _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first + at)), lane);
    x1[l] = _mm512_set1_epi32(static_cast<int>(c1));
    x2[l] = _mm512_set1_epi32(static_cast<int>(c2));
    x3[l] = _mm512_set1_epi32(static_cast<int>(c3));
  }
  philox_rounds512<L>(x0, x1, x2, x3, key);
  for (int l = 0; l < L; ++l) {
    const std::size_t at = j + 16 * static_cast<std::size_t>(l);
    _mm512_storeu_si512(w0 + at, x0[l]);
    _mm512_storeu_si512(w1 + at, x1[l]);
    _mm512_storeu_si512(w2 + at, x2[l]);
    _mm512_storeu_si512(w3 + at, x3[l]);
  }
}

__attribute__((target("avx512f"))) void philox_words_avx512(Key key, const std::uint32_t* c0s, std::uint32_t first,
                                                            std::size_t n, std::uint32_t c1, std::uint32_t c2,
                                                            std::uint32_t c3, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                                                            std::uint32_t* w3) noexcept {
  std::size_t j = 0;
  for (; j + 32 <= n; j += 32) philox_group512<2>(key, c0s, first, j, c1, c2, c3, w0, w1, w2, w3);
  for (; j + 16 <= n; j += 16) philox_group512<1>(key, c0s, first, j, c1, c2, c3, w0, w1, w2, w3);
  if (j < n)
    philox_words_scalar(key, c0s ? c0s + j : nullptr, first + static_cast<std::uint32_t>(j), n - j, c1, c2, c3, w0 + j,
                        w1 + j, w2 + j, w3 + j);
}

__attribute__((target("avx2"))) inline __m256i mulhilo256(__m256i a, __m256i m, __m256i& lo) noexcept {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  return _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

__attribute__((target("avx2"))) void philox_words_avx2(Key key, const std::uint32_t* c0s, std::uint32_t first,
                                                       std::size_t n, std::uint32_t c1, std::uint32_t c2,
                                                       std::uint32_t c3, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                                                       std::uint32_t* w3) noexcept {
  const __m256i m0 = _mm256_set1_epi64x(detail::kPhiloxM0), m1 = _mm256_set1_epi64x(detail::kPhiloxM1);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i k0[10], k1[10];
  for (std::uint32_t r = 0; r < 10; ++r) {
    k0[r] = _mm256_set1_epi32(static_cast<int>(key[0] + r * detail::kPhiloxW0));
    k1[r] = _mm256_set1_epi32(static_cast<int>(key[1] + r * detail::kPhiloxW1));
  }
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256i x0 = c0s != nullptr ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c0s + j))
                                : _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first + j)), lane);
    __m256i x1 = _mm256_set1_epi32(static_cast<int>(c1)), x2 = _mm256_set1_epi32(static_cast<int>(c2));
    __m256i x3 = _mm256_set1_epi32(static_cast<int>(c3));
    for (int r = 0; r < 10; ++r) {
      __m256i lo0, lo1;
      const __m256i hi0 = mulhilo256(x0, m0, lo0);
      const __m256i hi1 = mulhilo256(x2, m1, lo1);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), k0[r]);
      x1 = lo1;
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), k1[r]);
      x3 = lo0;
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w0 + j), x0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w1 + j), x1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w2 + j), x2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w3 + j), x3);
  }
  if (j < n)
    philox_words_scalar(key, c0s ? c0s + j : nullptr, first + static_cast<std::uint32_t>(j), n - j, c1, c2, c3, w0 + j,
                        w1 + j, w2 + j, w3 + j);
}
#pragma GCC diagnostic pop
#endif

using PhiloxKernel = void (*)(Key, const std::uint32_t*, std::uint32_t, std::size_t, std::uint32_t, std::uint32_t,
                              std::uint32_t, std::uint32_t*, std::uint32_t*, std::uint32_t*, std::uint32_t*) noexcept;

PhiloxKernel pick_philox_kernel() noexcept {
#ifdef AICAST_X86_KERNELS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return philox_words_avx512;
  if (__builtin_cpu_supports("avx2")) return philox_words_avx2;
#endif
  return philox_words_scalar;
}
const PhiloxKernel kPhiloxKernel = pick_philox_kernel();

// ---- normals from words --------------------------------------------------------------------
AICAST_SIMD_CLONES void box_muller_words(std::size_t n, const std::uint32_t* __restrict wu,
                                         const std::uint32_t* __restrict wa, double* __restrict z0,
                                         double* __restrict z1) noexcept {
  for (std::size_t j = 0; j < n; ++j) fastmath::box_muller(wu[j], wa[j], z0[j], z1[j]);
}

AICAST_SIMD_CLONES void uniform_words(std::size_t n, const std::uint32_t* __restrict w, double* __restrict u) noexcept {
  for (std::size_t j = 0; j < n; ++j) u[j] = uniform32(w[j]);
}

AICAST_SIMD_CLONES void uniform52_words(std::size_t n, const std::uint32_t* __restrict hi, const std::uint32_t* __restrict lo,
                                        double* __restrict u) noexcept {
  for (std::size_t j = 0; j < n; ++j) u[j] = 1.0 - uniform_open0(hi[j], lo[j]);
}

// 1 - uniform_open0: uniforms in (0, 1] with 52 bits, as Stream::uniform()
AICAST_SIMD_CLONES void uniform_open0_words(std::size_t n, const std::uint32_t* __restrict hi,
                                            const std::uint32_t* __restrict lo, double* __restrict u) noexcept {
  for (std::size_t j = 0; j < n; ++j) u[j] = uniform_open0(hi[j], lo[j]);
}

AICAST_SIMD_CLONES void affine_kernel(std::size_t n, double mu, double sigma, double* __restrict x) noexcept {
  for (std::size_t i = 0; i < n; ++i) x[i] = mu + sigma * x[i];
}
AICAST_SIMD_CLONES void exp_affine_kernel(std::size_t n, double mu, double sigma, double* __restrict x) noexcept {
  for (std::size_t i = 0; i < n; ++i) x[i] = fastmath::exp(mu + sigma * x[i]);
}

constexpr std::size_t kBatch = 512;  // words of a batch stay in L1

}  // namespace

bool detail::philox_words_kernel(const char* which, Key key, const std::uint32_t* c0, std::uint32_t first,
                                 std::size_t n, std::uint32_t c1, std::uint32_t c2, std::uint32_t* w0,
                                 std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) noexcept {
  const std::string_view w(which);
  PhiloxKernel k = nullptr;
  if (w == "scalar") k = philox_words_scalar;
#ifdef AICAST_X86_KERNELS
  __builtin_cpu_init();
  if (w == "avx2" && __builtin_cpu_supports("avx2")) k = philox_words_avx2;
  if (w == "avx512" && __builtin_cpu_supports("avx512f")) k = philox_words_avx512;
#endif
  if (k == nullptr) return false;
  k(key, c0, first, n, c1, c2, 0u, w0, w1, w2, w3);
  return true;
}

void philox_words(Key key, std::uint64_t first, std::size_t n, std::uint32_t c1, std::uint32_t c2, std::uint32_t* w0,
                  std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3, std::uint32_t c3) noexcept {
  kPhiloxKernel(key, nullptr, static_cast<std::uint32_t>(first), n, c1, c2, c3, w0, w1, w2, w3);
}

void philox_words_at(Key key, const std::uint32_t* c0, std::size_t n, std::uint32_t c1, std::uint32_t c2,
                     std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3, std::uint32_t c3) noexcept {
  kPhiloxKernel(key, c0, 0u, n, c1, c2, c3, w0, w1, w2, w3);
}

namespace {

// Philox words in batches of kBatch counters (first + j, or c0s[j] when given; then c1, c2), each
// batch handed to use(start, len, words) while it is in L1.
struct Words {
  alignas(64) std::uint32_t w[4][kBatch];
};
template <class Use>
[[gnu::always_inline]] inline void for_word_batches(Key key, const std::uint32_t* c0s, std::uint64_t first,
                                                    std::size_t n, std::uint32_t c1, std::uint32_t c2,
                                                    Use&& use, std::uint32_t c3 = 0u) noexcept {
  Words words;
  auto& w = words.w;
  for (std::size_t start = 0; start < n; start += kBatch) {
    const std::size_t len = std::min(kBatch, n - start);
    if (c0s != nullptr)
      philox_words_at(key, c0s + start, len, c1, c2, w[0], w[1], w[2], w[3]);
    else
      philox_words(key, first + start, len, c1, c2, w[0], w[1], w[2], w[3], c3);
    use(start, len, w);
  }
}

}  // namespace

void normal_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream, double* z0,
                  double* z1, double* u0, double* u1, std::uint32_t c3) noexcept {
  alignas(64) double spare[kBatch];
  for_word_batches(
      key, nullptr, first, n, month, stream,
      [&](std::size_t start, std::size_t len, const auto& w) {
        box_muller_words(len, w[0], w[1], z0 + start, z1 != nullptr ? z1 + start : spare);
        if (u0 != nullptr) uniform_words(len, w[2], u0 + start);
        if (u1 != nullptr) uniform_words(len, w[3], u1 + start);
      },
      c3);
}

void normals_at(Key key, const std::uint32_t* paths, std::size_t n, std::uint32_t month, std::uint32_t stream,
                double* z0) noexcept {
  alignas(64) double spare[kBatch];
  for_word_batches(key, paths, 0, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    box_muller_words(len, w[0], w[1], z0 + start, spare);
  });
}

void normal_mixture_at(Key key, const std::uint32_t* paths, std::size_t n, std::uint32_t month, std::uint32_t stream,
                       std::size_t ncomp, const double* weight, const double* mu, const double* sigma,
                       double* out) noexcept {
  alignas(64) double u[kBatch];
  alignas(64) double spare[kBatch];
  for_word_batches(key, paths, 0, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    uniform52_words(len, w[0], w[1], u);  // 1 - Stream::uniform()
    double* z = out + start;
    box_muller_words(len, w[2], w[3], z, spare);  // the stream's next normal
    for (std::size_t j = 0; j < len; ++j) {
      // Prior::sample's pick: the first component whose running weight sum exceeds u, else the last
      std::size_t c = ncomp - 1;
      double acc = 0.0;
      for (std::size_t i = 0; i + 1 < ncomp; ++i) {
        acc += weight[i];
        if (u[j] < acc) {
          c = i;
          break;
        }
      }
      z[j] = mu[c] + sigma[c] * z[j];
    }
  });
}

void affine(std::size_t n, double mu, double sigma, double* x) noexcept { affine_kernel(n, mu, sigma, x); }
void exp_affine(std::size_t n, double mu, double sigma, double* x) noexcept { exp_affine_kernel(n, mu, sigma, x); }

void uniform_pair_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                        double* u0, double* u1) noexcept {
  for_word_batches(key, nullptr, first, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    uniform52_words(len, w[0], w[1], u0 + start);
    uniform52_words(len, w[2], w[3], u1 + start);
  });
}

// ---- gamma, beta and Poisson in batches ------------------------------------------------------
// Each batch draws the first attempt of the scalar rejection sampler for every element at once, from
// the very words Stream would hand it, so an accepted attempt gives the scalar sampler's bits; the
// few elements whose first attempt is not accepted by the cheap test are redrawn by the scalar
// sampler from the start of the same stream (it repeats the attempt and goes on), so every element
// equals the scalar sampler's draw exactly, whatever the instruction set.

namespace {

// The kernels below give their decisions as doubles (0 or 1, or a state 0..3), not bytes: with a
// byte output GCC vectorizes 64 lanes at a time and leaves up to 63 packed lanes to a scalar
// remainder loop, which cost as much as the vectorized body.

// Marsaglia-Tsang's first attempt for Gamma(shape): z a normal, u and ub uniforms in (0, 1]; for
// shape < 1 the draw is Gamma(shape + 1) ub^(1/shape) (ub unused when kBoost is false). state[j]: 0
// accepted by the squeeze, 1 the full test decides (gamma_resolve), 3 v <= 0 (the loop draws the
// next normal at once), 4 the scalar sampler (a shape it does not take here).
template <bool kBoost>
[[gnu::always_inline]] inline void gamma_first_impl(std::size_t n, const double* __restrict shape,
                                                    const double* __restrict z, const double* __restrict u,
                                                    const double* __restrict ub, double* __restrict out,
                                                    double* __restrict state) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const double a = shape[j];
    const bool small = a < 1.0;
    const double d = (small ? a + 1.0 : a) - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    const double x = z[j];
    double v = 1.0 + c * x;
    const bool positive = v > 0.0;
    v = v * v * v;
    const double x2 = x * x;
    const bool squeeze = u[j] < 1.0 - 0.0331 * x2 * x2;
    double g = d * v;
    if constexpr (kBoost) g = small ? g * fastmath::exp(fastmath::log(ub[j]) / a) : g;
    out[j] = g;
    const bool valid = (kBoost | !small) & (a > 0.0);
    state[j] = !valid ? 4.0 : (!positive ? 3.0 : (squeeze ? 0.0 : 1.0));
  }
}
AICAST_SIMD_CLONES void gamma_first(std::size_t n, const double* __restrict shape, const double* __restrict z,
                                    const double* __restrict u, double* __restrict out,
                                    double* __restrict state) noexcept {
  gamma_first_impl<false>(n, shape, z, u, nullptr, out, state);
}
AICAST_SIMD_CLONES void gamma_first_boost(std::size_t n, const double* __restrict shape, const double* __restrict z,
                                          const double* __restrict u, const double* __restrict ub,
                                          double* __restrict out, double* __restrict state) noexcept {
  gamma_first_impl<true>(n, shape, z, u, ub, out, state);
}

// Marsaglia-Tsang's full test for packed lanes that failed the squeeze (x the normal, u the uniform,
// shape as given): ok[q] = 1 if accepted.
AICAST_SIMD_CLONES void gamma_full(std::size_t n, const double* __restrict shape, const double* __restrict z,
                                   const double* __restrict u, double* __restrict ok) noexcept {
  for (std::size_t q = 0; q < n; ++q) {
    const double a = shape[q];
    const double d = (a < 1.0 ? a + 1.0 : a) - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    const double x = z[q];
    double v = 1.0 + c * x;
    v = v * v * v;
    const double x2 = x * x;
    ok[q] = fastmath::log(u[q]) < 0.5 * x2 + d * (1.0 - v + fastmath::log(v > 0.0 ? v : 1.0)) ? 1.0 : 0.0;
  }
}

// Marsaglia-Tsang's second attempt for packed lanes whose first attempt was rejected (state 2) or drew
// v <= 0 (state 3): the spare normal z of the first block (ok[q] = 0 if its v <= 0), the next uniform
// u and, for shape < 1, the boost uniform ub after it, as Stream hands them out. ok[q] = 1 if
// accepted (then out[q] is the draw).
template <bool kBoost>
[[gnu::always_inline]] inline void gamma_second_impl(std::size_t n, const double* __restrict shape,
                                                     const double* __restrict z, const double* __restrict u,
                                                     const double* __restrict ub, double* __restrict out,
                                                     double* __restrict ok) noexcept {
  for (std::size_t q = 0; q < n; ++q) {
    const double a = shape[q];
    const bool small = a < 1.0;
    const double d = (small ? a + 1.0 : a) - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    const double x = z[q];
    double v = 1.0 + c * x;
    const bool positive = v > 0.0;
    v = v * v * v;
    const double x2 = x * x;
    const bool squeeze = u[q] < 1.0 - 0.0331 * x2 * x2;
    const bool full = fastmath::log(u[q]) < 0.5 * x2 + d * (1.0 - v + fastmath::log(positive ? v : 1.0));
    double g = d * v;
    if constexpr (kBoost) g = small ? g * fastmath::exp(fastmath::log(ub[q]) / a) : g;
    out[q] = g;
    ok[q] = positive & (squeeze | full) ? 1.0 : 0.0;
  }
}
AICAST_SIMD_CLONES void gamma_second(std::size_t n, const double* __restrict shape, const double* __restrict z,
                                     const double* __restrict u, double* __restrict out,
                                     double* __restrict ok) noexcept {
  gamma_second_impl<false>(n, shape, z, u, nullptr, out, ok);
}
AICAST_SIMD_CLONES void gamma_second_boost(std::size_t n, const double* __restrict shape, const double* __restrict z,
                                           const double* __restrict u, const double* __restrict ub,
                                           double* __restrict out, double* __restrict ok) noexcept {
  gamma_second_impl<true>(n, shape, z, u, ub, out, ok);
}

// Lanes in state 1 (squeeze failed) get the full test, packed: state 0 if accepted, else 2.
void gamma_resolve(std::size_t n, const double* shape, const double* z, const double* u, double* state) noexcept {
  alignas(64) double ps[kBatch], pz[kBatch], pu[kBatch], ok[kBatch];
  alignas(64) std::uint32_t at[kBatch];
  std::size_t np = 0;
  for (std::size_t j = 0; j < n; ++j) {  // branch-free packing: the squeeze fails at random
    at[np] = static_cast<std::uint32_t>(j);
    np += state[j] == 1.0;
  }
  if (np == 0) return;
  for (std::size_t q = 0; q < np; ++q) {
    ps[q] = shape[at[q]];
    pz[q] = z[at[q]];
    pu[q] = u[at[q]];
  }
  gamma_full(np, ps, pz, pu, ok);
  for (std::size_t q = 0; q < np; ++q) state[at[q]] = ok[q] != 0.0 ? 0.0 : 2.0;
}

// ---- Poisson ----

// The inversion of poisson_invert (mu < 10) in lockstep over the lanes, a chunk of S steps at a time:
// after each chunk the unfinished lanes are packed, so the steps taken follow the counts drawn, not
// the largest count of the batch. Step t multiplies by 1 / t, the very value poisson_invert divides
// out, so every count equals the scalar sampler's. The lanes do not stop: a step adds 1 to the count
// while u >= cdf and p > 0, and as both conditions, once false, stay false (cdf never decreases, p
// never grows from 0), the count is the scalar loop's.
constexpr int kMaxInvertSteps = 64;  // P(N > 64) < 1e-30 for mu < 10: the scalar sampler finishes
struct InvertTable {
  double r[kMaxInvertSteps + 2];  // 1 / t
  constexpr InvertTable() : r{} {
    for (int i = 1; i < kMaxInvertSteps + 2; ++i) r[i] = 1.0 / static_cast<double>(i);
  }
};
constexpr InvertTable kInvert{};

// Step t of poisson_invert for one lane (rt = 1 / t): if u >= cdf and p > 0, k += 1; p *= mu (1 / t),
// cdf += p.
[[gnu::always_inline]] inline void invert_step(double rt, double mu, double u, double& p, double& cdf,
                                               double& k) noexcept {
  const double go = (u >= cdf) ? 1.0 : 0.0;
  k = k + ((p > 0.0) ? go : 0.0);
  p = p * (mu * rt);
  cdf = cdf + p;
}
template <int... I>
[[gnu::always_inline]] inline void invert_steps(std::integer_sequence<int, I...>, const double* r, double mu,
                                                double u, double& p, double& cdf, double& k) noexcept {
  (invert_step(r[I], mu, u, p, cdf, k), ...);
}

// Steps t0 .. t0 + S - 1 for n lanes; with kStart the lanes start at step 1 (p = exp(-mu), k = 0; a
// mean that is not positive gives 0), else they go on from p, cdf, k. still[q] = 1 if lane q is not
// finished.
template <int S, bool kStart>
[[gnu::always_inline]] inline void invert_chunk_impl(std::size_t n, int t0, const double* __restrict mu,
                                                     const double* __restrict u, double* __restrict p,
                                                     double* __restrict cdf, double* __restrict k,
                                                     double* __restrict still) noexcept {
  double r[S];  // 1 / t for the chunk's steps, held in registers
  for (int i = 0; i < S; ++i) r[i] = kInvert.r[t0 + i];
  for (std::size_t q = 0; q < n; ++q) {
    const double m = kStart ? (mu[q] > 0.0 ? mu[q] : 0.0) : mu[q];
    double pp = 0.0, cc = 0.0, kk = 0.0;
    if constexpr (kStart) {
      pp = fastmath::exp(-m);
      cc = pp;
    } else {
      pp = p[q];
      cc = cdf[q];
      kk = k[q];
    }
    const double uu = u[q];
    // the steps written out at compile time (a loop is not unrolled before vectorization)
    invert_steps(std::make_integer_sequence<int, S>{}, r, m, uu, pp, cc, kk);
    p[q] = pp;
    cdf[q] = cc;
    k[q] = kk;
    still[q] = (uu >= cc) & (pp > 0.0) ? 1.0 : 0.0;
  }
}
#define AICAST_INVERT_CHUNK(NAME, S, START)                                                                     \
  AICAST_SIMD_CLONES void NAME(std::size_t n, int t0, const double* __restrict mu, const double* __restrict u, \
                               double* __restrict p, double* __restrict cdf, double* __restrict k,             \
                               double* __restrict still) noexcept {                                            \
    invert_chunk_impl<S, START>(n, t0, mu, u, p, cdf, k, still);                                               \
  }
AICAST_INVERT_CHUNK(invert_start2, 2, true)
AICAST_INVERT_CHUNK(invert_start4, 4, true)
AICAST_INVERT_CHUNK(invert_start6, 6, true)
AICAST_INVERT_CHUNK(invert_start8, 8, true)
AICAST_INVERT_CHUNK(invert_start12, 12, true)
AICAST_INVERT_CHUNK(invert_start16, 16, true)
AICAST_INVERT_CHUNK(invert_more8, 8, false)
#undef AICAST_INVERT_CHUNK

// The sum of the positive means, and which kinds of mean occur: kinds bit 1 a mean of 10 or more, bit 2
// one in (0, 10), bit 4 one of kPoissonSaddleFrom or more. Eight independent partial sums (a single
// running sum would not vectorize: its order of additions is fixed).
inline void mean_stats(std::size_t n, const double* __restrict mu, double& sum, std::uint64_t& kinds) noexcept {
  double acc[8] = {};
  std::uint64_t bits = 0;
  auto kind = [](double x) -> std::uint64_t {
    return (x >= 10.0 ? 1u : 0u) | ((x > 0.0) & (x < 10.0) ? 2u : 0u) | (x >= kPoissonSaddleFrom ? 4u : 0u);
  };
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (std::size_t i = 0; i < 8; ++i) {
      const double x = mu[j + i];
      acc[i] += x > 0.0 ? x : 0.0;
      bits |= kind(x);
    }
  for (; j < n; ++j) {
    acc[0] += mu[j] > 0.0 ? mu[j] : 0.0;
    bits |= kind(mu[j]);
  }
  sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  kinds = bits;
}

// The indices q < n with flag[q] != 0, in order; their number. Groups of eight without one are
// skipped after one vectorized test (the flags are 0.0 or 1.0).
inline std::size_t pack_flagged(std::size_t n, const double* __restrict flag, std::uint32_t* __restrict at) noexcept {
  std::size_t np = 0, q = 0;
  for (; q + 8 <= n; q += 8) {
    std::uint64_t any = 0;
    for (std::size_t i = 0; i < 8; ++i) any |= std::bit_cast<std::uint64_t>(flag[q + i]);
    if (any == 0) continue;
    for (std::size_t i = 0; i < 8; ++i) {
      at[np] = static_cast<std::uint32_t>(q + i);
      np += flag[q + i] != 0.0;
    }
  }
  for (; q < n; ++q) {
    at[np] = static_cast<std::uint32_t>(q);
    np += flag[q] != 0.0;
  }
  return np;
}

// The inversion for n lanes (mu < 10, u) of a batch whose paths start at `first`: k[q] gets lane q's
// count, also written to out[at[q]] when `at` is given. A first chunk of steps for all lanes, as many
// as cover the count of the lanes' average mean with probability about 95%; then the unfinished lanes,
// packed, go on in chunks of 8 steps, packed again after each; the scalar sampler finishes a lane past
// kMaxInvertSteps.
void poisson_invert_lanes(Key key, std::uint64_t first, std::uint32_t month, std::uint32_t stream, std::size_t n,
                    const std::uint32_t* at, const double* mu, const double* u, double* k, double* out) noexcept {
  alignas(64) double p[kBatch], cdf[kBatch], still[kBatch];
  alignas(64) double qm[kBatch], qu[kBatch], qp[kBatch], qc[kBatch], qk[kBatch];
  alignas(64) std::uint32_t qa[kBatch];
  if (n == 0) return;
  double sum = 0.0;
  std::uint64_t kinds = 0;
  mean_stats(n, mu, sum, kinds);
  const double avg = sum / static_cast<double>(n);
  int t = 1;
  if (avg < 0.35) {
    invert_start2(n, 1, mu, u, p, cdf, k, still);
    t += 2;
  } else if (avg < 1.37) {
    invert_start4(n, 1, mu, u, p, cdf, k, still);
    t += 4;
  } else if (avg < 2.6) {
    invert_start6(n, 1, mu, u, p, cdf, k, still);
    t += 6;
  } else if (avg < 4.0) {
    invert_start8(n, 1, mu, u, p, cdf, k, still);
    t += 8;
  } else if (avg < 7.0) {
    invert_start12(n, 1, mu, u, p, cdf, k, still);
    t += 12;
  } else {
    invert_start16(n, 1, mu, u, p, cdf, k, still);
    t += 16;
  }
  std::size_t left = pack_flagged(n, still, qa);  // the unfinished lanes
  for (std::size_t q = 0; q < left; ++q) {
    const std::uint32_t j = qa[q];
    qm[q] = mu[j];
    qu[q] = u[j];
    qp[q] = p[j];
    qc[q] = cdf[j];
    qk[q] = k[j];
  }
  for (; left > 0 && t + 7 <= kMaxInvertSteps; t += 8) {
    invert_more8(left, t, qm, qu, qp, qc, qk, still);
    std::size_t keep = 0;
    for (std::size_t q = 0; q < left; ++q) {  // branch-free: write every count, keep the unfinished
      k[qa[q]] = qk[q];
      qa[keep] = qa[q];
      qm[keep] = qm[q];
      qu[keep] = qu[q];
      qp[keep] = qp[q];
      qc[keep] = qc[q];
      qk[keep] = qk[q];
      keep += still[q] != 0.0;
    }
    left = keep;
  }
  for (std::size_t q = 0; q < left; ++q) {
    const std::uint32_t j = qa[q];
    Stream s(key, first + (at != nullptr ? at[j] : j), month, stream);
    k[j] = static_cast<double>(sample_poisson(s, mu[j]));
  }
  if (at != nullptr)
    for (std::size_t q = 0; q < n; ++q) out[at[q]] = k[q];
}

// PTRS's first attempt for every element from u0 and v in [0, 1): its candidate k and quick test.
// state[j]: 0 done (accepted, or a mean that is not positive: 0), 1 the scalar sampler, 2 PTRS's full
// test (direct log-pmf: means below 2^20), 3 the inversion (mu < 10; out is then unset).
AICAST_SIMD_CLONES void poisson_first(std::size_t n, const double* __restrict mu, const double* __restrict u0,
                                      const double* __restrict v, double* __restrict out,
                                      double* __restrict state) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const double m = mu[j];
    const bool small = m < 10.0;
    const double mc = small ? 10.0 : m;  // keeps the unused lanes finite
    const double slam = std::sqrt(mc);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    const double u = u0[j] - 0.5;
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mc + 0.43);
    const bool quick = (us >= 0.07) & (v[j] <= vr);
    // a mean past kPoissonSaddleFrom whose quick test fails goes to the scalar sampler (its full test
    // takes the saddle-point form there)
    const double st = small ? 3.0 : (quick ? 0.0 : (m < kPoissonSaddleFrom ? 2.0 : 1.0));
    state[j] = !(m > 0.0) ? 0.0 : st;
    out[j] = m > 0.0 ? k : 0.0;
  }
}

// PTRS's full test for the packed elements that failed the quick one: ok[j] = 1 if it was 1 (a later
// attempt's quick test passed) or k[j] is accepted. kLargeK: every k is 15 or more.
template <bool kLargeK>
[[gnu::always_inline]] inline void poisson_full_impl(std::size_t n, const double* __restrict mu,
                                                     const double* __restrict u0, const double* __restrict v,
                                                     const double* __restrict k, double* __restrict ok) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const double m = mu[j];
    const double slam = std::sqrt(m);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const double u = u0[j] - 0.5;
    const double us = 0.5 - std::fabs(u);
    const double vj = v[j];
    const bool reject = (k[j] < 0.0) | ((us < 0.013) & (vj > us));
    const double kk = reject ? (kLargeK ? 15.0 : 0.0) : k[j];
    const double usc = us > 0.0 ? us : 1.0;
    const double loglam = fastmath::log(m);
    bool accept = false;
    if constexpr (kLargeK)
      accept = !reject & ptrs_accept_large(vj, invalpha, a, b, usc, m, loglam, kk);
    else
      accept = !reject & ptrs_accept(vj, invalpha, a, b, usc, m, loglam, kk);
    ok[j] = (ok[j] != 0.0) | accept ? 1.0 : 0.0;
  }
}
AICAST_SIMD_CLONES void poisson_full(std::size_t n, const double* __restrict mu, const double* __restrict u0,
                                     const double* __restrict v, const double* __restrict k,
                                     double* __restrict ok) noexcept {
  poisson_full_impl<false>(n, mu, u0, v, k, ok);
}
AICAST_SIMD_CLONES void poisson_full_large(std::size_t n, const double* __restrict mu, const double* __restrict u0,
                                           const double* __restrict v, const double* __restrict k,
                                           double* __restrict ok) noexcept {
  poisson_full_impl<true>(n, mu, u0, v, k, ok);
}

// A later PTRS attempt for mu >= 10 from fresh u0, v: its k and the quick test (ok[j] = 1 if passed).
AICAST_SIMD_CLONES void poisson_quick(std::size_t n, const double* __restrict mu, const double* __restrict u0,
                                      const double* __restrict v, double* __restrict k,
                                      double* __restrict ok) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const double m = mu[j];
    const double slam = std::sqrt(m);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    const double u = u0[j] - 0.5;
    const double us = 0.5 - std::fabs(u);
    k[j] = std::floor((2.0 * a / us + b) * u + m + 0.43);
    ok[j] = (us >= 0.07) & (v[j] <= vr) ? 1.0 : 0.0;
  }
}

}  // namespace

void gamma_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                 const double* shape, std::size_t shape_stride, double* out) noexcept {
  alignas(64) double z[kBatch], spare[kBatch], u[kBatch], ub[kBatch], a[kBatch], state[kBatch];
  alignas(64) double ps[kBatch], pz[kBatch], pu[kBatch], pb[kBatch], pg[kBatch], pok[kBatch];
  alignas(64) std::uint32_t at[kBatch], pc[kBatch];
  Words extra;
  for_word_batches(key, nullptr, first, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    bool boost = false;
    for (std::size_t j = 0; j < len; ++j) {
      a[j] = shape[(start + j) * shape_stride];
      boost |= a[j] < 1.0;
    }
    box_muller_words(len, w[0], w[1], z, spare);
    uniform_open0_words(len, w[2], w[3], u);
    auto& e = extra.w;
    if (boost) {
      // the boost uniform is the first of the stream's second block
      philox_words(key, first + start, len, month, stream, e[0], e[1], e[2], e[3], 1u);
      uniform_open0_words(len, e[0], e[1], ub);
      gamma_first_boost(len, a, z, u, ub, out + start, state);
    } else {
      gamma_first(len, a, z, u, out + start, state);
    }
    gamma_resolve(len, a, z, u, state);
    // a second attempt, packed, for the lanes whose first attempt was rejected (state 2: the next
    // uniforms are the second block's first and second) or drew v <= 0 (state 3: the first block's
    // uniform, then the second block's first)
    std::size_t np = 0;
    for (std::size_t j = 0; j < len; ++j) {  // branch-free packing
      at[np] = static_cast<std::uint32_t>(j);
      np += (state[j] == 2.0) | (state[j] == 3.0);
    }
    if (np > 0) {
      for (std::size_t q = 0; q < np; ++q) {
        ps[q] = a[at[q]];
        pz[q] = spare[at[q]];
      }
      if (boost) {
        // the second block's words are at hand for every lane
        for (std::size_t q = 0; q < np; ++q) {
          const std::uint32_t j = at[q];
          const bool rejected = state[j] == 2.0;
          pu[q] = rejected ? uniform_open0(e[0][j], e[1][j]) : u[j];
          pb[q] = rejected ? uniform_open0(e[2][j], e[3][j]) : ub[j];
        }
        gamma_second_boost(np, ps, pz, pu, pb, pg, pok);
      } else {
        for (std::size_t q = 0; q < np; ++q) pc[q] = static_cast<std::uint32_t>(first + start) + at[q];
        philox_words_at(key, pc, np, month, stream, e[0], e[1], e[2], e[3], 1u);
        uniform_open0_words(np, e[0], e[1], pu);
        for (std::size_t q = 0; q < np; ++q) pu[q] = state[at[q]] == 2.0 ? pu[q] : u[at[q]];
        gamma_second(np, ps, pz, pu, pg, pok);
      }
      for (std::size_t q = 0; q < np; ++q)
        if (pok[q] != 0.0) {
          out[start + at[q]] = pg[q];
          state[at[q]] = 0.0;
        }
    }
    // the rare rest: the scalar sampler from the start of the stream
    for (std::size_t j = 0; j < len; ++j)
      if (state[j] != 0.0) {
        Stream s(key, first + start + j, month, stream);
        out[start + j] = sample_gamma(s, a[j]);
      }
  });
}

void beta_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream, double a,
                double b, double* out) noexcept {
  if (!(a >= 1.0 && b >= 1.0)) {
    for (std::size_t j = 0; j < n; ++j) {
      Stream s(key, first + j, month, stream);
      out[j] = sample_beta(s, a, b);
    }
    return;
  }
  alignas(64) double z0[kBatch], z1[kBatch], ux[kBatch], uy[kBatch], sa[kBatch], sb[kBatch], y[kBatch];
  alignas(64) double okx[kBatch], oky[kBatch];
  std::fill_n(sa, kBatch, a);
  std::fill_n(sb, kBatch, b);
  Words extra;
  for_word_batches(key, nullptr, first, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    // X ~ Gamma(a) takes the first normal and the block's second uniform; Y ~ Gamma(b) the spare
    // normal and the first uniform of the second block (the order Stream hands them out)
    box_muller_words(len, w[0], w[1], z0, z1);
    uniform_open0_words(len, w[2], w[3], ux);
    auto& e = extra.w;
    philox_words(key, first + start, len, month, stream, e[0], e[1], e[2], e[3], 1u);
    uniform_open0_words(len, e[0], e[1], uy);
    double* x = out + start;
    gamma_first(len, sa, z0, ux, x, okx);
    gamma_first(len, sb, z1, uy, y, oky);
    gamma_resolve(len, sa, z0, ux, okx);
    gamma_resolve(len, sb, z1, uy, oky);
    for (std::size_t j = 0; j < len; ++j) x[j] = x[j] / (x[j] + y[j]);
    for (std::size_t j = 0; j < len; ++j)
      if (okx[j] != 0.0 || oky[j] != 0.0) {
        Stream s(key, first + start + j, month, stream);
        x[j] = sample_beta(s, a, b);
      }
  });
}

// Each batch takes one of two ways. Every mean below 10 (the small categories' counts): the
// inversion for all lanes at once (poisson_invert_lanes). Otherwise PTRS's first attempt for every lane,
// the lanes below 10 packed for the inversion, the lanes that failed the quick test packed for the
// full test and the next attempts.
void poisson_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                   const double* mu, double* out) noexcept {
  alignas(64) double u0[kBatch], v[kBatch], state[kBatch];
  alignas(64) double pm[kBatch], pu[kBatch], pv[kBatch], pk[kBatch], ok[kBatch];
  alignas(64) double im[kBatch], iu[kBatch], ik[kBatch];
  alignas(64) std::uint32_t at[kBatch], pc[kBatch], ai[kBatch];
  for_word_batches(key, nullptr, first, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    uniform52_words(len, w[0], w[1], u0);
    const double* m = mu + start;
    double* o = out + start;
    // which kinds of mean the batch has (NaN or not positive: a count of 0)
    double sum = 0.0;
    std::uint64_t kinds = 0;
    mean_stats(len, m, sum, kinds);
    if ((kinds & 1u) == 0) {  // every mean below 10
      poisson_invert_lanes(key, first + start, month, stream, len, nullptr, m, u0, o, nullptr);
      return;
    }
    uniform52_words(len, w[2], w[3], v);
    poisson_first(len, m, u0, v, o, state);
    std::size_t np = 0, ni = 0;
    for (std::size_t j = 0; j < len; ++j) {  // branch-free packing of the indices
      at[np] = static_cast<std::uint32_t>(j);
      np += state[j] == 2.0;
    }
    if ((kinds & 2u) != 0)
      for (std::size_t j = 0; j < len; ++j) {
        ai[ni] = static_cast<std::uint32_t>(j);
        ni += state[j] == 3.0;
      }
    if ((kinds & 4u) != 0)
      for (std::size_t j = 0; j < len; ++j)
        if (state[j] == 1.0) {  // a mean past 2^20 whose quick test failed
          Stream s(key, first + start + j, month, stream);
          o[j] = static_cast<double>(sample_poisson(s, m[j]));
        }
    for (std::size_t q = 0; q < ni; ++q) {
      im[q] = m[ai[q]];
      iu[q] = u0[ai[q]];
    }
    poisson_invert_lanes(key, first + start, month, stream, ni, ai, im, iu, ik, o);
    for (std::size_t q = 0; q < np; ++q) {
      pm[q] = m[at[q]];
      pu[q] = u0[at[q]];
      pv[q] = v[at[q]];
      pk[q] = o[at[q]];
      ok[q] = 0.0;
    }
    // the elements whose attempt failed the quick test: the full test, then the next attempts (words
    // of the stream's next blocks, as Stream hands them out) for the packed rejects; the scalar
    // sampler finishes the rare element still rejected after kAttempts
    constexpr std::uint32_t kAttempts = 4;
    Words more;
    for (std::uint32_t t = 0; np > 0; ++t) {
      if (t > 0) {
        for (std::size_t q = 0; q < np; ++q) pc[q] = static_cast<std::uint32_t>(first + start) + at[q];
        auto& e = more.w;
        philox_words_at(key, pc, np, month, stream, e[0], e[1], e[2], e[3], t);
        uniform52_words(np, e[0], e[1], pu);
        uniform52_words(np, e[2], e[3], pv);
        poisson_quick(np, pm, pu, pv, pk, ok);
      }
      std::uint64_t small_k = 0;  // any candidate below 15 (or negative)
      for (std::size_t q = 0; q < np; ++q) small_k |= pk[q] < 15.0 ? 1u : 0u;
      if (small_k != 0)
        poisson_full(np, pm, pu, pv, pk, ok);
      else
        poisson_full_large(np, pm, pu, pv, pk, ok);
      std::size_t left = 0;
      for (std::size_t q = 0; q < np; ++q) {  // branch-free: write every candidate, keep the rejected
        o[at[q]] = pk[q];
        at[left] = at[q];
        pm[left] = pm[q];
        left += ok[q] == 0.0;
      }
      np = left;
      if (t + 1 == kAttempts) break;
    }
    for (std::size_t q = 0; q < np; ++q) {
      const std::size_t j = at[q];
      Stream s(key, first + start + j, month, stream);
      o[j] = static_cast<double>(sample_poisson(s, m[j]));
    }
  });
}

}  // namespace aicast
