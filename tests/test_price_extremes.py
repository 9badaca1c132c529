"""The price-decline model at the extremes of every parameter's support: jump counts for any
rate, the noise factor for any volatility, no NaN paths, closed forms where they exist."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import aicast as ac

LOG_TINY = math.log(np.nextafter(0.0, 1.0)) - 0.5 * math.log(2.0)  # exp below this rounds to 0
LOG_HUGE = math.log(np.finfo(float).max)  # exp above this overflows


def _paths(months, paths=20_000, seed=3, **params):
    params = {"start_price": 1.0, "annual_decline": 1.0, **params}
    sc = ac.Scenario("2026-01", ac.Scenario("2026-01").start + (months - 1), seed=seed)
    sc.add(ac.PriceDecline("p", **params))
    x = sc.run(paths=paths, keep_paths=True, progress=False).paths("p.price")
    assert not np.isnan(x).any()
    return x


def _log(x):
    with np.errstate(divide="ignore"):
        return np.log(x)


@pytest.mark.parametrize(("per_month", "size"), [(599.0, -1e-3), (601.0, -1e-3), (1e5 / 12, -1e-3), (1e6, -1e-6)])
def test_jump_counts_are_poisson_for_any_rate(per_month, size, poisson_chisquare):
    # no drift, no noise, jumps of a fixed log size: the month's count is -ln(P) / size exactly.
    # Below 600 a month the count comes from inversion, from 600 on from PTRS; 1e5 a year used to
    # drop every jump (exp(-mu) underflowed).
    p = _paths(2, jump_rate=12 * per_month, jump_log_size=size)
    n = np.round(np.log(p[:, 1]) / size)
    assert abs(n.mean() - per_month) < 5 * math.sqrt(per_month / n.size)
    assert abs(n.var(ddof=1) - per_month) < 5 * math.sqrt((per_month + 2 * per_month**2) / n.size)
    assert poisson_chisquare(n, per_month) > 1e-3


@pytest.mark.parametrize(
    ("per_month", "jump", "mean_j", "var_j"),
    [(1e6, ac.normal(-1e-6, 1e-6), -1e-6, 1e-12),  # closed-form sum of a million normal sizes
     (1e12, ac.normal(-1e-12, 1e-12), -1e-12, 1e-24),  # a trillion a month
     (1000.0, ac.uniform(-0.002, 0.0), -0.001, 0.002**2 / 12)],  # sizes drawn one at a time
)
def test_compound_jump_sums_match_their_moments(per_month, jump, mean_j, var_j):
    x = np.log(_paths(2, paths=5_000, jump_rate=12 * per_month, jump_log_size=jump)[:, 1])
    mean, var = per_month * mean_j, per_month * (var_j + mean_j**2)  # compound Poisson
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / x.size)
    assert abs(x.var(ddof=1) / var - 1) < 5 * math.sqrt(2 / x.size) * 1.5


def test_too_many_jumps_for_a_sampled_size_is_a_clear_error():
    with pytest.raises(ValueError, match=r"jumps in month 1; more than 2\^24 jumps a month need a point or normal"):
        _paths(2, paths=10, jump_rate=12 * 2.0**26, jump_log_size=ac.uniform(-1e-9, 0.0))


@pytest.mark.parametrize("vol", [45.0, 300.0, 1000.0, 1e300])
def test_noise_is_symmetric_in_log_space_for_any_volatility(vol):
    # ln P(1 year) ~ normal(0, vol): P underflows to 0 and overflows to +inf exactly as often as
    # that normal leaves double precision's range, symmetric about the start price, never NaN.
    p = _paths(13, volatility=vol)[:, 12]
    n = p.size
    tol = 5 * math.sqrt(0.25 / n)
    assert abs(np.mean(p == 0.0) - stats.norm.cdf(LOG_TINY / vol)) < tol
    assert abs(np.mean(np.isinf(p)) - stats.norm.sf(LOG_HUGE / vol)) < tol
    x = _log(p) / vol
    for c in (-0.5, -0.1, 0.0, 0.1, 0.5):
        if LOG_TINY / vol < c < LOG_HUGE / vol:
            assert abs(np.mean(x <= c) - stats.norm.cdf(c)) < tol
    if vol <= 45:  # every path finite: the whole law
        assert stats.kstest(x, "norm").pvalue > 1e-3


def test_paths_come_back_from_zero_and_infinity():
    # jumps of +-1000 in log size (e^1000 is beyond double precision) send the price to 0 or inf
    # and back; P(P == 0) at month m is P(S < ln tiny) for S a compound Poisson sum of normals
    rate, sd = 12.0, 1000.0
    p = _paths(13, jump_rate=rate, jump_log_size=ac.normal(0.0, sd))
    for m in (1, 6, 12):
        k = np.arange(1, 80)
        w = stats.poisson.pmf(k, rate * m / 12)
        want_zero = np.sum(w * stats.norm.cdf(LOG_TINY / (sd * np.sqrt(k))))
        want_inf = np.sum(w * stats.norm.sf(LOG_HUGE / (sd * np.sqrt(k))))
        tol = 5 * math.sqrt(0.25 / p.shape[0])
        assert abs(np.mean(p[:, m] == 0.0) - want_zero) < tol
        assert abs(np.mean(np.isinf(p[:, m])) - want_inf) < tol
        assert abs(np.mean(p[:, m] == 1.0) - stats.poisson.pmf(0, rate * m / 12)) < tol  # no jump yet


@pytest.mark.parametrize(
    "params",
    [dict(annual_decline=1e-300), dict(annual_decline=1e300), dict(annual_decline=5e-324),
     dict(start_price=1e300, annual_decline=4.0), dict(start_price=1e-310, annual_decline=0.25),
     dict(start_price=2.0, floor=1.0, floor_annual_decline=1e300),
     dict(start_price=2.0, floor=1.0, floor_annual_decline=1e-300),
     dict(start_price=2.0, floor=2.0 * (1 - 1e-15), annual_decline=1e-5)],
    ids=lambda d: ",".join(f"{k}={v:g}" for k, v in d.items()),
)
def test_support_extremes_follow_the_closed_form(params):
    # vol 0: P(m) = F f^-t + E0 D^-t exp(sum of jumps), computed here in log space
    p = _paths(25, paths=400, **params)
    start, d = params.get("start_price", 1.0), params.get("annual_decline", 1.0)
    f, fd = params.get("floor", 0.0), params.get("floor_annual_decline", 1.0)
    t = np.arange(25) / 12
    with np.errstate(over="ignore", under="ignore"):
        floor = f * np.exp(-t * math.log(fd))
        log_e = math.log(start - f) - t * math.log(d)
        want = floor + np.exp(log_e)
    np.testing.assert_allclose(p, np.broadcast_to(want, p.shape), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("size", [-1000.0, 1000.0])
def test_a_jump_past_double_range_sends_the_price_to_its_limit(size):
    # one jump of log size +-1000 makes E = e^+-1000: 0 or +inf in double precision, for good
    p = _paths(13, paths=4_000, jump_rate=12.0, jump_log_size=size)
    limit = 0.0 if size < 0 else np.inf
    assert np.all((p == 1.0) | (p == limit))
    assert np.all(np.diff(p == limit, axis=1) >= 0)  # once at the limit, always there
    for m in (1, 12):
        assert abs(np.mean(p[:, m] == limit) - (1 - math.exp(-m))) < 5 * math.sqrt(0.25 / p.shape[0])
