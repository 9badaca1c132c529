// exact_sum.cpp — the superaccumulator: an integer in 32-bit digits, rounded once at the end.
#include "aicast/exact_sum.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace aicast {

namespace {

using u128 = unsigned __int128;
constexpr int kTop = ExactSum::kLimbs - 1;

// The 64 bits of a non-negative normalized magnitude from bit `pos` up (limbs below the top one
// in [0, 2^32), the top one non-negative and possibly wider).
std::uint64_t bits_from(const std::int64_t* limb, int pos) noexcept {
  const int i = pos >> 5, r = pos & 31;
  u128 v = 0;
  for (int k = 2; k >= 0; --k)
    if (i + k <= kTop) v += static_cast<u128>(static_cast<std::uint64_t>(limb[i + k])) << (32 * k);
  return static_cast<std::uint64_t>(v >> r);
}

// Whether any bit below `pos` is set.
bool any_below(const std::int64_t* limb, int pos) noexcept {
  const int i = pos >> 5, r = pos & 31;
  for (int k = 0; k < i; ++k)
    if (limb[k] != 0) return true;
  return r > 0 && (static_cast<std::uint64_t>(limb[i]) & ((std::uint64_t{1} << r) - 1)) != 0;
}

}  // namespace

void ExactSum::normalize() noexcept {
  for (int i = 0; i < kTop; ++i) {
    const std::int64_t carry = words[i] >> 32;  // floor division by 2^32
    words[i] -= carry * (std::int64_t{1} << 32);
    words[i + 1] += carry;
  }
}

void ExactSum::merge(const ExactSum& other) noexcept {
  ExactSum o = other;
  o.normalize();
  normalize();
  for (int i = 0; i < kWords; ++i) words[i] += o.words[i];
  normalize();
}

double ExactSum::value() const noexcept {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (words[kNaN] > 0 || (words[kPosInf] > 0 && words[kNegInf] > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (words[kPosInf] > 0) return inf;
  if (words[kNegInf] > 0) return -inf;
  ExactSum c = *this;
  c.normalize();
  std::int64_t* limb = c.words.data();
  const bool neg = limb[kTop] < 0;
  if (neg) {
    for (int i = 0; i <= kTop; ++i) limb[i] = -limb[i];
    c.normalize();
  }
  int h = kTop;
  while (h >= 0 && limb[h] == 0) --h;
  if (h < 0) return (c.words[kAdds] > 0 && c.words[kNegZeros] == c.words[kAdds]) ? -0.0 : 0.0;
  const int msb = 32 * h + 63 - std::countl_zero(static_cast<std::uint64_t>(limb[h]));
  double r;
  if (msb < 53) {
    // below 2^53 units of 2^-1074: exactly a double (subnormal or the lowest binade)
    r = std::ldexp(static_cast<double>(bits_from(limb, 0)), -1074);
  } else {
    int shift = msb - 52;
    std::uint64_t m = bits_from(limb, shift) & ((std::uint64_t{1} << 53) - 1);
    const bool half = ((bits_from(limb, shift - 1) & 1) != 0);
    if (half && ((m & 1) != 0 || any_below(limb, shift - 1))) ++m;  // to nearest, ties to even
    if (m == (std::uint64_t{1} << 53)) {
      m >>= 1;
      ++shift;
    }
    r = std::ldexp(static_cast<double>(m), shift - 1074);  // beyond the largest double: inf
  }
  return neg ? -r : r;
}

}  // namespace aicast
