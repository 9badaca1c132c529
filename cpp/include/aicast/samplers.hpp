// samplers.hpp — exact samplers for the draws the models need: normal, Poisson, gamma, beta, binomial.
#pragma once

#include <cstddef>
#include <cstdint>

#include "aicast/rng.hpp"

namespace aicast {

// Poisson(mu): sequential inversion for mu < 10, Hormann's PTRS rejection otherwise.
std::int64_t sample_poisson(Stream& s, double mu) noexcept;

// Poisson(mu) given a uniform u in [0, 1) by inversion, with exp(-mu) precomputed; the fast path
// for small per-month rates (almost always returns 0 after one compare).
inline std::int64_t poisson_inversion(double u, double mu, double exp_minus_mu) noexcept {
  double p = exp_minus_mu;
  double cdf = p;
  std::int64_t k = 0;
  while (u >= cdf && p > 0.0) {
    ++k;
    p *= mu / static_cast<double>(k);
    cdf += p;
  }
  return k;
}

// Gamma(shape, scale 1): Marsaglia-Tsang, with the shape < 1 boost U^(1/shape).
double sample_gamma(Stream& s, double shape) noexcept;

// Beta(a, b) as G_a / (G_a + G_b).
double sample_beta(Stream& s, double a, double b) noexcept;

// Binomial(n, p): inversion for n min(p, 1-p) < 10, Hormann's BTRS otherwise.
std::int64_t sample_binomial(Stream& s, std::int64_t n, double p) noexcept;

// log(k!) (table for small k, lgamma beyond).
double log_factorial(std::int64_t k) noexcept;

// One Philox block per path for paths [first, first + n) at (month, stream): z0 and z1 are two
// independent standard normals (Box-Muller), u a uniform in [0, 1) with 32 bits. z1 and u may be
// null. Vectorized; the same bits on every instruction set.
void normal_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month,
                  std::uint32_t stream, double* z0, double* z1, double* u) noexcept;

// Four uniforms in [0, 1) with 32 bits each from one Philox block per path, for paths
// [first, first + n) at counter (month, stream); any output may be null.
void uniform4_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                    double* u0, double* u1, double* u2, double* u3) noexcept;

}  // namespace aicast
