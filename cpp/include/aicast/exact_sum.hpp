// exact_sum.hpp — an exact, order-independent sum of doubles, rounded once to nearest.
#pragma once

#include <array>
#include <cstdint>

namespace aicast {

// The exact sum of any doubles added to it (a "superaccumulator"): every finite double is an
// integer multiple of 2^-1074, so the sum is kept as one integer in 32-bit digits (limbs of
// int64, so adds need no carries), plus counts of infinities, NaNs and -0.0. Adding is exact, so
// the order of adds and of merges never changes the state's value; value() rounds that exact sum
// once to the nearest double (ties to even), as math.fsum does. Special values follow IEEE
// addition: any NaN, or +inf and -inf, give NaN; +inf or -inf give that infinity; an exact sum
// beyond the largest double rounds to an infinity; a sum of -0.0 only (at least one) is -0.0.
//
// The state is a flat array of int64 words (`words`), so it crosses process boundaries as an
// integer array; normalize() brings every limb below the top one into [0, 2^32), after which the
// states of up to 2^31 blocks can be summed word by word as plain int64 arrays without overflow.
struct ExactSum {
  static constexpr int kLimbs = 67;        // 2^-1074 .. 2^1070 in 32-bit digits, the top one signed
  static constexpr int kAdds = kLimbs;     // number of values added
  static constexpr int kNegZeros = kLimbs + 1;
  static constexpr int kPosInf = kLimbs + 2;
  static constexpr int kNegInf = kLimbs + 3;
  static constexpr int kNaN = kLimbs + 4;
  static constexpr int kWords = kLimbs + 5;

  std::array<std::int64_t, kWords> words{};

  void add(double x) noexcept;
  void merge(const ExactSum& other) noexcept;  // word-wise sum after normalizing both
  void normalize() noexcept;
  double value() const noexcept;
};

}  // namespace aicast
