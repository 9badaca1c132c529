// price_model.cpp — the price-decline model's monthly kernel.
#include "aicast/price_model.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "aicast/fastmath.hpp"
#include "aicast/samplers.hpp"

namespace aicast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNoExcess = -1000.0;  // log of an excess of zero: fastmath::exp gives exactly 0
const double kSqrtDt = std::sqrt(1.0 / 12.0);

enum Slot : std::uint32_t { kStart, kDecline, kVol, kJumpRate, kJumpSize, kFloor, kFloorDecline };

struct PriceState final : ModelState {
  explicit PriceState(std::size_t n)
      : log_e(n), floor(n), drift(n), vol(n), jump_mu(n), jump_p0(n), floor_factor(n), z(n), z_next(n), u{} {
    for (auto& v : u) v.resize(n);
  }
  std::vector<double> log_e, floor, drift, vol, jump_mu, jump_p0, floor_factor, z, z_next;
  std::array<std::vector<double>, 4> u;  // jump uniforms of four consecutive months
};

// log E += drift + vol z;  F *= factor;  P = F + exp(log E)
AICAST_SIMD_CLONES void advance(std::size_t n, double* __restrict log_e, const double* __restrict drift,
                                const double* __restrict vol, const double* __restrict z, double* __restrict floor,
                                const double* __restrict factor, double* __restrict price) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    log_e[i] += drift[i] + vol[i] * z[i];
    floor[i] *= factor[i];
    price[i] = floor[i] + fastmath::exp(log_e[i]);
  }
}

}  // namespace

PriceDecline::PriceDecline(const ModelSpec& spec) : Model(spec.name) {
  detail::check_known_params(spec, {"start_price", "annual_decline", "volatility", "jump_rate", "jump_log_size",
                                    "floor", "floor_annual_decline"});
  detail::require_support(spec, "start_price", 0.0, true, kInf, true);
  detail::require_support(spec, "annual_decline", 0.0, true, kInf, true);
  detail::require_support(spec, "volatility", 0.0, false, kInf, true);
  detail::require_support(spec, "jump_rate", 0.0, false, kInf, true);
  detail::require_support(spec, "jump_log_size", -kInf, true, kInf, true);
  detail::require_support(spec, "floor", 0.0, false, kInf, true);
  detail::require_support(spec, "floor_annual_decline", 0.0, true, kInf, true);
  start_price_ = detail::param(spec, "start_price");
  annual_decline_ = detail::param(spec, "annual_decline");
  volatility_ = detail::param(spec, "volatility");
  jump_rate_ = detail::param(spec, "jump_rate");
  jump_log_size_ = detail::param(spec, "jump_log_size");
  floor_ = detail::param(spec, "floor");
  floor_annual_decline_ = detail::param(spec, "floor_annual_decline");
  if (jump_log_size_.copula())
    throw std::invalid_argument("price_decline '" + spec.name +
                                "': jump_log_size is drawn once per jump and cannot be correlated");
  if (floor_.is_point() && start_price_.is_point() && floor_.params()[0] >= start_price_.params()[0])
    throw std::invalid_argument("price_decline '" + spec.name + "': floor must be below start_price, got floor=" +
                                std::to_string(floor_.params()[0]) +
                                " and start_price=" + std::to_string(start_price_.params()[0]));
  jumps_ = !(jump_rate_.is_point() && jump_rate_.params()[0] == 0.0);
}

std::unique_ptr<ModelState> PriceDecline::new_state(std::size_t n) const { return std::make_unique<PriceState>(n); }

void PriceDecline::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>>,
                         std::span<const std::span<double>> out) const {
  auto& s = static_cast<PriceState&>(state);
  const std::size_t n = ctx.n;
  // per-path parameters; the state arrays double as scratch for the raw draws
  ctx.draw(start_price_, kStart, s.log_e);
  ctx.draw(floor_, kFloor, s.floor);
  ctx.draw(annual_decline_, kDecline, s.drift);
  ctx.draw(volatility_, kVol, s.vol);
  ctx.draw(jump_rate_, kJumpRate, s.jump_mu);
  ctx.draw(floor_annual_decline_, kFloorDecline, s.floor_factor);
  for (std::size_t i = 0; i < n; ++i) {
    const double p0 = s.log_e[i];
    const double excess = p0 - s.floor[i];
    out[0][i] = excess > 0.0 ? p0 : s.floor[i];
    s.log_e[i] = excess > 0.0 ? fastmath::log(excess) : kNoExcess;
    s.drift[i] = -fastmath::log(s.drift[i]) / 12.0;
    s.vol[i] *= kSqrtDt;
    s.jump_mu[i] /= 12.0;
    s.jump_p0[i] = fastmath::exp(-s.jump_mu[i]);
    s.floor_factor[i] = fastmath::exp(-fastmath::log(s.floor_factor[i]) / 12.0);
  }
}

void PriceDecline::step(ModelState& state, const BlockContext& ctx, std::uint32_t month,
                        std::span<const std::span<const double>>, std::span<const std::span<double>> out) const {
  auto& s = static_cast<PriceState&>(state);
  const std::size_t n = ctx.n;
  const std::uint32_t k = month - 1;  // months 1, 2, ... -> 0, 1, ...
  if (k % 2 == 0) {
    normal_block(ctx.key, ctx.first_path, n, k / 2, ctx.noise_stream(0), s.z.data(), s.z_next.data(), nullptr);
  } else {
    s.z.swap(s.z_next);  // the second normal of the pair drawn last month
  }
  if (jumps_) {
    if (k % 4 == 0)
      uniform4_block(ctx.key, ctx.first_path, n, k / 4, ctx.noise_stream(2), s.u[0].data(), s.u[1].data(),
                     s.u[2].data(), s.u[3].data());
    const double* u = s.u[k % 4].data();
    // jumps add to log E, so they can go before the diffusion step
    for (std::size_t i = 0; i < n; ++i) {
      if (u[i] < s.jump_p0[i]) continue;  // no jump this month (the common case)
      const std::int64_t count = poisson_inversion(u[i], s.jump_mu[i], s.jump_p0[i]);
      Stream js(ctx.key, ctx.first_path + i, month, ctx.noise_stream(1));
      for (std::int64_t j = 0; j < count; ++j) s.log_e[i] += jump_log_size_.sample(js);
    }
  }
  advance(n, s.log_e.data(), s.drift.data(), s.vol.data(), s.z.data(), s.floor.data(), s.floor_factor.data(),
          out[0].data());
}

}  // namespace aicast
