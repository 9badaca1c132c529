// fit_glm.hpp — negative binomial (and Poisson) regression with a log link, fitted by IRLS (Eigen).
//
//   y_i ~ NegativeBinomial(mean mu_i, dispersion k),  Var y_i = mu_i + mu_i^2 / k   (NB2; Poisson as k -> inf)
//   log mu_i = x_i' beta + offset_i
//   log-likelihood  l = sum_i w_i [lgamma(y_i + k) - lgamma(k) - lgamma(y_i + 1)
//                                  + k log(k / (k + mu_i)) + y_i log(mu_i / (k + mu_i))]
// with prior weights w_i >= 0 (0 drops a row; fractional weights down-weight it).
//
// beta given k: iteratively reweighted least squares, W_i = w_i mu_i / (1 + mu_i / k),
//   z_i = eta_i - offset_i + (y_i - mu_i) / mu_i,  beta = (X' W X)^-1 X' W z, halving steps that lower l.
// k given beta: maximum likelihood (Brent on log k over [1e-4, 1e8]) or the Pearson moment equation
//   sum_i w_i (y_i - mu_i)^2 / (mu_i + mu_i^2 / k) = sum_i w_i - p.
// The two alternate until neither moves. An estimate of k at the upper end (no overdispersion)
// is reported as k = inf and the fit is Poisson.
// Cov(beta) = (X' W X)^-1 at the fit (beta and k are orthogonal in NB2); se(log k) from the observed
// information of the profile likelihood, -d^2 l / d(log k)^2.
#pragma once

#include <string>

#include <Eigen/Core>

namespace aicast {

enum class DispersionMethod { ml, moments, fixed };

struct GlmFit {
  Eigen::VectorXd beta;
  Eigen::MatrixXd cov;       // covariance of beta
  double dispersion = 0.0;   // k; +inf for Poisson
  double log_dispersion_se;  // standard error of log k; NaN when k is fixed or infinite
  double loglik = 0.0;
  double pearson_chi2 = 0.0;
  Eigen::VectorXd mu;
  int iterations = 0;
  bool converged = false;
};

// Throws std::invalid_argument naming the bad input (shapes, negative or non-finite counts, weights
// or offsets, a rank-deficient design, an unknown method or a fixed k <= 0).
GlmFit fit_negbin_glm(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& offset,
                      const Eigen::VectorXd& weights, DispersionMethod method, double fixed_dispersion = 0.0,
                      int max_iter = 100, double tol = 1e-10);

// The NB2 log-likelihood above (k = inf: Poisson) at given means.
double negbin_loglik(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& weights, double k);

}  // namespace aicast
