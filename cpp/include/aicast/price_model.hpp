// price_model.hpp — price per million tokens of a capability tier: a falling floor plus a
// jump-diffusion excess.
//
//   P(t) = F(t) + E(t),                         t in years since the start month
//   F(t) = floor * floor_annual_decline^(-t)
//   log E(t) = log(start_price - floor) - ln(annual_decline) t + volatility W(t) + sum_{k<=N(t)} J_k
//   N(t) Poisson with jump_rate per year; J_k iid from jump_log_size (< 0: price war, > 0: subsidy end)
//
// Monthly steps (dt = 1/12) are exact in distribution:
//   E(m+1) = E(m) exp(-ln(annual_decline)/12 + volatility sqrt(1/12) Z + (K jumps)), K ~ Poisson(jump_rate/12)
// (annual_decline^(-1/12) and the floor factor in double precision, the noise factor exp(vol Z)
// in single precision: a relative error below 6e-7 a month, random in sign). A path whose month
// noise exponent |vol Z| could reach 8 (volatility above 4.1 a year), or whose E leaves
// [2^-900, 2^900], continues in log space in
// double precision: correct for any volatility, E is 0 or +inf only where its true value is out
// of double range, and it comes back when the path does (|ln E| saturates at 1e300). K is drawn
// by inversion below 600 jumps a month and by PTRS (any rate) from 600 on; the sum of K jump
// sizes is drawn in closed form for point and normal jump_log_size, else one size at a time (a
// month with more than 2^24 such jumps is an error).
// Every prior except jump_log_size is drawn once per path; jump_log_size is drawn once per jump.
// Noise: one Philox block per path serves two consecutive months: a Box-Muller normal pair
// (month 1, 3, 5, ... and the month after) and one jump uniform for each of the two months.
// The sizes of a month's jumps come from the path's own jump stream at that month, drawn in one
// vectorized batch over the paths that jump; so any month of any path can still be replayed.
// A path that draws floor >= start_price has no excess: its price is the floor.
//
// Option running_minimum (the spec's labels hold "running_minimum"): the process above is a
// latent level L(t) = F(t) + E(t), the price of the best offer made in month t, and the series is
// the cheapest offer so far, P(m) = min(P(m-1), L(m)) with P(0) = start_price: the price of a
// fixed capability never rises (offers are not withdrawn), so no quantile of P(m) lies above the
// start. The latent price starts at L(0) = start_price exp(latent_premium) (latent_premium >= 0,
// drawn once per path, own stream; default 0): when the cheapest offer was set months before the
// start, the best offer made now is above it. Same random numbers as without the option.
#pragma once

#include "aicast/model.hpp"

namespace aicast {

class PriceDecline final : public Model {
 public:
  explicit PriceDecline(const ModelSpec& spec);
  std::string kind() const override { return "price_decline"; }
  std::vector<std::string> outputs() const override { return {"price"}; }
  std::size_t state_doubles() const override { return 16; }
  std::unique_ptr<ModelState> new_state(std::size_t n) const override;
  void start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const override;
  void step(ModelState& state, const BlockContext& ctx, std::uint32_t month, std::span<const std::span<const double>> in,
            std::span<const std::span<double>> out) const override;

 private:
  Prior start_price_, annual_decline_, volatility_, jump_rate_, jump_log_size_, floor_, floor_annual_decline_,
      latent_premium_;
  bool jumps_;
  bool normal_mixture_ = false;  // jump_log_size a mixture of normals: first jumps batched too
  std::vector<double> mix_weight_, mix_mu_, mix_sigma_;  // its weights and components
  bool running_minimum_ = false;
  double jump_sum(double count, Stream& js, std::uint64_t path, std::uint32_t month) const;
};

}  // namespace aicast
