// bradley_terry.cpp — Newton fit of Bradley-Terry strengths on aggregated pair counts (Eigen),
// and the bootstrap over battles on threads.
#include "aicast/bradley_terry.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "aicast/rng.hpp"

namespace aicast {

namespace {

const double kEloPerUnit = 400.0 / std::log(10.0);
constexpr std::uint32_t kBootstrapStream = 0x0B7B0000u;

struct Pairs {
  std::vector<std::int64_t> i, j;  // i < j
  std::vector<double> n, w;        // games and wins of i (ties count 1/2)
};

// log(1 / (1 + exp(-x))) without overflow
double log_sigmoid(double x) noexcept { return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x)); }

double loglik(const Pairs& p, const Eigen::VectorXd& s, double ridge) {
  double ll = 0.0;
  for (std::size_t k = 0; k < p.i.size(); ++k) {
    if (p.n[k] == 0.0) continue;
    const double d = s(p.i[k]) - s(p.j[k]);
    ll += p.w[k] * log_sigmoid(d) + (p.n[k] - p.w[k]) * log_sigmoid(-d);
  }
  return ll - 0.5 * ridge * s.squaredNorm();
}

// Negative Hessian of the log-likelihood (a weighted Laplacian plus the ridge) and the gradient.
void derivatives(const Pairs& p, const Eigen::VectorXd& s, double ridge, Eigen::MatrixXd& h, Eigen::VectorXd& g) {
  const auto m = s.size();
  h.setZero(m, m);
  g = -ridge * s;
  for (std::size_t k = 0; k < p.i.size(); ++k) {
    if (p.n[k] == 0.0) continue;
    const auto a = p.i[k], b = p.j[k];
    const double pr = 1.0 / (1.0 + std::exp(-(s(a) - s(b))));
    const double r = p.w[k] - p.n[k] * pr;
    g(a) += r;
    g(b) -= r;
    const double c = p.n[k] * pr * (1.0 - pr);
    h(a, a) += c;
    h(b, b) += c;
    h(a, b) -= c;
    h(b, a) -= c;
  }
  h.diagonal().array() += ridge;
}

// Strengths s (sum 0) maximising the likelihood, starting from s0; returns the iterations used.
int newton(const Pairs& p, double ridge, const BradleyTerryOptions& opt, Eigen::VectorXd& s) {
  const auto m = s.size();
  Eigen::MatrixXd h;
  Eigen::VectorXd g;
  double ll = loglik(p, s, ridge);
  for (int it = 1; it <= opt.max_iter; ++it) {
    derivatives(p, s, ridge, h, g);
    h.array() += 1.0 / static_cast<double>(m);  // fixes the gauge: sum s = 0
    Eigen::VectorXd step = h.llt().solve(g);
    double ll_new = loglik(p, s + step, ridge);
    for (int halve = 0; halve < 40 && !(ll_new >= ll - 1e-12 * std::abs(ll)); ++halve) {
      step *= 0.5;
      ll_new = loglik(p, s + step, ridge);
    }
    s += step;
    s.array() -= s.mean();
    ll = ll_new;
    if (step.cwiseAbs().maxCoeff() < opt.tol) return it;
  }
  throw std::invalid_argument("bradley_terry: Newton's method did not converge in " + std::to_string(opt.max_iter) +
                              " iterations; set ridge > 0");
}

// Finite maximum-likelihood ratings exist iff the "scored against" graph is strongly connected
// (Zermelo; Ford 1957). Returns an empty string if so, else why not.
std::string existence_problem(const Pairs& p, std::int64_t m) {
  std::vector<std::vector<std::int64_t>> fwd(static_cast<std::size_t>(m)), bwd(static_cast<std::size_t>(m)),
      und(static_cast<std::size_t>(m));
  for (std::size_t k = 0; k < p.i.size(); ++k) {
    if (p.n[k] == 0.0) continue;
    const auto a = p.i[k], b = p.j[k];
    und[a].push_back(b);
    und[b].push_back(a);
    if (p.w[k] > 0.0) {  // a scored against b
      fwd[a].push_back(b);
      bwd[b].push_back(a);
    }
    if (p.n[k] - p.w[k] > 0.0) {
      fwd[b].push_back(a);
      bwd[a].push_back(b);
    }
  }
  auto reach = [m](const std::vector<std::vector<std::int64_t>>& adj) {
    std::vector<char> seen(static_cast<std::size_t>(m), 0);
    std::vector<std::int64_t> todo{0};
    seen[0] = 1;
    while (!todo.empty()) {
      const auto v = todo.back();
      todo.pop_back();
      for (auto u : adj[v])
        if (!seen[u]) {
          seen[u] = 1;
          todo.push_back(u);
        }
    }
    return seen;
  };
  const auto u = reach(und);
  for (std::int64_t v = 0; v < m; ++v)
    if (!u[v])
      return "the battles do not connect model #" + std::to_string(v) +
             " to model #0, so their ratings cannot be compared";
  // Not reached forward from #0: a group that #0's side never scored against (it never lost to
  // them); not reached backward: a group that never scored against #0's side (it never won).
  auto group = [m](const std::vector<char>& seen, bool inside) {
    std::vector<std::int64_t> g;
    for (std::int64_t v = 0; v < m; ++v)
      if (static_cast<bool>(seen[v]) == inside) g.push_back(v);
    return g;
  };
  auto names = [](const std::vector<std::int64_t>& g) {
    std::string out = (g.size() == 1 ? "model #" : "models #") + std::to_string(g[0]);
    for (std::size_t k = 1; k < std::min<std::size_t>(g.size(), 3); ++k) out += ", #" + std::to_string(g[k]);
    if (g.size() > 3) out += " and " + std::to_string(g.size() - 3) + " more";
    return out;
  };
  const std::string head = "no finite maximum-likelihood ratings: ";
  for (const bool forward : {true, false}) {
    const auto seen = reach(forward ? fwd : bwd);
    auto out = group(seen, false), in = group(seen, true);
    if (out.empty()) continue;
    // forward: `in` never won against `out`; backward: `in` never lost against `out`
    const bool name_out = out.size() <= in.size();
    const auto& named = name_out ? out : in;
    const bool never_won = forward != name_out;
    return head + names(named) + " never " + (never_won ? "won" : "lost") + " a battle against the other models " +
           (named.size() == 1 ? "it" : "they") + " played";
  }
  return {};
}

}  // namespace

BradleyTerryFit bradley_terry(std::span<const std::int64_t> model_a, std::span<const std::int64_t> model_b,
                              std::span<const double> score_a, std::int64_t n_models,
                              const BradleyTerryOptions& opt) {
  const std::size_t nb = model_a.size();
  if (model_b.size() != nb || score_a.size() != nb)
    throw std::invalid_argument("bradley_terry: model_a, model_b and score_a must have the same length, got " +
                                std::to_string(nb) + ", " + std::to_string(model_b.size()) + ", " +
                                std::to_string(score_a.size()));
  if (n_models < 2)
    throw std::invalid_argument("bradley_terry: need at least 2 models, got " + std::to_string(n_models));
  if (nb == 0) throw std::invalid_argument("bradley_terry: no battles");
  if (!(opt.ridge >= 0.0) || !std::isfinite(opt.ridge))
    throw std::invalid_argument("bradley_terry: ridge must be non-negative, got " + std::to_string(opt.ridge));
  if (opt.bootstrap < 0)
    throw std::invalid_argument("bradley_terry: bootstrap must be non-negative, got " + std::to_string(opt.bootstrap));
  if (opt.threads < 0)
    throw std::invalid_argument("bradley_terry: threads must be non-negative, got " + std::to_string(opt.threads));

  BradleyTerryFit fit;
  fit.battles.assign(static_cast<std::size_t>(n_models), 0);
  Pairs pairs;
  std::unordered_map<std::uint64_t, std::size_t> index;
  std::vector<std::size_t> pair_of(nb);
  std::vector<double> oriented(nb);  // score of the lower-index model
  for (std::size_t k = 0; k < nb; ++k) {
    const auto a = model_a[k], b = model_b[k];
    const double sc = score_a[k];
    if (a < 0 || a >= n_models || b < 0 || b >= n_models)
      throw std::invalid_argument("bradley_terry: battle " + std::to_string(k) + " has a model index outside [0, " +
                                  std::to_string(n_models) + "): " + std::to_string(a) + " vs " + std::to_string(b));
    if (a == b)
      throw std::invalid_argument("bradley_terry: battle " + std::to_string(k) + " pits model #" + std::to_string(a) +
                                  " against itself");
    if (!(sc >= 0.0 && sc <= 1.0))
      throw std::invalid_argument("bradley_terry: battle " + std::to_string(k) + " has score_a " + std::to_string(sc) +
                                  ", must be in [0, 1] (1 a wins, 0 b wins, 0.5 tie)");
    ++fit.battles[a];
    ++fit.battles[b];
    const auto lo = std::min(a, b), hi = std::max(a, b);
    const std::uint64_t key =
        static_cast<std::uint64_t>(lo) * static_cast<std::uint64_t>(n_models) + static_cast<std::uint64_t>(hi);
    auto [it, added] = index.try_emplace(key, pairs.i.size());
    if (added) {
      pairs.i.push_back(lo);
      pairs.j.push_back(hi);
      pairs.n.push_back(0.0);
      pairs.w.push_back(0.0);
    }
    pair_of[k] = it->second;
    oriented[k] = a == lo ? sc : 1.0 - sc;
    pairs.n[it->second] += 1.0;
    pairs.w[it->second] += oriented[k];
  }
  for (std::int64_t v = 0; v < n_models; ++v)
    if (fit.battles[v] == 0)
      throw std::invalid_argument("bradley_terry: model #" + std::to_string(v) + " has no battles");
  if (opt.ridge == 0.0)
    if (auto why = existence_problem(pairs, n_models); !why.empty())
      throw std::invalid_argument("bradley_terry: " + why + "; add battles or set ridge > 0");

  Eigen::VectorXd s = Eigen::VectorXd::Zero(n_models);
  fit.iterations = newton(pairs, opt.ridge, opt, s);
  fit.loglik = loglik(pairs, s, opt.ridge);
  fit.ratings.resize(static_cast<std::size_t>(n_models));
  for (std::int64_t v = 0; v < n_models; ++v) fit.ratings[v] = opt.base + kEloPerUnit * s(v);

  // standard errors from the constrained inverse of the negative Hessian
  Eigen::MatrixXd h;
  Eigen::VectorXd g;
  derivatives(pairs, s, opt.ridge, h, g);
  const double inv_m = 1.0 / static_cast<double>(n_models);
  Eigen::MatrixXd cov;
  if (opt.ridge > 0.0) {
    cov = h.llt().solve(Eigen::MatrixXd::Identity(n_models, n_models));
  } else {
    h.array() += inv_m;
    cov = h.llt().solve(Eigen::MatrixXd::Identity(n_models, n_models));
    cov.array() -= inv_m;
  }
  fit.se.resize(static_cast<std::size_t>(n_models));
  for (std::int64_t v = 0; v < n_models; ++v) fit.se[v] = kEloPerUnit * std::sqrt(std::max(cov(v, v), 0.0));

  if (opt.bootstrap > 0) {
    const auto B = static_cast<std::size_t>(opt.bootstrap);
    fit.boot.assign(B * static_cast<std::size_t>(n_models), 0.0);
    const Key key = key_from_seed(opt.seed);
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&]() {
      Pairs rep = pairs;
      for (std::size_t b = next++; b < B; b = next++) {
        try {
          std::fill(rep.n.begin(), rep.n.end(), 0.0);
          std::fill(rep.w.begin(), rep.w.end(), 0.0);
          Stream st(key, b, 0u, kBootstrapStream);
          for (std::size_t k = 0; k < nb; ++k) {
            // uniform in (0, 1] -> index in [0, nb)
            auto idx = static_cast<std::size_t>((1.0 - st.uniform()) * static_cast<double>(nb));
            idx = std::min(idx, nb - 1);
            rep.n[pair_of[idx]] += 1.0;
            rep.w[pair_of[idx]] += oriented[idx];
          }
          if (opt.ridge == 0.0)
            if (auto why = existence_problem(rep, n_models); !why.empty())
              throw std::invalid_argument("bradley_terry: bootstrap replicate " + std::to_string(b) + ": " + why +
                                          "; set ridge > 0");
          Eigen::VectorXd sb = s;
          newton(rep, opt.ridge, opt, sb);
          for (std::int64_t v = 0; v < n_models; ++v)
            fit.boot[b * static_cast<std::size_t>(n_models) + static_cast<std::size_t>(v)] =
                opt.base + kEloPerUnit * sb(v);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
          next = B;
        }
      }
    };
    unsigned hc = std::thread::hardware_concurrency();
    const std::size_t want = opt.threads > 0 ? static_cast<std::size_t>(opt.threads) : (hc ? hc : 1);
    const std::size_t threads = std::min<std::size_t>(want, B);
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
  }
  return fit;
}

}  // namespace aicast
