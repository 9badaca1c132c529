// samplers.cpp — exact samplers and the vectorized normal block kernel.
#include "aicast/samplers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
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

}  // namespace

double log_factorial(std::int64_t k) noexcept {
  if (k < 256) return kLogFactorial[static_cast<std::size_t>(k)];
  int sign = 0;
  return ::lgamma_r(static_cast<double>(k) + 1.0, &sign);
}

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
  const double loglam = std::log(mu);
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
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= log_poisson_pmf(k, mu, loglam)) return k;
  }
}

}  // namespace

std::int64_t sample_poisson(Stream& s, double mu) noexcept {
  if (!(mu > 0.0)) return 0;
  if (mu < 10.0) return poisson_inversion(uniform_closed0(s), mu, std::exp(-mu));
  return static_cast<std::int64_t>(poisson_ptrs(s, mu));
}

double sample_poisson_count(Stream& s, double mu) noexcept {
  if (!(mu > 0.0)) return 0.0;
  if (mu < 10.0) return static_cast<double>(poisson_inversion(uniform_closed0(s), mu, std::exp(-mu)));
  if (mu < kPoissonNormalFrom) return poisson_ptrs(s, mu);
  // skewness 1/sqrt(mu) < 3e-8: no sample could tell Poisson(mu) from this rounded normal
  return std::max(0.0, std::nearbyint(mu + std::sqrt(mu) * s.normal()));
}

double sample_gamma(Stream& s, double shape) noexcept {
  if (shape < 1.0) {
    // G(a) = G(a + 1) U^(1/a)
    const double g = sample_gamma(s, shape + 1.0);
    return g * std::pow(s.uniform(), 1.0 / shape);
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
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
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
                         std::uint32_t c2, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                         std::uint32_t* w3) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const Counter c = philox4x32({counter0(c0s, first, j), c1, c2, 0u}, key);
    w0[j] = c[0];
    w1[j] = c[1];
    w2[j] = c[2];
    w3[j] = c[3];
  }
}

#ifdef AICAST_X86_KERNELS

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
                                                               std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                                                               std::uint32_t* w3) noexcept {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i x0[L], x1[L], x2[L], x3[L];
  for (int l = 0; l < L; ++l) {
    const std::size_t at = j + 16 * static_cast<std::size_t>(l);
    x0[l] = c0s != nullptr ? _mm512_loadu_si512(c0s + at)
                           : _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first + at)), lane);
    x1[l] = _mm512_set1_epi32(static_cast<int>(c1));
    x2[l] = _mm512_set1_epi32(static_cast<int>(c2));
    x3[l] = _mm512_setzero_si512();
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
                                                            std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                                                            std::uint32_t* w3) noexcept {
  std::size_t j = 0;
  for (; j + 32 <= n; j += 32) philox_group512<2>(key, c0s, first, j, c1, c2, w0, w1, w2, w3);
  for (; j + 16 <= n; j += 16) philox_group512<1>(key, c0s, first, j, c1, c2, w0, w1, w2, w3);
  if (j < n)
    philox_words_scalar(key, c0s ? c0s + j : nullptr, first + static_cast<std::uint32_t>(j), n - j, c1, c2, w0 + j,
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
                                                       std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
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
    __m256i x3 = _mm256_setzero_si256();
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
    philox_words_scalar(key, c0s ? c0s + j : nullptr, first + static_cast<std::uint32_t>(j), n - j, c1, c2, w0 + j,
                        w1 + j, w2 + j, w3 + j);
}
#endif

using PhiloxKernel = void (*)(Key, const std::uint32_t*, std::uint32_t, std::size_t, std::uint32_t, std::uint32_t,
                              std::uint32_t*, std::uint32_t*, std::uint32_t*, std::uint32_t*) noexcept;

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
  k(key, c0, first, n, c1, c2, w0, w1, w2, w3);
  return true;
}

void philox_words(Key key, std::uint64_t first, std::size_t n, std::uint32_t c1, std::uint32_t c2, std::uint32_t* w0,
                  std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) noexcept {
  kPhiloxKernel(key, nullptr, static_cast<std::uint32_t>(first), n, c1, c2, w0, w1, w2, w3);
}

void philox_words_at(Key key, const std::uint32_t* c0, std::size_t n, std::uint32_t c1, std::uint32_t c2,
                     std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) noexcept {
  kPhiloxKernel(key, c0, 0u, n, c1, c2, w0, w1, w2, w3);
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
                                                    Use&& use) noexcept {
  Words words;
  auto& w = words.w;
  for (std::size_t start = 0; start < n; start += kBatch) {
    const std::size_t len = std::min(kBatch, n - start);
    if (c0s != nullptr)
      philox_words_at(key, c0s + start, len, c1, c2, w[0], w[1], w[2], w[3]);
    else
      philox_words(key, first + start, len, c1, c2, w[0], w[1], w[2], w[3]);
    use(start, len, w);
  }
}

}  // namespace

void normal_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream, double* z0,
                  double* z1, double* u0, double* u1) noexcept {
  alignas(64) double spare[kBatch];
  for_word_batches(key, nullptr, first, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    box_muller_words(len, w[0], w[1], z0 + start, z1 != nullptr ? z1 + start : spare);
    if (u0 != nullptr) uniform_words(len, w[2], u0 + start);
    if (u1 != nullptr) uniform_words(len, w[3], u1 + start);
  });
}

void normals_at(Key key, const std::uint32_t* paths, std::size_t n, std::uint32_t month, std::uint32_t stream,
                double* z0) noexcept {
  alignas(64) double spare[kBatch];
  for_word_batches(key, paths, 0, n, month, stream, [&](std::size_t start, std::size_t len, const auto& w) {
    box_muller_words(len, w[0], w[1], z0 + start, spare);
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

}  // namespace aicast
