// stats.hpp — exact summaries of one month's values over all paths: quantiles, mean, sd.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "aicast/exact_sum.hpp"

namespace aicast {

// Buffers reused from one summary to the next (one per worker): histogram, bin indices of a
// chunk, the gathered values of the bins holding the wanted ranks. Never shared between threads.
struct SummaryScratch {
  std::vector<std::uint32_t> hist;     // sub-histograms, then the merged counts
  std::vector<std::uint32_t> bins;     // bin index of each value of a chunk
  std::vector<std::int16_t> slot;      // per bin: which gathered group it feeds, or -1
  std::vector<std::uint64_t> gathered;  // values (as order keys) of the needed bins, group by group
  std::vector<std::size_t> ranks, rank_group, group_bin, group_start, group_fill, rank_bin_start, local;
  std::vector<double> rank_value;
};

// The range of the order keys of some values: an integer map of doubles preserving their order
// (-0 before +0, NaNs beyond the infinities). Empty: lo > hi. Merging ranges (min of lo, max of hi)
// is exact and order independent, so blocks of a month can be merged in any order.
struct KeyRange {
  std::int64_t lo = std::numeric_limits<std::int64_t>::max();
  std::int64_t hi = std::numeric_limits<std::int64_t>::min();
};

// Widens `range` to cover every value of `data`.
void extend_key_range(std::span<const double> data, KeyRange& range) noexcept;

// The moments' sums are exact over chunks of this many values (see stats.cpp): blocks of a split
// run start at multiples of it.
inline constexpr std::size_t kMomentChunk = 2048;

// The exact sums behind the moments of some values (see summarize): of the chunk totals of x, and
// of d = x - m1 and d^2. Merging the sums of blocks at multiples of kMomentChunk values (ExactSum::merge,
// or a word-wise sum of normalized states) gives the sums of the whole, bit for bit.
struct MomentSums {
  ExactSum sum, dev, sq;
};

// Mean and sd from the sums of n values: m1 = sum / n, mean = m1 + dev / n,
// sd = sqrt((sq - dev (dev / n)) / (n - 1)) (0 for n == 1; infinite for an infinite m1).
void finish_moments(const MomentSums& sums, std::size_t n, double& mean, double& sd) noexcept;

// Mean, sample standard deviation (n - 1) and exact quantiles of `data` in two passes over it,
// given the key range of `data` (`range`; computed in an extra pass when null; it must cover
// every value): (1) histogram of the keys over the range and sum, (2) sum of deviations and of
// squared deviations from the first-pass mean and gather of the few histogram bins holding the
// wanted ranks; then selection inside those bins.
//
// Quantiles at `levels` (each in [0, 1]; `quantiles` has the same size) use NumPy's default
// "linear" rule, h = (n - 1) q, value = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])
// on sorted x, and equal np.quantile bit for bit: O(n), never an approximation. (Where both
// neighbours are the same infinity the quantile is that infinity; np.quantile gives NaN.) Empty
// `levels` skips the histogram and the gather.
//
// Mean and sd are the corrected two-pass moments (finish_moments), each sum taken chunk by chunk
// of kMomentChunk values in a fixed order and the chunk totals added exactly (see stats.cpp): the same data
// give the same bits on every machine and instruction set, and the sums of blocks of a split run
// (at multiples of kMomentChunk values) merge exactly into those of the whole. With `sums`, the exact sums
// are stored there (normalized). With `first_mean`, pass 2 takes deviations from *first_mean
// instead of this data's own first-pass mean: a block of a split run, given the whole run's m1
// (mean and sd are then those of finish_moments on this data's sums, not of interest).
// An infinite mean gives an infinite sd (n > 1), not NaN. n == 1 gives sd 0.
void summarize(std::span<const double> data, std::span<const double> levels, std::span<double> quantiles,
               double& mean, double& sd, SummaryScratch& scratch, const KeyRange* range = nullptr,
               MomentSums* sums = nullptr, const double* first_mean = nullptr);

// Exact quantiles only (see summarize).
void exact_quantiles(std::span<const double> data, std::span<const double> levels, std::span<double> out,
                     SummaryScratch& scratch);

}  // namespace aicast
