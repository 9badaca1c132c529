// price_model.cpp — the price-decline model's monthly kernel.
#include "aicast/price_model.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "aicast/fastmath.hpp"
#include "aicast/samplers.hpp"

namespace aicast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMinNormal = std::numeric_limits<double>::min();
constexpr double kSqrtDt = 0.28867513459481287;  // sqrt(1/12)

enum Slot : std::uint32_t { kStart, kDecline, kVol, kJumpRate, kJumpSize, kFloor, kFloorDecline };

struct PriceState final : ModelState {
  explicit PriceState(std::size_t n)
      : excess(n), floor(n), growth(n), vol(n), jump_mu(n), jump_p0(n), floor_factor(n), z(n), z_next(n), u(n),
        u_next(n), jumpers(n), jump_paths(n), jump_z(n), flags(n) {}
  std::vector<double> excess, floor, growth, vol, jump_mu, jump_p0, floor_factor;
  std::vector<double> z, z_next, u, u_next;  // this and next month's diffusion normal and jump uniform
  std::vector<std::uint32_t> jumpers, jump_paths;  // scratch: paths that jump this month
  std::vector<double> jump_z;
  std::vector<std::uint8_t> flags;
};

// The monthly factor x^(-1/12) of an annual decline x.
inline double monthly_factor(double annual_decline) noexcept {
  return fastmath::exp(-fastmath::log(annual_decline) / 12.0);
}

// Per-path parameters from their raw draws (in place): excess, monthly growth factor of the
// median excess, volatility, jump rate and P(no jump), floor factor. Branch-free so it vectorizes.
AICAST_SIMD_CLONES void prepare(std::size_t n, double* __restrict p0_excess, const double* __restrict floor,
                                double* __restrict growth, double* __restrict vol, double* __restrict jump_mu,
                                double* __restrict jump_p0, double* __restrict floor_factor,
                                double* __restrict price) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double p0 = p0_excess[i];
    const double excess = p0 - floor[i];
    const bool has_excess = excess > 0.0;
    price[i] = has_excess ? p0 : floor[i];
    p0_excess[i] = has_excess ? excess : 0.0;
    growth[i] = monthly_factor(growth[i]);
    vol[i] *= kSqrtDt;
    jump_mu[i] /= 12.0;
    jump_p0[i] = fastmath::exp(-jump_mu[i]);
    floor_factor[i] = monthly_factor(floor_factor[i]);
  }
}

// flag[i] = 1 if path i jumps this month (its uniform is past P(no jump)); vectorized.
AICAST_SIMD_CLONES void jump_flags(std::size_t n, const double* __restrict u, const double* __restrict p0,
                                   std::uint8_t* __restrict flag) noexcept {
  for (std::size_t i = 0; i < n; ++i) flag[i] = u[i] >= p0[i] ? 1 : 0;
}

// Indices of the paths that jump this month, in order; returns the count. Jumps are rare, so the
// flags are scanned eight at a time.
std::size_t find_jumpers(std::size_t n, const double* u, const double* p0, std::uint8_t* flag,
                         std::uint32_t* out) noexcept {
  jump_flags(n, u, p0, flag);
  std::size_t count = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, flag + i, 8);
    static_assert(std::endian::native == std::endian::little, "byte b of the word is flag[i + b]");
    while (word != 0) {
      out[count++] = static_cast<std::uint32_t>(i + static_cast<std::size_t>(std::countr_zero(word)) / 8);
      word &= word - 1;
    }
  }
  for (; i < n; ++i)
    if (flag[i]) out[count++] = static_cast<std::uint32_t>(i);
  return count;
}

// E *= growth exp(vol z);  F *= factor;  P = F + E. The deterministic factors are exact in double
// precision; the noise factor exp(vol z) is computed in single precision (relative error below
// 2e-7, random in sign), which is far below any Monte Carlo error and gives twice the SIMD width.
AICAST_SIMD_CLONES void advance(std::size_t n, double* __restrict excess, const double* __restrict growth,
                                const double* __restrict vol, const double* __restrict z, double* __restrict floor,
                                const double* __restrict factor, double* __restrict price) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const float shock = static_cast<float>(vol[i] * z[i]);
    const double e = excess[i] * (growth[i] * static_cast<double>(fastmath::exp_f(shock)));
    excess[i] = e < kMinNormal ? 0.0 : e;  // no subnormals: an excess that small is zero
    floor[i] *= factor[i];
    price[i] = floor[i] + excess[i];
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
  if (floor_.is_point() && start_price_.is_point() && floor_.params()[0] >= start_price_.params()[0]) {
    std::ostringstream os;  // the numbers as written (50, not 50.000000)
    os << "price_decline '" << spec.name << "': floor must be below start_price, got floor=" << floor_.params()[0]
       << " and start_price=" << start_price_.params()[0];
    throw std::invalid_argument(os.str());
  }
  jumps_ = !(jump_rate_.is_point() && jump_rate_.params()[0] == 0.0);
}

std::unique_ptr<ModelState> PriceDecline::new_state(std::size_t n) const { return std::make_unique<PriceState>(n); }

void PriceDecline::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>>,
                         std::span<const std::span<double>> out) const {
  auto& s = static_cast<PriceState&>(state);
  const std::size_t n = ctx.n;
  // per-path parameters; the state arrays double as scratch for the raw draws
  ctx.draw(start_price_, kStart, s.excess);
  ctx.draw(floor_, kFloor, s.floor);
  ctx.draw(annual_decline_, kDecline, s.growth);
  ctx.draw(volatility_, kVol, s.vol);
  ctx.draw(jump_rate_, kJumpRate, s.jump_mu);
  ctx.draw(floor_annual_decline_, kFloorDecline, s.floor_factor);
  prepare(n, s.excess.data(), s.floor.data(), s.growth.data(), s.vol.data(), s.jump_mu.data(), s.jump_p0.data(),
          s.floor_factor.data(), out[0].data());
}

void PriceDecline::step(ModelState& state, const BlockContext& ctx, std::uint32_t month,
                        std::span<const std::span<const double>>, std::span<const std::span<double>> out) const {
  auto& s = static_cast<PriceState&>(state);
  const std::size_t n = ctx.n;
  const std::uint32_t k = month - 1;  // months 1, 2, ... -> 0, 1, ...
  if (k % 2 == 0) {
    // one Philox block per path for this month and the next: a normal pair and two jump uniforms
    normal_block(ctx.key, ctx.first_path, n, k / 2, ctx.noise_stream(0), s.z.data(), s.z_next.data(),
                 jumps_ ? s.u.data() : nullptr, jumps_ ? s.u_next.data() : nullptr);
  } else {
    s.z.swap(s.z_next);
    s.u.swap(s.u_next);
  }
  if (jumps_) {
    // jumps multiply E, so they can go before the diffusion step
    const std::size_t nj = find_jumpers(n, s.u.data(), s.jump_p0.data(), s.flags.data(), s.jumpers.data());
    const auto kind = jump_log_size_.kind();
    const bool batched = kind == Prior::Kind::normal || kind == Prior::Kind::lognormal;
    if (nj > 0 && batched) {
      // the first jump of every jumping path at once, from the first normal of its jump stream:
      // the factor exp(J), J = jump_log_size_.sample(Stream(key, path, month, stream 1))
      for (std::size_t j = 0; j < nj; ++j) s.jump_paths[j] = static_cast<std::uint32_t>(ctx.first_path + s.jumpers[j]);
      normals_at(ctx.key, s.jump_paths.data(), nj, month, ctx.noise_stream(1), s.jump_z.data());
      const double mu = jump_log_size_.params()[0], sd = jump_log_size_.params()[1];
      exp_affine(nj, mu, sd, s.jump_z.data());                                      // exp(J), or J if lognormal
      if (kind == Prior::Kind::lognormal) exp_affine(nj, 0.0, 1.0, s.jump_z.data());  // exp(J)
    }
    for (std::size_t j = 0; j < nj; ++j) {
      const std::size_t i = s.jumpers[j];
      // Poisson count by inversion; one jump (u below P(N <= 1)) is by far the most common
      const double p0 = s.jump_p0[i], cdf1 = p0 + p0 * s.jump_mu[i];
      const std::int64_t count = s.u[i] < cdf1 ? 1 : poisson_inversion(s.u[i], s.jump_mu[i], p0);
      if (batched && count == 1) {
        s.excess[i] *= s.jump_z[j];
        continue;
      }
      Stream js(ctx.key, ctx.first_path + i, month, ctx.noise_stream(1));
      double log_jump = 0.0;
      for (std::int64_t c = 0; c < count; ++c) log_jump += jump_log_size_.sample(js);
      s.excess[i] *= fastmath::exp(log_jump);
    }
  }
  advance(n, s.excess.data(), s.growth.data(), s.vol.data(), s.z.data(), s.floor.data(), s.floor_factor.data(),
          out[0].data());
}

}  // namespace aicast
