// stats.hpp — exact summaries of one month's values over all paths: quantiles, mean, sd.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace aicast {

// Buffers reused from one summary to the next (one per worker): histogram, bin indices of a
// chunk, the gathered values of the bins holding the wanted ranks. Never shared between threads.
struct SummaryScratch {
  std::vector<std::uint32_t> hist;     // sub-histograms, then the merged counts
  std::vector<std::uint32_t> bins;     // bin index of each value of a chunk
  std::vector<std::int16_t> slot;      // per bin: which gathered group it feeds, or -1
  std::vector<std::uint64_t> gathered;  // values (as order keys) of the needed bins, group by group
  std::vector<std::size_t> ranks, rank_group, group_bin, group_start, group_fill, rank_bin_start;
  std::vector<double> rank_value;
};

// Mean, sample standard deviation (n - 1) and exact quantiles of `data` in three passes over it:
// (1) sum and order-key range, (2) histogram of the keys and sum of squared deviations from the
// mean, (3) gather of the few histogram bins holding the wanted ranks, then selection inside them.
//
// Quantiles at `levels` (each in [0, 1]; `quantiles` has the same size) use NumPy's default
// "linear" rule, h = (n - 1) q, value = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])
// on sorted x, and equal np.quantile bit for bit: O(n), never an approximation. Empty `levels`
// skips passes (2)'s histogram and (3).
//
// Mean and sd are the two-pass moments, summed in a fixed order (four interleaved partial sums),
// so the same data give the same bits on every machine. An infinite mean gives an infinite sd
// (n > 1), not NaN. n == 1 gives sd 0.
void summarize(std::span<const double> data, std::span<const double> levels, std::span<double> quantiles,
               double& mean, double& sd, SummaryScratch& scratch);

// Exact quantiles only (see summarize).
void exact_quantiles(std::span<const double> data, std::span<const double> levels, std::span<double> out,
                     SummaryScratch& scratch);
void exact_quantiles(std::span<const double> data, std::span<const double> levels, std::span<double> out,
                     std::vector<std::uint64_t>& scratch);

// Mean and sample standard deviation only (see summarize).
void mean_sd(std::span<const double> data, double& mean, double& sd) noexcept;

}  // namespace aicast
