// bind_priors.cpp — Prior and correlate.
#include "aicast/priors.hpp"
#include "pybind11.hpp"

namespace aicast::bindings {

namespace {

// Applies f elementwise to a float array of any shape (GIL released for the loop).
template <class F>
py::array_t<double> elementwise(const py::array_t<double, py::array::c_style | py::array::forcecast>& x, F&& f) {
  py::array_t<double> out(x.request().shape);
  const double* src = x.data();
  double* dst = out.mutable_data();
  const auto n = static_cast<std::size_t>(x.size());
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n; ++i) dst[i] = f(src[i]);
  }
  return out;
}

}  // namespace

void bind_priors(py::module_& m) {
  py::class_<Prior>(m, "Prior", "A distribution of an uncertain input (see aicast.priors)")
      .def_static("point", &Prior::point, "value"_a)
      .def_static("normal", &Prior::normal, "mu"_a, "sigma"_a)
      .def_static("lognormal", &Prior::lognormal, "mu"_a, "sigma"_a)
      .def_static("uniform", &Prior::uniform, "lo"_a, "hi"_a)
      .def_static("triangular", &Prior::triangular, "lo"_a, "mode"_a, "hi"_a)
      .def_static("pert", &Prior::pert, "lo"_a, "mode"_a, "hi"_a, "lam"_a = 4.0)
      .def_static("beta", &Prior::beta, "a"_a, "b"_a)
      .def_static("gamma", &Prior::gamma, "shape"_a, "scale"_a)
      .def_static("student_t", &Prior::student_t, "df"_a, "loc"_a, "scale"_a)
      .def_static("truncated", &Prior::truncated, "base"_a, "lo"_a, "hi"_a)
      .def_static("mixture", &Prior::mixture, "components"_a, "weights"_a)
      .def_static("empirical", &Prior::empirical, "values"_a)
      .def_static("from_interval", &Prior::from_interval, "lo"_a, "hi"_a, "credibility"_a = 0.9)
      .def_property_readonly("kind", &Prior::kind_name)
      .def_property_readonly("params", &Prior::params)
      .def_property_readonly("components", &Prior::components)
      .def_property_readonly("weights", &Prior::weights)
      .def_property_readonly("lower", &Prior::lower)
      .def_property_readonly("upper", &Prior::upper)
      .def_property_readonly("is_point", &Prior::is_point)
      .def_property_readonly("copula_index", &Prior::copula_index)
      .def_property_readonly("correlation",
                             [](const Prior& p) -> py::object {
                               if (!p.copula() || p.copula()->is_rows()) return py::none();
                               return py::cast(Eigen::MatrixXd(p.copula()->correlation));
                             })
      .def_property_readonly("joint_rows",
                             [](const Prior& p) -> py::object {
                               if (!p.copula() || !p.copula()->is_rows()) return py::none();
                               return py::cast(Eigen::MatrixXd(p.copula()->rows));
                             })
      .def("same_copula", [](const Prior& a, const Prior& b) { return a.copula() && a.copula() == b.copula(); }, "other"_a)
      .def("marginal", &Prior::marginal)
      .def("describe", &Prior::describe)
      .def("mean", &Prior::mean)
      .def("ppf", [](const Prior& p, const py::array_t<double, py::array::c_style | py::array::forcecast>& q) {
        return elementwise(q, [&](double v) { return p.ppf(v); });
      }, "q"_a)
      .def("cdf", [](const Prior& p, const py::array_t<double, py::array::c_style | py::array::forcecast>& x) {
        return elementwise(x, [&](double v) { return p.cdf(v); });
      }, "x"_a)
      .def("sample", [](const Prior& p, std::int64_t n, std::uint64_t seed, int threads) {
        check_sample_size(n, 1);  // before the array is allocated
        py::array_t<double> out(static_cast<py::ssize_t>(n));
        double* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          sample_into(p, n, seed, threads, dst);
        }
        return out;
      }, "n"_a, "seed"_a = 0, "threads"_a = 0)
      .def("__repr__", [](const Prior& p) { return "<_engine.Prior " + p.describe() + ">"; });

  m.def("correlate", &correlate, "priors"_a, "correlation"_a,
        "Link priors through a Gaussian copula with the given correlation matrix");
  m.def("joint_rows", &joint_rows, "table"_a,
        "One empirical prior per column of table, linked so that each path draws one whole row");
  m.def("sample", [](const std::vector<Prior>& priors, std::int64_t n, std::uint64_t seed, int threads) {
        check_sample_size(n, priors.size());
        py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(priors.size())});
        double* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          sample_joint(priors, n, seed, threads, dst);
        }
        return out;
      }, "priors"_a, "n"_a, "seed"_a = 0, "threads"_a = 0,
        "n joint draws of priors (rows) that may be correlated through copulas");
  m.def("normal_ppf", py::vectorize(&normal_ppf), "q"_a);
  m.def("normal_cdf", py::vectorize(&normal_cdf), "z"_a);
}

}  // namespace aicast::bindings
