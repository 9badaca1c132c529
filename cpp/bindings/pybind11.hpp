// pybind11.hpp — the one place pybind11 is included (avoids ODR trouble across binding units).
#pragma once

#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <vector>

namespace py = pybind11;
using namespace pybind11::literals;

namespace aicast::bindings {

// Hands a std::vector to NumPy without copying: the array owns the vector through a capsule.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(std::move(shape), heap->data(), owner);
}

void bind_battles(py::module_& m);
void bind_priors(py::module_& m);
void bind_run(py::module_& m);
void bind_fit(py::module_& m);
void bind_testing(py::module_& m);
void bind_build(py::module_& m);

}  // namespace aicast::bindings
