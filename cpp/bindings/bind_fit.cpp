// bind_fit.cpp — fitting routines of the core (regressions behind aicast.fit).
#include <cmath>
#include <stdexcept>

#include "aicast/fit_glm.hpp"
#include "pybind11.hpp"

namespace aicast::bindings {

namespace {

DispersionMethod to_method(const std::string& m) {
  if (m == "ml") return DispersionMethod::ml;
  if (m == "moments") return DispersionMethod::moments;
  if (m == "fixed") return DispersionMethod::fixed;
  throw std::invalid_argument("dispersion method must be 'ml', 'moments' or 'fixed', got '" + m + "'");
}

}  // namespace

void bind_fit(py::module_& m) {
  m.def(
      "negbin_glm",
      [](const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& offset,
         const Eigen::VectorXd& weights, const std::string& method, double dispersion, int max_iter, double tol) {
        const DispersionMethod dm = to_method(method);
        GlmFit f;
        {
          // releasing the GIL is safe: the fit works on Eigen copies of the arguments
          py::gil_scoped_release release;
          f = fit_negbin_glm(x, y, offset, weights, dm, dispersion, max_iter, tol);
        }
        return py::dict("beta"_a = f.beta, "cov"_a = f.cov, "dispersion"_a = f.dispersion,
                        "log_dispersion_se"_a = f.log_dispersion_se, "loglik"_a = f.loglik,
                        "pearson_chi2"_a = f.pearson_chi2, "mu"_a = f.mu, "iterations"_a = f.iterations,
                        "converged"_a = f.converged);
      },
      "x"_a, "y"_a, "offset"_a, "weights"_a, "method"_a = "ml", "dispersion"_a = 0.0, "max_iter"_a = 100,
      "tol"_a = 1e-10,
      "Negative binomial (NB2) / Poisson regression with a log link by IRLS; method 'ml', 'moments' or "
      "'fixed' (with dispersion, inf for Poisson)");
  m.def(
      "negbin_loglik",
      [](const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& weights, double dispersion) {
        return negbin_loglik(y, mu, weights, dispersion);
      },
      "y"_a, "mu"_a, "weights"_a, "dispersion"_a);
}

}  // namespace aicast::bindings
