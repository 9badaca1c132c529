// exact_sum.hpp — an exact, order-independent sum of doubles, rounded once to nearest.
#pragma once

#include <array>
#include <bit>
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

  inline void add(double x) noexcept;
  void merge(const ExactSum& other) noexcept;  // word-wise sum after normalizing both
  void normalize() noexcept;
  double value() const noexcept;
};

// Inline: the summaries add one chunk total per 2048 values.
inline void ExactSum::add(double x) noexcept {
  const auto u = std::bit_cast<std::uint64_t>(x);
  const auto exp = static_cast<int>((u >> 52) & 0x7ff);
  std::uint64_t mant = u & ((std::uint64_t{1} << 52) - 1);
  const std::int64_t adds = ++words[kAdds];
  if (exp == 0x7ff) [[unlikely]] {
    ++words[mant != 0 ? kNaN : ((u >> 63) != 0 ? kNegInf : kPosInf)];
    return;
  }
  if (exp != 0) [[likely]]
    mant |= std::uint64_t{1} << 52;
  else if (mant == 0) {
    if ((u >> 63) != 0) ++words[kNegZeros];
    return;
  }
  // x = mant * 2^(max(exp, 1) - 1075): mant at bit p of the integer in units of 2^-1074, split
  // into the 32-bit digits of limbs p / 32 .. p / 32 + 2
  const int p = (exp != 0 ? exp : 1) - 1, r = p & 31;
  const std::uint64_t lo = mant << r, hi = r != 0 ? mant >> (64 - r) : 0;
  const std::int64_t sign = (u >> 63) != 0 ? -1 : 1;
  std::int64_t* limb = words.data() + (p >> 5);
  limb[0] += sign * static_cast<std::int64_t>(lo & 0xffffffffu);
  limb[1] += sign * static_cast<std::int64_t>(lo >> 32);
  limb[2] += sign * static_cast<std::int64_t>(hi);
  // each add moves a limb by less than 2^32: carry before 2^30 more adds could overflow one
  if ((adds & ((std::int64_t{1} << 30) - 1)) == 0) [[unlikely]]
    normalize();
}

}  // namespace aicast
