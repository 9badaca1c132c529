"""Exact quantiles (histogram select) against np.quantile, bit for bit, on hard data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aicast as ac
from aicast._engine import testing as T

LEVELS = [0.0, 0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.333, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999, 1.0]


def _datasets():
    rng = np.random.default_rng(7)
    n = 200_003
    yield "lognormal", rng.lognormal(0, 1, n)
    yield "wide lognormal", rng.lognormal(0, 30, n)
    yield "1e9 + noise", 1e9 + rng.standard_normal(n)
    yield "cauchy", rng.standard_cauchy(n)
    yield "ties", np.floor(np.abs(rng.standard_normal(n)) * 2)
    yield "constant", np.full(n, 0.1)
    yield "two values", np.where(rng.random(n) < 0.3, -1.5, 2.5)
    with_inf = rng.lognormal(0, 2, n)
    with_inf[::97] = np.inf
    yield "with +inf", with_inf
    both_inf = rng.standard_normal(n)
    both_inf[::50] = -np.inf
    both_inf[1::70] = np.inf
    yield "with +-inf", both_inf
    zeros = rng.standard_normal(n)
    zeros[::7] = 0.0
    zeros[::11] = -0.0
    yield "signed zeros", zeros
    yield "subnormal", rng.random(n) * 1e-310
    yield "one outlier", np.concatenate([rng.random(n - 1), [1e300]])
    yield "sorted", np.sort(rng.standard_normal(n))
    yield "reversed", np.sort(rng.standard_normal(n))[::-1].copy()
    yield "small n", rng.standard_normal(5)
    # big histogram bins refined again: ulp-spaced values between extreme ones, a few distinct values
    ulps = 1.0 + np.arange(100_000) * np.finfo(float).eps
    yield "nested scales", rng.permutation(np.concatenate([ulps, [1e-300, 1e300, -1e300], rng.random(5000) * 1e-200]))
    yield "few distinct", rng.choice([-3.0, 0.0, 1e-12, 2.0, 2.0 + 4e-16, 1e9], n)
    yield "ulp ties", rng.permutation(np.repeat(1.0 + np.arange(50) * np.finfo(float).eps, 4000))


def _expected(data, levels):
    """np.quantile, except that equal neighbours give their value (numpy: inf - inf makes NaN)."""
    with np.errstate(invalid="ignore", over="ignore"):
        want = np.quantile(data, levels)
    x = np.sort(data)
    h = (len(x) - 1) * np.asarray(levels, dtype=float)
    lo = np.minimum(np.floor(h).astype(np.int64), len(x) - 1)
    hi = np.minimum(lo + 1, len(x) - 1)
    same = x[lo] == x[hi]
    want[same] = x[lo][same]
    return want


@pytest.mark.parametrize(("name", "data"), list(_datasets()), ids=[n for n, _ in _datasets()])
def test_exact_quantiles_bit_identical_to_numpy(name, data):
    got = np.array(T.exact_quantiles(data, LEVELS))
    want = _expected(data, LEVELS)
    if np.all(np.isfinite(data)):
        np.testing.assert_array_equal(want, np.quantile(data, LEVELS))
    np.testing.assert_array_equal(got, want)


def test_default_levels_bit_identical_on_engine_like_data():
    rng = np.random.default_rng(3)
    levels = list(ac.DEFAULT_QUANTILES)
    for n in (1, 2, 3, 4, 5, 1023, 1024, 1025, 4097, 100_000):
        data = 5.4 * np.exp(rng.normal(-2, 1.5, n))
        np.testing.assert_array_equal(np.array(T.exact_quantiles(data, levels)), np.quantile(data, levels))


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=3000),
    st.lists(st.floats(0, 1), min_size=1, max_size=12),
)
def test_exact_quantiles_bit_identical_property(values, levels):
    data = np.array(values)
    np.testing.assert_array_equal(np.array(T.exact_quantiles(data, levels)), _expected(data, levels))


def _blocked_sum(v):
    """The engine's fixed summation order: per chunk of 2048, value i into partial sum i % 16, the
    16 partial sums combined by a pairwise tree into the chunk's total; the chunk totals summed
    exactly and rounded once (math.fsum is correctly rounded)."""
    totals = []
    for c0 in range(0, len(v), 2048):
        s = np.zeros(16)
        chunk = v[c0:c0 + 2048]
        for i in range(0, len(chunk), 16):
            part = chunk[i:i + 16]
            s[:len(part)] += part
        w = 8
        while w >= 1:
            s[:w] = s[:w] + s[w:2 * w]
            w //= 2
        totals.append(s[0])
    return math.fsum(totals)


def _moments_reference(x):
    n = len(x)
    m1 = _blocked_sum(x) / n
    d = x - m1
    dev, sq = _blocked_sum(d), _blocked_sum(d * d)
    mean = m1 + dev / n
    sd = np.sqrt(max(sq - dev * (dev / n), 0.0) / (n - 1)) if n > 1 else 0.0
    return mean, sd


@pytest.mark.parametrize("n", [1, 2, 15, 16, 17, 511, 512, 513, 2047, 2048, 2049, 5_000, 20_011])
def test_moments_follow_the_documented_order_bit_for_bit(n):
    # vector code on any instruction set must give exactly these bits
    x = np.random.default_rng(n).lognormal(0, 2, n)
    _, mean, sd = T.summarize(x, [0.5])
    want_mean, want_sd = _moments_reference(x)
    assert (mean, sd) == (want_mean, want_sd)
    assert T.summarize(x, [])[1:] == (mean, sd)  # the same with or without quantiles


def _hard():
    rng = np.random.default_rng(5)
    n = 300_007
    yield "1e9 + noise", 1e9 + rng.standard_normal(n)
    yield "1e9 + tiny noise", 1e9 + 1e-3 * rng.standard_normal(n)
    yield "-1e12 + lognormal", -1e12 + rng.lognormal(0, 1, n)
    yield "lognormal sigma 3", rng.lognormal(0, 3, n)
    yield "cauchy", rng.standard_cauchy(n)
    yield "pareto 1.1", rng.pareto(1.1, n)
    yield "price-like", 5.4 * np.exp(rng.normal(-3, 2, n))


@pytest.mark.parametrize(("name", "x"), list(_hard()), ids=[n for n, _ in _hard()])
def test_moments_accurate_to_rounding_on_hard_data(name, x):
    xl = x.astype(np.longdouble)
    m = xl.sum() / len(x)
    sd_ref = np.sqrt(((xl - m) ** 2).sum() / (len(x) - 1))
    _, mean, sd = T.summarize(x, list(ac.DEFAULT_QUANTILES))
    # against a long double reference: a few ulps (np.std's own error reaches 1e-8 on 1e9 + tiny noise)
    assert abs(mean - m) <= 8 * np.finfo(float).eps * abs(m)
    assert abs(sd - sd_ref) <= 1e-14 * sd_ref
    # NumPy's mean has its own rounding error: both within a few ulps times the condition number
    cond = np.abs(x).sum() / abs(x.sum())
    np.testing.assert_allclose(mean, np.mean(x), rtol=4 * np.finfo(float).eps * cond)
    np.testing.assert_allclose(sd, np.std(x, ddof=1), rtol=1e-7)


def test_moments_with_infinities():
    x = np.array([1.0, 2.0, np.inf, 3.0])
    _, mean, sd = T.summarize(x, [0.5])
    assert mean == np.inf and sd == np.inf
    _, mean, sd = T.summarize(np.array([-np.inf, 1.0]), [0.5])
    assert mean == -np.inf and sd == np.inf
    _, mean, sd = T.summarize(np.array([-np.inf, np.inf]), [0.5])
    assert np.isnan(mean) and np.isnan(sd)
    _, mean, sd = T.summarize(np.array([7.0]), [0.5])
    assert (mean, sd) == (7.0, 0.0)
    _, mean, sd = T.summarize(np.full(1000, 0.1), [0.5])
    assert (mean, sd) == (0.1, 0.0)


# Integer-valued data (incident counts, yearly and cumulative totals) take a counting path when the
# key range's ends are integers less than 2**15 apart (stats.cpp, kCountRange); every value is
# checked to be the integer it is counted as, and anything else goes the general way. Both must
# give np.quantile's bits and the documented moments.
COUNT_RANGE = 2**15


def _integer_datasets():
    rng = np.random.default_rng(11)
    n = 100_003
    yield "poisson", rng.poisson(40.0, n).astype(float)
    yield "negative binomial", rng.negative_binomial(5, 0.01, n).astype(float)
    yield "one value", np.array([17.0])
    yield "two values", np.array([3.0, -2.0])
    yield "all equal", np.full(n, 5.0)
    yield "all zero", np.zeros(n)
    yield "zeros and ones", (rng.random(n) < 0.01).astype(float)
    yield "negative", rng.integers(-500, -3, n).astype(float)
    yield "around zero", rng.integers(-3, 4, n).astype(float)
    yield "range at the threshold", np.concatenate([[0.0, COUNT_RANGE - 1.0], rng.integers(0, COUNT_RANGE, n)])
    yield "range past the threshold", np.concatenate([[0.0, float(COUNT_RANGE)], rng.integers(0, COUNT_RANGE, n)])
    yield "negative at the threshold", np.concatenate([[-COUNT_RANGE + 1.0, 0.0], -rng.integers(0, COUNT_RANGE, n)])
    yield "large offset", 2.0**52 - 2.0**14 + rng.integers(0, 2**14, n)
    yield "past 2**52", 2.0**52 + 2 * rng.integers(0, 2**10, n)
    signed = rng.integers(-3, 4, n).astype(float)
    signed[::13] = -0.0
    yield "signed zeros", signed
    yield "one fraction", np.concatenate([rng.poisson(40.0, n), [12.5]]).astype(float)
    yield "fraction in the last chunk", np.concatenate([rng.poisson(40.0, n), [1e-300]]).astype(float)
    yield "integer ends, fractions inside", np.concatenate([[0.0, 100.0], rng.random(n) * 100])
    with_inf = rng.poisson(40.0, n).astype(float)
    with_inf[::101] = np.inf
    yield "with +inf", with_inf
    yield "small n", rng.poisson(3.0, 7).astype(float)


@pytest.mark.parametrize(("name", "data"), list(_integer_datasets()), ids=[n for n, _ in _integer_datasets()])
def test_integer_data_quantiles_and_moments(name, data):
    for levels in (LEVELS, list(ac.DEFAULT_QUANTILES), [0.5]):
        got, mean, sd = T.summarize(data, levels)
        np.testing.assert_array_equal(np.array(got), _expected(data, levels))
        if np.all(np.isfinite(data)):
            np.testing.assert_array_equal(np.array(got), np.quantile(data, levels))
            assert (mean, sd) == _moments_reference(data)
        assert T.summarize(data, [])[1:] == (mean, sd) or np.isnan(mean)  # the same moments without quantiles


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.integers(-(2**16), 2**16), min_size=1, max_size=5000),
    st.lists(st.floats(0, 1), min_size=1, max_size=12),
)
def test_integer_quantiles_bit_identical_property(values, levels):
    data = np.array(values, dtype=float)
    got, mean, sd = T.summarize(data, levels)
    np.testing.assert_array_equal(np.array(got), np.quantile(data, levels))
    assert (mean, sd) == _moments_reference(data)
