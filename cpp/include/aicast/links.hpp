// links.hpp — helpers for models that read other models' series: the link's target, checks of
// the values read, and the error that names the bad value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "aicast/model.hpp"

namespace aicast::detail {

// The series a link points to ("" when an optional link is absent); unknown links are errors.
std::string link_target(const ModelSpec& spec, const std::string& link, bool required,
                        const std::vector<std::string>& allowed);

// Throws std::domain_error: "<kind> '<name>': linked <what> <series> must be <need>, got <p> in month <m>".
[[noreturn]] void bad_input(const std::string& kind, const std::string& name, const char* what,
                            const std::string& series, double p, std::uint32_t month, const char* need);

// Index of the first value that is not finite or below `lo` (n if all are fine); a branch-free
// scan, so the kernels stay vectorized.
std::size_t first_bad(const double* p, std::size_t n, double lo) noexcept;

// The values of a linked series in one month, each checked finite and >= lo; else bad_input for
// model m ("linked <what> <series> must be <need>, got <value> in month <month>").
const double* checked_link(std::span<const double> v, double lo, const Model& m, const char* what,
                           const std::string& series, std::uint32_t month, const char* need);

}  // namespace aicast::detail
