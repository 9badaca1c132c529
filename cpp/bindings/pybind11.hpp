// pybind11.hpp — the one place pybind11 is included (avoids ODR trouble across binding units).
#pragma once

#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <memory>
#include <string>
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

// An integer argument as T, or a TypeError / ValueError naming the field and the value: pybind11's
// own conversion reports an integer out of range as "incompatible function arguments" and a dump
// of every signature.
template <class T>
T int_arg(const py::handle& v, const char* field) {
  std::string repr = py::repr(v).cast<std::string>();
  if (repr.size() > 60) repr = repr.substr(0, 57) + "...";
  if (py::isinstance<py::bool_>(v) || !PyIndex_Check(v.ptr()))
    throw py::type_error(std::string(field) + " must be an integer, got " + repr);
  const auto i = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));
  if (!i) throw py::error_already_set();
  const py::int_ lo(std::numeric_limits<T>::min()), hi(std::numeric_limits<T>::max());
  const int below = PyObject_RichCompareBool(i.ptr(), lo.ptr(), Py_LT);
  const int above = PyObject_RichCompareBool(i.ptr(), hi.ptr(), Py_GT);
  if (below < 0 || above < 0) throw py::error_already_set();
  if (below || above)
    throw py::value_error(std::string(field) + " must be in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                          std::to_string(std::numeric_limits<T>::max()) + "], got " + repr);
  return i.cast<T>();
}

void bind_battles(py::module_& m);
void bind_priors(py::module_& m);
void bind_run(py::module_& m);
void bind_fit(py::module_& m);
void bind_testing(py::module_& m);
void bind_build(py::module_& m);

}  // namespace aicast::bindings
