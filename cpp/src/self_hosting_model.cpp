// self_hosting_model.cpp — the self-hosting cost and token-demand kernels.
#include "aicast/self_hosting_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "aicast/fastmath.hpp"
#include "aicast/links.hpp"

namespace aicast {

namespace {

using detail::bad_input;
using detail::checked_link;
using detail::first_bad;
using detail::link_target;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPerMillion = 1e6;

enum ShSlot : std::uint32_t { kVolume, kGpus, kGpuPrice, kDepreciation, kGpuHour, kGpuDecline, kPower, kOps, kStaff,
                             kTps, kUtil, kDecode, kPrefill, kInputShare, kCachedShare, kApiPrice, kThroughputGrowth };

struct ShState final : ModelState {
  explicit ShState(std::size_t n)
      : volume(n), capacity(n), gpu_cost(n), fixed(n), staff(n), month_log_decline(n), tmp(n), api_price(n),
        month_log_growth(n) {}
  // volume: tokens per month; capacity: tokens per month per replica; gpu_cost: USD per month per
  // replica for the GPUs at start-month prices; fixed: power + ops, USD per month per replica;
  // staff: USD per month; month_log_decline: ln(gpu_price_annual_decline) / 12
  std::vector<double> volume, capacity, gpu_cost, fixed, staff, month_log_decline, tmp;
  std::vector<double> api_price;  // a constant API price (USD per million tokens), drawn once per path
  std::vector<double> month_log_growth;  // ln(throughput_annual_growth) / 12; capacity: the start month's
};

enum TdSlot : std::uint32_t { kBase, kElasticity, kGrowth, kReference };

struct TdState final : ModelState {
  explicit TdState(std::size_t n) : base(n), elasticity(n), month_log_growth(n), log_p0(n) {}
  std::vector<double> base, elasticity, month_log_growth, log_p0;
};

// The equations of self_hosting_model.hpp for one month; out: self-host, api, savings,
// break-even, capacity, replica cost, staff.
AICAST_SIMD_CLONES void self_hosting_kernel(std::size_t n, double m, const double* __restrict price,
                                            const double* __restrict volume, const double* __restrict capacity,
                                            const double* __restrict gpu_cost, const double* __restrict fixed,
                                            const double* __restrict staff_in,
                                            const double* __restrict month_log_decline,
                                            const double* __restrict month_log_growth, double* __restrict o0,
                                            double* __restrict o1, double* __restrict o2, double* __restrict o3,
                                            double* __restrict o4, double* __restrict o5,
                                            double* __restrict o6) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double p = price[i];
    const double decline = fastmath::exp(-month_log_decline[i] * m);  // exactly 1 in month 0 or without decline
    const double h = gpu_cost[i] * decline + fixed[i];
    // exactly the start capacity in month 0 or without throughput growth (exp(0) = 1)
    const double cap = capacity[i] * fastmath::exp(month_log_growth[i] * m);
    const double v = volume[i], staff = staff_in[i];
    const double replicas = v <= cap ? 1.0 : std::ceil(v / cap);
    const double self_host = staff + replicas * h;
    const double api = v * p / kPerMillion;
    const double margin = cap * p / kPerMillion - h;
    const double k = staff <= margin ? 1.0 : std::ceil(staff / margin);
    const double be = (staff + k * h) * kPerMillion / p;
    o0[i] = self_host;
    o1[i] = api;
    o2[i] = api - self_host;
    // margin == 0 breaks even (at full capacity) only when there are no staff to pay
    o3[i] = (margin > 0.0) | ((margin == 0.0) & (staff == 0.0)) ? be : kInf;
    o4[i] = cap;
    o5[i] = h;
    o6[i] = staff;
  }
}

// tokens = base exp(-eps (log P - log P0) + month_log_growth m);  spend = P tokens / 1e6
AICAST_SIMD_CLONES void demand_kernel(std::size_t n, double m, const double* __restrict price,
                                      const double* __restrict base, const double* __restrict elasticity,
                                      const double* __restrict month_log_growth, const double* __restrict log_p0,
                                      double* __restrict tokens, double* __restrict spend) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double p = price[i];
    const double q = base[i] * fastmath::exp(-elasticity[i] * (fastmath::log(p) - log_p0[i]) + month_log_growth[i] * m);
    tokens[i] = q;
    spend[i] = p * q / kPerMillion;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
SelfHosting::SelfHosting(const ModelSpec& spec) : Model(spec.name) {
  detail::check_known_params(spec, {"volume_per_month", "gpus", "gpu_price", "depreciation_months", "gpu_hour_price",
                                    "gpu_price_annual_decline", "power_per_month", "ops_per_month", "staff_per_month",
                                    "tokens_per_second_per_gpu", "utilization", "decode_tokens_per_second_per_gpu",
                                    "prefill_tokens_per_second_per_gpu", "input_share", "cached_share", "api_price",
                                    "throughput_annual_growth"});
  const bool constant_price = spec.params.count("api_price") > 0;
  price_ = link_target(spec, "api_price", !constant_price, {"api_price", "volume"});
  if (constant_price && !price_.empty())
    throw std::invalid_argument("self_hosting '" + spec.name + "': give api_price as a price series or a number, not both");
  if (constant_price) {
    detail::require_support(spec, "api_price", 0.0, false, kInf, true);
    api_price_ = detail::param(spec, "api_price");
  }
  volume_link_ = link_target(spec, "volume", false, {"api_price", "volume"});
  const bool has_volume = spec.params.count("volume_per_month") > 0;
  if (has_volume == !volume_link_.empty())
    throw std::invalid_argument("self_hosting '" + spec.name + "': give volume_per_month (tokens per month) " +
                                (has_volume ? "or a volume link (e.g. \"demand.tokens\"), not both"
                                            : "or a volume link (e.g. \"demand.tokens\")"));
  if (has_volume) {
    detail::require_support(spec, "volume_per_month", 0.0, false, kInf, true);
    volume_ = detail::param(spec, "volume_per_month");
  }
  detail::require_support(spec, "gpus", 0.0, true, kInf, true);
  detail::require_support(spec, "gpu_price", 0.0, false, kInf, true);
  detail::require_support(spec, "depreciation_months", 0.0, true, kInf, true);
  detail::require_support(spec, "gpu_hour_price", 0.0, false, kInf, true);
  detail::require_support(spec, "gpu_price_annual_decline", 0.0, true, kInf, true);
  if (spec.params.count("throughput_annual_growth") > 0) {
    detail::require_support(spec, "throughput_annual_growth", 0.0, true, kInf, true);
    throughput_growth_ = detail::param(spec, "throughput_annual_growth");
  }
  detail::require_support(spec, "power_per_month", 0.0, false, kInf, true);
  detail::require_support(spec, "ops_per_month", 0.0, false, kInf, true);
  detail::require_support(spec, "staff_per_month", 0.0, false, kInf, true);
  // throughput: one blended number, or decode and prefill rates with the token mix
  split_ = spec.params.count("decode_tokens_per_second_per_gpu") > 0;
  const char* blended_only = "tokens_per_second_per_gpu";
  for (const char* f : {"prefill_tokens_per_second_per_gpu", "input_share", "cached_share"})
    if (spec.params.count(f) > 0 && !split_)
      throw std::invalid_argument("self_hosting '" + spec.name + "': " + f +
                                  " needs decode_tokens_per_second_per_gpu (give decode and prefill throughput "
                                  "with the token mix, or one blended tokens_per_second_per_gpu)");
  if (split_ == (spec.params.count(blended_only) > 0))
    throw std::invalid_argument("self_hosting '" + spec.name +
                                "': give tokens_per_second_per_gpu (blended throughput of the workload's tokens) or "
                                "decode_tokens_per_second_per_gpu with prefill_tokens_per_second_per_gpu and "
                                "input_share" + (split_ ? ", not both" : ""));
  if (split_) {
    for (const char* f : {"prefill_tokens_per_second_per_gpu", "input_share"})
      if (spec.params.count(f) == 0)
        throw std::invalid_argument("self_hosting '" + spec.name + "': decode_tokens_per_second_per_gpu needs " + f);
    detail::require_support(spec, "decode_tokens_per_second_per_gpu", 0.0, true, kInf, true);
    detail::require_support(spec, "prefill_tokens_per_second_per_gpu", 0.0, true, kInf, true);
    detail::require_support(spec, "input_share", 0.0, false, 1.0, true);
    decode_ = detail::param(spec, "decode_tokens_per_second_per_gpu");
    prefill_ = detail::param(spec, "prefill_tokens_per_second_per_gpu");
    input_share_ = detail::param(spec, "input_share");
    if (spec.params.count("cached_share") > 0) {
      detail::require_support(spec, "cached_share", 0.0, false, 1.0, false);
      cached_share_ = detail::param(spec, "cached_share");
    }
  } else {
    detail::require_support(spec, blended_only, 0.0, true, kInf, true);
    tps_ = detail::param(spec, blended_only);
  }
  detail::require_support(spec, "utilization", 0.0, true, 1.0, false);
  gpus_ = detail::param(spec, "gpus");
  gpu_price_ = detail::param(spec, "gpu_price");
  depreciation_months_ = detail::param(spec, "depreciation_months");
  gpu_hour_price_ = detail::param(spec, "gpu_hour_price");
  gpu_decline_ = detail::param(spec, "gpu_price_annual_decline");
  power_ = detail::param(spec, "power_per_month");
  ops_ = detail::param(spec, "ops_per_month");
  staff_ = detail::param(spec, "staff_per_month");
  utilization_ = detail::param(spec, "utilization");
  const auto zero = [](const Prior& p) { return p.is_point() && p.params()[0] == 0.0; };
  if (zero(gpu_price_) && zero(gpu_hour_price_))
    throw std::invalid_argument("self_hosting '" + spec.name +
                                "': give gpu_price (USD per GPU, to buy) or gpu_hour_price (USD per GPU-hour, to "
                                "rent); both are 0");
}

std::unique_ptr<ModelState> SelfHosting::new_state(std::size_t n) const { return std::make_unique<ShState>(n); }

void SelfHosting::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
                        std::span<const std::span<double>> out) const {
  auto& s = static_cast<ShState&>(state);
  const std::size_t n = ctx.n;
  std::vector<double> gpus(n), price(n), depr(n), hour(n), tps(n), util(n);
  if (volume_link_.empty()) ctx.draw(volume_, kVolume, s.volume);
  if (price_.empty()) ctx.draw(api_price_, kApiPrice, s.api_price);
  ctx.draw(gpus_, kGpus, gpus);
  ctx.draw(gpu_price_, kGpuPrice, price);
  ctx.draw(depreciation_months_, kDepreciation, depr);
  ctx.draw(gpu_hour_price_, kGpuHour, hour);
  ctx.draw(gpu_decline_, kGpuDecline, s.month_log_decline);
  ctx.draw(power_, kPower, s.fixed);
  ctx.draw(ops_, kOps, s.tmp);
  ctx.draw(staff_, kStaff, s.staff);
  if (split_) {
    // seconds of GPU time per token of the mix: a (1 - c) / prefill + (1 - a) / decode
    std::vector<double> prefill(n), share(n), cached(n);
    ctx.draw(decode_, kDecode, tps);
    ctx.draw(prefill_, kPrefill, prefill);
    ctx.draw(input_share_, kInputShare, share);
    ctx.draw(cached_share_, kCachedShare, cached);
    for (std::size_t i = 0; i < n; ++i)
      tps[i] = 1.0 / (share[i] * (1.0 - cached[i]) / prefill[i] + (1.0 - share[i]) / tps[i]);
  } else {
    ctx.draw(tps_, kTps, tps);
  }
  ctx.draw(utilization_, kUtil, util);
  ctx.draw(throughput_growth_, kThroughputGrowth, s.month_log_growth);
  for (std::size_t i = 0; i < n; ++i) {
    s.capacity[i] = gpus[i] * tps[i] * util[i] * kSecondsPerMonth;
    s.gpu_cost[i] = gpus[i] * (price[i] / depr[i] + hour[i] * kHoursPerMonth);
    s.fixed[i] += s.tmp[i];
    s.month_log_decline[i] = fastmath::log(s.month_log_decline[i]) / 12.0;
    s.month_log_growth[i] = fastmath::log(s.month_log_growth[i]) / 12.0;
  }
  write(state, 0, in, out);
}

void SelfHosting::step(ModelState& state, const BlockContext&, std::uint32_t month,
                       std::span<const std::span<const double>> in, std::span<const std::span<double>> out) const {
  write(state, month, in, out);
}

void SelfHosting::write(ModelState& state, std::uint32_t month, std::span<const std::span<const double>> in,
                        std::span<const std::span<double>> out) const {
  auto& s = static_cast<ShState&>(state);
  const bool linked = !price_.empty();
  const std::size_t n = s.api_price.size();
  const double* price = linked ? checked_link(in[0], 0.0, *this, "price", price_, month, "finite and non-negative")
                               : s.api_price.data();
  const double* volume = volume_link_.empty() ? s.volume.data()
                                              : checked_link(in[linked ? 1 : 0], 0.0, *this, "volume", volume_link_,
                                                             month, "finite and non-negative");
  self_hosting_kernel(n, static_cast<double>(month), price, volume, s.capacity.data(), s.gpu_cost.data(),
                      s.fixed.data(), s.staff.data(), s.month_log_decline.data(), s.month_log_growth.data(),
                      out[0].data(), out[1].data(), out[2].data(), out[3].data(), out[4].data(), out[5].data(),
                      out[6].data());
}

// ---------------------------------------------------------------------------------------------
TokenDemand::TokenDemand(const ModelSpec& spec) : Model(spec.name) {
  detail::check_known_params(spec, {"base_tokens_per_month", "price_elasticity", "annual_growth", "reference_price"});
  price_ = link_target(spec, "price", true, {"price"});
  detail::require_support(spec, "base_tokens_per_month", 0.0, false, kInf, true);
  detail::require_support(spec, "price_elasticity", -kInf, true, kInf, true);
  detail::require_support(spec, "annual_growth", 0.0, true, kInf, true);
  base_ = detail::param(spec, "base_tokens_per_month");
  elasticity_ = detail::param(spec, "price_elasticity");
  growth_ = detail::param(spec, "annual_growth");
  has_reference_ = spec.params.count("reference_price") > 0;
  if (has_reference_) {
    detail::require_support(spec, "reference_price", 0.0, true, kInf, true);
    reference_price_ = detail::param(spec, "reference_price");
  }
}

std::unique_ptr<ModelState> TokenDemand::new_state(std::size_t n) const { return std::make_unique<TdState>(n); }

void TokenDemand::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
                        std::span<const std::span<double>> out) const {
  auto& s = static_cast<TdState&>(state);
  const std::size_t n = ctx.n;
  ctx.draw(base_, kBase, s.base);
  ctx.draw(elasticity_, kElasticity, s.elasticity);
  ctx.draw(growth_, kGrowth, s.month_log_growth);
  for (std::size_t i = 0; i < n; ++i) s.month_log_growth[i] = fastmath::log(s.month_log_growth[i]) / 12.0;
  if (has_reference_) {
    ctx.draw(reference_price_, kReference, s.log_p0);
    for (std::size_t i = 0; i < n; ++i) s.log_p0[i] = fastmath::log(s.log_p0[i]);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const double p = in[0][i];
      if (!(p >= std::numeric_limits<double>::min()) || !std::isfinite(p))
        bad_input(kind(), name(), "price", price_, p, 0, "finite and positive");
      s.log_p0[i] = fastmath::log(p);
    }
  }
  write(state, 0, in[0], out);
}

void TokenDemand::step(ModelState& state, const BlockContext&, std::uint32_t month,
                       std::span<const std::span<const double>> in, std::span<const std::span<double>> out) const {
  write(state, month, in[0], out);
}

void TokenDemand::write(ModelState& state, std::uint32_t month, std::span<const double> price,
                        std::span<const std::span<double>> out) const {
  auto& s = static_cast<TdState&>(state);
  const std::size_t n = price.size();
  // fastmath::log needs normal numbers: a subnormal price is reported too
  if (const std::size_t bad = first_bad(price.data(), n, std::numeric_limits<double>::min()); bad < n)
    bad_input(kind(), name(), "price", price_, price[bad], month, "finite and positive");
  demand_kernel(n, static_cast<double>(month), price.data(), s.base.data(), s.elasticity.data(),
                s.month_log_growth.data(), s.log_p0.data(), out[0].data(), out[1].data());
}

}  // namespace aicast
