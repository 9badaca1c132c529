// links.hpp — helpers for models that read other models' series: the link's target, checks of
// the values read, and the error that names the bad value.
#pragma once

#include <cstddef>
#include <cstdint>
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

}  // namespace aicast::detail
