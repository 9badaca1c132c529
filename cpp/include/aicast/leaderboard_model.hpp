// leaderboard_model.hpp — best closed (frontier) and best open-weights score on a leaderboard:
// a never-decreasing frontier and an Ornstein-Uhlenbeck gap between the two.
//
// Working scale x: the score itself (scale "elo"), or logit(score / 100) (scale "percent", a
// bounded benchmark score in percent that saturates below 100). m counts months from the start,
// t = m / 12 years.
//
//   L(m+1) = L(m) + closed_drift_per_month + closed_volatility sqrt(1/12) Z1     latent frontier score
//   C(m)   = max(L(0), ..., L(m))                                              closed frontier
//   dG     = gap_reversion (equilibrium_gap - G) dt + gap_volatility dW2        gap, t in years
//   O(m)   = C(m) - G(m)                                                       best open score
//
// The closed frontier never decreases because it is the running maximum of the latent score L
// (the best model so far cannot get worse); the running maximum is taken path by path every
// month, so C(m+1) >= C(m) holds exactly for every path. L(0) = C(0) = closed_start and
// G(0) = gap_start (both on the published scale; converted to logits for "percent").
//
// The gap step is the exact OU transition over one month (dt = 1/12), exact in distribution:
//   a = exp(-gap_reversion dt)
//   G(m+1) = equilibrium_gap + a (G(m) - equilibrium_gap) + gap_volatility s Z2,
//   s^2 = (1 - a^2) / (2 gap_reversion)      (= dt when gap_reversion = 0: a Brownian gap)
//   Z2 = rho Z1 + sqrt(1 - rho^2) Z2',  rho = innovation_correlation in [-1, 1]
// Z1, Z2' are independent standard normals. With gap_innovation_df = nu (optional; absent means
// Gaussian, nu = infinity) the gap's innovation is Student t with nu degrees of freedom and scale
// gap_volatility s, as a normal scale mixture drawn per path and month:
//   G(m+1) = equilibrium_gap + a (G(m) - equilibrium_gap) + gap_volatility s Z2 / sqrt(W),
//   W ~ Gamma(nu / 2, rate nu / 2)   (exact; its own noise stream, so the normals are unchanged)
// Heavy tails let a few large jumps of the gap (a release that closes or opens it at once) sit
// beside many quiet months. The frontier's innovation Z1 stays Gaussian, so the correlation of
// the two innovations is rho E[W^-1/2] sqrt((nu - 2) / nu) for nu > 2. Without it, rho is the correlation of the monthly
// innovations of the latent frontier and of the gap (rho > 0: a closed release that lifts the
// frontier also widens the gap, as in the Arena and ECI histories). closed_volatility and gap_volatility are annualized
// (working-scale units per sqrt(year)); gap_reversion is per year (half-life ln 2 / gap_reversion
// years); closed_drift_per_month is in working-scale units per month and must be positive.
//
// With gap_move_probability = p (optional; absent means the gap moves every month, p = 1) the
// published gap is intermittent, as the gap between two running bests is (a month in which
// neither best changes leaves it exactly unchanged): G above is then a latent gap, and each month
// the published gap H takes its value with probability p, else keeps its own:
//   H(m+1) = G(m+1) if U < p, else H(m),   U ~ Uniform[0, 1) on its own noise stream, H(0) = G(0)
// so a move is the OU transition over the months since the last move (the OU is Markov), and the
// months between moves are exactly flat. closed, open, gap and lag_months publish H; the other
// streams are untouched, so p = 1 gives the same numbers as the model without it. With
// gap_latent_offset = d (optional, only with gap_move_probability; working scale) the latent gap
// starts at G(0) = H(0) + d: a forecast that starts some months after the gap last moved starts
// the latent gap where it may have gone since (fit.model draws it from the fitted posterior).
//
// Outputs (on the published scale):
//   closed         C                     ("percent": 100 / (1 + exp(-C)))
//   open           O                     ("percent": 100 / (1 + exp(-O)))
//   gap            closed - open         (points; percentage points for "percent")
//   lag_months     G / closed_drift_per_month: months of trend frontier progress the open model
//                  is behind (working scale, so logit units for "percent")
//   closed_latent  L, the latent frontier score (what a fit to a noisy leaderboard observes)
// Every parameter is a prior drawn once per path; each path then draws its own noise.
#pragma once

#include "aicast/model.hpp"

namespace aicast {

class LeaderboardGap final : public Model {
 public:
  enum class Scale { elo, percent };

  explicit LeaderboardGap(const ModelSpec& spec);
  std::string kind() const override { return "leaderboard_gap"; }
  std::vector<std::string> outputs() const override {
    return {"closed", "open", "gap", "lag_months", "closed_latent"};
  }
  std::size_t state_doubles() const override { return 19; }
  std::unique_ptr<ModelState> new_state(std::size_t n) const override;
  void start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const override;
  void step(ModelState& state, const BlockContext& ctx, std::uint32_t month, std::span<const std::span<const double>> in,
            std::span<const std::span<double>> out) const override;

  Scale scale() const noexcept { return scale_; }

 private:
  Prior closed_start_, gap_start_, closed_drift_, closed_vol_, gap_reversion_, equilibrium_gap_, gap_vol_, rho_, gap_df_,
      move_p_, latent_offset_;
  Scale scale_ = Scale::elo;
  bool student_t_ = false;  // gap_innovation_df given: Student-t gap innovations
  bool moves_ = false;      // gap_move_probability given: the published gap moves in some months only
  bool offset_ = false;     // gap_latent_offset given: the latent gap starts away from the published one
};

}  // namespace aicast
