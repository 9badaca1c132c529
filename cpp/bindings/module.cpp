// module.cpp — aicast._engine: submodules and registrar calls only.
#include "pybind11.hpp"

#ifndef AICAST_VERSION
#define AICAST_VERSION "dev"
#endif

PYBIND11_MODULE(_engine, m) {
  m.doc() = "aicast's compiled Monte Carlo engine (private; use the aicast package)";
  m.attr("__version__") = AICAST_VERSION;
  aicast::bindings::bind_priors(m);
  aicast::bindings::bind_run(m);
  aicast::bindings::bind_battles(m);
  aicast::bindings::bind_fit(m);
  aicast::bindings::bind_build(m);
  auto testing = m.def_submodule("testing", "Low-level kernels exposed for the test suite");
  aicast::bindings::bind_testing(testing);
}
