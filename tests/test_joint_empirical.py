"""Joint empirical priors (``ac.joint_empirical``): rows of a table drawn whole, in runs and samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import aicast as ac
from aicast.scenario_file import load_scenario


def _table(n=500, seed=3):
    """A table with a dependence a Gaussian copula cannot carry: y's spread grows with x."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, 1.0, n)
    y = 100.0 * np.exp(0.5 * rng.normal(0.0, 1.0, n) / np.sqrt(x))
    return np.column_stack([x + 1.0, y])


def _run_draws(table, paths, threads, seed=5):
    """Each path's (start price of a, annual decline of b) from a run: the members' draws."""
    a, b = ac.joint_empirical(table)
    sc = ac.Scenario("2026-01", "2026-03", seed=seed)
    sc.add(ac.PriceDecline("a", start_price=b, annual_decline=2.0))
    sc.add(ac.PriceDecline("b", start_price=1.0, annual_decline=a))
    res = sc.run(paths=paths, keep_paths=True, progress=False, threads=threads)
    start = res.paths("a.price")[:, 0]
    # the monthly log drop of b is ln(decline) / 12 exactly (no noise): recover the draws
    decline = np.exp(12 * (np.log(res.paths("b.price")[:, 0]) - np.log(res.paths("b.price")[:, 1])))
    return np.column_stack([decline, start])


def _row_of(table, drawn, rtol):
    """Index of the table row each drawn tuple equals (to rtol), or -1."""
    out = np.full(len(drawn), -1)
    for i, row in enumerate(drawn):
        hit = np.flatnonzero(np.all(np.isclose(table, row, rtol=rtol, atol=0.0), axis=1))
        if hit.size:
            out[i] = hit[0]
    return out


def test_members_have_the_columns_empirical_marginals_and_link_the_group():
    t = _table()
    d = ac.joint_empirical({"x": t[:, 0], "y": t[:, 1]})
    assert list(d) == ["x", "y"]
    x, y = d["x"], d["y"]
    assert x.kind == "empirical" and x.is_linked and x.correlation is None
    np.testing.assert_array_equal(x.joint_rows, t)
    assert x.mean() == pytest.approx(t[:, 0].mean(), rel=1e-12)
    assert "joint" in repr(y) and not x.marginal().is_linked
    with pytest.raises(ValueError, match="correlated"):
        x.sample(10)
    with pytest.raises(ValueError, match="already correlated"):
        ac.correlate(x, ac.normal(0, 1), correlation=0.5)


def test_sample_draws_whole_rows_with_the_columns_marginals():
    t = _table()
    a, b = ac.joint_empirical(t)
    x = ac.sample([a, ac.normal(0, 1), b], 200_000, seed=2)
    pair = x[:, [0, 2]]
    idx = _row_of(t, pair[:2000], rtol=0.0)
    assert (idx >= 0).all()  # every drawn tuple is a row of the table, exactly
    # the row index is uniform: each row's frequency, chi-square
    rows = {tuple(r): i for i, r in enumerate(t)}
    counts = np.bincount([rows[tuple(r)] for r in pair], minlength=len(t))
    assert stats.chisquare(counts).pvalue > 1e-3
    for j in (0, 1):  # marginals: the column's empirical distribution (two-sample KS)
        assert stats.ks_2samp(pair[:20_000, j], np.repeat(t[:, j], 40)).pvalue > 1e-3
    # the uncorrelated column keeps its own stream
    np.testing.assert_array_equal(x[:, 1], ac.sample([ac.normal(0, 1), ac.normal(0, 1)], 200_000, seed=2)[:, 1])


def test_sample_is_the_same_for_any_thread_count():
    a, b = ac.joint_empirical(_table())
    ref = ac.sample([a, b], 150_000, seed=9, threads=1)
    for threads in (2, 3, 8):
        np.testing.assert_array_equal(ac.sample([a, b], 150_000, seed=9, threads=threads), ref)
    assert not np.array_equal(ac.sample([a, b], 1000, seed=10), ref[:1000])


def test_a_run_draws_whole_rows_with_the_columns_marginals_for_any_thread_count():
    t = _table()
    ref = _run_draws(t, 40_000, threads=1)
    for threads in (2, 5):
        np.testing.assert_array_equal(_run_draws(t, 40_000, threads=threads), ref)
    idx = _row_of(t, ref[:3000], rtol=1e-9)  # the decline goes through exp/log: to rounding
    assert (idx >= 0).all()
    for j in (0, 1):
        ks = stats.ks_2samp(ref[:, j], np.repeat(t[:, j], 80))
        assert ks.pvalue > 1e-3, (j, ks)
    # the dependence is the table's, not a copula's: y's spread shrinks as x grows
    lo, hi = ref[:, 0] < np.median(t[:, 0]), ref[:, 0] >= np.median(t[:, 0])
    sd_lo, sd_hi = np.std(t[t[:, 0] < np.median(t[:, 0]), 1]), np.std(t[t[:, 0] >= np.median(t[:, 0]), 1])
    assert np.std(ref[lo, 1]) == pytest.approx(sd_lo, rel=0.05)
    assert np.std(ref[hi, 1]) == pytest.approx(sd_hi, rel=0.05)


def test_joint_rows_validate_the_table():
    with pytest.raises(ValueError, match="equal lengths"):
        ac.joint_empirical({"a": [1.0, 2.0], "b": [1.0]})
    with pytest.raises(ValueError, match="finite"):
        ac.joint_empirical({"a": [1.0, math.nan], "b": [1.0, 2.0]})
    with pytest.raises(ValueError, match="2-D"):
        ac.joint_empirical([1.0, 2.0])
    with pytest.raises(TypeError, match="mapping"):
        ac.joint_empirical(3.0)
    with pytest.raises(ValueError, match="at least one row"):
        ac.joint_empirical(np.empty((0, 2)))


def test_a_joint_group_survives_the_scenario_file():
    t = _table(40)
    a, b = ac.joint_empirical(t)
    sc = ac.Scenario("2026-01", "2026-06", seed=3)
    sc.add(ac.PriceDecline("p", start_price=b, annual_decline=a))
    text = sc.to_toml()
    assert "rows = [" in text
    back = load_scenario(text=text)
    got = back["p"].params
    np.testing.assert_array_equal(got["start_price"].joint_rows, t)
    assert got["start_price"]._core.same_copula(got["annual_decline"]._core)
    r1 = sc.run(paths=2000, progress=False).quantiles("p.price")
    r2 = back.run(paths=2000, progress=False).quantiles("p.price")
    np.testing.assert_array_equal(np.asarray(r1), np.asarray(r2))
    # a group only partly used cannot be written exactly
    part = ac.Scenario("2026-01", "2026-06", seed=3)
    part.add(ac.PriceDecline("p", start_price=b, annual_decline=2.0))
    with pytest.raises(ValueError, match="partly"):
        part.to_toml()


def test_sensitivity_treats_a_joint_group_as_one_input_of_whole_rows():
    t = _table(200)
    a, b = ac.joint_empirical(t)
    seen = []

    def f(x):
        seen.append(np.column_stack([x["a"], x["b"]]))
        return x["a"] + x["c"]

    r = ac.sobol(f, {"a": a, "b": b, "c": ac.normal(0, 1)}, n=2048, bootstrap=0)
    assert list(r.first.columns) == ["a + b", "c"]
    assert (_row_of(t, seen[0][:2000], rtol=0.0) >= 0).all()


def test_scenario_file_rows_errors_name_the_problem():
    head = 'start = "2026-01"\nhorizon = "2026-06"\n[models.p]\nkind = "price_decline"\n'
    group = '[[correlations]]\nparams = ["p.start_price", "p.annual_decline"]\n'
    with pytest.raises(ValueError, match=r"rows.*rows of 2 numbers"):
        load_scenario(text=head + group + "rows = [[1.0, 2.0], [3.0]]\n")
    with pytest.raises(ValueError, match="not both"):
        load_scenario(text=head + group + "rows = [[1.0, 2.0]]\ncorrelation = 0.5\n")
    with pytest.raises(ValueError, match="empirical distribution of column 1"):
        load_scenario(text=head + "start_price = { to = [1, 2] }\n" + group + "rows = [[1.0, 2.0], [3.0, 4.0]]\n")
    sc = load_scenario(text=head + group + "rows = [[1.0, 2.0], [3.0, 4.0]]\n")
    np.testing.assert_array_equal(sc["p"].params["annual_decline"].joint_rows, [[1.0, 2.0], [3.0, 4.0]])
