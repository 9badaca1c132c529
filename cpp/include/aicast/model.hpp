// model.hpp — the interface every model implements, the spec it is built from, and the
// per-block context the engine hands it (paths, random key, correlated parameter draws).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "aicast/priors.hpp"
#include "aicast/rng.hpp"

namespace aicast {

// What a model is built from: its kind, a name unique in the scenario, parameters as priors,
// links to other models' series (e.g. {"price": "frontier.price"}), labels (e.g. categories).
struct ModelSpec {
  std::string kind;
  std::string name;
  std::map<std::string, Prior> params;
  std::map<std::string, std::string> links;
  std::vector<std::string> labels;
};

// Per-block, per-model state; models derive their own.
struct ModelState {
  virtual ~ModelState() = default;
};

// The paths of one block and what is needed to draw their randomness.
class BlockContext {
 public:
  Key key{};                      // the model's own key (seed and model name)
  std::uint64_t first_path = 0;   // path index of the block's first path in the random streams
  std::size_t n = 0;
  // correlated normals of each copula group (a joint empirical group: each path's table row),
  // n rows x group size, filled by the engine
  const std::vector<std::pair<const CopulaGroup*, Eigen::MatrixXd>>* copula_normals = nullptr;
  // Parameter values given from outside (sensitivity designs): n rows of `input_stride` values,
  // column Prior::input(); nullptr: parameters are drawn from their streams.
  const double* inputs = nullptr;
  std::size_t input_stride = 0;

  // Stream id of a parameter: its name's stream when the scenario bound it, else the model's slot.
  static std::uint32_t param_stream(const Prior& prior, std::uint32_t slot) noexcept {
    return prior.stream() != 0 ? prior.stream() : (1u << 16) | slot;
  }
  // Stream id of a model's noise source k (keys differ across models, so ids may repeat).
  static std::uint32_t noise_stream(std::uint32_t k) noexcept { return 0x8000u | k; }
  // One draw of `prior` per path of the block (parameter uncertainty), into out[0..n).
  void draw(const Prior& prior, std::uint32_t slot, std::span<double> out) const;
};

class Model {
 public:
  explicit Model(std::string name) : name_(std::move(name)) {}
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& name() const noexcept { return name_; }
  virtual std::string kind() const = 0;
  // Local series names, published as "<name>.<series>".
  virtual std::vector<std::string> outputs() const = 0;
  // Full names of other models' series this model reads each month.
  virtual std::vector<std::string> inputs() const { return {}; }
  // Doubles of state per path (for the memory estimate).
  virtual std::size_t state_doubles() const = 0;

  virtual std::unique_ptr<ModelState> new_state(std::size_t n) const = 0;
  // Month 0: draw per-path parameters and write the initial values of every output.
  virtual void start(ModelState& state, const BlockContext& ctx, std::span<const std::span<const double>> in,
                     std::span<const std::span<double>> out) const = 0;
  // Months 1, 2, ...: advance one month and write every output.
  virtual void step(ModelState& state, const BlockContext& ctx, std::uint32_t month,
                    std::span<const std::span<const double>> in, std::span<const std::span<double>> out) const = 0;

 private:
  std::string name_;
};

// Builds a model from its spec; throws std::invalid_argument naming the model, field and value.
std::unique_ptr<Model> make_model(const ModelSpec& spec);
// Kinds the factory knows.
std::vector<std::string> model_kinds();

namespace detail {
// Helpers for model constructors: fetch a parameter (or its default) and check its support.
const Prior& param(const ModelSpec& spec, const std::string& field);
void check_known_params(const ModelSpec& spec, const std::vector<std::string>& allowed);
void require_support(const ModelSpec& spec, const std::string& field, double lo, bool lo_open, double hi, bool hi_open);
}  // namespace detail

}  // namespace aicast
