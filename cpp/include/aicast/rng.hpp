// rng.hpp — counter-based Philox4x32-10 generator keyed by (seed) with counters (path, month, stream, draw).
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "aicast/fastmath.hpp"

namespace aicast {

using Counter = std::array<std::uint32_t, 4>;
using Key = std::array<std::uint32_t, 2>;

namespace detail {
inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;
inline constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;
inline constexpr std::uint64_t kOneBits = 0x3FF0000000000000ull;
}  // namespace detail

// Philox4x32-10 (Salmon, Moraes, Dror, Shaw 2011): a keyed bijection of a 128-bit counter.
// Stateless, so any (path, month, stream) can be replayed and thread count cannot matter.
inline Counter philox4x32(Counter c, Key k) noexcept {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k[0] += detail::kPhiloxW0;
      k[1] += detail::kPhiloxW1;
    }
    const std::uint64_t p0 = std::uint64_t{detail::kPhiloxM0} * c[0];
    const std::uint64_t p1 = std::uint64_t{detail::kPhiloxM1} * c[2];
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
  }
  return c;
}

inline Key key_from_seed(std::uint64_t seed) noexcept {
  return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
}

// FNV-1a of a name, then SplitMix64's finalizer: names -> well-mixed 64-bit words.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
constexpr std::uint64_t name_hash(std::string_view name) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  return mix64(h);
}

// The Philox key of a named part of a scenario (a model, a copula group) under a seed: streams are
// keyed by names, so adding or reordering unrelated parts of a scenario leaves them unchanged.
constexpr Key named_key(std::uint64_t seed, std::string_view name) noexcept {
  const std::uint64_t k = mix64(mix64(seed) ^ name_hash(name));
  return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
}

// The stream word of a named model parameter: the top bit set keeps it apart from noise streams.
constexpr std::uint32_t param_stream_id(std::string_view param) noexcept {
  return 0x80000000u | static_cast<std::uint32_t>(name_hash(param) >> 33);
}

// Uniform in (0, 1] with 52 random bits, made by setting mantissa bits (no int->double convert).
inline double uniform_open0(std::uint32_t hi, std::uint32_t lo) noexcept {
  const std::uint64_t m = (std::uint64_t{hi} << 20) | (lo >> 12);
  return 2.0 - std::bit_cast<double>(detail::kOneBits | m);
}

// Uniform in [0, 1) with 32 random bits.
inline double uniform32(std::uint32_t w) noexcept {
  return std::bit_cast<double>(detail::kOneBits | (std::uint64_t{w} << 20)) - 1.0;
}

// A sequential stream of draws for one (path, month, stream) triple: the fourth counter word
// counts Philox blocks. Used by the scalar samplers (rejection methods need a variable count).
class Stream {
 public:
  Stream(Key key, std::uint64_t path, std::uint32_t month, std::uint32_t stream) noexcept
      : key_(key), ctr_{static_cast<std::uint32_t>(path), month, stream, 0u} {}

  // Uniform in (0, 1].
  double uniform() noexcept {
    if (pos_ > 2) refill();  // a uniform takes two words
    const std::uint32_t hi = buf_[pos_];
    const std::uint32_t lo = buf_[pos_ + 1];
    pos_ += 2;
    return uniform_open0(hi, lo);
  }
  std::uint32_t bits32() noexcept {
    if (pos_ >= 4) refill();
    return buf_[pos_++];
  }
  // Standard normal by Box-Muller (fastmath::box_muller): a pair takes two words, so a block
  // gives two pairs; the second value of each pair is kept for the next call. The first
  // normal of a stream is z0 of normal_block for the same (path, month, stream).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    if (pos_ > 2) refill();
    double z0 = 0.0;
    fastmath::box_muller(buf_[pos_], buf_[pos_ + 1], z0, spare_);
    pos_ += 2;
    has_spare_ = true;
    return z0;
  }

 private:
  void refill() noexcept {
    buf_ = philox4x32(ctr_, key_);
    ++ctr_[3];
    pos_ = 0;
  }
  Key key_;
  Counter ctr_;
  Counter buf_{};
  unsigned pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace aicast
