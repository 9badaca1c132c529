// price_model.cpp — the price-decline model's monthly kernel.
#include "aicast/price_model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "aicast/fastmath.hpp"
#include "aicast/samplers.hpp"

namespace aicast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxJumpLoop = 16777216.0;  // 2^24 jump sizes drawn one at a time, at most
constexpr double kSqrtDt = 0.28867513459481287;  // sqrt(1/12)
// Below this monthly jump rate the count is drawn by inversion from the path's jump uniform;
// from it on (exp(-mu) would lose precision and, past 708, underflow to 0) by PTRS from the
// path's jump stream.
constexpr double kInversionMaxRate = 600.0;
// The fast kernel keeps E as a number while E stays in [2^-900, 2^900], for paths whose month
// noise exponent |vol z| cannot reach 8 (|z| <= 6.67 for Box-Muller from 31-bit uniforms; single
// precision noise factor accurate to 6e-7). Other paths, and a path whose E leaves that range,
// continue in log space in double precision (exact for any volatility: E then underflows to 0 or
// overflows to +inf only when its true value does). A month moves a linear E by at most
// e^(62 + 8) < 2^101, so the value that leaves the range is still a normal finite double.
constexpr double kLinearLow = 0x1p-900, kLinearHigh = 0x1p900;
constexpr double kMaxLinearShock = 8.0, kMaxAbsNormal = 6.67;
// |log E| saturates here: E is 0 or +inf in double precision long before, and the saturation
// keeps later sums finite (no inf - inf) at volatilities up to the largest double.
constexpr double kLogCap = 1e300;

enum Slot : std::uint32_t { kStart, kDecline, kVol, kJumpRate, kJumpSize, kFloor, kFloorDecline, kLatentPremium };

struct PriceState final : ModelState {
  explicit PriceState(std::size_t n)
      : excess(n), floor(n), growth(n), vol(n), jump_mu(n), jump_p0(n), floor_factor(n), z(n), z_next(n), u(n),
        u_next(n), jumpers(n), jump_paths(n), jump_z(n), flags(n), log_excess(n), log_mode(n), best(n) {}
  std::vector<double> excess, floor, growth, vol, jump_mu, jump_p0, floor_factor;
  std::vector<double> z, z_next, u, u_next;  // this and next month's diffusion normal and jump uniform
  std::vector<std::uint32_t> jumpers, jump_paths;  // scratch: paths that jump this month
  std::vector<double> jump_z;
  std::vector<std::uint8_t> flags;
  std::vector<double> log_excess;     // ln E of the paths in log mode
  std::vector<std::uint8_t> log_mode;  // 1 once a path has left the fast kernel's range (E is then NaN)
  std::vector<double> best;  // running_minimum: the cheapest price so far
};

// The monthly factor x^(-1/12) of an annual decline x (fastmath::log wants a normal x: a
// subnormal one is scaled by 2^64 first).
inline double monthly_factor(double annual_decline) noexcept {
  constexpr double kLn2To64 = 44.361419555836499;  // 64 ln 2
  const bool tiny = annual_decline < 0x1p-1022;
  const double log_x = tiny ? fastmath::log(annual_decline * 0x1p64) - kLn2To64 : fastmath::log(annual_decline);
  return fastmath::exp(-log_x / 12.0);
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
    // P(no jump) for inversion; -1 (every path jumps, PTRS counts) from kInversionMaxRate on
    jump_p0[i] = jump_mu[i] < kInversionMaxRate ? fastmath::exp(-jump_mu[i]) : -1.0;
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
// 6e-7 for |vol z| < 8, random in sign), which is far below any Monte Carlo error and gives twice
// the SIMD width. Returns true when some path's new E left [kLinearLow, kLinearHigh] (a zero E
// stays zero) or is in log mode (its E is the NaN sentinel): advance_log then takes those paths.
AICAST_SIMD_CLONES bool advance(std::size_t n, double* __restrict excess, const double* __restrict growth,
                                const double* __restrict vol, const double* __restrict z, double* __restrict floor,
                                const double* __restrict factor, double* __restrict price) noexcept {
  unsigned any = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float shock = static_cast<float>(vol[i] * z[i]);
    const double e0 = excess[i];
    const double e = e0 * (growth[i] * static_cast<double>(fastmath::exp_f(shock)));
    const bool out = e0 != 0.0 && !(e >= kLinearLow && e <= kLinearHigh);
    excess[i] = e;
    floor[i] *= factor[i];
    price[i] = floor[i] + e;
    any |= out ? 1u : 0u;
  }
  return any != 0;
}

// running_minimum: best = min(best, latent price); the series is best. (std::fmin-free: prices
// are never NaN, and a latent +inf leaves best as it was.)
AICAST_SIMD_CLONES void running_min(std::size_t n, double* __restrict best, double* __restrict price) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double b = price[i] < best[i] ? price[i] : best[i];
    best[i] = b;
    price[i] = b;
  }
}

constexpr double kLogModeExcess = std::numeric_limits<double>::quiet_NaN();  // E of a path in log mode

// Moves E to ln E for a path entering log mode (ln 0 = -inf: a zero excess stays zero).
void enter_log_mode(PriceState& s, std::size_t i, double e) noexcept {
  s.log_mode[i] = 1;
  s.log_excess[i] = std::log(e);
  s.excess[i] = kLogModeExcess;
}

// ln E += d, saturated at +-kLogCap (E = exp(ln E) is then 0 or +inf in double precision anyway).
void add_log(PriceState& s, std::size_t i, double d) noexcept {
  s.log_excess[i] = std::clamp(s.log_excess[i] + d, -kLogCap, kLogCap);
}

// After a month in which advance flagged some path: a path in log mode takes the month's step in
// log space, in double precision, P = F + exp(ln E) (F + 0 or +inf only where E's true value is
// out of double range); a path whose new E just left the linear range enters log mode with it.
void advance_log(PriceState& s, std::size_t n, double* price) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    if (s.log_mode[i]) {
      add_log(s, i, std::log(s.growth[i]) + s.vol[i] * s.z[i]);
      s.excess[i] = kLogModeExcess;
      price[i] = s.floor[i] + std::exp(s.log_excess[i]);
    } else if (const double e = s.excess[i]; e != 0.0 && !(e >= kLinearLow && e <= kLinearHigh)) {
      enter_log_mode(s, i, e);
    }
  }
}

// E *= exp(log_jump) for path i, in log mode when the product would leave the fast kernel's range.
void apply_jump(PriceState& s, std::size_t i, double log_jump) noexcept {
  if (!s.log_mode[i]) {
    if (s.excess[i] == 0.0) return;  // no excess: nothing to jump
    const double e = s.excess[i] * fastmath::exp(log_jump);
    if (e >= kLinearLow && e <= kLinearHigh && std::fabs(log_jump) < 700.0) {
      s.excess[i] = e;
      return;
    }
    enter_log_mode(s, i, s.excess[i]);
  }
  add_log(s, i, log_jump);
}

}  // namespace

PriceDecline::PriceDecline(const ModelSpec& spec) : Model(spec.name) {
  detail::check_known_params(spec, {"start_price", "annual_decline", "volatility", "jump_rate", "jump_log_size",
                                    "floor", "floor_annual_decline", "latent_premium"});
  detail::require_support(spec, "start_price", 0.0, true, kInf, true);
  detail::require_support(spec, "annual_decline", 0.0, true, kInf, true);
  detail::require_support(spec, "volatility", 0.0, false, kInf, true);
  detail::require_support(spec, "jump_rate", 0.0, false, kInf, true);
  detail::require_support(spec, "jump_log_size", -kInf, true, kInf, true);
  detail::require_support(spec, "floor", 0.0, false, kInf, true);
  detail::require_support(spec, "floor_annual_decline", 0.0, true, kInf, true);
  const bool has_premium = spec.params.count("latent_premium") != 0;  // optional: 0 when absent
  if (has_premium) detail::require_support(spec, "latent_premium", 0.0, false, kInf, true);
  start_price_ = detail::param(spec, "start_price");
  annual_decline_ = detail::param(spec, "annual_decline");
  volatility_ = detail::param(spec, "volatility");
  jump_rate_ = detail::param(spec, "jump_rate");
  jump_log_size_ = detail::param(spec, "jump_log_size");
  floor_ = detail::param(spec, "floor");
  floor_annual_decline_ = detail::param(spec, "floor_annual_decline");
  latent_premium_ = has_premium ? detail::param(spec, "latent_premium") : Prior::point(0.0);
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
  normal_mixture_ = jump_log_size_.kind() == Prior::Kind::mixture &&
                    std::all_of(jump_log_size_.components().begin(), jump_log_size_.components().end(),
                                [](const Prior& c) { return c.kind() == Prior::Kind::normal; });
  if (normal_mixture_) {
    mix_weight_ = jump_log_size_.weights();
    for (const Prior& c : jump_log_size_.components()) {
      mix_mu_.push_back(c.params()[0]);
      mix_sigma_.push_back(c.params()[1]);
    }
  }
  if (spec.labels.size() > 1 || (spec.labels.size() == 1 && spec.labels[0] != "running_minimum"))
    throw std::invalid_argument("price_decline '" + spec.name +
                                "': labels may only hold the option 'running_minimum', got " +
                                (spec.labels.empty() ? std::string() : "'" + spec.labels.back() + "'") +
                                (spec.labels.size() > 1 ? " (" + std::to_string(spec.labels.size()) + " labels)" : ""));
  running_minimum_ = spec.labels.size() == 1;
  if (!running_minimum_ && !(latent_premium_.is_point() && latent_premium_.params()[0] == 0.0))
    throw std::invalid_argument("price_decline '" + spec.name +
                                "': latent_premium needs running_minimum (without it the start is the latent price)");
}

std::unique_ptr<ModelState> PriceDecline::new_state(std::size_t n) const { return std::make_unique<PriceState>(n); }

void PriceDecline::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>>,
                         std::span<const std::span<double>> out) const {
  auto& s = static_cast<PriceState&>(state);
  const std::size_t n = ctx.n;
  // per-path parameters; the state arrays double as scratch for the raw draws
  ctx.draw(start_price_, kStart, s.excess);
  if (running_minimum_) {
    // the observed start (the cheapest offer) is start_price; the latent price is above it by
    // the factor exp(latent_premium)
    ctx.draw(latent_premium_, kLatentPremium, s.best);
    for (std::size_t i = 0; i < n; ++i) {
      const double observed = s.excess[i];
      s.excess[i] = observed * std::exp(s.best[i]);
      s.best[i] = observed;
    }
  }
  ctx.draw(floor_, kFloor, s.floor);
  ctx.draw(annual_decline_, kDecline, s.growth);
  ctx.draw(volatility_, kVol, s.vol);
  ctx.draw(jump_rate_, kJumpRate, s.jump_mu);
  ctx.draw(floor_annual_decline_, kFloorDecline, s.floor_factor);
  prepare(n, s.excess.data(), s.floor.data(), s.growth.data(), s.vol.data(), s.jump_mu.data(), s.jump_p0.data(),
          s.floor_factor.data(), out[0].data());
  // paths that could leave the fast kernel's range in one month start in log space
  for (std::size_t i = 0; i < n; ++i) {
    const double e = s.excess[i];
    if (!(s.vol[i] * kMaxAbsNormal < kMaxLinearShock) || (e != 0.0 && !(e >= kLinearLow && e <= kLinearHigh)))
      enter_log_mode(s, i, e);
  }
  if (running_minimum_) running_min(n, s.best.data(), out[0].data());
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
    const bool mixture = kind == Prior::Kind::mixture && normal_mixture_;
    const bool batched = kind == Prior::Kind::normal || kind == Prior::Kind::lognormal || mixture;
    if (nj > 0 && batched) {
      // the first jump of every jumping path at once, from the first draws of its jump stream:
      // the factor exp(J), J = jump_log_size_.sample(Stream(key, path, month, stream 1))
      for (std::size_t j = 0; j < nj; ++j) s.jump_paths[j] = static_cast<std::uint32_t>(ctx.first_path + s.jumpers[j]);
      if (mixture) {
        // J = Prior::sample of the mixture on the stream, component and normal in batches
        normal_mixture_at(ctx.key, s.jump_paths.data(), nj, month, ctx.noise_stream(1), mix_weight_.size(),
                          mix_weight_.data(), mix_mu_.data(), mix_sigma_.data(), s.jump_z.data());
        exp_affine(nj, 0.0, 1.0, s.jump_z.data());  // exp(J)
      } else {
        normals_at(ctx.key, s.jump_paths.data(), nj, month, ctx.noise_stream(1), s.jump_z.data());
        const double mu = jump_log_size_.params()[0], sd = jump_log_size_.params()[1];
        exp_affine(nj, mu, sd, s.jump_z.data());                                      // exp(J), or J if lognormal
        if (kind == Prior::Kind::lognormal) exp_affine(nj, 0.0, 1.0, s.jump_z.data());  // exp(J)
      }
    }
    for (std::size_t j = 0; j < nj; ++j) {
      const std::size_t i = s.jumpers[j];
      Stream js(ctx.key, ctx.first_path + i, month, ctx.noise_stream(1));
      if (s.jump_mu[i] >= kInversionMaxRate) {
        apply_jump(s, i, jump_sum(sample_poisson_count(js, s.jump_mu[i]), js, ctx.first_path + i, month));
        continue;
      }
      // Poisson count by inversion; one jump (u below P(N <= 1)) is by far the most common
      const double p0 = s.jump_p0[i], cdf1 = p0 + p0 * s.jump_mu[i];
      const std::int64_t count = s.u[i] < cdf1 ? 1 : poisson_inversion(s.u[i], s.jump_mu[i], p0);
      if (batched && count == 1 && !s.log_mode[i]) {
        if (s.excess[i] == 0.0) continue;  // no excess: nothing to jump
        const double e = s.excess[i] * s.jump_z[j];
        if (e >= kLinearLow && e <= kLinearHigh) {
          s.excess[i] = e;
          continue;
        }
      }
      // the batched first jump is the first draw of this same stream
      double log_jump = 0.0;
      for (std::int64_t c = 0; c < count; ++c) log_jump += jump_log_size_.sample(js);
      apply_jump(s, i, log_jump);
    }
  }
  if (advance(n, s.excess.data(), s.growth.data(), s.vol.data(), s.z.data(), s.floor.data(), s.floor_factor.data(),
              out[0].data()))
    advance_log(s, n, out[0].data());
  if (running_minimum_) running_min(n, s.best.data(), out[0].data());
}

double PriceDecline::jump_sum(double count, Stream& js, std::uint64_t path, std::uint32_t month) const {
  // The sum of `count` iid jump sizes: in closed form for point and normal sizes (any count),
  // one draw at a time otherwise.
  const auto& p = jump_log_size_.params();
  if (jump_log_size_.is_point()) return count * p[0];
  if (jump_log_size_.kind() == Prior::Kind::normal) return count * p[0] + std::sqrt(count) * p[1] * js.normal();
  if (count > kMaxJumpLoop)
    throw std::domain_error("price_decline '" + name() + "': path " + std::to_string(path) + " draws " +
                            std::to_string(count) + " jumps in month " + std::to_string(month) +
                            "; more than 2^24 jumps a month need a point or normal jump_log_size (their sum is "
                            "drawn in closed form)");
  double sum = 0.0;
  for (double c = 0.0; c < count; c += 1.0) sum += jump_log_size_.sample(js);
  return sum;
}

}  // namespace aicast
