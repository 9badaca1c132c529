// workload_model.hpp — the effective price of a workload: what its mix of input, cached-input,
// cache-write and output tokens costs per million tokens and per month.
//
// Workload ("workload"), optional link "price": P(t), USD per million tokens (e.g. a tier's
// PriceDecline), whose relative change moves all four provider prices together.
//   Shares, drawn once per path: a = input_share (of all tokens; 1 - a are output tokens),
//   c = cached_share and w = cache_write_share (of input tokens; c + w <= 1, the rest is
//   uncached input). Provider prices in the start month, USD per million tokens:
//   p_in (input), p_c (cached input), p_w (cache write), p_out (output).
//     r(t)                    = P(t) / P(0) with the link (each path's own start price), else 1
//     price_per_mtok          = r(t) [a ((1 - c - w) p_in + c p_c + w p_w) + (1 - a) p_out]
//     cost_per_month          = price_per_mtok * V / 1e6
//     cache_savings_per_month = r(t) a (c (p_in - p_c) + w (p_in - p_w)) V / 1e6
//                               (what caching saves against sending every input token uncached;
//                               negative when cache writes cost more than the reads save)
//   V = tokens_per_month, or the series of link "tokens_per_month" (e.g. "demand.tokens") month by month.
// The model adds no noise of its own. A linked price that is not finite and non-negative (in the
// start month: positive), or a linked volume that is not finite and non-negative, is an error
// (std::domain_error).
#pragma once

#include "aicast/model.hpp"

namespace aicast {

class Workload final : public Model {
 public:
  explicit Workload(const ModelSpec& spec);
  std::string kind() const override { return "workload"; }
  std::vector<std::string> outputs() const override {
    return {"price_per_mtok", "cost_per_month", "cache_savings_per_month"};
  }
  std::vector<std::string> inputs() const override;
  std::size_t state_doubles() const override { return 4; }
  std::unique_ptr<ModelState> new_state(std::size_t n) const override;
  void start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const override;
  void step(ModelState& state, const BlockContext& ctx, std::uint32_t month, std::span<const std::span<const double>> in,
            std::span<const std::span<double>> out) const override;

 private:
  void write(ModelState& state, std::uint32_t month, std::span<const std::span<const double>> in,
             std::span<const std::span<double>> out) const;
  std::string price_, volume_link_;
  Prior volume_, input_share_, cached_share_, write_share_, input_price_, cached_price_, write_price_, output_price_;
};

}  // namespace aicast
