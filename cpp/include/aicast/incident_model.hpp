// incident_model.hpp — monthly counts of reported AI incidents: negative binomial counts around an
// exponential (optionally logistic) trend, an optional price elasticity, and categories.
//
//   t = m / 12                                   years since the start month (month index m = 0, 1, ...)
//   r = ln(annual_growth)
//   trend(t) = base_per_month exp(r t)                                    (no saturation)
//   trend(t) = K / (1 + (K / base_per_month - 1) exp(-r t))               (saturation K: logistic,
//                                                                          d trend/dt = r trend (1 - trend/K))
//   lambda(t) = trend(t) (P(t) / P(0))^(-price_elasticity)                (P: the linked price series, if any)
//   N(t) | lambda ~ NegativeBinomial(mean lambda, dispersion k): E N = lambda, Var N = lambda + lambda^2 / k,
//          drawn as Poisson(G) with G ~ Gamma(shape k, scale lambda / k); without a dispersion, Poisson(lambda)
//   yearly(m)     = sum of N over the months of m's calendar year that are on the grid, up to m
//                   (year to date: its December value is the calendar-year total; the first year counts
//                   only the months from the start month, and a horizon before December gives a partial year)
//   cumulative(m) = N(0) + ... + N(m)
//
// Categories c = 1..C (optional), each with a starting share s_c (numbers summing to 1) and a relative
// growth g_c (a prior, drawn once per path; parameter "relative_growth.<c>"): it moves the category's share
// of the total, not the total, which follows annual_growth alone:
//   pi_c(t) = s_c g_c^t / sum_j s_j g_j^t                                 (mean mix: only ratios of g_c matter)
//   p(t) ~ Dirichlet(category_concentration pi(t)),  (N_1..N_C) | N, p ~ Multinomial(N, p)
// drawn afresh every month (a Dirichlet-multinomial split; without a concentration, multinomial with pi(t)).
// Category counts sum to N path by path; E N_c = lambda pi_c. Outputs <c>.count and <c>.yearly (year to
// date, as yearly).
//
// Every prior is drawn once per path (parameter uncertainty); counts are drawn per path and month.
// The first calendar month of the grid comes in as first_month_of_year (1 = January, the default).
#pragma once

#include "aicast/model.hpp"

namespace aicast {

class IncidentGrowth final : public Model {
 public:
  explicit IncidentGrowth(const ModelSpec& spec);
  std::string kind() const override { return "incident_growth"; }
  std::vector<std::string> outputs() const override;
  std::vector<std::string> inputs() const override;
  std::size_t state_doubles() const override { return 15 + 4 * categories_.size(); }
  std::unique_ptr<ModelState> new_state(std::size_t n) const override;
  void start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const override;
  void step(ModelState& state, const BlockContext& ctx, std::uint32_t month, std::span<const std::span<const double>> in,
            std::span<const std::span<double>> out) const override;

 private:
  void emit(ModelState& state, const BlockContext& ctx, std::uint32_t month, std::span<const std::span<const double>> in,
            std::span<const std::span<double>> out) const;
  Prior base_, growth_, dispersion_, saturation_, elasticity_, concentration_;
  bool negbin_, saturating_, priced_, concentrated_;
  std::string price_series_;
  int first_month_of_year_ = 1;
  std::vector<std::string> categories_;
  std::vector<double> log_shares_;
  std::vector<Prior> category_growth_;
};

}  // namespace aicast
