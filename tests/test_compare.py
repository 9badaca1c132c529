"""Comparison on common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

import aicast as ac


def scenario(jump: float, seed: int = 1) -> ac.Scenario:
    return ac.Scenario("2026-02", "2028-12", seed=seed).add(
        ac.PriceDecline("frontier", start_price=ac.to(4, 6), annual_decline=ac.to(3, 30), volatility=ac.to(0.2, 0.6),
                        jump_rate=0.5, jump_log_size=ac.normal(jump, 0.2)),
        ac.IncidentGrowth("aiid", base_per_month=30, annual_growth=ac.to(1.3, 2.0), dispersion=20))


def test_difference_on_common_random_numbers_is_at_least_ten_times_sharper():
    n = 20_000
    cmp = ac.compare(scenario(-0.5), scenario(-0.45), paths=n, series=["frontier.price"])
    d = cmp.difference("frontier.price").iloc[-1]
    base = scenario(-0.5).run(paths=n, progress=False)
    assert d["se"] * 10 <= d["se_independent"]
    # the paired mean is the difference of the two runs' means (same paths)
    np.testing.assert_allclose(d["mean"], cmp.values["frontier.price"][1][:, -1].mean()
                               - base.mean("frontier.price").iloc[-1], rtol=1e-9, atol=1e-12)
    # less negative jumps: prices higher, on average and on the median path
    assert d["mean"] > 5 * d["se"] and d["q0.5"] >= 0


def test_reported_standard_errors_match_the_scatter_over_seeds():
    # 24 seeds: the paired differences scatter as the paired s.e. says, independent pairs as the
    # independent s.e. says (an sd from 24 values is within a factor 1.6 with high probability)
    n, reps, m = 2000, 24, 12
    paired, indep, se, se_ind = [], [], [], []
    for k in range(reps):
        c = ac.compare(scenario(-0.5, seed=k), scenario(-0.45, seed=k), paths=n, series=["frontier.price"])
        row = c.difference("frontier.price").iloc[m]
        paired.append(row["mean"])
        se.append(row["se"])
        se_ind.append(row["se_independent"])
        a = scenario(-0.5, seed=1000 + k).run(paths=n, progress=False).mean("frontier.price").iloc[m]
        b = scenario(-0.45, seed=2000 + k).run(paths=n, progress=False).mean("frontier.price").iloc[m]
        indep.append(b - a)
    assert 1 / 1.6 < np.std(paired, ddof=1) / np.mean(se) < 1.6
    assert 1 / 1.6 < np.std(indep, ddof=1) / np.mean(se_ind) < 1.6
    assert np.std(indep, ddof=1) > 10 * np.std(paired, ddof=1)


def test_event_probabilities_with_the_se_of_their_difference():
    cmp = ac.compare(scenario(-0.5), scenario(-0.45), paths=20_000)
    p = cmp.prob("frontier.price < 0.5", by="2028-12")
    res = scenario(-0.5).run(paths=20_000, progress=False)
    assert p["base"] == pytest.approx(float(res.prob("frontier.price < 0.5", by="2028-12").p), abs=1e-12)
    assert p["variant"] <= p["base"] and p["se"] * 5 < p["se_independent"]
    # the unchanged incident model is bit-identical in both
    a, b = cmp.values["aiid.count"]
    np.testing.assert_array_equal(a, b)
    r = cmp.ratio("frontier.price")
    assert (r["q0.05"] <= r["q0.5"]).all() and r["mean"].iloc[0] == 1.0
    cmp.plot_delta("frontier.price")
    cmp.plot_delta("frontier.price", ratio=True)
    assert "common random numbers" in repr(cmp)


def test_compare_errors():
    other = ac.Scenario("2026-02", "2027-12", seed=1).add(ac.PriceDecline("frontier", start_price=5.0, annual_decline=4.0))
    with pytest.raises(ValueError, match="share a grid"):
        ac.compare(scenario(-0.5), other, paths=100)
    with pytest.raises(ValueError, match="not in both"):
        ac.compare(scenario(-0.5), scenario(-0.4), paths=100, series=["nope.price"])
    with pytest.raises(ValueError, match="paths must be positive"):
        ac.compare(scenario(-0.5), scenario(-0.4), paths=0)
    cmp = ac.compare(scenario(-0.5), scenario(-0.4), paths=100, series=["frontier.price"])
    with pytest.raises(ValueError, match="was not compared"):
        cmp.difference("aiid.count")
