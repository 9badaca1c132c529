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

struct IncidentState final : ModelState {
  IncidentState(std::size_t n, std::size_t c)
      : base(n), rate(n), k(n), gd(n), gc(n), sat(n), eps(n), log_p0(n), cum(n), ytd(n), alpha(n), z(n), ug(n), u0(n),
        u1(n), cat_rate(c, std::vector<double>(n)), cat_ytd(c, std::vector<double>(n)), cat_z(c), cat_u(c) {}
  std::vector<double> base, rate, k, gd, gc, sat, eps, log_p0, cum, ytd, alpha;
  std::vector<double> z, ug, u0, u1;          // this month's first-attempt random numbers
  std::vector<std::vector<double>> cat_rate;  // per category: ln(g_c) / 12, per path
  std::vector<std::vector<double>> cat_ytd;   // per category: count so far in the calendar year, per path
  std::vector<std::vector<double>> cat_z, cat_u;  // per category: first-attempt normal and uniform (Dirichlet)
};

// Gamma(shape k >= 1) by Marsaglia-Tsang with d = k - 1/3, c = 1/sqrt(9d): the first attempt uses the
// block's normal z and uniform u; a rejected attempt restarts the exact sampler on its own stream
// (rejection sampling is memoryless, so the result is still exactly gamma).
inline double gamma_first(double d, double c, double z, double u, Stream&& fallback, double shape) noexcept {
  const double v = 1.0 + c * z;
  if (v > 0.0) {
    const double v3 = v * v * v;
    const double z2 = z * z;
    if (u < 1.0 - 0.0331 * z2 * z2) return d * v3;
    if (std::log(u) < 0.5 * z2 + d * (1.0 - v3 + std::log(v3))) return d * v3;
  }
  return sample_gamma(fallback, shape);
}

// Poisson(mu): inversion below 10, else one PTRS attempt (as sample_poisson) from u, v, then the exact
// sampler on its own stream.
inline std::int64_t poisson_first(double mu, double u0, double v, Stream&& fallback) noexcept {
  if (!(mu > 0.0)) return 0;
  if (mu < 10.0) return poisson_inversion(u0, mu, fastmath::exp(-mu));
  const double slam = std::sqrt(mu);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  const double u = u0 - 0.5;
  const double us = 0.5 - std::fabs(u);
  const auto k = static_cast<std::int64_t>(std::floor((2.0 * a / us + b) * u + mu + 0.43));
  if (us >= 0.07 && v <= vr) return k;
  if (!(k < 0 || (us < 0.013 && v > us))) {
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mu + static_cast<double>(k) * std::log(mu) - log_factorial(k))
      return k;
  }
  return sample_poisson(fallback, mu);
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
  if (negbin_) {
    ctx.draw(dispersion_, kDispersion, s.k);
    for (std::size_t i = 0; i < n; ++i) {
      s.gd[i] = s.k[i] - 1.0 / 3.0;
      s.gc[i] = 1.0 / std::sqrt(9.0 * s.gd[i]);
    }
  }
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
  std::vector<double> pi(nc), p(nc);
  if (negbin_) normal_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(2), s.z.data(), nullptr, s.ug.data());
  if (concentrated_)
    for (std::size_t c = 0; c < nc; ++c) {
      s.cat_z[c].resize(n);
      s.cat_u[c].resize(n);
      normal_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(kCategoryStream0 + 2 * static_cast<std::uint32_t>(c)),
                   s.cat_z[c].data(), nullptr, s.cat_u[c].data());
    }
  uniform_pair_block(ctx.key, ctx.first_path, n, month, ctx.noise_stream(3), s.u0.data(), s.u1.data());
  for (std::size_t i = 0; i < n; ++i) {
    double lambda = 0.0;
    const double b = s.base[i];
    if (b > 0.0) {
      if (!saturating_) {
        lambda = b * fastmath::exp(s.rate[i] * m);
      } else {
        const double K = s.sat[i];
        lambda = K / (1.0 + (K / b - 1.0) * fastmath::exp(-s.rate[i] * m));
      }
      if (priced_) lambda *= fastmath::exp(-s.eps[i] * (fastmath::log(std::max(in[0][i], kTinyPrice)) - s.log_p0[i]));
    }
    if (!(lambda <= kMaxMean))
      throw std::domain_error("incident_growth '" + name() + "': the mean count per month reached " + fmt(lambda) +
                              " on path " + std::to_string(ctx.first_path + i) + " at month " + std::to_string(month) +
                              "; use a lower annual_growth or price_elasticity, a shorter horizon, or a saturation");
    const std::uint64_t path = ctx.first_path + i;
    double mu = lambda;
    if (negbin_ && lambda > 0.0) {
      const double g = s.k[i] >= 1.0
                           ? gamma_first(s.gd[i], s.gc[i], s.z[i], s.ug[i], Stream(ctx.key, path, month, ctx.noise_stream(4)), s.k[i])
                           : [&] {
                               Stream gs(ctx.key, path, month, ctx.noise_stream(4));
                               return sample_gamma(gs, s.k[i]);
                             }();
      mu = g * (lambda / s.k[i]);
    }
    const auto count = poisson_first(mu, s.u0[i], s.u1[i], Stream(ctx.key, path, month, ctx.noise_stream(0)));
    const double N = static_cast<double>(count);
    s.cum[i] += N;
    s.ytd[i] = new_year ? N : s.ytd[i] + N;
    out[0][i] = N;
    out[1][i] = s.ytd[i];
    out[2][i] = s.cum[i];
    if (nc == 0) continue;
    // mean mix pi_c ∝ s_c g_c^t (normalized in log space against the largest term)
    double top = -kInf;
    for (std::size_t c = 0; c < nc; ++c) {
      pi[c] = log_shares_[c] + s.cat_rate[c][i] * m;
      top = std::max(top, pi[c]);
    }
    double total = 0.0;
    for (std::size_t c = 0; c < nc; ++c) total += (pi[c] = fastmath::exp(pi[c] - top));
    for (std::size_t c = 0; c < nc; ++c) pi[c] /= total;
    // per-category year to date, from the category counts written below (out[3 + c])
    auto close_year = [&] {
      for (std::size_t c = 0; c < nc; ++c) {
        s.cat_ytd[c][i] = new_year ? out[3 + c][i] : s.cat_ytd[c][i] + out[3 + c][i];
        out[3 + nc + c][i] = s.cat_ytd[c][i];
      }
    };
    if (count == 0) {
      for (std::size_t c = 0; c < nc; ++c) out[3 + c][i] = 0.0;
      close_year();
      continue;
    }
    Stream cs(ctx.key, ctx.first_path + i, month, ctx.noise_stream(1));
    const double* probs = pi.data();
    if (concentrated_) {
      double g_total = 0.0;
      for (std::size_t c = 0; c < nc; ++c) {
        const double shape = s.alpha[i] * pi[c];
        Stream fallback(ctx.key, path, month, ctx.noise_stream(kCategoryStream0 + 2 * static_cast<std::uint32_t>(c) + 1));
        if (shape >= 1.0) {
          const double d = shape - 1.0 / 3.0;
          p[c] = gamma_first(d, 1.0 / std::sqrt(9.0 * d), s.cat_z[c][i], s.cat_u[c][i], std::move(fallback), shape);
        } else {
          p[c] = sample_gamma(fallback, shape);
        }
        g_total += p[c];
      }
      if (g_total > 0.0) {
        for (std::size_t c = 0; c < nc; ++c) p[c] /= g_total;
        probs = p.data();
      }
    }
    // multinomial by sequential binomials on the remaining count and probability mass
    std::int64_t left = count;
    double mass = 1.0;
    for (std::size_t c = 0; c + 1 < nc; ++c) {
      const double q = mass > 0.0 ? std::min(1.0, probs[c] / mass) : 0.0;
      const std::int64_t x = left > 0 ? sample_binomial(cs, left, q) : 0;
      out[3 + c][i] = static_cast<double>(x);
      left -= x;
      mass -= probs[c];
    }
    out[3 + nc - 1][i] = static_cast<double>(left);
    close_year();
  }
}

}  // namespace aicast
