// stats.cpp — exact histogram-select quantiles and corrected two-pass moments, fused into two passes.
#include "aicast/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "aicast/fastmath.hpp"

namespace aicast {

namespace {

constexpr std::uint64_t kSign = 0x8000000000000000ull;
constexpr int kBinBits = 12;          // about 4096 bins
constexpr std::size_t kChunk = kMomentChunk;  // values summed, and whose bin indices are computed, at once
constexpr std::size_t kCopies = 2;   // sub-histograms (even and odd values): equal bins in a row do not wait on each other

// Monotone map from double to int64: a < b  <=>  key(a) < key(b), -0 < +0, NaNs beyond the
// infinities. The unsigned order key is key ^ kSign.
inline std::int64_t signed_key(double x) noexcept {
  const auto b = std::bit_cast<std::int64_t>(x);
  return b ^ static_cast<std::int64_t>(static_cast<std::uint64_t>(b >> 63) >> 1);
}
inline double from_key(std::uint64_t k) noexcept {
  return std::bit_cast<double>((k & kSign) ? (k & ~kSign) : ~k);
}
inline std::uint32_t bin_of(double x, std::int64_t kmin, int shift) noexcept {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(signed_key(x)) - static_cast<std::uint64_t>(kmin)) >>
                                    shift);
}

// NumPy's _lerp: a + (b - a) t, computed from the nearer end for t >= 0.5.
inline double lerp(double a, double b, double t) noexcept {
  const double d = b - a;
  return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

AICAST_SIMD_CLONES
void key_range_of(const double* x, std::size_t n, std::int64_t* lo, std::int64_t* hi) noexcept {
  std::int64_t l0 = *lo, l1 = l0, l2 = l0, l3 = l0;
  std::int64_t h0 = *hi, h1 = h0, h2 = h0, h3 = h0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const std::int64_t k0 = signed_key(x[i]), k1 = signed_key(x[i + 1]), k2 = signed_key(x[i + 2]),
                       k3 = signed_key(x[i + 3]);
    l0 = k0 < l0 ? k0 : l0;
    l1 = k1 < l1 ? k1 : l1;
    l2 = k2 < l2 ? k2 : l2;
    l3 = k3 < l3 ? k3 : l3;
    h0 = k0 > h0 ? k0 : h0;
    h1 = k1 > h1 ? k1 : h1;
    h2 = k2 > h2 ? k2 : h2;
    h3 = k3 > h3 ? k3 : h3;
  }
  for (; i < n; ++i) {
    const std::int64_t k = signed_key(x[i]);
    l0 = k < l0 ? k : l0;
    h0 = k > h0 ? k : h0;
  }
  *lo = std::min(std::min(l0, l1), std::min(l2, l3));
  *hi = std::max(std::max(h0, h1), std::max(h2, h3));
}

// Moments: the corrected two-pass algorithm (Bjorck; Chan, Golub and LeVeque 1983). Pass 1 sums
// the values: m1 = sum / n. Pass 2 sums d = x - m1 and d^2; then mean = m1 + sum d / n and
// var = (sum d^2 - (sum d)^2 / n) / (n - 1), which removes the error of m1 to first order (plain
// two-pass loses it squared: 1e12 + O(1) data would keep a few % of error in sd).
//
// Every sum is taken in chunks of kChunk values starting at multiples of kChunk: in a chunk, value
// i goes to partial sum i % kLanes (in order) and the kLanes partial sums are combined by a fixed
// pairwise tree into the chunk's total; the chunk totals are added EXACTLY (ExactSum), and the
// exact sum is rounded once. So the sum depends only on the values of each chunk, not on the
// order or grouping of the chunks: a run split into blocks of paths at multiples of kChunk gives
// the same bits once the blocks' exact sums are merged, and the same data give the same bits on
// every machine and instruction set (no reassociation: no fast-math, no FMA). kLanes independent
// sums keep the adds from waiting on each other; the error is that of one chunk's total, about
// (kChunk / kLanes + log2 kLanes) ulps of the chunk's sum of |x|, whatever n.
constexpr std::size_t kLanes = 16;
static_assert(kChunk % kLanes == 0, "chunks must start at a multiple of kLanes");

// Eight partial sums as one GCC vector: element-wise IEEE adds and multiplies (the same bits on
// every instruction set), compiled to whatever vector width the target has.
typedef double Vec8 __attribute__((vector_size(64)));
static_assert(kLanes == 16, "two Vec8 of partial sums");

// The fixed pairwise tree over the 16 partial sums s0[0..8) s1[0..8): lane j + w into lane j for
// w = 8, 4, 2, 1.
inline double tree(const Vec8& s0, const Vec8& s1) noexcept {
  double t[8];
  for (std::size_t j = 0; j < 8; ++j) t[j] = s0[j] + s1[j];
  for (std::size_t w = 4; w >= 1; w /= 2)
    for (std::size_t j = 0; j < w; ++j) t[j] = t[j] + t[j + w];
  return t[0];
}

// Pass 1 over one chunk: its total; with `bins`, also each value's bin.
AICAST_SIMD_CLONES
double sum_chunk(const double* x, std::size_t n, std::int64_t kmin, int shift, std::uint32_t* bins) {
  Vec8 s0 = {}, s1 = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Vec8 a, b;
    std::memcpy(&a, x + i, sizeof a);
    std::memcpy(&b, x + i + 8, sizeof b);
    s0 += a;
    s1 += b;
  }
  for (std::size_t j = 0; i + j < n; ++j) {
    if (j < 8)
      s0[j] += x[i + j];
    else
      s1[j - 8] += x[i + j];
  }
  if (bins)
    for (std::size_t j = 0; j < n; ++j) bins[j] = bin_of(x[j], kmin, shift);
  return tree(s0, s1);
}

// Pass 2 over one chunk: the totals of d = x - m1 and d^2 into dev and sq; with `bins`, also each
// value's bin.
AICAST_SIMD_CLONES
void deviation_chunk(const double* x, std::size_t n, double m1, double& dev, double& sq, std::int64_t kmin, int shift,
                     std::uint32_t* bins) {
  Vec8 s0 = {}, s1 = {}, q0 = {}, q1 = {};
  const Vec8 m = {m1, m1, m1, m1, m1, m1, m1, m1};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Vec8 a, b;
    std::memcpy(&a, x + i, sizeof a);
    std::memcpy(&b, x + i + 8, sizeof b);
    a -= m;
    b -= m;
    s0 += a;
    s1 += b;
    q0 += a * a;
    q1 += b * b;
  }
  for (std::size_t j = 0; i + j < n; ++j) {
    const double d = x[i + j] - m1;
    if (j < 8) {
      s0[j] += d;
      q0[j] += d * d;
    } else {
      s1[j - 8] += d;
      q1[j - 8] += d * d;
    }
  }
  if (bins)
    for (std::size_t j = 0; j < n; ++j) bins[j] = bin_of(x[j], kmin, shift);
  dev = tree(s0, s1);
  sq = tree(q0, q1);
}

// The first-pass mean: the given one (a block of a split run, with the whole run's m1), or the
// exact sum over n.
double pass1_mean(const MomentSums& s, std::size_t n, const double* given) {
  return given ? *given : s.sum.value() / static_cast<double>(n);
}

// Pass 2 of the moments alone: the deviations from m1 (none from an infinite m1).
void deviations(const double* x, std::size_t n, MomentSums& s, double m1) noexcept {
  if (!std::isinf(m1))
    for (std::size_t c0 = 0; c0 < n; c0 += kChunk) {
      double dev = 0, sq = 0;
      deviation_chunk(x + c0, std::min(kChunk, n - c0), m1, dev, sq, 0, 0, nullptr);
      s.dev.add(dev);
      s.sq.add(sq);
    }
}

// Mean and sd without quantiles: two plain passes.
void moments(const double* x, std::size_t n, MomentSums& s, const double* given_m1) noexcept {
  for (std::size_t c0 = 0; c0 < n; c0 += kChunk) s.sum.add(sum_chunk(x + c0, std::min(kChunk, n - c0), 0, 0, nullptr));
  deviations(x, n, s, pass1_mean(s, n, given_m1));
}

// The ranks the levels need: floor(h) and floor(h) + 1, sorted, unique.
void wanted_ranks(std::size_t n, std::span<const double> levels, std::vector<std::size_t>& ranks) {
  ranks.clear();
  for (double q : levels) {
    const double h = static_cast<double>(n - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    ranks.push_back(std::min(lo, n - 1));
    ranks.push_back(std::min(lo + 1, n - 1));
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
}

void finish_quantiles(std::size_t n, std::span<const double> levels, std::span<double> out, const SummaryScratch& s) {
  auto value_at = [&](std::size_t rank) {
    const auto it = std::lower_bound(s.ranks.begin(), s.ranks.end(), rank);
    return s.rank_value[static_cast<std::size_t>(it - s.ranks.begin())];
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

constexpr std::size_t kSmallGroup = 4096;  // selection by nth_element up to this many values

AICAST_SIMD_CLONES
void ukey_range(const std::uint64_t* a, std::size_t n, std::uint64_t& lo, std::uint64_t& hi) noexcept {
  std::uint64_t l = ~0ull, h = 0;
  for (std::size_t i = 0; i < n; ++i) {
    l = a[i] < l ? a[i] : l;
    h = a[i] > h ? a[i] : h;
  }
  lo = l;
  hi = h;
}

// The values at local ranks ranks[0] < ... < ranks[nr - 1] of the unsigned order keys a[0, len)
// into out[0, nr). Small sets: nth_element, each rank narrowing the range. Large ones (heavy ties,
// or a few extreme values stretching the top-level bins): all equal, or a histogram over their own
// key range and the same select inside the bins holding the ranks (the range shrinks by 2^12 or
// more per level, so at most 6 levels).
void select_keys(std::uint64_t* a, std::size_t len, const std::size_t* ranks, std::size_t nr, double* out) {
  if (len <= kSmallGroup) {
    std::uint64_t* first = a;
    for (std::size_t r = 0; r < nr; ++r) {
      std::uint64_t* nth = a + ranks[r];
      std::nth_element(first, nth, a + len);
      out[r] = from_key(*nth);
      first = nth + 1;
    }
    return;
  }
  std::uint64_t lo = 0, hi = 0;
  ukey_range(a, len, lo, hi);
  if (lo == hi) {
    std::fill(out, out + nr, from_key(lo));
    return;
  }
  const std::uint64_t range = hi - lo;
  const int shift = std::max(0, 64 - std::countl_zero(range) - kBinBits);
  const std::size_t nbins = static_cast<std::size_t>(range >> shift) + 1;
  std::vector<std::uint32_t> hist(nbins, 0);
  for (std::size_t i = 0; i < len; ++i) ++hist[(a[i] - lo) >> shift];
  // groups: the distinct bins holding ranks; per rank its group and its rank inside the bin
  std::vector<std::size_t> group_bin, group_start, rank_group(nr), local(nr);
  {
    std::size_t cum = 0, r = 0;
    for (std::size_t b = 0; b < nbins && r < nr; ++b) {
      if (ranks[r] < cum + hist[b]) {
        group_bin.push_back(b);
        for (; r < nr && ranks[r] < cum + hist[b]; ++r) {
          rank_group[r] = group_bin.size() - 1;
          local[r] = ranks[r] - cum;
        }
      }
      cum += hist[b];
    }
  }
  const std::size_t ng = group_bin.size();
  std::size_t total = 0;
  for (std::size_t g = 0; g < ng; ++g) {
    group_start.push_back(total);
    total += hist[group_bin[g]];
  }
  group_start.push_back(total);
  std::vector<std::int16_t> slot(nbins, -1);
  for (std::size_t g = 0; g < ng; ++g) slot[group_bin[g]] = static_cast<std::int16_t>(g);
  std::vector<std::uint64_t> sub(total);
  std::vector<std::size_t> fill(group_start.begin(), group_start.end() - 1);
  for (std::size_t i = 0; i < len; ++i) {
    const std::int16_t g = slot[(a[i] - lo) >> shift];
    if (g >= 0) sub[fill[static_cast<std::size_t>(g)]++] = a[i];
  }
  for (std::size_t r = 0; r < nr;) {
    const std::size_t g = rank_group[r];
    std::size_t r1 = r;
    while (r1 < nr && rank_group[r1] == g) ++r1;
    select_keys(sub.data() + group_start[g], group_start[g + 1] - group_start[g], local.data() + r, r1 - r, out + r);
    r = r1;
  }
}

// Both passes and the selection for keys in [kmin, kmax], kmin < kmax: the wanted ranks' values
// into s.rank_value, and the mean and sd.
void histogram_select(std::span<const double> data, std::int64_t kmin, std::int64_t kmax, MomentSums& sums,
                      const double* given_m1, SummaryScratch& s) {
  const std::size_t n = data.size();
  const double* x = data.data();
  const std::size_t nr = s.ranks.size();
  s.rank_value.resize(nr);
  const std::uint64_t range = static_cast<std::uint64_t>(kmax) - static_cast<std::uint64_t>(kmin);
  // bins over the key range: about 4096, log-like spacing for wide data, linear for narrow
  const int width = 64 - std::countl_zero(range);
  const int shift = std::max(0, width - kBinBits);
  const std::size_t nbins = static_cast<std::size_t>(range >> shift) + 1;
  s.bins.resize(kChunk);
  s.hist.assign(kCopies * nbins, 0);
  std::uint32_t* bins = s.bins.data();
  std::uint32_t* hist = s.hist.data();
  // pass 1: sum and histogram
  for (std::size_t c0 = 0; c0 < n; c0 += kChunk) {
    const std::size_t len = std::min(kChunk, n - c0);
    sums.sum.add(sum_chunk(x + c0, len, kmin, shift, bins));
    std::size_t j = 0;
    for (; j + 2 <= len; j += 2) {
      ++hist[bins[j]];
      ++hist[nbins + bins[j + 1]];
    }
    for (; j < len; ++j) ++hist[bins[j]];
  }
  const double m1 = pass1_mean(sums, n, given_m1);
  const bool deviations = !std::isinf(m1);
  for (std::size_t c = 1; c < kCopies; ++c)
    for (std::size_t b = 0; b < nbins; ++b) hist[b] += hist[c * nbins + b];
  // the bin holding each rank and where that bin starts in sorted order; a group per distinct bin
  s.rank_group.resize(nr);
  s.rank_bin_start.resize(nr);
  s.group_bin.clear();
  s.group_start.clear();
  {
    std::size_t cum = 0, r = 0;
    for (std::size_t b = 0; b < nbins && r < nr; ++b) {
      const std::size_t c = hist[b];
      if (s.ranks[r] < cum + c) {
        s.group_bin.push_back(b);
        while (r < nr && s.ranks[r] < cum + c) {
          s.rank_group[r] = s.group_bin.size() - 1;
          s.rank_bin_start[r] = cum;
          ++r;
        }
      }
      cum += c;
    }
  }
  const std::size_t ng = s.group_bin.size();
  std::size_t total = 0;
  for (std::size_t g = 0; g < ng; ++g) {
    s.group_start.push_back(total);
    total += hist[s.group_bin[g]];
  }
  s.group_start.push_back(total);
  s.gathered.resize(total);
  s.group_fill.assign(s.group_start.begin(), s.group_start.end() - 1);
  s.slot.assign(nbins, -1);
  for (std::size_t g = 0; g < ng; ++g) s.slot[s.group_bin[g]] = static_cast<std::int16_t>(g);
  // pass 2: deviations from m1, and the values of the needed bins
  const std::int16_t* slot = s.slot.data();
  std::uint64_t* gathered = s.gathered.data();
  std::size_t* fill = s.group_fill.data();
  for (std::size_t c0 = 0; c0 < n; c0 += kChunk) {
    const std::size_t len = std::min(kChunk, n - c0);
    double dev = 0, sq = 0;
    deviation_chunk(x + c0, len, m1, dev, sq, kmin, shift, bins);
    if (deviations) {  // as moments(): no deviations from an infinite mean
      sums.dev.add(dev);
      sums.sq.add(sq);
    }
    // few values are wanted: test 8 at a time (slot -1 has every bit set, so the AND of 8 slots
    // is negative unless one of them is wanted), then look closer
    std::size_t j = 0;
    for (; j + 8 <= len; j += 8) {
      const std::int16_t all = slot[bins[j]] & slot[bins[j + 1]] & slot[bins[j + 2]] & slot[bins[j + 3]] &
                               slot[bins[j + 4]] & slot[bins[j + 5]] & slot[bins[j + 6]] & slot[bins[j + 7]];
      if (all < 0) continue;
      for (std::size_t t = j; t < j + 8; ++t) {
        const std::int16_t g = slot[bins[t]];
        if (g >= 0) gathered[fill[g]++] = static_cast<std::uint64_t>(signed_key(x[c0 + t])) ^ kSign;
      }
    }
    for (; j < len; ++j) {
      const std::int16_t g = slot[bins[j]];
      if (g >= 0) gathered[fill[g]++] = static_cast<std::uint64_t>(signed_key(x[c0 + j])) ^ kSign;
    }
  }
  // select inside each group
  s.local.resize(nr);
  for (std::size_t r = 0; r < nr; ++r) s.local[r] = s.ranks[r] - s.rank_bin_start[r];
  for (std::size_t r = 0; r < nr;) {
    const std::size_t g = s.rank_group[r];
    std::size_t r1 = r;
    while (r1 < nr && s.rank_group[r1] == g) ++r1;
    select_keys(gathered + s.group_start[g], s.group_start[g + 1] - s.group_start[g], s.local.data() + r, r1 - r,
                s.rank_value.data() + r);
    r = r1;
  }
}

// Exact quantiles of integer-valued data by counting (incident counts, yearly and cumulative
// totals): when the key range's ends are integers at most kCountRange - 1 apart, one pass counts
// each value's occurrences, checking that every value is the integer it is counted as, bit for
// bit (so -0.0, fractions and NaN fail the check); the wanted order statistics are then read off
// the cumulative counts, exactly the values histogram_select would select. The moments' sums are
// the same chunk sums as everywhere else. Values that fail the check leave the caller to the
// general path.
constexpr std::uint64_t kCountRange = std::uint64_t{1} << 15;

// The range's ends as integers lo, lo + width - 1 (width <= kCountRange), when they are.
bool integer_range(const KeyRange& r, double& lo, std::size_t& width) noexcept {
  const double a = from_key(static_cast<std::uint64_t>(r.lo) ^ kSign);
  const double b = from_key(static_cast<std::uint64_t>(r.hi) ^ kSign);
  constexpr double kExact = 4503599627370496.0;  // 2^52: integers and their differences exact
  if (!(std::abs(a) < kExact && std::abs(b) < kExact) || a != std::floor(a) || b != std::floor(b)) return false;
  if (!(b - a < static_cast<double>(kCountRange))) return false;
  lo = a;
  width = static_cast<std::size_t>(b - a) + 1;
  return true;
}

// Each value's index x - lo into idx (clamped to [0, top], so a value outside the range cannot
// index outside the counts); false unless every value equals, in bits, lo + its index.
AICAST_SIMD_CLONES
bool integer_indices(const double* x, std::size_t n, double lo, double top, std::uint32_t* idx) noexcept {
  std::uint64_t bad = 0;
  for (std::size_t j = 0; j < n; ++j) {
    double d = x[j] - lo;
    d = d > 0.0 ? d : 0.0;
    d = d < top ? d : top;
    const auto k = static_cast<std::int32_t>(d);
    idx[j] = static_cast<std::uint32_t>(k);
    bad |= std::bit_cast<std::uint64_t>(static_cast<double>(k) + lo) ^ std::bit_cast<std::uint64_t>(x[j]);
  }
  return bad == 0;
}

// Both passes and the selection by counting; false (sums untouched) when a value is not an
// integer of the range.
bool count_select(std::span<const double> data, const KeyRange& range, MomentSums& sums, const double* given_m1,
                  SummaryScratch& s) {
  double lo = 0;
  std::size_t width = 0;
  if (!integer_range(range, lo, width)) return false;
  const std::size_t n = data.size();
  const double* x = data.data();
  const double top = static_cast<double>(width - 1);
  s.bins.resize(kChunk);
  s.hist.assign(kCopies * width, 0);
  std::uint32_t* idx = s.bins.data();
  std::uint32_t* hist = s.hist.data();
  MomentSums own;
  for (std::size_t c0 = 0; c0 < n; c0 += kChunk) {
    const std::size_t len = std::min(kChunk, n - c0);
    if (!integer_indices(x + c0, len, lo, top, idx)) return false;
    own.sum.add(sum_chunk(x + c0, len, 0, 0, nullptr));
    std::size_t j = 0;
    for (; j + 2 <= len; j += 2) {
      ++hist[idx[j]];
      ++hist[width + idx[j + 1]];
    }
    for (; j < len; ++j) ++hist[idx[j]];
  }
  sums = own;
  deviations(x, n, sums, pass1_mean(sums, n, given_m1));
  const std::size_t nr = s.ranks.size();
  s.rank_value.resize(nr);
  std::size_t cum = 0, r = 0;
  for (std::size_t v = 0; v < width && r < nr; ++v) {
    cum += hist[v] + hist[width + v];
    for (; r < nr && s.ranks[r] < cum; ++r) s.rank_value[r] = static_cast<double>(static_cast<std::int32_t>(v)) + lo;
  }
  return true;
}

}  // namespace

void extend_key_range(std::span<const double> data, KeyRange& range) noexcept {
  key_range_of(data.data(), data.size(), &range.lo, &range.hi);
}

void finish_moments(const MomentSums& s, std::size_t n, double& mean, double& sd) noexcept {
  const double nd = static_cast<double>(n);
  const double m1 = s.sum.value() / nd;
  // an infinite value (e.g. a break-even that never happens) makes the spread infinite, not NaN
  if (std::isinf(m1)) {
    mean = m1;
    sd = n > 1 ? std::numeric_limits<double>::infinity() : 0.0;
    return;
  }
  const double dev = s.dev.value(), sq = s.sq.value();
  double ss = sq;
  mean = m1;
  if (std::isfinite(dev)) {  // not when deviations overflow (values near the largest double)
    mean = m1 + dev / nd;
    ss = sq - dev * (dev / nd);
  }
  sd = n > 1 ? std::sqrt(std::max(ss, 0.0) / (nd - 1.0)) : 0.0;
  if (std::isnan(ss)) sd = ss;
}

void summarize(std::span<const double> data, std::span<const double> levels, std::span<double> quantiles,
               double& mean, double& sd, SummaryScratch& scratch, const KeyRange* range, MomentSums* sums,
               const double* first_mean) {
  const std::size_t n = data.size();
  if (levels.size() != quantiles.size()) throw std::invalid_argument("summarize: levels and quantiles differ in size");
  if (n == 0) throw std::invalid_argument("summarize: no data");
  MomentSums own;
  MomentSums& ms = sums ? *sums : own;
  ms = MomentSums{};
  if (levels.empty()) {
    moments(data.data(), n, ms, first_mean);
  } else {
    KeyRange r;
    if (range)
      r = *range;
    else
      extend_key_range(data, r);
    wanted_ranks(n, levels, scratch.ranks);
    if (r.lo == r.hi) {
      // all values have the same bits
      moments(data.data(), n, ms, first_mean);
      scratch.rank_value.assign(scratch.ranks.size(), from_key(static_cast<std::uint64_t>(r.lo) ^ kSign));
    } else if (!count_select(data, r, ms, first_mean, scratch)) {
      histogram_select(data, r.lo, r.hi, ms, first_mean, scratch);
    }
    finish_quantiles(n, levels, quantiles, scratch);
  }
  finish_moments(ms, n, mean, sd);
  if (sums) {
    sums->sum.normalize();
    sums->dev.normalize();
    sums->sq.normalize();
  }
}

void exact_quantiles(std::span<const double> data, std::span<const double> levels, std::span<double> out,
                     SummaryScratch& scratch) {
  double mean = 0, sd = 0;
  summarize(data, levels, out, mean, sd, scratch);
}

}  // namespace aicast
