// leaderboard_model.cpp — the leaderboard-gap model's monthly kernels (Elo-like and percent scales).
#include "aicast/leaderboard_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "aicast/fastmath.hpp"
#include "aicast/samplers.hpp"

namespace aicast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kDt = 1.0 / 12.0;
const double kSqrtDt = std::sqrt(kDt);

enum Slot : std::uint32_t {
  kClosedStart, kGapStart, kDrift, kClosedVol, kReversion, kEquilibrium, kGapVol, kRho, kGapDf, kMoveProb, kLatentOffset
};
// noise streams: 0 the normal pair, 1 the gamma precision of Student-t gap innovations, 2 the
// uniform that decides whether the published gap moves this month
constexpr std::uint32_t kPrecisionStream = 1;
constexpr std::uint32_t kMoveStream = 2;

struct LeaderboardState final : ModelState {
  explicit LeaderboardState(std::size_t n)
      : latent(n), closed(n), gap(n), drift(n), vol(n), theta(n), a(n), s(n), inv_drift(n), rho(n), s_rho(n), z0(n),
        z1(n), half_df(n), mult(n, 1.0), move_p(n), u(n), u_spare(n), held(n) {}
  // the gap noise loads s_rho on z0 and s on z1 (s_rho = s0 rho, s = s0 sqrt(1 - rho^2)), times
  // mult (1 for Gaussian innovations, sqrt(df / 2 / W) with W ~ Gamma(df / 2) for Student t)
  std::vector<double> latent, closed, gap, drift, vol, theta, a, s, inv_drift, rho, s_rho, z0, z1, half_df, mult;
  // intermittent moves: the move probability, this month's uniform, and the published gap (gap
  // then holds the latent OU gap, which the published one takes in the months it moves)
  std::vector<double> move_p, u, u_spare, held;
};

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

// exp(x) - 1 without cancellation for small |x|, from the portable exp.
double expm1_portable(double x) noexcept {
  if (std::fabs(x) < 1e-2) {
    // Taylor series to x^8: truncation error < 1e-19 relative
    double p = 1.0 / 40320.0;
    p = p * x + 1.0 / 5040.0;
    p = p * x + 1.0 / 720.0;
    p = p * x + 1.0 / 120.0;
    p = p * x + 1.0 / 24.0;
    p = p * x + 1.0 / 6.0;
    p = p * x + 0.5;
    return x + x * x * p;
  }
  return fastmath::exp(x) - 1.0;
}

double logit_percent(double p) noexcept { return fastmath::log(p) - fastmath::log(100.0 - p); }
inline double expit_percent(double x) noexcept { return 100.0 / (1.0 + fastmath::exp(-x)); }

// L += drift + vol z0; C = max(C, L); G = theta + a (G - theta) + (s_rho z0 + s z1) mult (mult = 1
// exactly for Gaussian innovations, so they give the same bits as without it). On the percent
// scale the same dynamics run in logit space and are published in percent.
// With kMoves the published gap g is held[i], which takes the latent gap's value in the months
// with u[i] < move_p[i] and keeps its value otherwise.
template <bool kPercent, bool kMoves>
[[gnu::always_inline]] inline void advance_impl(std::size_t n, double* __restrict latent, double* __restrict closed,
    double* __restrict gap, const double* __restrict drift, const double* __restrict vol,
    const double* __restrict theta, const double* __restrict a, const double* __restrict s,
    const double* __restrict inv_drift, const double* __restrict s_rho, const double* __restrict z0,
    const double* __restrict z1, const double* __restrict mult, const double* __restrict move_p,
    const double* __restrict u, double* __restrict held, double* __restrict out_closed, double* __restrict out_open,
    double* __restrict out_gap, double* __restrict out_lag, double* __restrict out_latent) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    latent[i] += drift[i] + vol[i] * z0[i];
    closed[i] = closed[i] > latent[i] ? closed[i] : latent[i];
    gap[i] = theta[i] + a[i] * (gap[i] - theta[i]) + (s_rho[i] * z0[i] + s[i] * z1[i]) * mult[i];
    double g = gap[i];
    if constexpr (kMoves) {
      g = u[i] < move_p[i] ? g : held[i];
      held[i] = g;
    }
    out_lag[i] = g * inv_drift[i];
    if constexpr (kPercent) {
      const double c = expit_percent(closed[i]);
      const double o = expit_percent(closed[i] - g);
      out_closed[i] = c;
      out_open[i] = o;
      out_gap[i] = c - o;
      out_latent[i] = expit_percent(latent[i]);
    } else {
      out_closed[i] = closed[i];
      out_open[i] = closed[i] - g;
      out_gap[i] = g;
      out_latent[i] = latent[i];
    }
  }
}

// One vectorizable function per form (scale x intermittent moves): GCC does not vectorize a
// target-clones loop that tests a run-time bool, so the forms are template arguments.
#define AICAST_LEADERBOARD_ADVANCE(NAME, PERCENT, MOVES)                                                            \
  AICAST_SIMD_CLONES void NAME(std::size_t n, double* __restrict latent, double* __restrict closed,                  \
      double* __restrict gap, const double* __restrict drift, const double* __restrict vol,                          \
      const double* __restrict theta, const double* __restrict a, const double* __restrict s,                        \
      const double* __restrict inv_drift, const double* __restrict s_rho, const double* __restrict z0,               \
      const double* __restrict z1, const double* __restrict mult, const double* __restrict move_p,                   \
      const double* __restrict u, double* __restrict held, double* __restrict out_closed,                            \
      double* __restrict out_open, double* __restrict out_gap, double* __restrict out_lag,                           \
      double* __restrict out_latent) noexcept {                                                                      \
    advance_impl<PERCENT, MOVES>(n, latent, closed, gap, drift, vol, theta, a, s, inv_drift, s_rho, z0, z1, mult,     \
                                 move_p, u, held, out_closed, out_open, out_gap, out_lag, out_latent);                \
  }

AICAST_LEADERBOARD_ADVANCE(advance_elo, false, false)
AICAST_LEADERBOARD_ADVANCE(advance_percent, true, false)
AICAST_LEADERBOARD_ADVANCE(advance_elo_moves, false, true)
AICAST_LEADERBOARD_ADVANCE(advance_percent_moves, true, true)
#undef AICAST_LEADERBOARD_ADVANCE

// w = sqrt(half_df / w) in place (w > 0 a Gamma(half_df) draw; a draw that underflowed to 0 is
// taken as the smallest normal double, so the multiplier stays finite)
AICAST_SIMD_CLONES void t_multiplier(std::size_t n, const double* __restrict half_df, double* __restrict w) noexcept {
  constexpr double kTiny = std::numeric_limits<double>::min();
  for (std::size_t i = 0; i < n; ++i) w[i] = std::sqrt(half_df[i] / (w[i] > kTiny ? w[i] : kTiny));
}

}  // namespace

LeaderboardGap::LeaderboardGap(const ModelSpec& spec) : Model(spec.name) {
  const std::string who = "leaderboard_gap '" + spec.name + "'";
  detail::check_known_params(spec, {"closed_start", "gap_start", "closed_drift_per_month", "closed_volatility",
                                    "gap_reversion", "equilibrium_gap", "gap_volatility", "innovation_correlation",
                                    "gap_innovation_df", "gap_move_probability", "gap_latent_offset"});
  if (spec.labels.size() > 1)
    throw std::invalid_argument(who + ": labels must hold at most the scale ('elo' or 'percent'), got " +
                                std::to_string(spec.labels.size()) + " labels");
  if (!spec.labels.empty()) {
    if (spec.labels[0] == "elo")
      scale_ = Scale::elo;
    else if (spec.labels[0] == "percent")
      scale_ = Scale::percent;
    else
      throw std::invalid_argument(who + ": scale must be 'elo' or 'percent', got '" + spec.labels[0] + "'");
  }
  if (!spec.links.empty()) throw std::invalid_argument(who + ": takes no links, got " + spec.links.begin()->first);
  if (scale_ == Scale::percent)
    detail::require_support(spec, "closed_start", 0.0, true, 100.0, true);
  else
    detail::require_support(spec, "closed_start", -kInf, true, kInf, true);
  detail::require_support(spec, "gap_start", -kInf, true, kInf, true);
  detail::require_support(spec, "closed_drift_per_month", 0.0, true, kInf, true);
  detail::require_support(spec, "closed_volatility", 0.0, false, kInf, true);
  detail::require_support(spec, "gap_reversion", 0.0, false, kInf, true);
  detail::require_support(spec, "equilibrium_gap", -kInf, true, kInf, true);
  detail::require_support(spec, "gap_volatility", 0.0, false, kInf, true);
  detail::require_support(spec, "innovation_correlation", -1.0, false, 1.0, false);
  closed_start_ = detail::param(spec, "closed_start");
  gap_start_ = detail::param(spec, "gap_start");
  closed_drift_ = detail::param(spec, "closed_drift_per_month");
  closed_vol_ = detail::param(spec, "closed_volatility");
  gap_reversion_ = detail::param(spec, "gap_reversion");
  equilibrium_gap_ = detail::param(spec, "equilibrium_gap");
  gap_vol_ = detail::param(spec, "gap_volatility");
  rho_ = detail::param(spec, "innovation_correlation");
  // optional: without it the gap's innovations are Gaussian (df = infinity)
  if (spec.params.count("gap_innovation_df") != 0) {
    detail::require_support(spec, "gap_innovation_df", 0.0, true, kInf, true);
    gap_df_ = detail::param(spec, "gap_innovation_df");
    student_t_ = true;
  }
  // optional: without it the published gap moves every month (the OU gap itself)
  if (spec.params.count("gap_move_probability") != 0) {
    detail::require_support(spec, "gap_move_probability", 0.0, true, 1.0, false);
    move_p_ = detail::param(spec, "gap_move_probability");
    moves_ = true;
  }
  // optional: the latent gap starts this far (working scale) from the published one
  if (spec.params.count("gap_latent_offset") != 0) {
    if (!moves_)
      throw std::invalid_argument(who + ": gap_latent_offset needs gap_move_probability (without it the gap has no "
                                  "latent part)");
    detail::require_support(spec, "gap_latent_offset", -kInf, true, kInf, true);
    latent_offset_ = detail::param(spec, "gap_latent_offset");
    offset_ = true;
  }
  if (scale_ == Scale::percent) {
    // every possible draw must give an open start score closed_start - gap_start inside (0, 100)
    const double lo = closed_start_.lower() - gap_start_.upper();
    const double hi = closed_start_.upper() - gap_start_.lower();
    if (!(lo > 0.0 && hi < 100.0)) {
      const std::string what =
          "with scale 'percent' the open start score closed_start - gap_start must be in (0, 100)";
      if (closed_start_.is_point() && gap_start_.is_point())
        throw std::invalid_argument(who + ": " + what + ", got " + fmt(closed_start_.lower()) + " - " +
                                    fmt(gap_start_.lower()) + " = " + fmt(lo));
      throw std::invalid_argument(who + ": " + what + ", but the priors allow values from " + fmt(lo) + " to " +
                                  fmt(hi) + "; truncate closed_start and gap_start");
    }
  }
}

std::unique_ptr<ModelState> LeaderboardGap::new_state(std::size_t n) const {
  return std::make_unique<LeaderboardState>(n);
}

void LeaderboardGap::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>>,
                           std::span<const std::span<double>> out) const {
  auto& s = static_cast<LeaderboardState&>(state);
  const std::size_t n = ctx.n;
  ctx.draw(closed_start_, kClosedStart, s.closed);
  ctx.draw(gap_start_, kGapStart, s.gap);
  ctx.draw(closed_drift_, kDrift, s.drift);
  ctx.draw(closed_vol_, kClosedVol, s.vol);
  ctx.draw(gap_reversion_, kReversion, s.a);
  ctx.draw(equilibrium_gap_, kEquilibrium, s.theta);
  ctx.draw(gap_vol_, kGapVol, s.s);
  ctx.draw(rho_, kRho, s.rho);
  if (student_t_) {
    ctx.draw(gap_df_, kGapDf, s.half_df);
    for (std::size_t i = 0; i < n; ++i) s.half_df[i] *= 0.5;
  }
  if (moves_) ctx.draw(move_p_, kMoveProb, s.move_p);
  if (offset_) ctx.draw(latent_offset_, kLatentOffset, s.u);  // s.u: scratch until the first step
  const bool percent = scale_ == Scale::percent;
  for (std::size_t i = 0; i < n; ++i) {
    const double c0 = s.closed[i], g0 = s.gap[i];
    out[0][i] = c0;
    out[1][i] = c0 - g0;
    out[2][i] = g0;
    out[4][i] = c0;
    if (percent) {
      // publish month 0 through the same logit round trip as later months, so the frontier
      // cannot appear to fall by an ulp between month 0 and month 1
      s.closed[i] = logit_percent(c0);
      s.gap[i] = s.closed[i] - logit_percent(c0 - g0);
      const double c = expit_percent(s.closed[i]), o = expit_percent(s.closed[i] - s.gap[i]);
      out[0][i] = c;
      out[1][i] = o;
      out[2][i] = c - o;
      out[4][i] = c;
    }
    s.latent[i] = s.closed[i];
    s.held[i] = s.gap[i];
    s.inv_drift[i] = 1.0 / s.drift[i];
    out[3][i] = s.gap[i] * s.inv_drift[i];
    if (offset_) s.gap[i] += s.u[i];
    s.vol[i] *= kSqrtDt;
    const double k = s.a[i];  // reversion per year
    const double var_factor = k > 0.0 ? -expm1_portable(-2.0 * k * kDt) / (2.0 * k) : kDt;
    s.a[i] = fastmath::exp(-k * kDt);
    const double loading = s.s[i] * std::sqrt(var_factor);
    s.s[i] = loading * std::sqrt(std::max(0.0, 1.0 - s.rho[i] * s.rho[i]));
    s.s_rho[i] = loading * s.rho[i];
  }
}

void LeaderboardGap::step(ModelState& state, const BlockContext& ctx, std::uint32_t month,
                          std::span<const std::span<const double>>, std::span<const std::span<double>> out) const {
  auto& s = static_cast<LeaderboardState&>(state);
  const std::size_t n = ctx.n;
  normal_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(0), s.z0.data(), s.z1.data(), nullptr);
  if (student_t_) {
    // Student-t innovations as a normal scale mixture: one exact Gamma(df / 2) draw W per path and
    // month; Z sqrt(df / (2 W)) is t with df degrees of freedom
    gamma_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(kPrecisionStream), s.half_df.data(), 1,
                s.mult.data());
    t_multiplier(n, s.half_df.data(), s.mult.data());
  }
  if (moves_)  // one uniform per path and month on its own stream: the published gap moves when u < p
    uniform_pair_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(kMoveStream), s.u.data(), s.u_spare.data());
  const double* p = s.move_p.data();
  const double* u = s.u.data();
  double* h = s.held.data();
#define AICAST_LB_ARGS                                                                                          \
  n, s.latent.data(), s.closed.data(), s.gap.data(), s.drift.data(), s.vol.data(), s.theta.data(), s.a.data(), \
      s.s.data(), s.inv_drift.data(), s.s_rho.data(), s.z0.data(), s.z1.data(), s.mult.data(), p, u, h,         \
      out[0].data(), out[1].data(), out[2].data(), out[3].data(), out[4].data()
  if (scale_ == Scale::percent)
    moves_ ? advance_percent_moves(AICAST_LB_ARGS) : advance_percent(AICAST_LB_ARGS);
  else
    moves_ ? advance_elo_moves(AICAST_LB_ARGS) : advance_elo(AICAST_LB_ARGS);
#undef AICAST_LB_ARGS
}

}  // namespace aicast
