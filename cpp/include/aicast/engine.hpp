// engine.hpp — a scenario (models on one monthly grid) and the Monte Carlo run that summarizes it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aicast/model.hpp"
#include "aicast/parallel.hpp"  // Cancelled

namespace aicast {

enum class Comparison { less, less_equal, greater, greater_equal };

// "series op threshold", e.g. frontier.price < 0.5: the engine counts, per month, the paths
// where it holds and the month each path first satisfies it (first passage / hitting time).
struct EventSpec {
  std::string series;
  Comparison op = Comparison::less;
  double threshold = 0.0;
};

struct RunConfig {
  std::uint64_t seed = 0;
  std::int64_t paths = 0;
  int threads = 0;                // 0: all cores
  std::int64_t chunk_size = 1024;  // paths per block; results do not depend on it
  std::vector<double> levels;      // quantile levels in [0, 1]
  bool keep_paths = false;
  std::vector<EventSpec> events;
  double memory_limit_bytes = 0;  // 0: what the machine has available
  // Block ranges: this run is paths [path_offset, path_offset + paths) of the seed's paths.
  std::int64_t path_offset = 0;
  // With keep_paths: keep only these series (indices into series(); empty: all).
  std::vector<int> keep_series;
  // Sensitivity designs. `inputs`: paths x Scenario::inputs().size() values of every uncertain
  // parameter, each inside its prior's support; nullptr: drawn. With noise_period > 0 the paths are replicas of noise_period paths, and
  // replica r takes the noise of paths noise_offsets[r] + i (common random numbers).
  const double* inputs = nullptr;
  std::int64_t noise_period = 0;
  std::vector<std::int64_t> noise_offsets;
  // Split runs (one run as blocks of paths at multiples of kMomentChunk): return the exact moment sums of
  // every (series, month) (RunSummary::moment_sums); with `first_means` ([series][month], the
  // whole run's first-pass means), take the deviations from those instead of this block's own.
  bool moment_sums = false;
  const double* first_means = nullptr;
};

struct RunSummary {
  std::vector<std::string> series;
  std::int64_t paths = 0;
  int months = 0;
  std::vector<double> levels;
  std::vector<double> quantiles;        // [series][level][month]
  std::vector<double> mean, sd;         // [series][month]
  std::vector<std::int64_t> first_hit;  // [event][month + 1]: paths first satisfying it at month m; last: never
  std::vector<std::int64_t> holds;      // [event][month]: paths satisfying it at month m
  std::vector<double> paths_data;       // [kept series][path][month], only with keep_paths
  std::vector<int> kept_series;         // indices of the kept series
  // with RunConfig::moment_sums: [series][month][sum, dev, sq][ExactSum::kWords], normalized
  std::vector<std::int64_t> moment_sums;
  int threads = 0;
  double seconds = 0;
};

struct MemoryEstimate {
  double bytes = 0;
  double available = 0;
  std::vector<std::pair<std::string, double>> parts;
  std::string describe() const;
};

// Called between pieces of work with (path-months done, total); return false to cancel.
using ProgressFn = std::function<bool(std::int64_t, std::int64_t)>;

class Scenario {
 public:
  // Builds and validates every model and link; throws std::invalid_argument before any work.
  Scenario(const std::vector<ModelSpec>& specs, int months);

  int months() const noexcept { return months_; }
  const std::vector<std::string>& series() const noexcept { return series_; }
  int series_index(const std::string& name) const;  // -1 if absent
  const std::vector<std::unique_ptr<Model>>& models() const noexcept { return models_; }
  std::size_t state_doubles() const;
  // Uncertain parameters ("model.param", non-point priors) in the order of Prior::input().
  const std::vector<std::string>& inputs() const noexcept { return input_names_; }
  // For each input, the copula group it belongs to (-1: independent) and its coordinate there.
  const std::vector<std::pair<int, int>>& input_groups() const noexcept { return input_groups_; }

 private:
  friend RunSummary run(const Scenario&, const RunConfig&, const ProgressFn&);
  int months_;
  std::vector<std::unique_ptr<Model>> models_;  // in the order given
  std::vector<std::size_t> order_;              // topological order of evaluation
  std::vector<std::vector<int>> inputs_, outputs_;
  std::vector<std::string> series_;
  std::vector<const CopulaGroup*> copulas_;  // in order of first appearance
  std::vector<std::string> copula_names_;    // the sorted member names: the group's stream key
  std::vector<std::string> input_names_;
  std::vector<std::pair<int, int>> input_groups_;
  std::vector<std::pair<double, double>> input_support_;
  friend MemoryEstimate validate(const Scenario&, const RunConfig&);
};

MemoryEstimate estimate_memory(const Scenario& scenario, const RunConfig& config);
// Checks the run before any work; returns the memory estimate it approved (the run sizes its
// month buffer from the same reading of the available memory).
MemoryEstimate validate(const Scenario& scenario, const RunConfig& config);
RunSummary run(const Scenario& scenario, const RunConfig& config, const ProgressFn& progress = {});

}  // namespace aicast
