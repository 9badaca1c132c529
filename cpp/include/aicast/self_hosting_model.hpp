// self_hosting_model.hpp — self-hosting an open model vs paying an API per token, and token
// demand that responds to price (Jevons). Both read a price series (USD per million tokens).
//
// SelfHosting ("self_hosting"), link "api_price": P(t), USD per million tokens.
//   t = month / 12 years since the start month; V = volume_per_month (tokens per month), or
//   the series of link "volume" (e.g. a TokenDemand's "demand.tokens") read month by month.
//   A replica is one server of `gpus` GPUs. Its capacity and monthly cost:
//     capacity  = gpus * tps * utilization * 2,628,000     (tokens of the workload's mix per month;
//                 2,628,000 s = 730 h = 365 * 24 / 12 h, a mean month)
//   tps, tokens of the mix per second per GPU, is either tokens_per_second_per_gpu (one number:
//   the measured throughput of this workload's mix, input and output tokens together), or from
//   the decode rate (output tokens), the prefill rate (input tokens processed) and the mix:
//     tps = 1 / (a (1 - c) / prefill_tokens_per_second_per_gpu + (1 - a) / decode_tokens_per_second_per_gpu)
//   with a = input_share of the tokens and c = cached_share of the input tokens (served from a
//   prefix cache without prefill; default 0): each token takes its share of GPU time.
//     replica_cost(t) = gpus * (gpu_price / depreciation_months + gpu_hour_price * 730)
//                       * gpu_price_annual_decline^(-t) + power_per_month + ops_per_month   (USD per month)
//   gpu_price is what one GPU costs to buy (straight-line depreciation), gpu_hour_price what it
//   costs to rent one hour (rented around the clock); usually one of the two is zero. Both fall
//   by gpu_price_annual_decline per year: replica_cost(t) is the cost of a deployment set up
//   in month t at that month's prices.
//   The same capability is served with more tokens per second per GPU as models, quantization and
//   inference software improve (a self-hoster of open weights gets these too): throughput grows by
//   throughput_annual_growth (g, default 1 = fixed) a year, so
//     capacity(t) = capacity(0) * g^t        (capacity above is capacity(0), the start month's)
//   and every formula below uses capacity(t) of its month.
//   Serving V takes replicas(V) = max(1, ceil(V / capacity)); staff are shared by all replicas.
//     self_host_cost = staff_per_month + replicas(V) * replica_cost          (USD per month)
//     api_cost       = V * P / 1e6                                           (USD per month)
//     savings        = api_cost - self_host_cost     (USD per month; > 0: self-hosting is cheaper)
//   break_even_volume: the smallest V (tokens per month) with self_host_cost(V) <= api_cost(V).
//   With H = replica_cost, S = staff_per_month and m = capacity * P / 1e6 - H (what one full
//   replica saves against the API before staff):
//     m < 0, or m = 0 with S > 0:  +infinity (no volume makes self-hosting as cheap in that month,
//                                  on that path);
//     else:  k = max(1, ceil(S / m)),  break_even_volume = (S + k H) * 1e6 / P   (<= k capacity).
//   With one replica (k = 1) this is the familiar (S + H) * 1e6 / P. Above the break-even,
//   self-hosting can lose again just after a replica is added (the cost is a staircase).
//
// TokenDemand ("token_demand"), link "price": P(t), USD per million tokens.
//     tokens = base_tokens_per_month * (P(t) / P0)^(-price_elasticity) * annual_growth^t   (tokens per month)
//     spend  = P(t) * tokens / 1e6                                                         (USD per month)
//   P0 = reference_price if given, else the path's own price in the start month. With
//   price_elasticity = 1 spend does not move with price; above 1 falling prices raise spend.
//
// Every parameter is drawn once per path; neither model adds noise of its own (the price
// path carries it). A negative (for TokenDemand: non-positive) or non-finite linked price, or a
// negative or non-finite linked volume, is an error (std::domain_error).
#pragma once

#include "aicast/model.hpp"

namespace aicast {

inline constexpr double kHoursPerMonth = 730.0;  // 365 * 24 / 12
inline constexpr double kSecondsPerMonth = kHoursPerMonth * 3600.0;

class SelfHosting final : public Model {
 public:
  explicit SelfHosting(const ModelSpec& spec);
  std::string kind() const override { return "self_hosting"; }
  std::vector<std::string> outputs() const override {
    return {"self_host_cost", "api_cost", "savings", "break_even_volume", "capacity", "replica_cost", "staff_cost"};
  }
  std::vector<std::string> inputs() const override {  // the linked price (unless constant), then the volume
    std::vector<std::string> in;
    if (!price_.empty()) in.push_back(price_);
    if (!volume_link_.empty()) in.push_back(volume_link_);
    return in;
  }
  std::size_t state_doubles() const override { return 9; }
  std::unique_ptr<ModelState> new_state(std::size_t n) const override;
  void start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const override;
  void step(ModelState& state, const BlockContext& ctx, std::uint32_t month, std::span<const std::span<const double>> in,
            std::span<const std::span<double>> out) const override;

 private:
  void write(ModelState& state, std::uint32_t month, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const;
  std::string price_, volume_link_;
  Prior api_price_, volume_, gpus_, gpu_price_, depreciation_months_, gpu_hour_price_, gpu_decline_, power_, ops_, staff_,
      tps_, utilization_, decode_, prefill_, input_share_, cached_share_;  // cached_share_: the point 0 unless given
  Prior throughput_growth_ = Prior::point(1.0);  // throughput_annual_growth: the point 1 unless given
  bool split_ = false;  // throughput from decode and prefill rates and the token mix
};

class TokenDemand final : public Model {
 public:
  explicit TokenDemand(const ModelSpec& spec);
  std::string kind() const override { return "token_demand"; }
  std::vector<std::string> outputs() const override { return {"tokens", "spend"}; }
  std::vector<std::string> inputs() const override { return {price_}; }
  std::size_t state_doubles() const override { return 4; }
  std::unique_ptr<ModelState> new_state(std::size_t n) const override;
  void start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const override;
  void step(ModelState& state, const BlockContext& ctx, std::uint32_t month, std::span<const std::span<const double>> in,
            std::span<const std::span<double>> out) const override;

 private:
  void write(ModelState& state, std::uint32_t month, std::span<const double> price,
             std::span<const std::span<double>> out) const;
  std::string price_;
  Prior base_, elasticity_, growth_, reference_price_;
  bool has_reference_;
};

}  // namespace aicast
