// samplers.hpp — exact samplers for the draws the models need: normal, Poisson, gamma, beta, binomial.
#pragma once

#include <cstddef>
#include <cstdint>

#include "aicast/rng.hpp"

namespace aicast {

// Poisson(mu): sequential inversion for mu < 10, Hormann's PTRS rejection otherwise (its
// acceptance test in saddle-point form from mu = 2^20 on, where the direct log-pmf cancels).
// For mu below 2^62 (the count must fit the integer).
std::int64_t sample_poisson(Stream& s, double mu) noexcept;

// Poisson(mu) as a double, for any finite mu >= 0: the same draws as sample_poisson below 2^50;
// from 2^50 on (k no longer exact in double) round(mu + sqrt(mu) Z), whose difference from the
// Poisson law (skewness 1/sqrt(mu) < 3e-8) no sample can show.
double sample_poisson_count(Stream& s, double mu) noexcept;

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

// log(k!): Stirling's series at max(k + 1, 16), shifted by the log of an exact integer product below 16.
double log_factorial(std::int64_t k) noexcept;

// Philox words for the counters (first + j, c1, c2, c3), j in [0, n): w_k[j] is word k of block j.
// AVX-512 or AVX2 when the CPU has them (picked once at load); the same bits on every CPU.
void philox_words(Key key, std::uint64_t first, std::size_t n, std::uint32_t c1, std::uint32_t c2, std::uint32_t* w0,
                  std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3, std::uint32_t c3 = 0u) noexcept;
// The same for a list of first counter words (c0[j], c1, c2, c3): scattered paths.
void philox_words_at(Key key, const std::uint32_t* c0, std::size_t n, std::uint32_t c1, std::uint32_t c2,
                     std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3,
                     std::uint32_t c3 = 0u) noexcept;

namespace detail {
// One Philox kernel by name ("scalar", "avx2", "avx512"), for the tests that check they agree;
// returns false when this CPU (or build) lacks it. c0 may be null: counters first + j.
bool philox_words_kernel(const char* which, Key key, const std::uint32_t* c0, std::uint32_t first, std::size_t n,
                         std::uint32_t c1, std::uint32_t c2, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                         std::uint32_t* w3) noexcept;
}  // namespace detail

// One Philox block per path for paths [first, first + n) at (month, stream): z0 and z1 are a
// Box-Muller pair of standard normals from words 0 and 1 (fastmath::box_muller), u0 and u1
// uniforms in [0, 1) with 32 bits from words 2 and 3. z1, u0 and u1 may be null. z0 (and z1)
// equal the first (and second) normal of Stream(key, path, month, stream). Vectorized; the same
// bits on every instruction set.
// With c3 > 0 the same from the stream's block c3 (counter word 3): normals 2 c3 and 2 c3 + 1 of the
// stream.
void normal_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream, double* z0,
                  double* z1, double* u0, double* u1 = nullptr, std::uint32_t c3 = 0u) noexcept;

// z0[j] = the first normal of Stream(key, paths[j], month, stream), for scattered paths.
void normals_at(Key key, const std::uint32_t* paths, std::size_t n, std::uint32_t month, std::uint32_t stream,
                double* z0) noexcept;

// out[j] = Prior::sample of a mixture of normals (weights weight[0, ncomp), normalized; components
// mu[c] + sigma[c] z) on Stream(key, paths[j], month, stream), for scattered paths: the component
// picked by 1 - the stream's first uniform (words 0-1 of its first block), z its next normal
// (Box-Muller z0 of words 2-3). The same bits as the scalar draw; vectorized but for the pick.
void normal_mixture_at(Key key, const std::uint32_t* paths, std::size_t n, std::uint32_t month, std::uint32_t stream,
                       std::size_t ncomp, const double* weight, const double* mu, const double* sigma,
                       double* out) noexcept;
// x[i] = mu + sigma x[i] and x[i] = exp(mu + sigma x[i]) in place: normal and lognormal draws from
// standard normals, with the same bits as Prior::sample's formulas; vectorized.
void affine(std::size_t n, double mu, double sigma, double* x) noexcept;
void exp_affine(std::size_t n, double mu, double sigma, double* x) noexcept;

// Two uniforms in [0, 1) with 52 bits each from one Philox block per path (words 0-1 and 2-3),
// for paths [first, first + n) at counter (month, stream).
void uniform_pair_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                        double* u0, double* u1) noexcept;

// Batched exact samplers, for paths (or draws) [first, first + n) at counter (month, stream): the
// same numbers as the scalar samplers on Stream(key, first + j, month, stream), element by element,
// on every instruction set. Most of the work is vectorized: the first attempt of each rejection
// sampler is drawn for the whole batch, and only elements whose attempt is not accepted by the cheap
// test go through the scalar sampler.
// out[j] = sample_gamma(Stream(...first + j...), shape[j * shape_stride]) (shape_stride 0: one shape)
void gamma_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                 const double* shape, std::size_t shape_stride, double* out) noexcept;
// out[j] = sample_beta(Stream(...first + j...), a, b)
void beta_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream, double a,
                double b, double* out) noexcept;
// out[j] = sample_poisson(Stream(...first + j...), mu[j]), as a double
void poisson_block(Key key, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream,
                   const double* mu, double* out) noexcept;

}  // namespace aicast
