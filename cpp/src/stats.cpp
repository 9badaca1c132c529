// stats.cpp — exact histogram-select quantiles and two-pass moments.
#include "aicast/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace aicast {

namespace {

constexpr std::uint64_t kSign = 0x8000000000000000ull;

// Monotone map from double to uint64: a < b  <=>  key(a) < key(b) (for non-NaN values).
inline std::uint64_t order_key(double x) noexcept {
  const std::uint64_t b = std::bit_cast<std::uint64_t>(x);
  return (b & kSign) ? ~b : (b | kSign);
}
inline double from_key(std::uint64_t k) noexcept {
  return std::bit_cast<double>((k & kSign) ? (k & ~kSign) : ~k);
}

// NumPy's _lerp: a + (b - a) t, computed from the nearer end for t >= 0.5.
inline double lerp(double a, double b, double t) noexcept {
  const double d = b - a;
  return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

}  // namespace

void exact_quantiles(std::span<const double> data, std::span<const double> levels, std::span<double> out,
                     std::vector<std::uint64_t>& scratch) {
  const std::size_t n = data.size();
  if (levels.size() != out.size()) throw std::invalid_argument("exact_quantiles: levels and out differ in size");
  if (n == 0) throw std::invalid_argument("exact_quantiles: no data");
  // ranks needed: floor(h) and floor(h) + 1 for every level
  std::vector<std::size_t> ranks;
  ranks.reserve(2 * levels.size());
  for (double q : levels) {
    const double h = static_cast<double>(n - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    ranks.push_back(std::min(lo, n - 1));
    ranks.push_back(std::min(lo + 1, n - 1));
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());

  scratch.resize(n);
  std::uint64_t kmin = ~0ull, kmax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = order_key(data[i]);
    scratch[i] = k;
    kmin = std::min(kmin, k);
    kmax = std::max(kmax, k);
  }
  std::vector<double> rank_value(ranks.size());
  if (kmin == kmax) {
    std::fill(rank_value.begin(), rank_value.end(), from_key(kmin));
  } else {
    // bins over the key range: about 4096, log-like spacing for wide data, linear for narrow
    constexpr int kBinBits = 12;
    const int width = 64 - std::countl_zero(kmax - kmin);
    const int shift = std::max(0, width - kBinBits);
    const std::size_t nbins = static_cast<std::size_t>((kmax - kmin) >> shift) + 1;
    std::vector<std::uint32_t> count(nbins, 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(scratch[i] - kmin) >> shift];
    // the bin holding each rank, and where that bin starts in sorted order
    std::vector<std::size_t> rank_bin(ranks.size()), bin_start_of_rank(ranks.size());
    {
      std::size_t cum = 0, r = 0;
      for (std::size_t b = 0; b < nbins && r < ranks.size(); ++b) {
        while (r < ranks.size() && ranks[r] < cum + count[b]) {
          rank_bin[r] = b;
          bin_start_of_rank[r] = cum;
          ++r;
        }
        cum += count[b];
      }
    }
    // gather each needed bin once, then select inside it
    std::vector<std::size_t> needed(rank_bin);
    needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
    std::vector<std::int32_t> slot(nbins, -1);
    std::vector<std::vector<std::uint64_t>> gathered(needed.size());
    for (std::size_t j = 0; j < needed.size(); ++j) {
      slot[needed[j]] = static_cast<std::int32_t>(j);
      gathered[j].reserve(count[needed[j]]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t s = slot[(scratch[i] - kmin) >> shift];
      if (s >= 0) gathered[static_cast<std::size_t>(s)].push_back(scratch[i]);
    }
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      auto& v = gathered[static_cast<std::size_t>(slot[rank_bin[r]])];
      const std::size_t local = ranks[r] - bin_start_of_rank[r];
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(local), v.end());
      rank_value[r] = from_key(v[local]);
    }
  }
  auto value_at = [&](std::size_t rank) {
    const auto it = std::lower_bound(ranks.begin(), ranks.end(), rank);
    return rank_value[static_cast<std::size_t>(it - ranks.begin())];
  };
  for (std::size_t j = 0; j < levels.size(); ++j) {
    const double h = static_cast<double>(n - 1) * levels[j];
    const double fl = std::floor(h);
    const auto lo = std::min(static_cast<std::size_t>(fl), n - 1);
    const auto hi = std::min(lo + 1, n - 1);
    const double a = value_at(lo), b = value_at(hi);
    out[j] = (a == b) ? a : lerp(a, b, h - fl);
  }
}

void mean_sd(std::span<const double> data, double& mean, double& sd) noexcept {
  const std::size_t n = data.size();
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += data[i];
    s1 += data[i + 1];
    s2 += data[i + 2];
    s3 += data[i + 3];
  }
  for (; i < n; ++i) s0 += data[i];
  mean = ((s0 + s1) + (s2 + s3)) / static_cast<double>(n);
  // an infinite value (e.g. a break-even that never happens) makes the spread infinite, not NaN
  if (std::isinf(mean)) {
    sd = n > 1 ? std::numeric_limits<double>::infinity() : 0.0;
    return;
  }
  double v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const double d0 = data[i] - mean, d1 = data[i + 1] - mean, d2 = data[i + 2] - mean, d3 = data[i + 3] - mean;
    v0 += d0 * d0;
    v1 += d1 * d1;
    v2 += d2 * d2;
    v3 += d3 * d3;
  }
  for (; i < n; ++i) {
    const double d = data[i] - mean;
    v0 += d * d;
  }
  sd = n > 1 ? std::sqrt(((v0 + v1) + (v2 + v3)) / static_cast<double>(n - 1)) : 0.0;
}

}  // namespace aicast
