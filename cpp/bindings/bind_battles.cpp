// bind_battles.cpp — Bradley-Terry ratings from pairwise battles (behind aicast.fit.bradley_terry).
#include <span>

#include "aicast/bradley_terry.hpp"
#include "pybind11.hpp"

namespace aicast::bindings {

void bind_battles(py::module_& m) {
  m.def(
      "bradley_terry",
      [](py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> model_a,
         py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> model_b,
         py::array_t<double, py::array::c_style | py::array::forcecast> score_a, std::int64_t n_models, double ridge,
         double base, std::int64_t bootstrap, std::uint64_t seed, int threads) {
        if (model_a.ndim() != 1 || model_b.ndim() != 1 || score_a.ndim() != 1)
          throw std::invalid_argument("bradley_terry: model_a, model_b and score_a must be one-dimensional");
        BradleyTerryOptions opt;
        opt.ridge = ridge;
        opt.base = base;
        opt.bootstrap = bootstrap;
        opt.seed = seed;
        opt.threads = threads;
        const std::span<const std::int64_t> a(model_a.data(), static_cast<std::size_t>(model_a.size()));
        const std::span<const std::int64_t> b(model_b.data(), static_cast<std::size_t>(model_b.size()));
        const std::span<const double> s(score_a.data(), static_cast<std::size_t>(score_a.size()));
        BradleyTerryFit fit;
        {
          py::gil_scoped_release release;  // the arrays are kept alive by the caller's references
          fit = bradley_terry(a, b, s, n_models, opt);
        }
        const auto M = static_cast<py::ssize_t>(n_models);
        const auto B = static_cast<py::ssize_t>(bootstrap);
        py::dict d;
        d["ratings"] = to_numpy(std::move(fit.ratings), {M});
        d["se"] = to_numpy(std::move(fit.se), {M});
        d["boot"] = to_numpy(std::move(fit.boot), {B, M});
        d["battles"] = to_numpy(std::move(fit.battles), {M});
        d["iterations"] = fit.iterations;
        d["loglik"] = fit.loglik;
        return d;
      },
      "model_a"_a, "model_b"_a, "score_a"_a, "n_models"_a, "ridge"_a = 0.0, "base"_a = 1000.0, "bootstrap"_a = 0,
      "seed"_a = 0, "threads"_a = 0,
      "Bradley-Terry ratings (Elo scale) with standard errors and bootstrap replicates");
}

}  // namespace aicast::bindings
