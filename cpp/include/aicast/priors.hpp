// priors.hpp — numbers with uncertainty: distributions with quantile, CDF, mean and sampling,
// truncation, mixtures, and Gaussian-copula correlation between priors.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "aicast/rng.hpp"

namespace aicast {

class Prior;

// A correlation structure shared by the priors that `correlate` returns: every path draws the
// group's correlated normals once, and each member maps its coordinate through its marginal.
//
// A joint empirical group (set by `joint_rows`) has a table instead: every path picks one row of
// `rows` uniformly (from the group's stream) and member j takes column j of it, so the members'
// joint distribution is exactly the table's rows. `correlation` and `cholesky` are then empty.
struct CopulaGroup {
  Eigen::MatrixXd correlation;
  Eigen::MatrixXd cholesky;  // lower triangular L with L L^T = correlation
  Eigen::MatrixXd rows;      // a joint empirical group's table (rows x members); empty for a copula
  bool is_rows() const { return rows.size() > 0; }
  std::size_t size() const { return static_cast<std::size_t>(is_rows() ? rows.cols() : correlation.rows()); }
  // The row a uniform draw u in [0, 1) picks.
  Eigen::Index row_of(double u) const {
    const auto r = static_cast<Eigen::Index>(u * static_cast<double>(rows.rows()));
    return std::min<Eigen::Index>(r, rows.rows() - 1);
  }
};

class Prior {
 public:
  enum class Kind : int {
    point,
    normal,
    lognormal,
    uniform,
    triangular,
    pert,
    beta,
    gamma,
    student_t,
    truncated,
    mixture,
    empirical
  };

  Prior() : p_{0.0} {}  // the point value 0

  // Constructors validate their arguments and throw std::invalid_argument naming the bad one.
  static Prior point(double value);
  static Prior normal(double mu, double sigma);
  static Prior lognormal(double mu, double sigma);  // log X ~ normal(mu, sigma)
  static Prior uniform(double lo, double hi);
  static Prior triangular(double lo, double mode, double hi);
  static Prior pert(double lo, double mode, double hi, double lambda = 4.0);
  static Prior beta(double a, double b);
  static Prior gamma(double shape, double scale);
  static Prior student_t(double df, double loc, double scale);
  static Prior truncated(const Prior& base, double lo, double hi);
  static Prior mixture(const std::vector<Prior>& components, const std::vector<double>& weights);
  static Prior empirical(const std::vector<double>& values);
  // Central credible interval [lo, hi] with the given mass: lognormal if lo > 0, else normal.
  static Prior from_interval(double lo, double hi, double credibility = 0.9);

  Kind kind() const noexcept { return kind_; }
  std::string kind_name() const;
  const std::vector<double>& params() const noexcept { return p_; }
  const std::vector<Prior>& components() const noexcept { return children_; }
  const std::vector<double>& weights() const noexcept { return weights_; }

  double ppf(double q) const;  // quantile function, q in [0, 1]
  double cdf(double x) const;
  double mean() const;
  double lower() const noexcept { return lo_; }  // support
  double upper() const noexcept { return hi_; }
  bool is_point() const noexcept { return kind_ == Kind::point; }
  std::string describe() const;

  double sample(Stream& s) const;  // one draw from its own stream

  // Correlation link (set by `correlate`): the copula group and this prior's coordinate in it.
  const std::shared_ptr<const CopulaGroup>& copula() const noexcept { return copula_; }
  int copula_index() const noexcept { return copula_index_; }
  Prior marginal() const;  // the same prior without its correlation link

  // Set by a scenario on its own copy of a model parameter: the random stream of the named
  // parameter (0: unbound, the model's slot is used) and its index among the scenario's uncertain
  // parameters (-1: none), so draws are keyed by the parameter's name, not its position.
  std::uint32_t stream() const noexcept { return stream_; }
  int input() const noexcept { return input_; }
  void bind(std::uint32_t stream, int input) noexcept {
    stream_ = stream;
    input_ = input;
  }

 private:
  double cdf_inside(double x) const;
  Kind kind_ = Kind::point;
  std::vector<double> p_;
  std::vector<Prior> children_;
  std::vector<double> weights_;  // mixture weights (normalized) or sorted empirical values
  double lo_ = 0.0, hi_ = 0.0;
  std::shared_ptr<const CopulaGroup> copula_;
  int copula_index_ = -1;
  std::uint32_t stream_ = 0;
  int input_ = -1;
  friend std::vector<Prior> correlate(const std::vector<Prior>&, const Eigen::MatrixXd&);
  friend std::vector<Prior> joint_rows(const Eigen::MatrixXd&);
};

// Returns copies of `marginals` linked through a Gaussian copula with the given correlation
// matrix (Eigen Cholesky). Throws if the matrix is not a valid, positive definite correlation.
std::vector<Prior> correlate(const std::vector<Prior>& marginals, const Eigen::MatrixXd& correlation);

// A joint empirical prior: one prior per column of `table` (rows x k, k >= 1), each with the
// empirical marginal of its column, linked so that every path draws one row uniformly and all
// members take their values from that row (the table's joint distribution exactly). In a run the
// row is 1 - U of the group's stream (keyed like a copula group, by the sorted member names).
// Throws for an empty table or a non-finite entry.
std::vector<Prior> joint_rows(const Eigen::MatrixXd& table);

// ---- many draws at once (Prior.sample, joint draws) ----------------------------------------------
// Draw i of a prior on stream `stream` is prior.sample(Stream(key, i mod 2^32, i / 2^32, stream)):
// for i < 2^32 the (path i, month 0) stream. Normal, lognormal, uniform, gamma, beta and PERT draws
// go through the batched kernels (the same numbers, vectorized), the others through Stream.

// out[j] = draw first + j, j < n; [first, first + n) must not cross a multiple of 2^32.
void sample_block(const Prior& prior, Key key, std::uint64_t first, std::size_t n, std::uint32_t stream,
                  double* out);

// Throws std::invalid_argument, before any work, when n is negative or n draws of `columns` values
// would not fit in the available memory (naming n and the bytes needed).
void check_sample_size(std::int64_t n, std::size_t columns);

// Draws 0..n-1 of `prior` on stream 0 into out, on `threads` threads (0: all cores) in blocks;
// the same numbers for any thread count. A correlated prior is drawn from its marginal.
void sample_into(const Prior& prior, std::int64_t n, std::uint64_t seed, int threads, double* out);

// n joint draws of `priors` into out (n rows x k columns, row-major). Priors correlated through one
// copula share its normals: row i of group g (g counts the groups in order of first appearance) is
// L eps, eps the first normals of Stream(key, i, 0, 0xFFFF0000 | g), as in a run; each member maps
// its coordinate through its marginal (normal and lognormal directly, the others by their quantile
// of Phi(z)). An uncorrelated prior in column j is drawn on stream j, so that column equals
// priors[j].sample(n, seed) for j = 0. Same numbers for any thread count.
void sample_joint(const std::vector<Prior>& priors, std::int64_t n, std::uint64_t seed, int threads, double* out);

// Standard normal CDF and quantile (Boost.Math).
double normal_cdf(double z);
double normal_ppf(double q);

}  // namespace aicast
