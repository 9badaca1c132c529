// model.cpp — parameter draws for a block, the model factory and the validation helpers.
#include "aicast/model.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "aicast/leaderboard_model.hpp"
#include "aicast/incident_model.hpp"
#include "aicast/samplers.hpp"
#include "aicast/price_model.hpp"
#include "aicast/self_hosting_model.hpp"
#include "aicast/workload_model.hpp"

namespace aicast {

void BlockContext::draw(const Prior& prior, std::uint32_t slot, std::span<double> out) const {
  if (prior.is_point()) {
    std::fill(out.begin(), out.end(), prior.params()[0]);
    return;
  }
  if (inputs != nullptr && prior.input() >= 0) {  // given from outside (a sensitivity design)
    const auto col = static_cast<std::size_t>(prior.input());
    for (std::size_t i = 0; i < n; ++i) out[i] = inputs[i * input_stride + col];
    return;
  }
  if (const CopulaGroup* g = prior.copula().get()) {
    const Eigen::MatrixXd* z = nullptr;
    if (copula_normals != nullptr)
      for (const auto& [group, normals] : *copula_normals)
        if (group == g) z = &normals;
    if (z == nullptr) throw std::logic_error("copula normals missing for a correlated prior");
    const auto col = static_cast<Eigen::Index>(prior.copula_index());
    if (g->is_rows()) {  // the engine filled each path's row of the table
      for (std::size_t i = 0; i < n; ++i) out[i] = (*z)(static_cast<Eigen::Index>(i), col);
      return;
    }
    const Prior marginal = prior.marginal();
    constexpr double kTiny = std::numeric_limits<double>::min();
    for (std::size_t i = 0; i < n; ++i) {
      const double u = std::clamp(normal_cdf((*z)(static_cast<Eigen::Index>(i), col)), kTiny, 1.0 - 0x1p-53);
      out[i] = marginal.ppf(u);
    }
    return;
  }
  const auto kind = prior.kind();
  if (kind == Prior::Kind::normal || kind == Prior::Kind::lognormal) {
    // Vectorized, and the same numbers as prior.sample(Stream(key, path, 0, stream)): the
    // first normal of a stream is z0 of its first Philox block.
    normal_block(key, first_path, n, 0u, param_stream(prior, slot), out.data(), nullptr, nullptr);
    const double mu = prior.params()[0], sigma = prior.params()[1];
    if (kind == Prior::Kind::normal)
      affine(n, mu, sigma, out.data());
    else
      exp_affine(n, mu, sigma, out.data());
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    Stream s(key, first_path + i, 0u, param_stream(prior, slot));
    out[i] = prior.sample(s);
  }
}

namespace {

using Factory = std::function<std::unique_ptr<Model>(const ModelSpec&)>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> r = {
      {"price_decline", [](const ModelSpec& s) { return std::make_unique<PriceDecline>(s); }},
      {"leaderboard_gap", [](const ModelSpec& s) { return std::make_unique<LeaderboardGap>(s); }},
      {"incident_growth", [](const ModelSpec& s) { return std::make_unique<IncidentGrowth>(s); }},
      {"self_hosting", [](const ModelSpec& s) { return std::make_unique<SelfHosting>(s); }},
      {"token_demand", [](const ModelSpec& s) { return std::make_unique<TokenDemand>(s); }},
      {"workload", [](const ModelSpec& s) { return std::make_unique<Workload>(s); }},
  };
  return r;
}

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

}  // namespace

std::vector<std::string> model_kinds() {
  std::vector<std::string> k;
  for (const auto& [name, f] : registry()) k.push_back(name);
  return k;
}

std::unique_ptr<Model> make_model(const ModelSpec& spec) {
  if (spec.name.empty()) throw std::invalid_argument("model name must not be empty");
  if (spec.name.find_first_of(". \t\n") != std::string::npos)
    throw std::invalid_argument("model name must not contain '.' or spaces, got '" + spec.name + "'");
  for (const auto& [kind, factory] : registry())
    if (kind == spec.kind) return factory(spec);
  std::string known;
  for (const auto& k : model_kinds()) known += (known.empty() ? "" : ", ") + k;
  throw std::invalid_argument("unknown model kind '" + spec.kind + "' (known: " + known + ")");
}

namespace detail {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string label(const ModelSpec& spec) { return spec.kind + " '" + spec.name + "'"; }

const Prior& param(const ModelSpec& spec, const std::string& field) {
  const auto it = spec.params.find(field);
  if (it == spec.params.end()) throw std::invalid_argument(label(spec) + ": missing parameter " + field);
  return it->second;
}

void check_known_params(const ModelSpec& spec, const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : spec.params)
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw std::invalid_argument(label(spec) + ": unknown parameter " + k);
}

void require_support(const ModelSpec& spec, const std::string& field, double lo, bool lo_open, double hi,
                     bool hi_open) {
  const Prior& p = param(spec, field);
  std::string range;
  if (lo == 0.0 && lo_open && std::isinf(hi))
    range = "positive";
  else if (lo == 0.0 && !lo_open && std::isinf(hi))
    range = "non-negative";
  else
    range = std::string("in ") + (lo_open ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hi_open ? ")" : "]");
  const double a = p.lower(), b = p.upper();
  // an open bound may equal the support's edge when no mass sits there (e.g. lognormal at 0)
  const bool ok_lo = lo_open ? (a > lo || (a == lo && p.cdf(lo) == 0.0)) : a >= lo;
  const bool ok_hi = hi_open ? (b < hi || (b == hi && p.cdf(std::nextafter(hi, -kInfinity)) >= 1.0)) : b <= hi;
  if (ok_lo && ok_hi) return;
  if (p.is_point()) throw std::invalid_argument(label(spec) + ": " + field + " must be " + range + ", got " + fmt(a));
  throw std::invalid_argument(label(spec) + ": " + field + " must be " + range + ", but its prior " + p.describe() +
                              " allows values from " + fmt(a) + " to " + fmt(b) +
                              "; use a prior with that support or truncate it");
}

}  // namespace detail

}  // namespace aicast
