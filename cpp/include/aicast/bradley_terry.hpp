// bradley_terry.hpp — Bradley-Terry ratings from pairwise battles (the method Chatbot Arena
// publishes), with standard errors and bootstrap replicates.
//
//   P(i beats j) = 1 / (1 + exp(-(s_i - s_j)))
//   rating_i     = base + (400 / ln 10) s_i,  sum_i s_i = 0      (a 400-point lead = 10:1 odds)
//
// A tie counts as half a win for each side. Battles are aggregated per pair (n_ij games, w_ij
// wins of i), and the log-likelihood sum w_ij log p_ij + (n_ij - w_ij) log(1 - p_ij) is
// maximised by Newton's method (with step halving); its negative Hessian is a weighted graph
// Laplacian L, made definite by the constraint sum s = 0 (solve with L + 1 1^T / n). An
// optional ridge adds -ridge/2 sum s_i^2 (a normal prior with sd 1/sqrt(ridge) on s), which
// keeps ratings finite when a model never loses or never wins.
// Standard errors: sqrt of the diagonal of (L + ridge I)^+ (the constrained inverse Hessian).
// Bootstrap: replicate b resamples the battles with replacement, battle k of it drawn by the
// Philox stream (seed, path b), and refits from the full-data ratings; replicates run on
// threads and do not depend on the thread count.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace aicast {

struct BradleyTerryOptions {
  double ridge = 0.0;    // >= 0
  double base = 1000.0;  // mean rating
  std::int64_t bootstrap = 0;
  std::uint64_t seed = 0;
  int threads = 0;  // 0: all cores
  int max_iter = 100;
  double tol = 1e-10;  // on the largest Newton step in s
};

struct BradleyTerryFit {
  std::vector<double> ratings;  // [model]
  std::vector<double> se;       // [model], rating points
  std::vector<double> boot;     // [replicate][model], rating points
  std::vector<std::int64_t> battles;  // [model]: battles each model played
  int iterations = 0;
  double loglik = 0.0;
};

// model_a[k], model_b[k] in [0, n_models), distinct; score_a[k] in [0, 1] (1: a wins, 0: b
// wins, 0.5: tie). Throws std::invalid_argument naming the bad input, or when the maximum
// likelihood ratings are not finite (a model that never loses / never wins) and ridge is 0.
BradleyTerryFit bradley_terry(std::span<const std::int64_t> model_a, std::span<const std::int64_t> model_b,
                              std::span<const double> score_a, std::int64_t n_models,
                              const BradleyTerryOptions& options);

}  // namespace aicast
