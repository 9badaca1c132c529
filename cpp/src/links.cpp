// links.cpp — helpers for models that read other models' series.
#include "aicast/links.hpp"

#include <algorithm>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace aicast::detail {

std::string link_target(const ModelSpec& spec, const std::string& link, bool required,
                        const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : spec.links)
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw std::invalid_argument(spec.kind + " '" + spec.name + "': unknown link " + k);
  const auto it = spec.links.find(link);
  if (it != spec.links.end() && !it->second.empty()) return it->second;
  if (required)
    throw std::invalid_argument(spec.kind + " '" + spec.name + "': missing link " + link +
                                " (the price series to read, e.g. \"frontier.price\")");
  return {};
}

void bad_input(const std::string& kind, const std::string& name, const char* what, const std::string& series,
               double p, std::uint32_t month, const char* need) {
  std::ostringstream os;
  os << kind << " '" << name << "': linked " << what << " " << series << " must be " << need << ", got " << p
     << " in month " << month;
  throw std::domain_error(os.str());
}

std::size_t first_bad(const double* __restrict p, std::size_t n, double lo) noexcept {
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok &= (p[i] >= lo) & (p[i] <= std::numeric_limits<double>::max());
  if (ok) return n;
  for (std::size_t i = 0; i < n; ++i)
    if (!(p[i] >= lo && p[i] <= std::numeric_limits<double>::max())) return i;
  return n;
}

const double* checked_link(std::span<const double> v, double lo, const Model& m, const char* what,
                           const std::string& series, std::uint32_t month, const char* need) {
  if (const std::size_t bad = first_bad(v.data(), v.size(), lo); bad < v.size())
    bad_input(m.kind(), m.name(), what, series, v[bad], month, need);
  return v.data();
}

}  // namespace aicast::detail
