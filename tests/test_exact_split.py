"""Exact sums behind the moments, and runs split into blocks equal to the one-process run bit for bit."""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aicast as ac
from aicast import _engine
from aicast._engine import testing as T
from aicast.analysis.distributed import CHUNK, block_bounds, run_blocks

sys.path.insert(0, str(Path(__file__).parent))
from test_scenario_file import _every_model_kind  # noqa: E402

MAX = np.finfo(float).max
TINY = 5e-324  # the smallest subnormal


def exact_sum(values) -> float:
    return T.exact_sum_value(T.exact_sum_words(np.asarray(values, dtype=float)))


def reference(values) -> float:
    """The correctly rounded sum: math.fsum, or (when fsum overflows on the way) the exact rational
    sum rounded by Python's correctly rounded int / int, +-inf beyond the largest double."""
    values = [float(v) for v in values]
    try:
        return math.fsum(values)
    except OverflowError:
        exact = sum((Fraction(v) for v in values), Fraction(0))
        try:
            return float(exact)
        except OverflowError:
            return math.inf if exact > 0 else -math.inf


def _adversarial():
    rng = np.random.default_rng(11)
    yield "cancellation", [1e16, 1.0, -1e16]
    yield "cancellation to a tiny rest", [1e308, 1e-308, -1e308, 3e-320]
    yield "catastrophic pairs", list(rng.permutation(np.concatenate([v := rng.standard_normal(5000) * 1e200, -v,
                                                                      [1e-3, 2e-300]])))
    yield "mixed magnitudes", list(rng.standard_normal(4000) * 10.0 ** rng.integers(-300, 300, 4000))
    yield "subnormals", list(rng.integers(-2**40, 2**40, 3000) * TINY)
    yield "subnormal to normal", [2.0**-1022 - TINY, TINY, TINY]
    yield "tie to even (down)", [1.0, 2.0**-53]
    yield "tie to even (up)", [1.0 + 2.0**-52, 2.0**-53]
    yield "just above a tie", [1.0, 2.0**-53, 2.0**-1000]
    yield "just below a tie", [1.0, 2.0**-53, -(2.0**-1000)]
    yield "a million tenths", [0.1] * 1_000_000
    yield "intermediate overflow, finite sum", [MAX, MAX, -MAX, -MAX, 1.0]
    yield "largest double", [MAX, 2.0**969]  # below the half-way point: stays finite
    yield "lognormal sigma 5", list(rng.lognormal(0, 5, 20_000))


@pytest.mark.parametrize(("name", "values"), list(_adversarial()), ids=[n for n, _ in _adversarial()])
def test_exact_sum_is_the_correctly_rounded_sum(name, values):
    want = reference(values)
    assert exact_sum(values) == want
    assert exact_sum(values[::-1]) == want  # in any order


def test_exact_sum_special_values():
    assert exact_sum([MAX, 2.0**970]) == math.inf  # the half-way point rounds to even: 2^1024
    assert exact_sum([MAX, MAX]) == math.inf and exact_sum([-MAX, -MAX, 1.0]) == -math.inf
    assert exact_sum([1.0, math.inf, -5.0]) == math.inf and exact_sum([-math.inf, 1e308]) == -math.inf
    assert math.isnan(exact_sum([math.inf, -math.inf])) and math.isnan(exact_sum([1.0, math.nan]))
    # zeros as IEEE addition: -0.0 only when every value is -0.0
    for values, sign in (([-0.0], -1), ([-0.0, -0.0], -1), ([-0.0, 0.0], 1), ([], 1), ([1.5, -1.5], 1),
                         ([-0.0, 2.0, -2.0], 1), ([TINY, -TINY], 1)):
        got = exact_sum(values)
        assert got == 0.0 and math.copysign(1.0, got) == sign, values


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=200), st.randoms(use_true_random=False))
def test_exact_sum_property_and_merges_in_any_grouping(values, rnd):
    want = reference(values)
    got = exact_sum(values)
    assert got == want  # (-0.0 == 0.0: fsum before Python 3.12 gives +0.0 for a sum of -0.0s)
    # states of pieces, summed as integer words in any order, round to the same bits
    cuts = sorted(rnd.sample(range(len(values) + 1), min(3, len(values) + 1)))
    pieces = [values[a:b] for a, b in zip([0, *cuts], [*cuts, len(values)])]
    rnd.shuffle(pieces)
    words = sum(T.exact_sum_words(np.asarray(p, dtype=float)) for p in pieces)
    assert T.exact_sum_value(words) == got


@pytest.mark.parametrize("n", [1, 2047, 2048, 2049, 7000, 100_003])
def test_moment_sums_of_blocks_merge_into_the_whole(n):
    x = np.random.default_rng(n).lognormal(0, 3, n) - 2.0
    _, mean, sd = T.summarize(x, [0.5])
    whole = T.moment_sums(x)
    m1 = T.exact_sum_value(whole[0]) / n
    first, means, sds = _engine.moments_from_sums(whole[None], n)
    assert (first[0], means[0], sds[0]) == (m1, mean, sd)
    for blocks in (2, 3, 7):
        if blocks > -(-n // CHUNK):
            continue
        parts = [T.moment_sums(x[a:b], m1) for a, b in block_bounds(n, blocks)]
        got = _engine.moments_from_sums(np.sum(parts, axis=0)[None], n)
        assert (got[1][0], got[2][0]) == (mean, sd)


@pytest.mark.parametrize(("name", "make"), [
    ("normal", lambda r, n: r.normal(3.0, 2.0, n)),
    ("lognormal", lambda r, n: r.lognormal(0.0, 1.0, n)),
    ("1e9 + uniform", lambda r, n: 1e9 + r.random(n)),
])
def test_moments_agree_with_numpy_and_the_sampling_distribution(name, make):
    # rounding: within a few ulps of NumPy's (pairwise) sums; statistically: the mean of normal
    # data within 5 standard errors of mu, the sd within 5 standard errors of sigma
    rng = np.random.default_rng(21)
    n = 400_000
    x = make(rng, n)
    _, mean, sd = T.summarize(x, list(ac.DEFAULT_QUANTILES))
    np.testing.assert_allclose(mean, np.mean(x), rtol=4e-16 * np.log2(n))
    np.testing.assert_allclose(sd, np.std(x, ddof=1), rtol=1e-15 * np.log2(n) * max(1.0, abs(np.mean(x)) / np.std(x)))
    if name == "normal":
        assert abs(mean - 3.0) < 5 * 2.0 / np.sqrt(n)
        assert abs(sd - 2.0) < 5 * 2.0 / np.sqrt(2 * (n - 1))


EVENTS = ["frontier.price < 0.1", "aiid.count > 300", "rent.savings > 0", "lb.gap < -1"]


@pytest.fixture(scope="module")
def every_kind():
    sc = _every_model_kind()
    missing = [e.split()[0] for e in EVENTS if e.split()[0] not in sc.series]
    assert not missing, missing
    return sc


def _engine_run(sc, paths, threads, chunk_size=1024):
    parsed = [(e.split()[0], e.split()[1], float(e.split()[2])) for e in EVENTS]
    return _engine.run(sc._engine_scenario(), sc.seed, paths, threads, chunk_size, list(ac.DEFAULT_QUANTILES), False,
                       parsed)


@pytest.mark.parametrize(("paths", "blocks", "threads"), [(4321, 2, 1), (6500, 3, 2), (19_000, 9, 2)])
def test_a_split_run_of_every_model_kind_is_bit_identical(every_kind, paths, blocks, threads):
    whole = _engine_run(every_kind, paths, threads=2, chunk_size=700)
    split = run_blocks(every_kind, paths, blocks=blocks, events=EVENTS, threads=threads)
    for key in ("mean", "sd", "quantiles", "holds", "first_hit"):
        np.testing.assert_array_equal(split[key], whole[key], err_msg=key)
    assert np.all(whole["first_hit"][:, :-1].sum(axis=1) > 0)  # every event happens on some path
    if blocks == 2:
        # the one-process run itself on 1 thread and other block sizes: the same bits
        other = _engine_run(every_kind, paths, threads=1, chunk_size=97)
        for key in ("mean", "sd", "quantiles", "holds", "first_hit"):
            np.testing.assert_array_equal(other[key], whole[key], err_msg=key)


def test_scenario_run_with_blocks_is_the_one_process_result(every_kind):
    whole = every_kind.run(paths=5000, progress=False, events=EVENTS[:2], quantiles=[0.3])
    split = every_kind.run(paths=5000, progress=False, events=EVENTS[:2], quantiles=[0.3], blocks=3)
    for s in ("frontier.price", "aiid.count", "own.savings", "agent.price_per_mtok"):
        pd.testing.assert_series_equal(split.mean(s), whole.mean(s))
        pd.testing.assert_series_equal(split.std(s), whole.std(s))
        pd.testing.assert_frame_equal(split.quantiles(s, [0.3, 0.5]), whole.quantiles(s, [0.3, 0.5]))
    pd.testing.assert_frame_equal(split.prob(EVENTS[0]), whole.prob(EVENTS[0]))
    assert split.hitting_time(EVENTS[1]).median == whole.hitting_time(EVENTS[1]).median
    with pytest.raises(ValueError, match="keep_paths"):
        every_kind.run(paths=3000, keep_paths=True, blocks=2)
    with pytest.raises(ValueError, match=r"blocks must be at most paths / 2048 rounded up \(2 for 3000 paths"):
        every_kind.run(paths=3000, blocks=3)
