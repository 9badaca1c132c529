// incident_model.cpp — the incident-growth model's monthly kernel.
#include "aicast/incident_model.hpp"

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
constexpr double kMaxMean = 1e12;         // beyond this a count is no longer a count: refuse the path
constexpr double kTinyPrice = 1e-300;     // log of a price that underflowed to 0
constexpr double kShareTolerance = 1e-9;  // shares must sum to 1 within this
constexpr std::uint32_t kCategoryStream0 = 16;  // noise streams 16, 17, 18, ...: two per category
constexpr std::size_t kMaxCategories = 1000;     // keeps the category streams below the 0x8000 stream bit

enum Slot : std::uint32_t { kBase, kGrowth, kDispersion, kSaturation, kElasticity, kConcentration, kCategory0 };
// noise streams: 0 the count without categories, 2 the negative binomial's gamma; per category c
// 16 + 2c its Dirichlet gamma and 17 + 2c its count
enum Noise : std::uint32_t { kCountStream = 0, kMixStream = 2 };

struct IncidentState final : ModelState {
  IncidentState(std::size_t n, std::size_t c)
      : base(n), rate(n), k(n), sat(n), eps(n), log_p0(n), cum(n), ytd(n), alpha(n), mu(n), scratch(n), total(n),
        cat_rate(c, std::vector<double>(n)), cat_ytd(c, std::vector<double>(n)) {}
  std::vector<double> base, rate, k, sat, eps, log_p0, cum, ytd, alpha;
  std::vector<double> mu, scratch, total;     // this month's Poisson mean, and scratch
  std::vector<std::vector<double>> cat_rate;  // per category: ln(g_c) / 12, per path
  std::vector<std::vector<double>> cat_ytd;   // per category: count so far in the calendar year, per path
};

// lambda(t) of incident_model.hpp for every path of the block (0 where base is 0); branch-free, with
// the price factor in its own loop, so both vectorize.
AICAST_SIMD_CLONES void mean_counts(std::size_t n, double m, const double* __restrict base,
                                    const double* __restrict rate, double* __restrict lambda) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double b = base[i];
    const double l = b * fastmath::exp(rate[i] * m);
    lambda[i] = b > 0.0 ? l : 0.0;
  }
}
AICAST_SIMD_CLONES void mean_counts_saturating(std::size_t n, double m, const double* __restrict base,
                                               const double* __restrict rate, const double* __restrict sat,
                                               double* __restrict lambda) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double b = base[i];
    const double bc = b > 0.0 ? b : 1.0;
    const double k = sat[i];
    const double l = k / (1.0 + (k / bc - 1.0) * fastmath::exp(-rate[i] * m));
    lambda[i] = b > 0.0 ? l : 0.0;
  }
}
// lambda *= (P / P0)^(-eps)
AICAST_SIMD_CLONES void price_factor(std::size_t n, const double* __restrict price, const double* __restrict eps,
                                     const double* __restrict log_p0, double* __restrict lambda) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const double p = price[i] > kTinyPrice ? price[i] : kTinyPrice;
    lambda[i] *= fastmath::exp(-eps[i] * (fastmath::log(p) - log_p0[i]));
  }
}

// Small vectorized steps of the category split (each a loop over the paths of one category column).
// x = ls + r m; top = max(top, x)
AICAST_SIMD_CLONES void log_mix(std::size_t n, double ls, double m, const double* __restrict r, double* __restrict x,
                                double* __restrict top) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = ls + r[i] * m;
    top[i] = top[i] > x[i] ? top[i] : x[i];
  }
}
// x = exp(x - top); sum += x
AICAST_SIMD_CLONES void exp_mix(std::size_t n, const double* __restrict top, double* __restrict x,
                                double* __restrict sum) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = fastmath::exp(x[i] - top[i]);
    sum[i] += x[i];
  }
}
// y = a x
AICAST_SIMD_CLONES void times(std::size_t n, const double* __restrict a, const double* __restrict x,
                              double* __restrict y) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i] = a[i] * x[i];
}
// x = x / d
AICAST_SIMD_CLONES void divide(std::size_t n, const double* __restrict d, double* __restrict x) noexcept {
  for (std::size_t i = 0; i < n; ++i) x[i] = x[i] / d[i];
}
// a Dirichlet gamma: x = shape > 0 ? x : 0; total += x
AICAST_SIMD_CLONES void keep_gamma(std::size_t n, const double* __restrict shape, double* __restrict x,
                                   double* __restrict total) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = shape[i] > 0.0 ? x[i] : 0.0;
    total[i] += x[i];
  }
}
// total += x
AICAST_SIMD_CLONES void accumulate(std::size_t n, const double* __restrict x, double* __restrict total) noexcept {
  for (std::size_t i = 0; i < n; ++i) total[i] += x[i];
}

std::string label(const ModelSpec& spec) { return "incident_growth '" + spec.name + "'"; }

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

bool valid_category(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

}  // namespace

IncidentGrowth::IncidentGrowth(const ModelSpec& spec) : Model(spec.name), categories_(spec.labels) {
  std::vector<std::string> allowed = {"base_per_month", "annual_growth",  "dispersion",         "saturation",
                                      "price_elasticity", "category_concentration", "first_month_of_year"};
  if (categories_.size() > kMaxCategories)
    throw std::invalid_argument(label(spec) + ": at most " + std::to_string(kMaxCategories) + " categories, got " +
                                std::to_string(categories_.size()));
  for (const auto& c : categories_) {
    if (!valid_category(c))
      throw std::invalid_argument(label(spec) + ": category names must be non-empty and use only letters, digits and "
                                                "'_', got '" + c + "'");
    if (std::count(categories_.begin(), categories_.end(), c) > 1)
      throw std::invalid_argument(label(spec) + ": category '" + c + "' is given twice");
    allowed.push_back("share." + c);
    allowed.push_back("relative_growth." + c);
  }
  detail::check_known_params(spec, allowed);
  detail::require_support(spec, "base_per_month", 0.0, false, kInf, true);
  detail::require_support(spec, "annual_growth", 0.0, true, kInf, true);
  base_ = detail::param(spec, "base_per_month");
  growth_ = detail::param(spec, "annual_growth");

  negbin_ = spec.params.count("dispersion") > 0;
  if (negbin_) {
    detail::require_support(spec, "dispersion", 0.0, true, kInf, true);
    dispersion_ = detail::param(spec, "dispersion");
  }
  saturating_ = spec.params.count("saturation") > 0;
  if (saturating_) {
    detail::require_support(spec, "saturation", 0.0, true, kInf, true);
    saturation_ = detail::param(spec, "saturation");
  }
  elasticity_ = Prior::point(0.0);
  if (spec.params.count("price_elasticity") > 0) {
    detail::require_support(spec, "price_elasticity", -kInf, true, kInf, true);
    elasticity_ = detail::param(spec, "price_elasticity");
  }
  const auto link = spec.links.find("price");
  for (const auto& [k, v] : spec.links)
    if (k != "price") throw std::invalid_argument(label(spec) + ": unknown link '" + k + "' (known: price)");
  priced_ = link != spec.links.end();
  if (priced_) {
    price_series_ = link->second;
    if (price_series_.empty()) throw std::invalid_argument(label(spec) + ": the price link must name a series");
  } else if (!(elasticity_.is_point() && elasticity_.params()[0] == 0.0)) {
    throw std::invalid_argument(label(spec) + ": price_elasticity needs a price link (price=\"<price model name>\"), got "
                                "price_elasticity " + elasticity_.describe() + " without one");
  }
  if (spec.params.count("first_month_of_year") > 0) {
    const Prior& p = detail::param(spec, "first_month_of_year");
    const double v = p.params()[0];
    if (!p.is_point() || v != std::floor(v) || v < 1.0 || v > 12.0)
      throw std::invalid_argument(label(spec) + ": first_month_of_year must be a whole number from 1 to 12, got " +
                                  p.describe());
    first_month_of_year_ = static_cast<int>(v);
  }

  if (!categories_.empty()) {
    double total = 0.0;
    for (const auto& c : categories_) {
      const std::string sf = "share." + c, gf = "relative_growth." + c;
      if (spec.params.count(sf) == 0) throw std::invalid_argument(label(spec) + ": missing parameter " + sf);
      if (spec.params.count(gf) == 0) throw std::invalid_argument(label(spec) + ": missing parameter " + gf);
      const Prior& s = detail::param(spec, sf);
      if (!s.is_point())
        throw std::invalid_argument(label(spec) + ": " + sf + " must be a number (shares are fixed and sum to 1), got " +
                                    s.describe());
      const double v = s.params()[0];
      if (!(v > 0.0 && v <= 1.0)) throw std::invalid_argument(label(spec) + ": " + sf + " must be in (0, 1], got " + fmt(v));
      total += v;
      log_shares_.push_back(std::log(v));
      detail::require_support(spec, gf, 0.0, true, kInf, true);
      category_growth_.push_back(detail::param(spec, gf));
    }
    if (std::fabs(total - 1.0) > kShareTolerance)
      throw std::invalid_argument(label(spec) + ": category shares must sum to 1, got " + fmt(total));
    concentrated_ = spec.params.count("category_concentration") > 0;
    if (concentrated_) {
      detail::require_support(spec, "category_concentration", 0.0, true, kInf, true);
      concentration_ = detail::param(spec, "category_concentration");
    }
  } else {
    concentrated_ = false;
    if (spec.params.count("category_concentration") > 0)
      throw std::invalid_argument(label(spec) + ": category_concentration needs categories");
  }
}

std::vector<std::string> IncidentGrowth::outputs() const {
  std::vector<std::string> o = {"count", "yearly", "cumulative"};
  for (const auto& c : categories_) o.push_back(c + ".count");
  for (const auto& c : categories_) o.push_back(c + ".yearly");
  return o;
}

std::vector<std::string> IncidentGrowth::inputs() const {
  if (priced_) return {price_series_};
  return {};
}

std::unique_ptr<ModelState> IncidentGrowth::new_state(std::size_t n) const {
  return std::make_unique<IncidentState>(n, categories_.size());
}

void IncidentGrowth::start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
                           std::span<const std::span<double>> out) const {
  auto& s = static_cast<IncidentState&>(state);
  const std::size_t n = ctx.n;
  ctx.draw(base_, kBase, s.base);
  ctx.draw(growth_, kGrowth, s.rate);
  if (negbin_) ctx.draw(dispersion_, kDispersion, s.k);
  if (saturating_) ctx.draw(saturation_, kSaturation, s.sat);
  ctx.draw(elasticity_, kElasticity, s.eps);
  if (concentrated_) ctx.draw(concentration_, kConcentration, s.alpha);
  for (std::size_t c = 0; c < categories_.size(); ++c) {
    ctx.draw(category_growth_[c], kCategory0 + static_cast<std::uint32_t>(c), s.cat_rate[c]);
    for (auto& v : s.cat_rate[c]) v = fastmath::log(v) / 12.0;
    std::fill(s.cat_ytd[c].begin(), s.cat_ytd[c].end(), 0.0);
  }
  for (std::size_t i = 0; i < n; ++i) {
    s.rate[i] = fastmath::log(s.rate[i]) / 12.0;
    s.log_p0[i] = priced_ ? fastmath::log(std::max(in[0][i], kTinyPrice)) : 0.0;
    s.cum[i] = 0.0;
    s.ytd[i] = 0.0;
  }
  emit(state, ctx, 0u, in, out);
}

void IncidentGrowth::step(ModelState& state, const BlockContext& ctx, std::uint32_t month,
                          std::span<const std::span<const double>> in, std::span<const std::span<double>> out) const {
  emit(state, ctx, month, in, out);
}

void IncidentGrowth::emit(ModelState& state, const BlockContext& ctx, std::uint32_t month,
                          std::span<const std::span<const double>> in, std::span<const std::span<double>> out) const {
  auto& s = static_cast<IncidentState&>(state);
  const std::size_t n = ctx.n;
  const std::size_t nc = categories_.size();
  const double m = static_cast<double>(month);
  const bool new_year = month > 0 && (static_cast<int>(month) + first_month_of_year_ - 1) % 12 == 0;
  double* mu = s.mu.data();
  if (saturating_)
    mean_counts_saturating(n, m, s.base.data(), s.rate.data(), s.sat.data(), mu);
  else
    mean_counts(n, m, s.base.data(), s.rate.data(), mu);
  if (priced_) price_factor(n, in[0].data(), s.eps.data(), s.log_p0.data(), mu);
  for (std::size_t i = 0; i < n; ++i)
    if (!(mu[i] <= kMaxMean))
      throw std::domain_error("incident_growth '" + name() + "': the mean count per month reached " + fmt(mu[i]) +
                              " on path " + std::to_string(ctx.first_path + i) + " at month " + std::to_string(month) +
                              "; use a lower annual_growth or price_elasticity, a shorter horizon, or a saturation");
  double* tmp = s.scratch.data();
  if (negbin_) {
    // N | G ~ Poisson(G lambda / k), G ~ Gamma(k): negative binomial with mean lambda, dispersion k
    gamma_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(kMixStream), s.k.data(), 1, tmp);
    for (std::size_t i = 0; i < n; ++i) mu[i] = mu[i] > 0.0 ? tmp[i] * (mu[i] / s.k[i]) : 0.0;
  }
  double* count = out[0].data();
  if (nc == 0) {
    poisson_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(kCountStream), mu, count);
  } else {
    // Given the month's mean mu and mix p the category counts are independent Poisson(mu p_c), the
    // same joint law as N ~ Poisson(mu) split by Multinomial(N, p), and N is their sum. The shares
    // pi_c(t) = s_c g_c^t / sum_j s_j g_j^t (normalized in log space against the largest term) are
    // built in the output columns, which then take the counts.
    double* top = s.total.data();
    std::fill_n(top, n, -kInf);
    for (std::size_t c = 0; c < nc; ++c) log_mix(n, log_shares_[c], m, s.cat_rate[c].data(), out[3 + c].data(), top);
    std::fill_n(tmp, n, 0.0);
    for (std::size_t c = 0; c < nc; ++c) exp_mix(n, top, out[3 + c].data(), tmp);
    for (std::size_t c = 0; c < nc; ++c) divide(n, tmp, out[3 + c].data());  // pi_c
    if (concentrated_) {
      // p ~ Dirichlet(alpha pi): p_c = Y_c / sum Y with Y_c ~ Gamma(alpha pi_c) in column c
      std::fill_n(top, n, 0.0);
      for (std::size_t c = 0; c < nc; ++c) {
        double* x = out[3 + c].data();
        times(n, s.alpha.data(), x, tmp);
        gamma_block(ctx.key, ctx.first_path, n, month,
                    ctx.noise_stream(kCategoryStream0 + 2 * static_cast<std::uint32_t>(c)), tmp, 1, x);
        keep_gamma(n, tmp, x, top);
      }
      // every gamma underflowed (a tiny concentration): keep the mean mix
      for (std::size_t i = 0; i < n; ++i)
        if (!(top[i] > 0.0)) {
          double t = -kInf, z = 0.0;
          for (std::size_t c = 0; c < nc; ++c) t = std::max(t, log_shares_[c] + s.cat_rate[c][i] * m);
          for (std::size_t c = 0; c < nc; ++c)
            z += (out[3 + c][i] = fastmath::exp(log_shares_[c] + s.cat_rate[c][i] * m - t));
          top[i] = z;
        }
      for (std::size_t c = 0; c < nc; ++c) divide(n, top, out[3 + c].data());
    }
    std::fill_n(count, n, 0.0);
    for (std::size_t c = 0; c < nc; ++c) {
      double* x = out[3 + c].data();
      times(n, mu, x, tmp);
      poisson_block(ctx.key, ctx.first_path, n, month,
                    ctx.noise_stream(kCategoryStream0 + 2 * static_cast<std::uint32_t>(c) + 1), tmp, x);
      accumulate(n, x, count);
    }
  }
  double* cum = s.cum.data();
  double* ytd = s.ytd.data();
  for (std::size_t i = 0; i < n; ++i) {
    cum[i] += count[i];
    ytd[i] = new_year ? count[i] : ytd[i] + count[i];
    out[1][i] = ytd[i];
    out[2][i] = cum[i];
  }
  // per category: year to date (out[3 + nc + c]) from the category counts (out[3 + c])
  for (std::size_t c = 0; c < nc; ++c) {
    const double* x = out[3 + c].data();
    double* y = s.cat_ytd[c].data();
    double* o = out[3 + nc + c].data();
    for (std::size_t i = 0; i < n; ++i) o[i] = y[i] = new_year ? x[i] : y[i] + x[i];
  }
}

}  // namespace aicast
