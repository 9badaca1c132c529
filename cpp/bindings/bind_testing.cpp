// bind_testing.cpp — low-level kernels (generator, samplers, math, selection) for the tests.
#include <optional>
#include <string>

#include "aicast/buffer.hpp"
#include "aicast/fastmath.hpp"
#include "aicast/priors.hpp"
#include "aicast/rng.hpp"
#include "aicast/samplers.hpp"
#include "aicast/stats.hpp"
#include "pybind11.hpp"

namespace aicast::bindings {

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

template <class F>
py::array_t<double> map(const Array& x, F&& f) {
  py::array_t<double> out(x.request().shape);
  for (py::ssize_t i = 0; i < x.size(); ++i) out.mutable_data()[i] = f(x.data()[i]);
  return out;
}

// count draws f(stream) of type T, one stream per draw (path i, month 0, stream 7)
template <class T = std::int64_t, class F>
py::array_t<T> draws(std::int64_t count, std::uint64_t seed, F&& f) {
  std::vector<T> v(static_cast<std::size_t>(count));
  const Key key = key_from_seed(seed);
  for (std::int64_t i = 0; i < count; ++i) {
    Stream s(key, static_cast<std::uint64_t>(i), 0u, 7u);
    v[static_cast<std::size_t>(i)] = f(s);
  }
  return to_numpy(std::move(v), {static_cast<py::ssize_t>(count)});
}

}  // namespace

void bind_testing(py::module_& m) {
  m.def("philox4x32", [](std::array<std::uint32_t, 4> c, std::array<std::uint32_t, 2> k) { return philox4x32(c, k); },
        "counter"_a, "key"_a);
  m.def("fast_log", [](const Array& x) { return map(x, [](double v) { return fastmath::log(v); }); }, "x"_a);
  m.def("fast_exp", [](const Array& x) { return map(x, [](double v) { return fastmath::exp(v); }); }, "x"_a);
  m.def(
      "fast_exp_f",
      [](const py::array_t<float, py::array::c_style | py::array::forcecast>& x) {
        py::array_t<float> out(x.size());
        for (py::ssize_t i = 0; i < x.size(); ++i) out.mutable_data()[i] = fastmath::exp_f(x.data()[i]);
        return out;
      },
      "x"_a);
  m.def(
      "cos_sin_turn",
      [](const py::array_t<std::uint32_t>& w) {
        py::array_t<double> c(w.size()), s(w.size());
        for (py::ssize_t i = 0; i < w.size(); ++i)
          fastmath::cos_sin_turn(w.data()[i], c.mutable_data()[i], s.mutable_data()[i]);
        return py::make_tuple(c, s);
      },
      "w"_a);
  m.def(
      "philox_words",
      [](const std::string& kernel, std::uint64_t seed, std::uint32_t first, std::size_t n, std::uint32_t c1,
         std::uint32_t c2, std::optional<py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>> c0)
          -> py::object {
        if (c0 && static_cast<std::size_t>(c0->size()) != n) throw py::value_error("c0 must have n entries");
        std::vector<std::uint32_t> w(4 * n);
        const bool ok = detail::philox_words_kernel(kernel.c_str(), key_from_seed(seed), c0 ? c0->data() : nullptr,
                                                    first, n, c1, c2, w.data(), w.data() + n, w.data() + 2 * n,
                                                    w.data() + 3 * n);
        if (!ok) return py::none();
        return to_numpy(std::move(w), {4, static_cast<py::ssize_t>(n)});
      },
      "kernel"_a, "seed"_a, "first"_a, "n"_a, "c1"_a, "c2"_a, "c0"_a = py::none(),
      "Words 0-3 of Philox blocks (first + j or c0[j], c1, c2, 0) from one kernel; None if the CPU lacks it.");
  m.def(
      "box_muller",
      [](const py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>& wu,
         const py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>& wa) {
        if (wu.size() != wa.size()) throw py::value_error("wu and wa must have the same size");
        const auto n = static_cast<std::size_t>(wu.size());
        std::vector<double> z0(n), z1(n);
        for (std::size_t i = 0; i < n; ++i) fastmath::box_muller(wu.data()[i], wa.data()[i], z0[i], z1[i]);
        const auto sz = static_cast<py::ssize_t>(n);
        return py::make_tuple(to_numpy(std::move(z0), {sz}), to_numpy(std::move(z1), {sz}));
      },
      "wu"_a, "wa"_a);
  m.def(
      "normals_at",
      [](std::uint64_t seed, const py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>& paths,
         std::uint32_t month, std::uint32_t stream) {
        const auto n = static_cast<std::size_t>(paths.size());
        std::vector<double> z(n);
        normals_at(key_from_seed(seed), paths.data(), n, month, stream, z.data());
        return to_numpy(std::move(z), {static_cast<py::ssize_t>(n)});
      },
      "seed"_a, "paths"_a, "month"_a, "stream"_a);
  m.def(
      "normal_mixture_at",
      [](std::uint64_t seed, const py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>& paths,
         std::uint32_t month, std::uint32_t stream, std::vector<double> weights, std::vector<double> mus,
         std::vector<double> sigmas) {
        std::vector<Prior> comps;
        for (std::size_t c = 0; c < mus.size(); ++c) comps.push_back(Prior::normal(mus[c], sigmas[c]));
        const Prior mix = Prior::mixture(comps, weights);  // normalizes the weights
        const auto n = static_cast<std::size_t>(paths.size());
        std::vector<double> batched(n), scalar(n);
        normal_mixture_at(key_from_seed(seed), paths.data(), n, month, stream, mix.weights().size(),
                          mix.weights().data(), mus.data(), sigmas.data(), batched.data());
        for (std::size_t j = 0; j < n; ++j) {
          Stream st(key_from_seed(seed), paths.data()[j], month, stream);
          scalar[j] = mix.sample(st);
        }
        return py::make_tuple(to_numpy(std::move(batched), {static_cast<py::ssize_t>(n)}),
                              to_numpy(std::move(scalar), {static_cast<py::ssize_t>(n)}));
      },
      "seed"_a, "paths"_a, "month"_a, "stream"_a, "weights"_a, "mus"_a, "sigmas"_a,
      "A mixture of normals drawn in a batch (normal_mixture_at) and by Prior::sample on each path's stream");
  m.def(
      "named_key",
      [](std::uint64_t seed, const std::string& name) {
        const Key k = named_key(seed, name);
        return (std::uint64_t{k[1]} << 32) | k[0];
      },
      "seed"_a, "name"_a, "The key of a named part of a scenario, as the seed word that key_from_seed maps to it");
  m.def("param_stream_id", [](const std::string& name) { return param_stream_id(name); }, "name"_a);
  m.def(
      "normal_block",
      [](std::uint64_t seed, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream) {
        std::vector<double> z0(n), z1(n), u(n);
        normal_block(key_from_seed(seed), first, n, month, stream, z0.data(), z1.data(), u.data());
        const auto sz = static_cast<py::ssize_t>(n);
        return py::make_tuple(to_numpy(std::move(z0), {sz}), to_numpy(std::move(z1), {sz}), to_numpy(std::move(u), {sz}));
      },
      "seed"_a, "first"_a, "n"_a, "month"_a, "stream"_a);
  m.def(
      "uniform_pair_block",
      [](std::uint64_t seed, std::uint64_t first, std::size_t n, std::uint32_t month, std::uint32_t stream) {
        std::vector<double> u0(n), u1(n);
        uniform_pair_block(key_from_seed(seed), first, n, month, stream, u0.data(), u1.data());
        const auto sz = static_cast<py::ssize_t>(n);
        return py::make_tuple(to_numpy(std::move(u0), {sz}), to_numpy(std::move(u1), {sz}));
      },
      "seed"_a, "first"_a, "n"_a, "month"_a, "stream"_a,
      "The two uniforms of paths first + j at (month, stream), as the models draw them");
  m.def(
      "gamma_block",
      [](std::uint64_t seed, std::uint64_t first, std::uint32_t month, std::uint32_t stream, const Array& shape) {
        const auto n = static_cast<std::size_t>(shape.size());
        std::vector<double> out(n);
        gamma_block(key_from_seed(seed), first, n, month, stream, shape.data(), 1, out.data());
        return to_numpy(std::move(out), {static_cast<py::ssize_t>(n)});
      },
      "seed"_a, "first"_a, "month"_a, "stream"_a, "shape"_a,
      "Gamma(shape[j]) draws of paths first + j at (month, stream), as the models draw them");
  m.def(
      "stream_normals",
      [](std::uint64_t seed, std::uint64_t path, std::uint32_t month, std::uint32_t stream, std::size_t n) {
        Stream s(key_from_seed(seed), path, month, stream);
        std::vector<double> v(n);
        for (auto& x : v) x = s.normal();
        return to_numpy(std::move(v), {static_cast<py::ssize_t>(n)});
      },
      "seed"_a, "path"_a, "month"_a, "stream"_a, "n"_a);
  m.def("poisson", [](double mu, std::int64_t count, std::uint64_t seed) {
    return draws(count, seed, [mu](Stream& s) { return sample_poisson(s, mu); });
  }, "mu"_a, "count"_a, "seed"_a = 0);
  m.def("poisson_count", [](double mu, std::int64_t count, std::uint64_t seed) {
    return draws<double>(count, seed, [mu](Stream& s) { return sample_poisson_count(s, mu); });
  }, "mu"_a, "count"_a, "seed"_a = 0);
  m.def("binomial", [](std::int64_t n, double p, std::int64_t count, std::uint64_t seed) {
    return draws(count, seed, [n, p](Stream& s) { return sample_binomial(s, n, p); });
  }, "n"_a, "p"_a, "count"_a, "seed"_a = 0);
  m.def("gamma", [](double shape, std::int64_t count, std::uint64_t seed) {
    return draws<double>(count, seed, [shape](Stream& s) { return sample_gamma(s, shape); });
  }, "shape"_a, "count"_a, "seed"_a = 0);
  // The batched samplers next to the scalar ones on the same streams (first + j, month 0, stream 7):
  // returns (batched, scalar) for per-element parameters a (and b for beta).
  m.def("kept_buffer_bytes", &kept_buffer_bytes);
  m.def("set_kept_idle_seconds", &set_kept_idle_seconds, "seconds"_a);
  m.def(
      "batched_and_scalar",
      [](const std::string& kind, const Array& a, double b, std::uint64_t seed, std::uint64_t first) {
        const auto n = static_cast<std::size_t>(a.size());
        std::vector<double> batched(n), scalar(n);
        const Key key = key_from_seed(seed);
        const double* pa = a.data();
        if (kind == "gamma")
          gamma_block(key, first, n, 0u, 7u, pa, 1, batched.data());
        else if (kind == "poisson")
          poisson_block(key, first, n, 0u, 7u, pa, batched.data());
        else if (kind == "beta")
          beta_block(key, first, n, 0u, 7u, pa[0], b, batched.data());
        else
          throw std::invalid_argument("kind must be gamma, poisson or beta, got " + kind);
        for (std::size_t j = 0; j < n; ++j) {
          Stream s(key, first + j, 0u, 7u);
          scalar[j] = kind == "gamma"     ? sample_gamma(s, pa[j])
                      : kind == "poisson" ? static_cast<double>(sample_poisson(s, pa[j]))
                                          : sample_beta(s, pa[0], b);
        }
        return py::make_tuple(to_numpy(std::move(batched), {static_cast<py::ssize_t>(n)}),
                              to_numpy(std::move(scalar), {static_cast<py::ssize_t>(n)}));
      },
      "kind"_a, "a"_a, "b"_a = 1.0, "seed"_a = 0, "first"_a = 0);
  m.def(
      "exact_quantiles",
      [](const Array& data, std::vector<double> levels) {
        std::vector<double> out(levels.size());
        SummaryScratch scratch;
        exact_quantiles(std::span<const double>(data.data(), static_cast<std::size_t>(data.size())), levels, out, scratch);
        return out;
      },
      "data"_a, "levels"_a);
  m.def(
      "exact_sum_words",
      [](const Array& data) {
        ExactSum e;
        for (py::ssize_t i = 0; i < data.size(); ++i) e.add(data.data()[i]);
        e.normalize();
        return to_numpy(std::vector<std::int64_t>(e.words.begin(), e.words.end()), {ExactSum::kWords});
      },
      "data"_a, "The normalized ExactSum state of the values of data, each added on its own");
  m.def(
      "exact_sum_value",
      [](const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& words) {
        if (words.size() != ExactSum::kWords) throw py::value_error("words must have EXACT_SUM_WORDS entries");
        ExactSum e;
        std::copy(words.data(), words.data() + ExactSum::kWords, e.words.begin());
        return e.value();
      },
      "words"_a, "An ExactSum state (e.g. a word-wise sum of states) rounded to the nearest double");
  m.def(
      "moment_sums",
      [](const Array& data, std::optional<double> first_mean) {
        std::vector<double> q;
        double mean = 0, sd = 0;
        SummaryScratch scratch;
        MomentSums ms;
        summarize(std::span<const double>(data.data(), static_cast<std::size_t>(data.size())), {}, q, mean, sd,
                  scratch, nullptr, &ms, first_mean ? &*first_mean : nullptr);
        std::vector<std::int64_t> w;
        for (const ExactSum* e : {&ms.sum, &ms.dev, &ms.sq}) w.insert(w.end(), e->words.begin(), e->words.end());
        return to_numpy(std::move(w), {3, ExactSum::kWords});
      },
      "data"_a, "first_mean"_a = py::none(), "The exact moment sums (3, words) summarize takes of data");
  m.def(
      "summarize",
      [](const Array& data, std::vector<double> levels) {
        std::vector<double> q(levels.size());
        double mean = 0, sd = 0;
        SummaryScratch scratch;
        summarize(std::span<const double>(data.data(), static_cast<std::size_t>(data.size())), levels, q, mean, sd,
                  scratch);
        return py::make_tuple(q, mean, sd);
      },
      "data"_a, "levels"_a);
}

}  // namespace aicast::bindings
