// engine.cpp — runs a scenario: paths in blocks over threads, months in slabs, exact summaries.
#include "aicast/engine.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "aicast/buffer.hpp"
#include "aicast/parallel.hpp"
#include "aicast/fastmath.hpp"
#include "aicast/stats.hpp"

namespace aicast {

namespace {

using detail::parallel_for;
using detail::resolve_threads;

constexpr std::int64_t kMaxPaths = std::numeric_limits<std::uint32_t>::max();  // path index is a 32-bit counter word
// The month slab holds every path of `K` months for every series. The larger K, the less often a
// block's model state goes through memory; with K = all months a block's state lives only while
// the block runs. The slab is bounded by kSlabBytesMax and by a quarter of the available memory.
constexpr double kSlabBytesMax = double(1u << 30);

std::string gib(double bytes) {
  std::ostringstream os;
  os.precision(3);
  if (bytes >= 1024.0 * 1024 * 1024)
    os << bytes / (1024.0 * 1024 * 1024) << " GiB";
  else
    os << bytes / (1024.0 * 1024) << " MiB";
  return os.str();
}

int slab_months(std::int64_t paths, int months, std::size_t series, double available) {
  const double budget = std::min(kSlabBytesMax, 0.25 * available);
  const double per_month = 8.0 * static_cast<double>(std::max<std::int64_t>(paths, 1)) * static_cast<double>(std::max<std::size_t>(series, 1));
  return static_cast<int>(std::clamp<double>(std::floor(budget / per_month), 1.0, static_cast<double>(months)));
}

// One event over one block's month: counts the paths where it holds (`holds`) and where it holds
// for the first time (`first`; `hit` marks paths that have satisfied it before). A loop per
// comparison, so each vectorizes.
template <class Holds>
inline void track_event_loop(const double* v, std::uint8_t* hit, std::size_t n, double t, std::int64_t& holds,
                             std::int64_t& first, Holds cmp) noexcept {
  std::uint32_t h = 0, f = 0;  // n < 2^32 (paths are at most 2^32 - 1)
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t y = cmp(v[i], t) ? 1 : 0;
    const std::uint8_t before = hit[i];
    h += y;
    f += y & (before ^ 1);
    hit[i] = before | y;
  }
  holds = h;
  first = f;
}

AICAST_SIMD_CLONES
void track_event(Comparison op, const double* v, std::uint8_t* hit, std::size_t n, double t, std::int64_t& holds,
                 std::int64_t& first) noexcept {
  holds = first = 0;
  switch (op) {
    case Comparison::less:
      return track_event_loop(v, hit, n, t, holds, first, [](double x, double y) { return x < y; });
    case Comparison::less_equal:
      return track_event_loop(v, hit, n, t, holds, first, [](double x, double y) { return x <= y; });
    case Comparison::greater:
      return track_event_loop(v, hit, n, t, holds, first, [](double x, double y) { return x > y; });
    case Comparison::greater_equal:
      return track_event_loop(v, hit, n, t, holds, first, [](double x, double y) { return x >= y; });
  }
}

// Integer reductions shared by blocks: exact and independent of the order blocks finish in.
inline void atomic_add(std::int64_t& target, std::int64_t v) noexcept {
  if (v != 0) std::atomic_ref<std::int64_t>(target).fetch_add(v, std::memory_order_relaxed);
}
inline void atomic_min(std::int64_t& target, std::int64_t v) noexcept {
  std::atomic_ref<std::int64_t> a(target);
  std::int64_t cur = a.load(std::memory_order_relaxed);
  while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}
inline void atomic_max(std::int64_t& target, std::int64_t v) noexcept {
  std::atomic_ref<std::int64_t> a(target);
  std::int64_t cur = a.load(std::memory_order_relaxed);
  while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

}  // namespace

Scenario::Scenario(const std::vector<ModelSpec>& specs, int months) : months_(months) {
  if (months < 1) throw std::invalid_argument("months must be at least 1, got " + std::to_string(months));
  if (months > 12 * 1000) throw std::invalid_argument("months must be at most 12000, got " + std::to_string(months));
  if (specs.empty()) throw std::invalid_argument("a scenario needs at least one model, got none");
  for (const auto& given : specs) {
    for (const auto& m : models_)
      if (m->name() == given.name) throw std::invalid_argument("model name '" + given.name + "' is used twice");
    // bind each parameter to its name's stream (so draws do not depend on the model's position)
    // and number the uncertain ones as the scenario's inputs
    ModelSpec spec = given;
    std::vector<std::uint32_t> ids;
    for (auto& [pname, prior] : spec.params) {
      const std::uint32_t id = param_stream_id(pname);
      if (std::find(ids.begin(), ids.end(), id) != ids.end())
        throw std::logic_error("two parameters of '" + spec.name + "' share a stream id (" + pname + ")");
      ids.push_back(id);
      int input = -1;
      if (!prior.is_point()) {
        input = static_cast<int>(input_names_.size());
        input_names_.push_back(spec.name + "." + pname);
        input_groups_.emplace_back(-1, prior.copula_index());
        input_support_.emplace_back(prior.lower(), prior.upper());
      }
      prior.bind(id, input);
    }
    models_.push_back(make_model(spec));
    outputs_.emplace_back();
    for (const auto& o : models_.back()->outputs()) {
      outputs_.back().push_back(static_cast<int>(series_.size()));
      series_.push_back(spec.name + "." + o);
    }
  }
  // links: every input must be a series of some other model; evaluate in dependency order
  const std::size_t nm = models_.size();
  std::vector<std::vector<std::size_t>> deps(nm);
  for (std::size_t i = 0; i < nm; ++i) {
    inputs_.emplace_back();
    for (const auto& in : models_[i]->inputs()) {
      const int s = series_index(in);
      if (s < 0) {
        std::string avail;
        for (const auto& name : series_) avail += (avail.empty() ? "" : ", ") + name;
        throw std::invalid_argument(models_[i]->kind() + " '" + models_[i]->name() + "' links to '" + in +
                                    "', which is not a series of this scenario (series: " + avail + ")");
      }
      inputs_.back().push_back(s);
      for (std::size_t j = 0; j < nm; ++j)
        if (std::find(outputs_[j].begin(), outputs_[j].end(), s) != outputs_[j].end()) {
          if (j == i) throw std::invalid_argument("model '" + models_[i]->name() + "' links to its own series '" + in + "'");
          deps[i].push_back(j);
        }
    }
  }
  std::vector<int> mark(nm, 0);  // 0 new, 1 visiting, 2 done
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (mark[i] == 2) return;
    if (mark[i] == 1) throw std::invalid_argument("links between models form a cycle through '" + models_[i]->name() + "'");
    mark[i] = 1;
    for (std::size_t j : deps[i]) visit(j);
    mark[i] = 2;
    order_.push_back(i);
  };
  for (std::size_t i = 0; i < nm; ++i) visit(i);
  // copula groups, each keyed by the sorted names of its members in this scenario
  std::vector<std::vector<std::string>> members;
  std::size_t input = 0;
  for (const auto& spec : specs)
    for (const auto& [k, p] : spec.params) {
      const CopulaGroup* g = p.copula().get();
      const bool uncertain = !p.is_point();
      if (g != nullptr) {
        auto it = std::find(copulas_.begin(), copulas_.end(), g);
        if (it == copulas_.end()) {
          copulas_.push_back(g);
          members.emplace_back();
          it = copulas_.end() - 1;
        }
        const auto gi = static_cast<std::size_t>(it - copulas_.begin());
        members[gi].push_back(spec.name + "." + k);
        if (uncertain) input_groups_[input].first = static_cast<int>(gi);
      }
      if (uncertain) ++input;
    }
  for (auto& names : members) {
    std::sort(names.begin(), names.end());
    std::string joined = "copula";
    for (const auto& n : names) joined += ":" + n;
    copula_names_.push_back(joined);
  }
}

int Scenario::series_index(const std::string& name) const {
  const auto it = std::find(series_.begin(), series_.end(), name);
  return it == series_.end() ? -1 : static_cast<int>(it - series_.begin());
}

std::size_t Scenario::state_doubles() const {
  std::size_t d = 0;
  for (const auto& m : models_) d += m->state_doubles();
  return d;
}

std::string MemoryEstimate::describe() const {
  std::string s;
  for (const auto& [what, b] : parts) s += (s.empty() ? "" : ", ") + what + " " + gib(b);
  return s;
}

MemoryEstimate validate(const Scenario& sc, const RunConfig& cfg) {
  if (cfg.paths < 1) throw std::invalid_argument("paths must be positive, got " + std::to_string(cfg.paths));
  if (cfg.paths > kMaxPaths)
    throw std::invalid_argument("paths must be at most " + std::to_string(kMaxPaths) + ", got " + std::to_string(cfg.paths));
  if (cfg.threads < 0) throw std::invalid_argument("threads must be positive, got " + std::to_string(cfg.threads));
  if (cfg.chunk_size < 1) throw std::invalid_argument("chunk_size must be positive, got " + std::to_string(cfg.chunk_size));
  for (double q : cfg.levels)
    if (!(q >= 0.0 && q <= 1.0)) {
      std::ostringstream os;
      os << "quantile levels must be in [0, 1], got " << q;
      throw std::invalid_argument(os.str());
    }
  if (cfg.path_offset < 0 || cfg.path_offset > kMaxPaths - cfg.paths)
    throw std::invalid_argument("path_offset must be in [0, " + std::to_string(kMaxPaths - cfg.paths) + "] for " +
                                std::to_string(cfg.paths) + " paths, got " + std::to_string(cfg.path_offset));
  for (int s : cfg.keep_series)
    if (s < 0 || static_cast<std::size_t>(s) >= sc.series().size())
      throw std::invalid_argument("keep_series: no series with index " + std::to_string(s));
  if (cfg.noise_period < 0) throw std::invalid_argument("noise_period must be non-negative, got " + std::to_string(cfg.noise_period));
  if (cfg.noise_period > 0) {
    if (cfg.paths % cfg.noise_period != 0)
      throw std::invalid_argument("paths (" + std::to_string(cfg.paths) + ") must be a multiple of noise_period (" +
                                  std::to_string(cfg.noise_period) + ")");
    if (cfg.noise_offsets.size() != static_cast<std::size_t>(cfg.paths / cfg.noise_period))
      throw std::invalid_argument("noise_offsets must have paths / noise_period = " +
                                  std::to_string(cfg.paths / cfg.noise_period) + " entries, got " +
                                  std::to_string(cfg.noise_offsets.size()));
    for (std::int64_t o : cfg.noise_offsets)
      if (o < 0 || o > kMaxPaths - cfg.noise_period)
        throw std::invalid_argument("noise_offsets must be in [0, " + std::to_string(kMaxPaths - cfg.noise_period) +
                                    "], got " + std::to_string(o));
  } else if (!cfg.noise_offsets.empty()) {
    throw std::invalid_argument("noise_offsets need a positive noise_period");
  }
  if (cfg.inputs != nullptr) {
    // each value inside its prior's support (the models' own checks assume it)
    const auto& support = sc.input_support_;
    const std::size_t P = sc.inputs().size();
    const std::size_t n = static_cast<std::size_t>(cfg.paths) * P;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = cfg.inputs[i];
      const auto& [lo, hi] = support[i % P];
      if (!(v >= lo && v <= hi) || !std::isfinite(v)) {
        std::ostringstream os;
        os << "inputs: " << sc.inputs()[i % P] << " must lie in its prior's support [" << lo << ", " << hi
           << "], got " << v << " on path " << i / P;
        throw std::invalid_argument(os.str());
      }
    }
  }
  for (const auto& e : cfg.events) {
    if (sc.series_index(e.series) < 0) {
      std::string avail;
      for (const auto& name : sc.series()) avail += (avail.empty() ? "" : ", ") + name;
      throw std::invalid_argument("unknown series '" + e.series + "' (series: " + avail + ")");
    }
    if (std::isnan(e.threshold)) throw std::invalid_argument("event threshold for '" + e.series + "' must not be NaN");
  }
  const MemoryEstimate est = estimate_memory(sc, cfg);
  const double limit = cfg.memory_limit_bytes > 0 ? cfg.memory_limit_bytes : 0.9 * est.available;
  if (est.bytes > limit) {
    std::ostringstream os;
    os << "this run needs about " << gib(est.bytes) << " of memory (paths=" << cfg.paths << ", months=" << sc.months()
       << ", series=" << sc.series().size() << (cfg.keep_paths ? ", keep_paths=True" : "") << ": " << est.describe()
       << ") but only " << gib(limit) << " is available; use fewer paths or months"
       << (cfg.keep_paths ? ", or do not keep paths" : "");
    throw std::invalid_argument(os.str());
  }
  return est;
}

MemoryEstimate estimate_memory(const Scenario& sc, const RunConfig& cfg) {
  MemoryEstimate e;
  const double n = static_cast<double>(std::max<std::int64_t>(cfg.paths, 0));
  const double s = static_cast<double>(sc.series().size());
  const double m = sc.months();
  e.available = available_memory_bytes();
  const double k = slab_months(cfg.paths, sc.months(), sc.series().size(), e.available);
  const double threads = resolve_threads(cfg.threads);
  e.parts.emplace_back("model state", 8.0 * n * static_cast<double>(sc.state_doubles()));
  e.parts.emplace_back("month buffers", 8.0 * n * s * k);
  // values of the histogram bins holding the wanted ranks, as keys: usually ~1% of a month, all of
  // it (and a refinement) for data in few bins
  e.parts.emplace_back("quantile scratch", 16.0 * n * std::min(threads, s * k));
  e.parts.emplace_back("events", 1.0 * n * static_cast<double>(cfg.events.size()));
  e.parts.emplace_back("summaries", 8.0 * s * m * (static_cast<double>(cfg.levels.size()) + 2.0));
  const double kept = cfg.keep_series.empty() ? s : static_cast<double>(cfg.keep_series.size());
  if (cfg.keep_paths) e.parts.emplace_back("kept paths", 8.0 * n * kept * m);
  for (const auto& [what, b] : e.parts) e.bytes += b;
  return e;
}

RunSummary run(const Scenario& sc, const RunConfig& cfg, const ProgressFn& progress) {
  const MemoryEstimate estimate = validate(sc, cfg);
  const auto t0 = std::chrono::steady_clock::now();
  const auto N = static_cast<std::size_t>(cfg.paths);
  const auto M = static_cast<std::size_t>(sc.months());
  const std::size_t S = sc.series().size();
  const std::size_t L = cfg.levels.size();
  const std::size_t E = cfg.events.size();
  // Blocks never straddle a noise replica, so each block's noise paths are consecutive.
  const auto period = static_cast<std::size_t>(cfg.noise_period > 0 ? cfg.noise_period : cfg.paths);
  const auto B = static_cast<std::size_t>(std::min<std::int64_t>(cfg.chunk_size, static_cast<std::int64_t>(period)));
  const std::size_t per_replica = (period + B - 1) / B;
  const std::size_t nblocks = per_replica * (N / period);
  struct BlockRange {
    std::size_t row0, n;        // rows of this run's arrays
    std::uint64_t noise0;       // path index of its first path in the random streams
  };
  auto block_range = [&](std::size_t b) {
    const std::size_t r = b / per_replica, j = b % per_replica;
    const std::size_t row0 = r * period + j * B;
    const std::uint64_t base = cfg.noise_period > 0 ? static_cast<std::uint64_t>(cfg.noise_offsets[r])
                                                    : static_cast<std::uint64_t>(cfg.path_offset) + r * period;
    return BlockRange{row0, std::min(B, period - j * B), base + j * B};
  };
  const auto K =
      static_cast<std::size_t>(slab_months(cfg.paths, sc.months(), sc.series().size(), estimate.available));
  const int threads = resolve_threads(cfg.threads);
  const std::size_t nmodels = sc.models_.size();
  std::vector<Key> model_keys, copula_keys;
  for (const auto& m : sc.models_) model_keys.push_back(named_key(cfg.seed, "model:" + m->name()));
  for (const auto& name : sc.copula_names_) copula_keys.push_back(named_key(cfg.seed, name));
  const std::size_t P = sc.input_names_.size();
  std::vector<int> kept = cfg.keep_series;
  if (kept.empty())
    for (std::size_t s = 0; s < S; ++s) kept.push_back(static_cast<int>(s));
  const std::size_t KS = cfg.keep_paths ? kept.size() : 0;

  RunSummary out;
  out.series = sc.series();
  out.paths = cfg.paths;
  out.months = sc.months();
  out.levels = cfg.levels;
  out.threads = threads;
  out.quantiles.assign(S * L * M, 0.0);
  out.mean.assign(S * M, 0.0);
  out.sd.assign(S * M, 0.0);
  out.first_hit.assign(E * (M + 1), 0);
  out.holds.assign(E * M, 0);
  constexpr std::size_t W = ExactSum::kWords;
  if (cfg.moment_sums) out.moment_sums.assign(S * M * 3 * W, 0);
  if (cfg.keep_paths) {
    out.paths_data.assign(KS * N * M, 0.0);
    out.kept_series = kept;
  }

  std::vector<int> event_series(E);
  for (std::size_t e = 0; e < E; ++e) event_series[e] = sc.series_index(cfg.events[e].series);
  std::vector<std::uint8_t> hit(E * N, 0);  // 1 once a path has satisfied the event
  // per (series, month of the slab): the key range of the month's values, merged over blocks while
  // they are in cache, so the summary needs one pass less
  const bool ranges = L > 0;
  std::vector<std::int64_t> range_lo(ranges ? S * K : 0), range_hi(ranges ? S * K : 0);
  const Buffer slab(sizeof(double) * S * K * N);  // every element is written before it is read
  auto slab_at = [&](std::size_t s, std::size_t k) { return slab.as<double>() + (s * K + k) * N; };
  std::vector<std::vector<std::unique_ptr<ModelState>>> states(nmodels);
  for (auto& v : states) v.resize(nblocks);

  std::vector<SummaryScratch> scratch(static_cast<std::size_t>(threads));  // per worker, reused
  std::vector<std::vector<double>> worker_q(static_cast<std::size_t>(threads), std::vector<double>(L));
  const std::int64_t total = cfg.paths * static_cast<std::int64_t>(M);
  std::int64_t done_before = 0;
  auto report = [&](std::int64_t done) { return !progress || progress(std::min(done, total), total); };

  for (std::size_t m0 = 0; m0 < M; m0 += K) {
    const std::size_t klen = std::min(K, M - m0);
    std::fill(range_lo.begin(), range_lo.end(), KeyRange{}.lo);
    std::fill(range_hi.begin(), range_hi.end(), KeyRange{}.hi);
    // simulate: every block advances through the slab's months
    parallel_for(
        nblocks, threads,
        [&](std::size_t b, int) {
          BlockContext ctx;
          const BlockRange br = block_range(b);
          const std::size_t row0 = br.row0;
          ctx.first_path = br.noise0;
          ctx.n = br.n;
          if (cfg.inputs != nullptr) {
            ctx.inputs = cfg.inputs + row0 * P;
            ctx.input_stride = P;
          }
          std::vector<std::pair<const CopulaGroup*, Eigen::MatrixXd>> copula_normals;
          if (m0 == 0) {
            // correlated normals, drawn once per path and group, shared by all its members
            for (std::size_t g = 0; g < sc.copulas_.size(); ++g) {
              const CopulaGroup* grp = sc.copulas_[g];
              const auto d = static_cast<Eigen::Index>(grp->size());
              Eigen::MatrixXd z(static_cast<Eigen::Index>(ctx.n), d);
              if (grp->is_rows()) {
                // a joint empirical group: each path's row of the table, picked by 1 - U
                for (std::size_t i = 0; i < ctx.n; ++i) {
                  Stream st(copula_keys[g], ctx.first_path + i, 0u, 0xFFFF0000u);
                  z.row(static_cast<Eigen::Index>(i)) = grp->rows.row(grp->row_of(1.0 - st.uniform()));
                }
                copula_normals.emplace_back(grp, std::move(z));
                continue;
              }
              Eigen::VectorXd eps(d);
              for (std::size_t i = 0; i < ctx.n; ++i) {
                Stream st(copula_keys[g], ctx.first_path + i, 0u, 0xFFFF0000u);
                for (Eigen::Index j = 0; j < d; ++j) eps(j) = st.normal();
                z.row(static_cast<Eigen::Index>(i)) = (grp->cholesky * eps).transpose();
              }
              copula_normals.emplace_back(grp, std::move(z));
            }
            ctx.copula_normals = &copula_normals;
          }
          std::vector<std::span<const double>> in;
          std::vector<std::span<double>> outs;
          for (std::size_t k = 0; k < klen; ++k) {
            const std::size_t m = m0 + k;
            for (std::size_t oi : sc.order_) {
              const Model& model = *sc.models_[oi];
              ctx.key = model_keys[oi];
              in.clear();
              outs.clear();
              for (int s : sc.inputs_[oi]) in.emplace_back(slab_at(static_cast<std::size_t>(s), k) + row0, ctx.n);
              for (int s : sc.outputs_[oi]) outs.emplace_back(slab_at(static_cast<std::size_t>(s), k) + row0, ctx.n);
              auto& st = states[oi][b];
              if (m == 0) {
                st = model.new_state(ctx.n);
                model.start(*st, ctx, in, outs);
              } else {
                model.step(*st, ctx, static_cast<std::uint32_t>(m), in, outs);
              }
            }
            // events: first hits per path, and paths where it holds this month (an integer sum over
            // blocks, so the same for any order of blocks)
            for (std::size_t e = 0; e < E; ++e) {
              const double* v = slab_at(static_cast<std::size_t>(event_series[e]), k) + row0;
              std::int64_t holds = 0, first = 0;
              track_event(cfg.events[e].op, v, hit.data() + e * N + row0, ctx.n, cfg.events[e].threshold,
                          holds, first);
              atomic_add(out.holds[e * M + m], holds);
              atomic_add(out.first_hit[e * (M + 1) + m], first);
            }
            if (ranges)
              for (std::size_t s = 0; s < S; ++s) {
                KeyRange r;
                extend_key_range(std::span<const double>(slab_at(s, k) + row0, ctx.n), r);
                atomic_min(range_lo[s * K + k], r.lo);
                atomic_max(range_hi[s * K + k], r.hi);
              }
            if (cfg.keep_paths)
              for (std::size_t ks = 0; ks < KS; ++ks) {
                const double* v = slab_at(static_cast<std::size_t>(kept[ks]), k) + row0;
                double* dst = out.paths_data.data() + (ks * N + row0) * M + m;
                for (std::size_t i = 0; i < ctx.n; ++i) dst[i * M] = v[i];
              }
          }
          // the block's last month: its state is done (its memory goes to the next block)
          if (m0 + klen == M)
            for (auto& per_block : states) per_block[b].reset();
        },
        [&](std::size_t blocks_done) {
          return report(done_before + static_cast<std::int64_t>(blocks_done * B * klen));
        });
    // summarize each (series, month) of the slab over all paths, in a fixed order
    parallel_for(
        S * klen, threads,
        [&](std::size_t task, int worker) {
          const std::size_t s = task / klen, k = task % klen, m = m0 + k;
          const std::span<const double> v(slab_at(s, k), N);
          const auto w = static_cast<std::size_t>(worker);
          std::vector<double>& q = worker_q[w];
          double mu = 0, sd = 0;
          const KeyRange r{ranges ? range_lo[s * K + k] : 0, ranges ? range_hi[s * K + k] : 0};
          MomentSums sums;
          summarize(v, cfg.levels, q, mu, sd, scratch[w], ranges ? &r : nullptr, cfg.moment_sums ? &sums : nullptr,
                    cfg.first_means ? cfg.first_means + s * M + m : nullptr);
          if (cfg.moment_sums) {
            std::int64_t* dst = out.moment_sums.data() + (s * M + m) * 3 * W;
            for (const ExactSum* e : {&sums.sum, &sums.dev, &sums.sq}) dst = std::copy(e->words.begin(), e->words.end(), dst);
          }
          out.mean[s * M + m] = mu;
          out.sd[s * M + m] = sd;
          for (std::size_t l = 0; l < L; ++l) out.quantiles[(s * L + l) * M + m] = q[l];
        },
        [&](std::size_t) { return true; });
    done_before += static_cast<std::int64_t>(N * klen);
    if (!report(done_before)) throw Cancelled();
  }
  for (std::size_t e = 0; e < E; ++e) {  // paths that never satisfied it
    std::int64_t ever = 0;
    for (std::size_t m = 0; m < M; ++m) ever += out.first_hit[e * (M + 1) + m];
    out.first_hit[e * (M + 1) + M] = cfg.paths - ever;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace aicast
