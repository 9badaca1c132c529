// samplers.cpp — exact samplers and the vectorized normal block kernel.
#include "aicast/samplers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "aicast/fastmath.hpp"

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

std::int64_t sample_poisson(Stream& s, double mu) noexcept {
  if (!(mu > 0.0)) return 0;
  if (mu < 10.0) return poisson_inversion(uniform_closed0(s), mu, std::exp(-mu));
  // PTRS: W. Hormann, "The transformed rejection method for generating Poisson random
  // variables", Insurance: Mathematics and Economics 12 (1993); as in NumPy.
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
    const auto k = static_cast<std::int64_t>(std::floor((2.0 * a / us + b) * u + mu + 0.43));
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mu + static_cast<double>(k) * loglam - log_factorial(k))
      return k;
  }
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

template <bool kZ1, bool kU>
[[gnu::always_inline]] inline void normal_block_impl(Key key, std::uint64_t first, std::size_t n, std::uint32_t month,
                       std::uint32_t stream, double* z0, double* z1, double* u) noexcept {
  constexpr std::size_t kBatch = 256;
  alignas(64) std::uint32_t w0[kBatch], w1[kBatch], w2[kBatch], w3[kBatch];
  for (std::size_t start = 0; start < n; start += kBatch) {
    const std::size_t len = std::min(kBatch, n - start);
    for (std::size_t j = 0; j < len; ++j) {
      const Counter c = philox4x32(
          {static_cast<std::uint32_t>(first + start + j), month, stream, 0u}, key);
      w0[j] = c[0];
      w1[j] = c[1];
      w2[j] = c[2];
      w3[j] = c[3];
    }
    for (std::size_t j = 0; j < len; ++j) {
      const double r = std::sqrt(-2.0 * fastmath::log(uniform_open0(w0[j], w1[j])));
      double c = 0.0, s = 0.0;
      fastmath::cos_sin_turn(w2[j], c, s);
      z0[start + j] = r * c;
      if constexpr (kZ1) z1[start + j] = r * s;
      if constexpr (kU) u[start + j] = uniform32(w3[j]);
    }
  }
}


AICAST_SIMD_CLONES void normal_block_z0(Key key, std::uint64_t first, std::size_t n,
                                   std::uint32_t month, std::uint32_t stream, double* z0) noexcept {
  normal_block_impl<false, false>(key, first, n, month, stream, z0, nullptr, nullptr);
}
AICAST_SIMD_CLONES void normal_block_z0z1(Key key, std::uint64_t first, std::size_t n,
                                     std::uint32_t month, std::uint32_t stream, double* z0,
                                     double* z1) noexcept {
  normal_block_impl<true, false>(key, first, n, month, stream, z0, z1, nullptr);
}
AICAST_SIMD_CLONES void normal_block_z0u(Key key, std::uint64_t first, std::size_t n,
                                    std::uint32_t month, std::uint32_t stream, double* z0,
                                    double* u) noexcept {
  normal_block_impl<false, true>(key, first, n, month, stream, z0, nullptr, u);
}
AICAST_SIMD_CLONES void normal_block_all(Key key, std::uint64_t first, std::size_t n,
                                    std::uint32_t month, std::uint32_t stream, double* z0,
                                    double* z1, double* u) noexcept {
  normal_block_impl<true, true>(key, first, n, month, stream, z0, z1, u);
}

AICAST_SIMD_CLONES void uniform4_impl(Key key, std::uint64_t first, std::size_t n, std::uint32_t month,
                                     std::uint32_t stream, double* __restrict u0, double* __restrict u1,
                                     double* __restrict u2, double* __restrict u3) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const Counter c = philox4x32({static_cast<std::uint32_t>(first + j), month, stream, 0u}, key);
    u0[j] = uniform32(c[0]);
    u1[j] = uniform32(c[1]);
    u2[j] = uniform32(c[2]);
    u3[j] = uniform32(c[3]);
  }
}

}  // namespace

void uniform4_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                    double* u0, double* u1, double* u2, double* u3) noexcept {
  // null outputs go to a scratch buffer so the kernel stays branch-free
  std::vector<double> scratch;
  if (!u0 || !u1 || !u2 || !u3) scratch.resize(n);
  uniform4_impl(key, first, n, month, stream, u0 ? u0 : scratch.data(), u1 ? u1 : scratch.data(),
                u2 ? u2 : scratch.data(), u3 ? u3 : scratch.data());
}

void normal_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month,
                  std::uint32_t stream, double* z0, double* z1, double* u) noexcept {
  if (z1 != nullptr && u != nullptr) return normal_block_all(key, first, n, month, stream, z0, z1, u);
  if (z1 != nullptr) return normal_block_z0z1(key, first, n, month, stream, z0, z1);
  if (u != nullptr) return normal_block_z0u(key, first, n, month, stream, z0, u);
  normal_block_z0(key, first, n, month, stream, z0);
}

}  // namespace aicast
