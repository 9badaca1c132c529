// workload_model.cpp — the effective-price kernel of a workload.
#include "aicast/workload_model.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "aicast/fastmath.hpp"
#include "aicast/links.hpp"

namespace aicast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPerMillion = 1e6;

enum Slot : std::uint32_t { kVolume, kInputShare, kCachedShare, kWriteShare, kInputPrice, kCachedPrice, kWritePrice,
                            kOutputPrice };

struct WorkloadState final : ModelState {
  explicit WorkloadState(std::size_t n) : volume(n), price(n), savings(n), p0(n) {}
  // price and savings: USD per million workload tokens at start-month provider prices;
  // p0: the linked price in the start month (1 without a link)
  std::vector<double> volume, price, savings, p0;
};

AICAST_SIMD_CLONES void workload_kernel(std::size_t n, const double* __restrict linked, const double* __restrict p0,
                                        const double* __restrict volume, const double* __restrict price,
                                        const double* __restrict savings, double* __restrict o0,
                                        double* __restrict o1, double* __restrict o2) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double r = linked != nullptr ? linked[i] / p0[i] : 1.0;
    const double p = r * price[i];
    o0[i] = p;
    o1[i] = p * volume[i] / kPerMillion;
    o2[i] = r * savings[i] * volume[i] / kPerMillion;
  }
}

}  // namespace

Workload::Workload(const ModelSpec& spec) : Model(spec.name) {
  detail::check_known_params(spec, {"tokens_per_month", "input_share", "cached_share", "cache_write_share",
                                    "input_price_per_mtok", "cached_input_price_per_mtok",
                                    "cache_write_price_per_mtok", "output_price_per_mtok"});
  price_ = detail::link_target(spec, "price", false, {"price", "tokens_per_month"});
  volume_link_ = detail::link_target(spec, "tokens_per_month", false, {"price", "tokens_per_month"});
  const bool has_volume = spec.params.count("tokens_per_month") > 0;
  if (has_volume == !volume_link_.empty())
    throw std::invalid_argument("workload '" + spec.name + "': give tokens_per_month " +
                                (has_volume ? "or a tokens_per_month link (e.g. \"demand.tokens\"), not both"
                                            : "or a tokens_per_month link (e.g. \"demand.tokens\")"));
  if (has_volume) {
    detail::require_support(spec, "tokens_per_month", 0.0, false, kInf, true);
    volume_ = detail::param(spec, "tokens_per_month");
  }
  for (const char* share : {"input_share", "cached_share", "cache_write_share"})
    detail::require_support(spec, share, 0.0, false, 1.0, false);
  for (const char* price : {"input_price_per_mtok", "cached_input_price_per_mtok", "cache_write_price_per_mtok",
                            "output_price_per_mtok"})
    detail::require_support(spec, price, 0.0, false, kInf, true);
  input_share_ = detail::param(spec, "input_share");
  cached_share_ = detail::param(spec, "cached_share");
  write_share_ = detail::param(spec, "cache_write_share");
  input_price_ = detail::param(spec, "input_price_per_mtok");
  cached_price_ = detail::param(spec, "cached_input_price_per_mtok");
  write_price_ = detail::param(spec, "cache_write_price_per_mtok");
  output_price_ = detail::param(spec, "output_price_per_mtok");
  if (cached_share_.upper() + write_share_.upper() > 1.0)
    throw std::invalid_argument("workload '" + spec.name +
                                "': cached_share + cache_write_share must be at most 1 (both are shares of the input "
                                "tokens), but their priors reach " +
                                std::to_string(cached_share_.upper()) + " and " + std::to_string(write_share_.upper()));
}

std::vector<std::string> Workload::inputs() const {
  std::vector<std::string> in;
  if (!price_.empty()) in.push_back(price_);
  if (!volume_link_.empty()) in.push_back(volume_link_);
  return in;
}

std::unique_ptr<ModelState> Workload::new_state(std::size_t n) const { return std::make_unique<WorkloadState>(n); }

void Workload::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
                     std::span<const std::span<double>> out) const {
  auto& s = static_cast<WorkloadState&>(state);
  const std::size_t n = ctx.n;
  std::vector<double> a(n), c(n), w(n), p_in(n), p_c(n), p_w(n), p_out(n);
  if (volume_link_.empty()) ctx.draw(volume_, kVolume, s.volume);
  ctx.draw(input_share_, kInputShare, a);
  ctx.draw(cached_share_, kCachedShare, c);
  ctx.draw(write_share_, kWriteShare, w);
  ctx.draw(input_price_, kInputPrice, p_in);
  ctx.draw(cached_price_, kCachedPrice, p_c);
  ctx.draw(write_price_, kWritePrice, p_w);
  ctx.draw(output_price_, kOutputPrice, p_out);
  for (std::size_t i = 0; i < n; ++i) {
    s.price[i] = a[i] * ((1.0 - c[i] - w[i]) * p_in[i] + c[i] * p_c[i] + w[i] * p_w[i]) + (1.0 - a[i]) * p_out[i];
    s.savings[i] = a[i] * (c[i] * (p_in[i] - p_c[i]) + w[i] * (p_in[i] - p_w[i]));
    s.p0[i] = 1.0;
  }
  if (!price_.empty()) {
    const double* p = detail::checked_link(in[0], std::numeric_limits<double>::min(), *this, "price", price_, 0,
                                           "finite and positive in the start month");
    std::copy(p, p + n, s.p0.begin());
  }
  write(state, 0, in, out);
}

void Workload::step(ModelState& state, const BlockContext&, std::uint32_t month,
                    std::span<const std::span<const double>> in, std::span<const std::span<double>> out) const {
  write(state, month, in, out);
}

void Workload::write(ModelState& state, std::uint32_t month, std::span<const std::span<const double>> in,
                     std::span<const std::span<double>> out) const {
  auto& s = static_cast<WorkloadState&>(state);
  const std::size_t n = s.p0.size();
  const double* linked = price_.empty() ? nullptr
                                        : detail::checked_link(in[0], 0.0, *this, "price", price_, month,
                                                               "finite and non-negative");
  const double* volume = volume_link_.empty() ? s.volume.data()
                                              : detail::checked_link(in[price_.empty() ? 0 : 1], 0.0, *this,
                                                                     "volume", volume_link_, month,
                                                                     "finite and non-negative");
  workload_kernel(n, linked, s.p0.data(), volume, s.price.data(), s.savings.data(), out[0].data(), out[1].data(),
                  out[2].data());
}

}  // namespace aicast
