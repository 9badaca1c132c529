// priors.cpp — distributions via Boost.Math, samplers via the engine's generators.
#include "aicast/priors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/distributions/triangular.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>

#include "aicast/buffer.hpp"
#include "aicast/fastmath.hpp"
#include "aicast/parallel.hpp"
#include "aicast/policy.hpp"
#include "aicast/samplers.hpp"

namespace aicast {

namespace bm = boost::math;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

void require(bool ok, const std::string& what, const std::string& field, double value) {
  if (!ok) throw std::invalid_argument(what + ": " + field + " got " + fmt(value));
}
void require_finite(const std::string& dist, const std::string& field, double v) {
  require(std::isfinite(v), dist, field + " must be finite,", v);
}
void require_positive(const std::string& dist, const std::string& field, double v) {
  require(std::isfinite(v) && v > 0.0, dist, field + " must be positive and finite,", v);
}

// Beta quantile; below q = 1e-30 Boost's root finder can stop far from the root, while the
// lower tail F(x) = x^a / (a B(a, b)) (1 + O(x)) is exact to double precision there.
double beta_quantile(double a, double b, double q) {
  if (q < 1e-30) {
    const double log_beta = bm::lgamma(a, MathPolicy()) + bm::lgamma(b, MathPolicy()) - bm::lgamma(a + b, MathPolicy());
    return std::exp((std::log(q) + std::log(a) + log_beta) / a);
  }
  return bm::quantile(bm::beta_distribution<double, MathPolicy>(a, b), q);
}

double pert_alpha(const std::vector<double>& p) { return 1.0 + p[3] * (p[1] - p[0]) / (p[2] - p[0]); }
double pert_beta(const std::vector<double>& p) { return 1.0 + p[3] * (p[2] - p[1]) / (p[2] - p[0]); }

}  // namespace

double normal_cdf(double z) { return bm::cdf(bm::normal_distribution<double, MathPolicy>(), z); }

double normal_ppf(double q) {
  if (q <= 0.0) return -kInf;
  if (q >= 1.0) return kInf;
  return bm::quantile(bm::normal_distribution<double, MathPolicy>(), q);
}

std::string Prior::kind_name() const {
  static const char* names[] = {"point", "normal",    "lognormal", "uniform",   "triangular", "pert",
                                "beta",  "gamma",     "student_t", "truncated", "mixture",    "empirical"};
  return names[static_cast<int>(kind_)];
}

Prior Prior::point(double value) {
  require_finite("point", "value", value);
  Prior p;
  p.kind_ = Kind::point;
  p.p_ = {value};
  p.lo_ = p.hi_ = value;
  return p;
}

Prior Prior::normal(double mu, double sigma) {
  require_finite("normal", "mu", mu);
  require_positive("normal", "sigma", sigma);
  Prior p;
  p.kind_ = Kind::normal;
  p.p_ = {mu, sigma};
  p.lo_ = -kInf;
  p.hi_ = kInf;
  return p;
}

Prior Prior::lognormal(double mu, double sigma) {
  require_finite("lognormal", "mu", mu);
  require_positive("lognormal", "sigma", sigma);
  Prior p;
  p.kind_ = Kind::lognormal;
  p.p_ = {mu, sigma};
  p.lo_ = 0.0;
  p.hi_ = kInf;
  return p;
}

Prior Prior::uniform(double lo, double hi) {
  require_finite("uniform", "lo", lo);
  require_finite("uniform", "hi", hi);
  if (!(lo < hi))
    throw std::invalid_argument("uniform: lo must be below hi, got lo=" + fmt(lo) + ", hi=" + fmt(hi));
  Prior p;
  p.kind_ = Kind::uniform;
  p.p_ = {lo, hi};
  p.lo_ = lo;
  p.hi_ = hi;
  return p;
}

Prior Prior::triangular(double lo, double mode, double hi) {
  require_finite("triangular", "lo", lo);
  require_finite("triangular", "mode", mode);
  require_finite("triangular", "hi", hi);
  if (!(lo < hi) || mode < lo || mode > hi)
    throw std::invalid_argument("triangular: need lo <= mode <= hi and lo < hi, got lo=" + fmt(lo) +
                                ", mode=" + fmt(mode) + ", hi=" + fmt(hi));
  Prior p;
  p.kind_ = Kind::triangular;
  p.p_ = {lo, mode, hi};
  p.lo_ = lo;
  p.hi_ = hi;
  return p;
}

Prior Prior::pert(double lo, double mode, double hi, double lambda) {
  require_finite("pert", "lo", lo);
  require_finite("pert", "mode", mode);
  require_finite("pert", "hi", hi);
  require_positive("pert", "lambda", lambda);
  if (!(lo < hi) || mode < lo || mode > hi)
    throw std::invalid_argument("pert: need lo <= mode <= hi and lo < hi, got lo=" + fmt(lo) +
                                ", mode=" + fmt(mode) + ", hi=" + fmt(hi));
  Prior p;
  p.kind_ = Kind::pert;
  p.p_ = {lo, mode, hi, lambda};
  p.lo_ = lo;
  p.hi_ = hi;
  return p;
}

Prior Prior::beta(double a, double b) {
  require_positive("beta", "a", a);
  require_positive("beta", "b", b);
  Prior p;
  p.kind_ = Kind::beta;
  p.p_ = {a, b};
  p.lo_ = 0.0;
  p.hi_ = 1.0;
  return p;
}

Prior Prior::gamma(double shape, double scale) {
  require_positive("gamma", "shape", shape);
  require_positive("gamma", "scale", scale);
  Prior p;
  p.kind_ = Kind::gamma;
  p.p_ = {shape, scale};
  p.lo_ = 0.0;
  p.hi_ = kInf;
  return p;
}

Prior Prior::student_t(double df, double loc, double scale) {
  require_positive("student_t", "df", df);
  require_finite("student_t", "loc", loc);
  require_positive("student_t", "scale", scale);
  Prior p;
  p.kind_ = Kind::student_t;
  p.p_ = {df, loc, scale};
  p.lo_ = -kInf;
  p.hi_ = kInf;
  return p;
}

Prior Prior::truncated(const Prior& base, double lo, double hi) {
  if (std::isnan(lo)) throw std::invalid_argument("truncated: lo must not be NaN");
  if (std::isnan(hi)) throw std::invalid_argument("truncated: hi must not be NaN");
  if (!(lo < hi))
    throw std::invalid_argument("truncated: lo must be below hi, got lo=" + fmt(lo) + ", hi=" + fmt(hi));
  if (base.copula_)
    throw std::invalid_argument("truncated: truncate a prior before correlating it, not after");
  if (base.is_point()) throw std::invalid_argument("truncated: a point value cannot be truncated");
  const double a = std::max(lo, base.lo_);
  const double b = std::min(hi, base.hi_);
  const double fa = base.cdf(a), fb = base.cdf(b);
  if (!(a < b) || !(fb > fa))
    throw std::invalid_argument("truncated: the interval [" + fmt(lo) + ", " + fmt(hi) + "] has zero probability under " +
                                base.describe());
  Prior p;
  p.kind_ = Kind::truncated;
  p.p_ = {a, b, fa, fb};
  p.children_ = {base};
  p.lo_ = a;
  p.hi_ = b;
  return p;
}

Prior Prior::mixture(const std::vector<Prior>& components, const std::vector<double>& weights) {
  if (components.empty()) throw std::invalid_argument("mixture: needs at least one component, got 0");
  if (weights.size() != components.size())
    throw std::invalid_argument("mixture: needs one weight per component, got " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(components.size()) + " components");
  double total = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(std::isfinite(weights[i]) && weights[i] >= 0.0))
      throw std::invalid_argument("mixture: weights must be non-negative and finite, got weights[" + std::to_string(i) +
                                  "]=" + fmt(weights[i]));
    total += weights[i];
  }
  if (!(total > 0.0)) throw std::invalid_argument("mixture: weights must not all be zero");
  Prior p;
  p.kind_ = Kind::mixture;
  p.children_.reserve(components.size());
  for (const auto& c : components) {
    if (c.copula_) throw std::invalid_argument("mixture: mix priors before correlating them, not after");
    p.children_.push_back(c);
  }
  p.weights_.reserve(weights.size());
  for (double w : weights) p.weights_.push_back(w / total);
  p.lo_ = kInf;
  p.hi_ = -kInf;
  for (const auto& c : components) {
    p.lo_ = std::min(p.lo_, c.lo_);
    p.hi_ = std::max(p.hi_, c.hi_);
  }
  return p;
}

Prior Prior::empirical(const std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("empirical: needs at least one value, got 0");
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      throw std::invalid_argument("empirical: values must be finite, got values[" + std::to_string(i) +
                                  "]=" + fmt(values[i]));
  Prior p;
  p.kind_ = Kind::empirical;
  p.weights_ = values;
  std::sort(p.weights_.begin(), p.weights_.end());
  p.lo_ = p.weights_.front();
  p.hi_ = p.weights_.back();
  return p;
}

Prior Prior::from_interval(double lo, double hi, double credibility) {
  require_finite("to", "lo", lo);
  require_finite("to", "hi", hi);
  if (!(lo < hi)) throw std::invalid_argument("to: lo must be below hi, got lo=" + fmt(lo) + ", hi=" + fmt(hi));
  if (!(credibility > 0.0 && credibility < 1.0))
    throw std::invalid_argument("to: credibility must be in (0, 1), got " + fmt(credibility));
  const double z = normal_ppf(0.5 + credibility / 2.0);
  if (lo > 0.0) {
    const double a = std::log(lo), b = std::log(hi);
    return lognormal((a + b) / 2.0, (b - a) / (2.0 * z));
  }
  return normal((lo + hi) / 2.0, (hi - lo) / (2.0 * z));
}

Prior Prior::marginal() const {
  Prior p = *this;
  p.copula_.reset();
  p.copula_index_ = -1;
  return p;
}

double Prior::ppf(double q) const {
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("ppf: q must be in [0, 1], got " + fmt(q));
  const auto& p = p_;
  if (kind_ == Kind::point) return p[0];
  if (kind_ == Kind::empirical) {
    // inverted empirical CDF: the smallest value with F(x) >= q
    const auto n = static_cast<double>(weights_.size());
    const auto k = static_cast<std::size_t>(std::max(1.0, std::ceil(q * n)));
    return weights_[std::min(k, weights_.size()) - 1];
  }
  if (q == 0.0) return lo_;
  if (q == 1.0) return hi_;
  switch (kind_) {
    case Kind::normal:
      return bm::quantile(bm::normal_distribution<double, MathPolicy>(p[0], p[1]), q);
    case Kind::lognormal:
      return bm::quantile(bm::lognormal_distribution<double, MathPolicy>(p[0], p[1]), q);
    case Kind::uniform:
      return bm::quantile(bm::uniform_distribution<double, MathPolicy>(p[0], p[1]), q);
    case Kind::triangular:
      return bm::quantile(bm::triangular_distribution<double, MathPolicy>(p[0], p[1], p[2]), q);
    case Kind::pert:
      return p[0] + (p[2] - p[0]) * beta_quantile(pert_alpha(p), pert_beta(p), q);
    case Kind::beta:
      return beta_quantile(p[0], p[1], q);
    case Kind::gamma:
      return bm::quantile(bm::gamma_distribution<double, MathPolicy>(p[0], p[1]), q);
    case Kind::student_t:
    {
      const double z = bm::quantile(bm::students_t_distribution<double, MathPolicy>(p[0]), q);
      if (std::isinf(z)) return q < 0.5 ? lo_ : hi_;  // overflow returns +inf whatever the tail
      return p[1] + p[2] * z;
    }
    case Kind::truncated: {
      const double x = children_[0].ppf(p[2] + q * (p[3] - p[2]));
      return std::clamp(x, p[0], p[1]);
    }
    case Kind::mixture: {
      // the mixture quantile lies between the components' quantiles at the same level
      double a = kInf, b = -kInf;
      for (const auto& c : children_) {
        const double x = c.ppf(q);
        a = std::min(a, x);
        b = std::max(b, x);
      }
      if (a == b) return a;
      auto f = [&](double x) { return cdf(x) - q; };
      std::uintmax_t iters = 200;
      const auto r = bm::tools::toms748_solve(f, a, b, f(a), f(b),
                                               bm::tools::eps_tolerance<double>(52), iters);
      return 0.5 * (r.first + r.second);
    }
    default:
      break;
  }
  throw std::logic_error("ppf: unhandled prior kind");
}

double Prior::cdf(double x) const {
  if (std::isnan(x)) throw std::invalid_argument("cdf: x must not be NaN");
  const auto& p = p_;
  if (kind_ == Kind::point) return x >= p[0] ? 1.0 : 0.0;
  if (kind_ == Kind::empirical) {
    const auto it = std::upper_bound(weights_.begin(), weights_.end(), x);
    return static_cast<double>(it - weights_.begin()) / static_cast<double>(weights_.size());
  }
  if (kind_ == Kind::mixture) {
    double s = 0.0;
    for (std::size_t i = 0; i < children_.size(); ++i) s += weights_[i] * children_[i].cdf(x);
    return s;
  }
  if (x <= lo_) return kind_ == Kind::truncated ? 0.0 : (x < lo_ ? 0.0 : cdf_inside(x));
  if (x >= hi_) return 1.0;
  return cdf_inside(x);
}

double Prior::cdf_inside(double x) const {
  const auto& p = p_;
  switch (kind_) {
    case Kind::normal:
      return bm::cdf(bm::normal_distribution<double, MathPolicy>(p[0], p[1]), x);
    case Kind::lognormal:
      return x <= 0.0 ? 0.0 : bm::cdf(bm::lognormal_distribution<double, MathPolicy>(p[0], p[1]), x);
    case Kind::uniform:
      return bm::cdf(bm::uniform_distribution<double, MathPolicy>(p[0], p[1]), x);
    case Kind::triangular:
      return bm::cdf(bm::triangular_distribution<double, MathPolicy>(p[0], p[1], p[2]), x);
    case Kind::pert:
      return bm::cdf(bm::beta_distribution<double, MathPolicy>(pert_alpha(p), pert_beta(p)), (x - p[0]) / (p[2] - p[0]));
    case Kind::beta:
      return bm::cdf(bm::beta_distribution<double, MathPolicy>(p[0], p[1]), x);
    case Kind::gamma:
      return bm::cdf(bm::gamma_distribution<double, MathPolicy>(p[0], p[1]), x);
    case Kind::student_t:
      return bm::cdf(bm::students_t_distribution<double, MathPolicy>(p[0]), (x - p[1]) / p[2]);
    case Kind::truncated:
      return (children_[0].cdf(x) - p[2]) / (p[3] - p[2]);
    default:
      break;
  }
  throw std::logic_error("cdf: unhandled prior kind");
}

double Prior::mean() const {
  const auto& p = p_;
  switch (kind_) {
    case Kind::point:
      return p[0];
    case Kind::normal:
      return p[0];
    case Kind::lognormal:
      return std::exp(p[0] + 0.5 * p[1] * p[1]);
    case Kind::uniform:
      return 0.5 * (p[0] + p[1]);
    case Kind::triangular:
      return (p[0] + p[1] + p[2]) / 3.0;
    case Kind::pert:
      return (p[0] + p[3] * p[1] + p[2]) / (p[3] + 2.0);
    case Kind::beta:
      return p[0] / (p[0] + p[1]);
    case Kind::gamma:
      return p[0] * p[1];
    case Kind::student_t:
      if (!(p[0] > 1.0))
        throw std::domain_error("student_t: the mean is undefined for df <= 1, got df=" + fmt(p[0]));
      return p[1];
    case Kind::mixture: {
      double m = 0.0;
      for (std::size_t i = 0; i < children_.size(); ++i) m += weights_[i] * children_[i].mean();
      return m;
    }
    case Kind::empirical:
      return std::accumulate(weights_.begin(), weights_.end(), 0.0) / static_cast<double>(weights_.size());
    case Kind::truncated: {
      // E[X] = integral of the quantile function over (0, 1)
      bm::quadrature::tanh_sinh<double> integrator;
      return integrator.integrate([this](double u) { return ppf(u); }, 0.0, 1.0);
    }
  }
  throw std::logic_error("mean: unhandled prior kind");
}

std::string Prior::describe() const {
  const auto& p = p_;
  switch (kind_) {
    case Kind::point:
      return fmt(p[0]);
    case Kind::normal:
      return "normal(mu=" + fmt(p[0]) + ", sigma=" + fmt(p[1]) + ")";
    case Kind::lognormal:
      return "lognormal(mu=" + fmt(p[0]) + ", sigma=" + fmt(p[1]) + ")";
    case Kind::uniform:
      return "uniform(" + fmt(p[0]) + ", " + fmt(p[1]) + ")";
    case Kind::triangular:
      return "triangular(" + fmt(p[0]) + ", " + fmt(p[1]) + ", " + fmt(p[2]) + ")";
    case Kind::pert:
      return "pert(" + fmt(p[0]) + ", " + fmt(p[1]) + ", " + fmt(p[2]) + ", lambda=" + fmt(p[3]) + ")";
    case Kind::beta:
      return "beta(a=" + fmt(p[0]) + ", b=" + fmt(p[1]) + ")";
    case Kind::gamma:
      return "gamma(shape=" + fmt(p[0]) + ", scale=" + fmt(p[1]) + ")";
    case Kind::student_t:
      return "student_t(df=" + fmt(p[0]) + ", loc=" + fmt(p[1]) + ", scale=" + fmt(p[2]) + ")";
    case Kind::truncated:
      return "truncated(" + children_[0].describe() + ", " + fmt(p[0]) + ", " + fmt(p[1]) + ")";
    case Kind::mixture: {
      std::string s = "mixture(";
      for (std::size_t i = 0; i < children_.size(); ++i)
        s += (i ? ", " : "") + children_[i].describe() + " w=" + fmt(weights_[i]);
      return s + ")";
    }
    case Kind::empirical:
      return "empirical(" + std::to_string(weights_.size()) + " values)";
  }
  return "?";
}

double Prior::sample(Stream& s) const {
  const auto& p = p_;
  switch (kind_) {
    case Kind::point:
      return p[0];
    case Kind::normal:
      return p[0] + p[1] * s.normal();
    case Kind::lognormal:
      return fastmath::exp(p[0] + p[1] * s.normal());
    case Kind::uniform:
      return p[0] + (p[1] - p[0]) * (1.0 - s.uniform());
    case Kind::triangular: {
      const double u = 1.0 - s.uniform();
      const double lo = p[0], c = p[1], hi = p[2];
      const double fc = (c - lo) / (hi - lo);
      return u < fc ? lo + std::sqrt(u * (hi - lo) * (c - lo)) : hi - std::sqrt((1.0 - u) * (hi - lo) * (hi - c));
    }
    case Kind::pert:
      return p[0] + (p[2] - p[0]) * sample_beta(s, pert_alpha(p), pert_beta(p));
    case Kind::beta:
      return sample_beta(s, p[0], p[1]);
    case Kind::gamma:
      return p[1] * sample_gamma(s, p[0]);
    case Kind::student_t: {
      const double z = s.normal();
      const double chi2 = 2.0 * sample_gamma(s, 0.5 * p[0]);
      return p[1] + p[2] * z / std::sqrt(chi2 / p[0]);
    }
    case Kind::truncated: {
      // inverse transform inside [F(lo), F(hi)]; 1 - u keeps the argument in [0, 1)
      const double u = 1.0 - s.uniform();
      return ppf(u);
    }
    case Kind::mixture: {
      const double u = 1.0 - s.uniform();
      double acc = 0.0;
      for (std::size_t i = 0; i + 1 < children_.size(); ++i) {
        acc += weights_[i];
        if (u < acc) return children_[i].sample(s);
      }
      return children_.back().sample(s);
    }
    case Kind::empirical: {
      const double u = 1.0 - s.uniform();
      const auto i = static_cast<std::size_t>(u * static_cast<double>(weights_.size()));
      return weights_[std::min(i, weights_.size() - 1)];
    }
  }
  return p[0];
}

namespace {

constexpr std::size_t kSampleBlock = std::size_t{1} << 16;  // draws per task; divides 2^32

// Key words of draw `first`: the low 32 bits go in the path word, the high ones in the month word.
inline std::uint32_t low_word(std::uint64_t i) { return static_cast<std::uint32_t>(i); }
inline std::uint32_t high_word(std::uint64_t i) { return static_cast<std::uint32_t>(i >> 32); }

// out[i] = mu + sigma * x[i]
void affine_to(std::size_t n, double mu, double sigma, double* x) { affine(n, mu, sigma, x); }

}  // namespace

void sample_block(const Prior& prior, Key key, std::uint64_t first, std::size_t n, std::uint32_t stream,
                  double* out) {
  const auto& p = prior.params();
  const std::uint32_t lo = low_word(first), month = high_word(first);
  switch (prior.kind()) {
    case Prior::Kind::point:
      std::fill_n(out, n, p[0]);
      return;
    case Prior::Kind::normal:
    case Prior::Kind::lognormal:
      // the first normal of each stream is z0 of its first block
      normal_block(key, lo, n, month, stream, out, nullptr, nullptr);
      if (prior.kind() == Prior::Kind::normal)
        affine(n, p[0], p[1], out);
      else
        exp_affine(n, p[0], p[1], out);
      return;
    case Prior::Kind::uniform: {
      // p0 + (p1 - p0) (1 - U), U = Stream::uniform() from words 0-1
      std::vector<double> spare(std::min(n, kSampleBlock));
      for (std::size_t j = 0; j < n; j += spare.size()) {
        const std::size_t len = std::min(spare.size(), n - j);
        uniform_pair_block(key, lo + j, len, month, stream, out + j, spare.data());
      }
      affine_to(n, p[0], p[1] - p[0], out);
      return;
    }
    case Prior::Kind::gamma:
      gamma_block(key, lo, n, month, stream, &p[0], 0, out);
      for (std::size_t j = 0; j < n; ++j) out[j] = p[1] * out[j];
      return;
    case Prior::Kind::beta:
      beta_block(key, lo, n, month, stream, p[0], p[1], out);
      return;
    case Prior::Kind::pert:
      beta_block(key, lo, n, month, stream, pert_alpha(p), pert_beta(p), out);
      affine_to(n, p[0], p[2] - p[0], out);
      return;
    default:
      for (std::size_t j = 0; j < n; ++j) {
        Stream st(key, lo + j, month, stream);
        out[j] = prior.sample(st);
      }
  }
}

void check_sample_size(std::int64_t n, std::size_t columns) {
  if (n < 0) throw std::invalid_argument("sample: n must be non-negative, got " + std::to_string(n));
  const double bytes = 8.0 * static_cast<double>(n) * static_cast<double>(std::max<std::size_t>(columns, 1));
  const double available = available_memory_bytes();
  if (bytes > 0.9 * available) {
    auto size = [](double b) {
      std::ostringstream os;
      os.precision(3);
      if (b >= 0x1p40)
        os << b / 0x1p40 << " TiB";
      else if (b >= 0x1p30)
        os << b / 0x1p30 << " GiB";
      else
        os << b / 0x1p20 << " MiB";
      return os.str();
    };
    throw std::invalid_argument("sample: n=" + std::to_string(n) + (columns > 1 ? " rows of " + std::to_string(columns) + " draws" : " draws") +
                                " need " + size(bytes) + " of memory (8 bytes a draw) but only " + size(0.9 * available) +
                                " is available; use a smaller n");
  }
}

void sample_into(const Prior& prior, std::int64_t n, std::uint64_t seed, int threads, double* out) {
  check_sample_size(n, 1);
  const Key key = key_from_seed(seed);
  const Prior marginal = prior.marginal();
  const auto total = static_cast<std::size_t>(n);
  const std::size_t blocks = (total + kSampleBlock - 1) / kSampleBlock;
  detail::parallel_for(blocks, detail::resolve_threads(threads), [&](std::size_t b, int) {
    const std::size_t first = b * kSampleBlock;
    sample_block(marginal, key, first, std::min(kSampleBlock, total - first), 0u, out + first);
  });
}

void sample_joint(const std::vector<Prior>& priors, std::int64_t n, std::uint64_t seed, int threads, double* out) {
  const std::size_t k = priors.size();
  if (k == 0) throw std::invalid_argument("sample: needs at least one prior, got none");
  check_sample_size(n, k);
  const Key key = key_from_seed(seed);
  std::vector<const CopulaGroup*> groups;  // in order of first appearance
  std::vector<Prior> marginals;
  for (const auto& p : priors) {
    if (const CopulaGroup* g = p.copula().get())
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    marginals.push_back(p.marginal());
  }
  const auto total = static_cast<std::size_t>(n);
  const std::size_t blocks = (total + kSampleBlock - 1) / kSampleBlock;
  constexpr double kTiny = std::numeric_limits<double>::min();
  detail::parallel_for(blocks, detail::resolve_threads(threads), [&](std::size_t b, int) {
    const std::size_t first = b * kSampleBlock;
    const std::size_t len = std::min(kSampleBlock, total - first);
    const std::uint32_t lo = low_word(first), month = high_word(first);
    std::vector<double> col(len);
    auto scatter = [&](std::size_t j) {
      for (std::size_t i = 0; i < len; ++i) out[(first + i) * k + j] = col[i];
    };
    for (std::size_t j = 0; j < k; ++j)
      if (!priors[j].copula()) {
        sample_block(marginals[j], key, first, len, static_cast<std::uint32_t>(j), col.data());
        scatter(j);
      }
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const CopulaGroup& grp = *groups[g];
      const std::size_t d = grp.size();
      const std::uint32_t stream = 0xFFFF0000u | static_cast<std::uint32_t>(g);
      if (grp.is_rows()) {
        // one row per draw: 1 - U of Stream(key, i, 0, stream)
        std::vector<Eigen::Index> row(len);
        for (std::size_t i = 0; i < len; ++i) {
          Stream st(key, lo + i, month, stream);
          row[i] = grp.row_of(1.0 - st.uniform());
        }
        for (std::size_t j = 0; j < k; ++j) {
          if (priors[j].copula().get() != &grp) continue;
          const auto c = static_cast<Eigen::Index>(priors[j].copula_index());
          for (std::size_t i = 0; i < len; ++i) col[i] = grp.rows(row[i], c);
          scatter(j);
        }
        continue;
      }
      // eps_c: normal c of each row's stream (z0 and z1 of block c / 2)
      std::vector<std::vector<double>> eps(d + 1, std::vector<double>(len));
      for (std::size_t c = 0; c < d; c += 2)
        normal_block(key, lo, len, month, stream, eps[c].data(), eps[c + 1].data(), nullptr, nullptr,
                     static_cast<std::uint32_t>(c / 2));
      for (std::size_t j = 0; j < k; ++j) {
        if (priors[j].copula().get() != &grp) continue;
        const auto r = static_cast<Eigen::Index>(priors[j].copula_index());
        // z = row r of L eps (L lower triangular)
        std::fill(col.begin(), col.end(), 0.0);
        for (Eigen::Index c = 0; c <= r; ++c) {
          const double l = grp.cholesky(r, c);
          const double* e = eps[static_cast<std::size_t>(c)].data();
          for (std::size_t i = 0; i < len; ++i) col[i] += l * e[i];
        }
        const Prior& m = marginals[j];
        const auto& p = m.params();
        if (m.kind() == Prior::Kind::normal) {
          affine(len, p[0], p[1], col.data());
        } else if (m.kind() == Prior::Kind::lognormal) {
          exp_affine(len, p[0], p[1], col.data());
        } else if (!m.is_point()) {
          for (std::size_t i = 0; i < len; ++i)
            col[i] = m.ppf(std::clamp(normal_cdf(col[i]), kTiny, 1.0 - 0x1p-53));
        } else {
          std::fill(col.begin(), col.end(), p[0]);
        }
        scatter(j);
      }
    }
  });
}

std::vector<Prior> correlate(const std::vector<Prior>& marginals, const Eigen::MatrixXd& c) {
  const auto n = static_cast<Eigen::Index>(marginals.size());
  if (n < 2) throw std::invalid_argument("correlate: needs at least two priors, got " + std::to_string(n));
  if (c.rows() != n || c.cols() != n)
    throw std::invalid_argument("correlate: the correlation matrix must be " + std::to_string(n) + "x" +
                                std::to_string(n) + " for " + std::to_string(n) + " priors, got " +
                                std::to_string(c.rows()) + "x" + std::to_string(c.cols()));
  for (Eigen::Index i = 0; i < n; ++i) {
    if (marginals[static_cast<std::size_t>(i)].copula_)
      throw std::invalid_argument("correlate: prior " + std::to_string(i) + " is already correlated");
    for (Eigen::Index j = 0; j < n; ++j) {
      const double v = c(i, j);
      const std::string at = "correlation[" + std::to_string(i) + "][" + std::to_string(j) + "]";
      if (!std::isfinite(v)) throw std::invalid_argument("correlate: " + at + " must be finite, got " + fmt(v));
      if (i == j) {
        if (std::abs(v - 1.0) > 1e-12)
          throw std::invalid_argument("correlate: the diagonal must be 1, got " + at + "=" + fmt(v));
        continue;  // rounding above 1 on the diagonal is fine: it is taken as exactly 1
      }
      if (std::abs(v) > 1.0) throw std::invalid_argument("correlate: " + at + " must be in [-1, 1], got " + fmt(v));
      if (std::abs(v - c(j, i)) > 1e-12)
        throw std::invalid_argument("correlate: the matrix must be symmetric, got " + at + "=" + fmt(v) +
                                    " but its transpose entry " + fmt(c(j, i)));
    }
  }
  Eigen::MatrixXd c1 = c;
  c1.diagonal().setOnes();
  Eigen::LLT<Eigen::MatrixXd> llt(c1);
  if (llt.info() != Eigen::Success) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(c1, Eigen::EigenvaluesOnly);
    throw std::invalid_argument("correlate: the correlation matrix is not positive definite (smallest eigenvalue " +
                                fmt(eig.eigenvalues().minCoeff()) + ")");
  }
  auto group = std::make_shared<CopulaGroup>();
  group->correlation = c1;
  group->cholesky = llt.matrixL();
  std::vector<Prior> out;
  out.reserve(marginals.size());
  for (std::size_t i = 0; i < marginals.size(); ++i) {
    Prior p = marginals[i];
    p.copula_ = group;
    p.copula_index_ = static_cast<int>(i);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Prior> joint_rows(const Eigen::MatrixXd& table) {
  if (table.rows() < 1 || table.cols() < 1)
    throw std::invalid_argument("joint_rows: the table needs at least one row and one column, got " +
                                std::to_string(table.rows()) + "x" + std::to_string(table.cols()));
  for (Eigen::Index i = 0; i < table.rows(); ++i)
    for (Eigen::Index j = 0; j < table.cols(); ++j)
      if (!std::isfinite(table(i, j)))
        throw std::invalid_argument("joint_rows: values must be finite, got rows[" + std::to_string(i) + "][" +
                                    std::to_string(j) + "]=" + fmt(table(i, j)));
  auto group = std::make_shared<CopulaGroup>();
  group->rows = table;
  std::vector<Prior> out;
  out.reserve(static_cast<std::size_t>(table.cols()));
  for (Eigen::Index j = 0; j < table.cols(); ++j) {
    std::vector<double> col(static_cast<std::size_t>(table.rows()));
    for (Eigen::Index i = 0; i < table.rows(); ++i) col[static_cast<std::size_t>(i)] = table(i, j);
    Prior p = Prior::empirical(col);
    p.copula_ = group;
    p.copula_index_ = static_cast<int>(j);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace aicast
