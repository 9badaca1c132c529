// policy.hpp — the one Boost.Math policy of the project (a typedef, not the per-TU macros).
#pragma once

#include <boost/math/policies/policy.hpp>

namespace aicast {

// Domain errors throw std::domain_error (a ValueError in Python). Quantiles at extreme tail
// probabilities (q ~ 1e-300) may overflow (student t: the support bound, -inf/+inf, is the
// answer) or exhaust the root finder (beta: its last iterate is accurate far beyond what a
// draw can resolve), so those two return the value instead of throwing. Double arithmetic
// stays in double.
using MathPolicy = boost::math::policies::policy<
    boost::math::policies::promote_double<false>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>>;

}  // namespace aicast
