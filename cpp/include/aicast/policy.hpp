// policy.hpp — the one Boost.Math policy of the project (a typedef, not the per-TU macros).
#pragma once

#include <boost/math/policies/policy.hpp>

namespace aicast {

// Errors throw (std::domain_error / overflow_error); double arithmetic is kept in double.
using MathPolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

}  // namespace aicast
