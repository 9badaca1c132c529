// fit_glm.cpp — IRLS for the log-link negative binomial / Poisson regression and its dispersion.
#include "aicast/fit_glm.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <boost/math/tools/minima.hpp>

#include "aicast/policy.hpp"

namespace aicast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kLogKMin = std::log(1e-4);
const double kLogKMax = std::log(1e8);
constexpr double kMaxEta = 700.0;
constexpr std::int64_t kSmallCount = 10000;  // below this, gamma-function differences are exact sums

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

bool small_whole(double y) { return y == std::floor(y) && y < static_cast<double>(kSmallCount); }

// lgamma(y + k) - lgamma(k), without cancellation for whole y
double lgamma_ratio(double y, double k) {
  if (small_whole(y)) {
    double s = 0.0;
    for (std::int64_t j = 0; j < static_cast<std::int64_t>(y); ++j) s += std::log(k + static_cast<double>(j));
    return s;
  }
  return std::lgamma(y + k) - std::lgamma(k);
}

// psi(y + k) - psi(k) and psi'(y + k) - psi'(k)
void polygamma_ratio(double y, double k, double& d1, double& d2) {
  if (small_whole(y)) {
    d1 = d2 = 0.0;
    for (std::int64_t j = 0; j < static_cast<std::int64_t>(y); ++j) {
      const double a = 1.0 / (k + static_cast<double>(j));
      d1 += a;
      d2 -= a * a;
    }
    return;
  }
  d1 = boost::math::digamma(y + k, MathPolicy()) - boost::math::digamma(k, MathPolicy());
  d2 = boost::math::trigamma(y + k, MathPolicy()) - boost::math::trigamma(k, MathPolicy());
}

// the k-dependent part of the log-likelihood
double profile(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& w, double k) {
  double l = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (w(i) == 0.0) continue;
    l += w(i) * (lgamma_ratio(y(i), k) - k * std::log1p(mu(i) / k) - y(i) * std::log(k + mu(i)));
  }
  return l;
}

// d^2 l / d(log k)^2 = k l'(k) + k^2 l''(k)
double profile_curvature(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& w, double k) {
  double g = 0.0, h = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (w(i) == 0.0) continue;
    double d1 = 0.0, d2 = 0.0;
    polygamma_ratio(y(i), k, d1, d2);
    const double km = k + mu(i);
    g += w(i) * (d1 - std::log1p(mu(i) / k) + (mu(i) - y(i)) / km);
    h += w(i) * (d2 + 1.0 / k - 1.0 / km - (mu(i) - y(i)) / (km * km));
  }
  return k * g + k * k * h;
}

double ml_log_dispersion(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& w) {
  std::uintmax_t iters = 200;
  const auto r = boost::math::tools::brent_find_minima([&](double t) { return -profile(y, mu, w, std::exp(t)); },
                                                       kLogKMin, kLogKMax, 40, iters);
  return r.first;
}

// Pearson moment estimate of log k (kLogKMax + 1 for no overdispersion)
double moment_log_dispersion(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& w, double dof) {
  auto excess = [&](double a) {  // a = 1 / k; decreasing in a
    double s = 0.0;
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      const double r = y(i) - mu(i);
      s += w(i) * r * r / (mu(i) * (1.0 + a * mu(i)));
    }
    return s - dof;
  };
  if (excess(0.0) <= 0.0) return kLogKMax + 1.0;
  double lo = 0.0, hi = 1.0;
  while (excess(hi) > 0.0 && hi < 1e6) hi *= 2.0;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (excess(mid) > 0.0 ? lo : hi) = mid;
  }
  const double a = 0.5 * (lo + hi);
  return a > 0.0 ? -std::log(a) : kLogKMax + 1.0;
}

}  // namespace

double negbin_loglik(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& w, double k) {
  double l = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (w(i) == 0.0) continue;
    const double lf = std::lgamma(y(i) + 1.0);
    if (std::isinf(k)) {
      l += w(i) * ((y(i) > 0.0 ? y(i) * std::log(mu(i)) : 0.0) - mu(i) - lf);
    } else {
      l += w(i) * (lgamma_ratio(y(i), k) - lf - k * std::log1p(mu(i) / k) +
                   (y(i) > 0.0 ? y(i) * (std::log(mu(i)) - std::log(k + mu(i))) : 0.0));
    }
  }
  return l;
}

GlmFit fit_negbin_glm(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& offset,
                      const Eigen::VectorXd& weights, DispersionMethod method, double fixed_dispersion, int max_iter,
                      double tol) {
  const Eigen::Index n = x.rows(), p = x.cols();
  if (n == 0 || p == 0) throw std::invalid_argument("fit_negbin_glm: the design matrix is empty");
  if (y.size() != n || offset.size() != n || weights.size() != n)
    throw std::invalid_argument("fit_negbin_glm: y, offset and weights must have one entry per row of x (" +
                                std::to_string(n) + "), got " + std::to_string(y.size()) + ", " +
                                std::to_string(offset.size()) + " and " + std::to_string(weights.size()));
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!(y(i) >= 0.0) || !std::isfinite(y(i)))
      throw std::invalid_argument("fit_negbin_glm: counts must be finite and non-negative, got y[" + std::to_string(i) +
                                  "] = " + fmt(y(i)));
    if (!(weights(i) >= 0.0) || !std::isfinite(weights(i)))
      throw std::invalid_argument("fit_negbin_glm: weights must be finite and non-negative, got weights[" +
                                  std::to_string(i) + "] = " + fmt(weights(i)));
    if (!std::isfinite(offset(i)))
      throw std::invalid_argument("fit_negbin_glm: offsets must be finite, got offset[" + std::to_string(i) +
                                  "] = " + fmt(offset(i)));
    for (Eigen::Index j = 0; j < p; ++j)
      if (!std::isfinite(x(i, j)))
        throw std::invalid_argument("fit_negbin_glm: the design matrix must be finite, got x[" + std::to_string(i) +
                                    ", " + std::to_string(j) + "] = " + fmt(x(i, j)));
  }
  if (method == DispersionMethod::fixed && !(fixed_dispersion > 0.0))
    throw std::invalid_argument("fit_negbin_glm: a fixed dispersion must be positive (inf for Poisson), got " +
                                fmt(fixed_dispersion));
  if (max_iter < 1) throw std::invalid_argument("fit_negbin_glm: max_iter must be positive, got " + std::to_string(max_iter));
  const double wsum = weights.sum();
  Eigen::Index used = 0;
  for (Eigen::Index i = 0; i < n; ++i) used += weights(i) > 0.0 ? 1 : 0;
  {
    Eigen::MatrixXd xw = x;
    for (Eigen::Index i = 0; i < n; ++i) xw.row(i) *= std::sqrt(weights(i));
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(xw);
    if (qr.rank() < p)
      throw std::invalid_argument("fit_negbin_glm: the design matrix (rows with positive weight) has rank " +
                                  std::to_string(qr.rank()) + " but " + std::to_string(p) +
                                  " columns; drop collinear columns or add data");
  }
  if (used <= p)
    throw std::invalid_argument("fit_negbin_glm: need more rows with positive weight (" + std::to_string(used) +
                                ") than coefficients (" + std::to_string(p) + ")");

  GlmFit fit;
  Eigen::VectorXd mu = (y.array() + 0.5).matrix();  // usual GLM start
  Eigen::VectorXd eta = mu.array().log().matrix();
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  double k = method == DispersionMethod::fixed ? fixed_dispersion : kInf;  // first pass: Poisson
  bool first = true;
  double l_old = -kInf;
  int it = 0;
  Eigen::MatrixXd xtwx(p, p);
  auto irls = [&](double kk) {
    double l_cur = first ? -kInf : negbin_loglik(y, mu, weights, kk);
    for (int inner = 0; inner < max_iter; ++inner, ++it) {
      Eigen::VectorXd wv(n), z(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        wv(i) = weights(i) * mu(i) / (1.0 + (std::isinf(kk) ? 0.0 : mu(i) / kk));
        z(i) = eta(i) - offset(i) + (y(i) - mu(i)) / mu(i);
      }
      xtwx.noalias() = x.transpose() * wv.asDiagonal() * x;
      const Eigen::VectorXd rhs = x.transpose() * (wv.asDiagonal() * z);
      Eigen::VectorXd next = xtwx.ldlt().solve(rhs);
      Eigen::VectorXd step = next - beta;
      double l_new = -kInf;
      Eigen::VectorXd eta_new, mu_new;
      for (int half = 0; half < 30; ++half) {
        const Eigen::VectorXd cand = beta + step;
        eta_new = (x * cand + offset).cwiseMin(kMaxEta).cwiseMax(-kMaxEta);
        mu_new = eta_new.array().exp().matrix();
        l_new = negbin_loglik(y, mu_new, weights, kk);
        if (first || l_new >= l_cur - 1e-12 * std::fabs(l_cur)) break;
        step *= 0.5;
      }
      first = false;
      beta += step;
      eta = eta_new;
      mu = mu_new;
      const double change = std::fabs(l_new - l_cur);
      l_cur = l_new;
      if (change <= tol * (std::fabs(l_cur) + 1.0) && step.cwiseAbs().maxCoeff() <= 1e-8 * (1.0 + beta.cwiseAbs().maxCoeff()))
        return true;
    }
    return false;
  };
  bool ok = irls(k);
  if (method != DispersionMethod::fixed) {
    ok = false;
    for (int outer = 0; outer < max_iter; ++outer) {
      const double t = method == DispersionMethod::ml ? ml_log_dispersion(y, mu, weights)
                                                      : moment_log_dispersion(y, mu, weights, wsum - static_cast<double>(p));
      const double k_new = t >= kLogKMax - 1e-6 ? kInf : std::exp(t);
      const bool same = (std::isinf(k_new) && std::isinf(k)) ||
                        (std::isfinite(k_new) && std::isfinite(k) && std::fabs(std::log(k_new) - std::log(k)) < 1e-9);
      k = k_new;
      const bool inner_ok = irls(k);
      const double l_now = negbin_loglik(y, mu, weights, k);
      if (same && inner_ok && std::fabs(l_now - l_old) <= tol * (std::fabs(l_now) + 1.0)) {
        ok = true;
        break;
      }
      l_old = l_now;
    }
  }
  // information at the fit
  Eigen::VectorXd wv(n);
  for (Eigen::Index i = 0; i < n; ++i) wv(i) = weights(i) * mu(i) / (1.0 + (std::isinf(k) ? 0.0 : mu(i) / k));
  xtwx.noalias() = x.transpose() * wv.asDiagonal() * x;
  fit.cov = xtwx.ldlt().solve(Eigen::MatrixXd::Identity(p, p));
  fit.beta = beta;
  fit.mu = mu;
  fit.dispersion = k;
  fit.log_dispersion_se = kNaN;
  if (method != DispersionMethod::fixed && std::isfinite(k)) {
    const double c = profile_curvature(y, mu, weights, k);
    if (c < 0.0) fit.log_dispersion_se = 1.0 / std::sqrt(-c);
  }
  fit.loglik = negbin_loglik(y, mu, weights, k);
  double chi2 = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double r = y(i) - mu(i);
    chi2 += weights(i) * r * r / (mu(i) * (1.0 + (std::isinf(k) ? 0.0 : mu(i) / k)));
  }
  fit.pearson_chi2 = chi2;
  fit.iterations = it;
  fit.converged = ok;
  return fit;
}

}  // namespace aicast
