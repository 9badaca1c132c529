"""Exact quantiles (histogram select) against np.quantile, bit for bit, on hard data."""

from __future__ import annotations

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


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=3000),
    st.lists(st.floats(0, 1), min_size=1, max_size=12),
)
def test_exact_quantiles_bit_identical_property(values, levels):
    data = np.array(values)
    np.testing.assert_array_equal(np.array(T.exact_quantiles(data, levels)), _expected(data, levels))
