// stats.hpp — exact summaries of one month's values over all paths: quantiles, mean, sd.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace aicast {

// Exact quantiles of `data` at `levels` (each in [0, 1]) with NumPy's default "linear" rule:
// h = (n - 1) q, value = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]) on sorted x.
// Selection by a histogram over order-preserving integer keys, then nth_element inside the
// few bins that hold the wanted ranks: O(n), never an approximation. `scratch` is reused.
void exact_quantiles(std::span<const double> data, std::span<const double> levels, std::span<double> out,
                     std::vector<std::uint64_t>& scratch);

// Mean and sample standard deviation (n - 1) by two passes in a fixed order.
void mean_sd(std::span<const double> data, double& mean, double& sd) noexcept;

}  // namespace aicast
