// bind_run.cpp — Scenario construction from model specs, memory estimates and the run itself.
#include <optional>
#include <stdexcept>

#include "aicast/buffer.hpp"
#include "aicast/engine.hpp"
#include "aicast/stats.hpp"
#include "pybind11.hpp"

namespace aicast::bindings {

namespace {

ModelSpec to_spec(const py::dict& d) {
  ModelSpec s;
  for (const char* key : {"kind", "name", "params"})
    if (!d.contains(key)) throw std::invalid_argument(std::string("model spec is missing '") + key + "'");
  s.kind = py::cast<std::string>(d["kind"]);
  s.name = py::cast<std::string>(d["name"]);
  s.params = py::cast<std::map<std::string, Prior>>(d["params"]);
  if (d.contains("links")) s.links = py::cast<std::map<std::string, std::string>>(d["links"]);
  if (d.contains("labels")) s.labels = py::cast<std::vector<std::string>>(d["labels"]);
  return s;
}

Comparison to_comparison(const std::string& op) {
  if (op == "<") return Comparison::less;
  if (op == "<=") return Comparison::less_equal;
  if (op == ">") return Comparison::greater;
  if (op == ">=") return Comparison::greater_equal;
  throw std::invalid_argument("event operator must be one of <, <=, >, >=, got '" + op + "'");
}

RunConfig to_config(std::uint64_t seed, std::int64_t paths, int threads, std::int64_t chunk_size,
                    std::vector<double> levels, bool keep_paths,
                    const std::vector<std::tuple<std::string, std::string, double>>& events, double memory_limit) {
  RunConfig c;
  c.seed = seed;
  c.paths = paths;
  c.threads = threads;
  c.chunk_size = chunk_size;
  c.levels = std::move(levels);
  c.keep_paths = keep_paths;
  for (const auto& [series, op, threshold] : events) c.events.push_back({series, to_comparison(op), threshold});
  c.memory_limit_bytes = memory_limit;
  return c;
}

py::dict to_dict(RunSummary&& r, std::size_t nevents) {
  const auto S = static_cast<py::ssize_t>(r.series.size());
  const auto L = static_cast<py::ssize_t>(r.levels.size());
  const auto M = static_cast<py::ssize_t>(r.months);
  const auto E = static_cast<py::ssize_t>(nevents);
  py::dict d;
  d["series"] = r.series;
  d["paths"] = r.paths;
  d["months"] = r.months;
  d["levels"] = to_numpy(std::move(r.levels), {L});
  d["quantiles"] = to_numpy(std::move(r.quantiles), {S, L, M});
  d["mean"] = to_numpy(std::move(r.mean), {S, M});
  d["sd"] = to_numpy(std::move(r.sd), {S, M});
  d["first_hit"] = to_numpy(std::move(r.first_hit), {E, M + 1});
  d["holds"] = to_numpy(std::move(r.holds), {E, M});
  if (!r.moment_sums.empty())
    d["moment_sums"] = to_numpy(std::move(r.moment_sums), {S, M, 3, static_cast<py::ssize_t>(ExactSum::kWords)});
  if (!r.kept_series.empty()) {
    const auto KS = static_cast<py::ssize_t>(r.kept_series.size());
    d["kept_series"] = r.kept_series;
    d["paths_data"] = to_numpy(std::move(r.paths_data), {KS, static_cast<py::ssize_t>(r.paths), M});
  }
  d["threads"] = r.threads;
  d["seconds"] = r.seconds;
  return d;
}

}  // namespace

void bind_run(py::module_& m) {
  py::class_<Scenario>(m, "Scenario", "A validated set of models on one monthly grid")
      .def(py::init([](const py::list& specs, int months) {
             std::vector<ModelSpec> v;
             for (const auto& item : specs) v.push_back(to_spec(py::cast<py::dict>(item)));
             return std::make_unique<Scenario>(v, months);
           }),
           "specs"_a, "months"_a)
      .def_property_readonly("series", &Scenario::series)
      .def_property_readonly("inputs", &Scenario::inputs)
      .def_property_readonly("input_groups", &Scenario::input_groups)
      .def_property_readonly("months", &Scenario::months);

  m.def("model_kinds", &model_kinds);
  m.def("release_memory", &release_kept_buffers,
        "Give back the month buffer the engine keeps for the next run; returns the bytes freed");
  m.def(
      "describe_model",
      [](const py::dict& spec) {
        const auto model = make_model(to_spec(spec));
        return py::make_tuple(model->outputs(), model->inputs());
      },
      "spec"_a, "Build (and so validate) one model; returns (outputs, inputs)");

  m.def(
      "estimate_memory",
      [](const Scenario& sc, const py::object& paths, const py::object& threads, std::vector<double> levels,
         bool keep_paths, const py::object& nevents) {
        RunConfig c = to_config(0, int_arg<std::int64_t>(paths, "paths"), int_arg<int>(threads, "threads"), 1024,
                                std::move(levels), keep_paths, {}, 0);
        c.events.resize(int_arg<std::uint32_t>(nevents, "nevents"));
        const MemoryEstimate e = estimate_memory(sc, c);
        py::dict parts;
        for (const auto& [k, v] : e.parts) parts[py::str(k)] = v;
        return py::dict("bytes"_a = e.bytes, "available"_a = e.available, "parts"_a = parts);
      },
      "scenario"_a, "paths"_a, "threads"_a = 0, "levels"_a = std::vector<double>{}, "keep_paths"_a = false,
      "nevents"_a = 0);  // integers arrive as objects: int_arg names the argument when one is out of range

  m.def(
      "run",
      [](const Scenario& sc, const py::object& seed, const py::object& paths, const py::object& threads,
         const py::object& chunk_size, std::vector<double> levels, bool keep_paths,
         const std::vector<std::tuple<std::string, std::string, double>>& events, double memory_limit,
         const py::object& progress, const py::object& path_offset, std::vector<int> keep_series,
         const std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>>& inputs,
         const py::object& noise_period, std::vector<std::int64_t> noise_offsets, bool moment_sums,
         const std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>>& first_means) {
        RunConfig cfg = to_config(int_arg<std::uint64_t>(seed, "seed"), int_arg<std::int64_t>(paths, "paths"),
                                  int_arg<int>(threads, "threads"), int_arg<std::int64_t>(chunk_size, "chunk_size"),
                                  std::move(levels), keep_paths, events, memory_limit);
        cfg.path_offset = int_arg<std::int64_t>(path_offset, "path_offset");
        cfg.keep_series = std::move(keep_series);
        cfg.noise_period = int_arg<std::int64_t>(noise_period, "noise_period");
        cfg.noise_offsets = std::move(noise_offsets);
        if (inputs) {
          const auto want = static_cast<py::ssize_t>(sc.inputs().size());
          if (inputs->ndim() != 2 || inputs->shape(0) != cfg.paths || inputs->shape(1) != want)
            throw std::invalid_argument("inputs must have shape (paths, " + std::to_string(want) + ") = (" +
                                        std::to_string(cfg.paths) + ", " + std::to_string(want) + ")");
          cfg.inputs = inputs->data();
        }
        cfg.moment_sums = moment_sums;
        if (first_means) {
          const auto S = static_cast<py::ssize_t>(sc.series().size());
          if (first_means->ndim() != 2 || first_means->shape(0) != S || first_means->shape(1) != sc.months())
            throw std::invalid_argument("first_means must have shape (series, months) = (" + std::to_string(S) + ", " +
                                        std::to_string(sc.months()) + ")");
          cfg.first_means = first_means->data();
        }
        validate(sc, cfg);  // every input error before any work, with the GIL held
        std::optional<py::error_already_set> pending;
        const bool has_progress = !progress.is_none();
        ProgressFn cb = [&](std::int64_t done, std::int64_t total) -> bool {
          py::gil_scoped_acquire gil;
          try {
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C
            if (has_progress) progress(done, total);
            return true;
          } catch (py::error_already_set& e) {
            pending.emplace(std::move(e));
            return false;
          }
        };
        RunSummary r;
        bool cancelled = false;
        {
          // releasing the GIL is safe: the engine touches no Python object; callbacks re-acquire it
          py::gil_scoped_release release;
          try {
            r = run(sc, cfg, cb);
          } catch (const Cancelled&) {
            cancelled = true;
          }
        }
        if (pending) throw *pending;
        if (cancelled) {
          PyErr_SetNone(PyExc_KeyboardInterrupt);
          throw py::error_already_set();
        }
        return to_dict(std::move(r), cfg.events.size());
      },
      "scenario"_a, "seed"_a, "paths"_a, "threads"_a = 0, "chunk_size"_a = 1024, "levels"_a = std::vector<double>{},
      "keep_paths"_a = false, "events"_a = std::vector<std::tuple<std::string, std::string, double>>{},
      "memory_limit"_a = 0.0, "progress"_a = py::none(), "path_offset"_a = 0, "keep_series"_a = std::vector<int>{},
      "inputs"_a = py::none(), "noise_period"_a = 0, "noise_offsets"_a = std::vector<std::int64_t>{},
      "moment_sums"_a = false, "first_means"_a = py::none());

  m.attr("EXACT_SUM_WORDS") = ExactSum::kWords;
  m.attr("MOMENT_CHUNK") = kMomentChunk;
  m.def(
      "moments_from_sums",
      [](const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& sums, const py::object& paths) {
        const auto n = int_arg<std::int64_t>(paths, "paths");
        if (n < 1) throw std::invalid_argument("paths must be positive, got " + std::to_string(n));
        const auto W = static_cast<py::ssize_t>(ExactSum::kWords);
        if (sums.ndim() < 2 || sums.shape(sums.ndim() - 1) != W || sums.shape(sums.ndim() - 2) != 3)
          throw std::invalid_argument("sums must have shape (..., 3, " + std::to_string(W) + ")");
        std::vector<py::ssize_t> shape(sums.shape(), sums.shape() + sums.ndim() - 2);
        const auto count = static_cast<std::size_t>(sums.size() / (3 * W));
        std::vector<double> m1(count), mean(count), sd(count);
        for (std::size_t i = 0; i < count; ++i) {
          MomentSums ms;
          const std::int64_t* src = sums.data() + i * 3 * W;
          for (ExactSum* e : {&ms.sum, &ms.dev, &ms.sq}) {
            std::copy(src, src + W, e->words.begin());
            src += W;
          }
          m1[i] = ms.sum.value() / static_cast<double>(n);
          finish_moments(ms, static_cast<std::size_t>(n), mean[i], sd[i]);
        }
        return py::make_tuple(to_numpy(std::move(m1), shape), to_numpy(std::move(mean), shape),
                              to_numpy(std::move(sd), shape));
      },
      "sums"_a, "paths"_a,
      "First-pass means, means and sds of `paths` values from their exact moment sums (..., 3, words), e.g. "
      "the word-wise sum of the blocks' moment_sums of a split run");
}

}  // namespace aicast::bindings
