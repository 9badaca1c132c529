// bind_build.cpp — build_info(): how this engine was compiled (recorded in run manifests).
#include <string>

#include <Eigen/Core>
#include <boost/version.hpp>

#include "pybind11.hpp"

#ifndef AICAST_BUILD_TYPE
#define AICAST_BUILD_TYPE "unknown"
#endif
#ifndef AICAST_CORE_FLAGS
#define AICAST_CORE_FLAGS ""
#endif
#ifndef AICAST_COMPILER_ID
#define AICAST_COMPILER_ID "unknown"
#endif

namespace aicast::bindings {

void bind_build(py::module_& m) {
  m.def(
      "build_info",
      []() {
        py::dict d;
        d["compiler_id"] = AICAST_COMPILER_ID;
#if defined(__VERSION__)
        d["compiler_version"] = __VERSION__;
#else
        d["compiler_version"] = "unknown";
#endif
        d["cplusplus"] = static_cast<long>(__cplusplus);
        d["build_type"] = AICAST_BUILD_TYPE;
        d["flags"] = AICAST_CORE_FLAGS;
        d["eigen"] = std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                     std::to_string(EIGEN_MINOR_VERSION);
        d["boost"] = std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                     std::to_string(BOOST_VERSION % 100);
        d["pybind11"] = std::to_string(PYBIND11_VERSION_MAJOR) + "." + std::to_string(PYBIND11_VERSION_MINOR) + "." +
                        std::to_string(PYBIND11_VERSION_PATCH);
#if defined(__x86_64__)
        d["arch"] = "x86_64";
#elif defined(__aarch64__)
        d["arch"] = "aarch64";
#else
        d["arch"] = "other";
#endif
        return d;
      },
      "How the engine was built: compiler, flags, library versions (recorded in run manifests)");
}

}  // namespace aicast::bindings
