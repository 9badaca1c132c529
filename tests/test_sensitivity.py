"""Sobol indices: closed forms (Ishigami, additive linear), SALib on the same samples, the noise share."""

from __future__ import annotations

import numpy as np
import pytest

import aicast as ac
from aicast.analysis import _sobol

A, B = 7.0, 0.1


def ishigami(x: dict[str, np.ndarray]) -> np.ndarray:
    return np.sin(x["x1"]) + A * np.sin(x["x2"]) ** 2 + B * x["x3"] ** 4 * np.sin(x["x1"])


def ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    v = A * A / 8 + B * np.pi**4 / 5 + B * B * np.pi**8 / 18 + 0.5
    v1, v2, v13 = 0.5 * (1 + B * np.pi**4 / 5) ** 2, A * A / 8, 8 * B * B * np.pi**8 / 225
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


PRIORS = {f"x{i}": ac.uniform(-np.pi, np.pi) for i in (1, 2, 3)}


def test_ishigami_matches_the_analytical_indices_within_their_intervals():
    r = ac.sobol(ishigami, PRIORS, n=20_000, bootstrap=200, conf=0.99, seed=1)
    s1, st = ishigami_indices()
    first, total = r.first.loc[0].to_numpy(), r.total.loc[0].to_numpy()
    assert np.all(np.abs(first - s1) <= r.first_conf.loc[0].to_numpy())
    assert np.all(np.abs(total - st) <= r.total_conf.loc[0].to_numpy())
    # the intervals are informative: a few hundredths wide, not the whole [0, 1]
    assert r.first_conf.loc[0].max() < 0.06 and r.total_conf.loc[0].max() < 0.06


def test_ishigami_agrees_with_salib_on_the_same_samples():
    sobol_analyze = pytest.importorskip("SALib.analyze.sobol")
    n, d = 4096, 3
    des = _sobol.design(n, [[0], [1], [2]], d, seed=5).mapped(lambda u: -np.pi + 2 * np.pi * u)

    def f(m: np.ndarray) -> np.ndarray:
        return ishigami({"x1": m[:, 0], "x2": m[:, 1], "x3": m[:, 2]})

    fa, fb = f(des.a), f(des.b)
    fab = np.stack([f(des.ab(g)) for g in range(d)])
    ours = _sobol.estimate(fa, fb, fab, bootstrap=0, conf=0.95, seed=0)
    # SALib's layout without second order: per base row, A, AB_1..AB_d, B
    y = np.column_stack([fa, *fab, fb]).ravel()
    problem = {"num_vars": d, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * d}
    theirs = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=50, seed=1)
    np.testing.assert_allclose(ours["first"], theirs["S1"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours["total"], theirs["ST"], rtol=1e-12, atol=1e-14)


def test_additive_linear_model_matches_the_closed_form():
    c, sd = np.array([3.0, -2.0, 1.0, 0.5]), np.array([1.0, 0.5, 2.0, 1.0])
    pri = {f"x{i}": ac.normal(1.0, s) for i, s in enumerate(sd)} | {"fixed": 2.0}
    r = ac.sobol(lambda x: sum(c[i] * x[f"x{i}"] for i in range(4)) + x["fixed"], pri, n=20_000, bootstrap=200, seed=3)
    exact = (c * sd) ** 2 / np.sum((c * sd) ** 2)
    t = r.table(0).loc[[f"x{i}" for i in range(4)]]
    np.testing.assert_allclose(t["S1"], exact, atol=4 * t["S1_conf"].max() / 1.96)
    np.testing.assert_allclose(t["ST"], exact, atol=4 * t["ST_conf"].max() / 1.96)
    assert "fixed" not in r.inputs


def test_correlated_priors_are_one_grouped_input():
    a, b = ac.correlate(ac.normal(0, 1), ac.normal(0, 1), correlation=0.8)
    r = ac.sobol(lambda x: x["a"] + x["b"] + x["c"], {"a": a, "b": b, "c": ac.normal(0, 1)}, n=20_000, seed=2)
    assert r.inputs == ["a + b", "c"]
    # Var(a + b) = 2 + 2 * 0.8 = 3.6, Var(c) = 1
    np.testing.assert_allclose(r.first.loc[0].to_numpy(), [3.6 / 4.6, 1 / 4.6], atol=0.03)


def test_noise_share_is_right_on_a_model_whose_noise_variance_is_known():
    # log price after 12 months = log P0 - ln(D) + 0.4 W(1): normal parameter parts s0^2 + sD^2,
    # noise 0.4^2; for a lognormal Y the noise's total index is 1 - (e^{s_theta^2} - 1) / (e^{s^2} - 1)
    s0, sd, sig = 0.3, 0.2, 0.4
    sc = ac.Scenario("2026-01", "2027-01", seed=2).add(ac.PriceDecline(
        "p", start_price=ac.lognormal(np.log(5.0), s0), annual_decline=ac.lognormal(np.log(4.0), sd), volatility=sig))
    r = ac.sensitivity(sc, "p.price", at="2027-01", n=20_000, bootstrap=100, conf=0.99)
    th, tot = s0**2 + sd**2, s0**2 + sd**2 + sig**2
    expected = 1 - np.expm1(th) / np.expm1(tot)
    t = r.table()
    assert abs(t.loc["process noise", "ST"] - expected) <= t.loc["process noise", "ST_conf"]
    assert abs(r.noise_share.iloc[0] - expected) < 0.05


def test_scenario_sensitivity_over_time_plots_and_errors():
    sc = ac.Scenario("2026-02", "2027-12", seed=1).add(
        ac.PriceDecline("frontier", start_price=5.0, annual_decline=ac.to(3, 30), volatility=ac.to(0.2, 0.6)),
        ac.PriceDecline("other", start_price=1.0, annual_decline=ac.to(2, 5)))
    r = ac.sensitivity(sc, "frontier.price", statistic="median", n=1000, bootstrap=20)
    assert len(r.first) == sc.n_months and "process noise" in r.inputs
    # a model that does not feed the output has no effect at all (same paths in every row)
    assert np.all(r.total["other.annual_decline"].fillna(0) == 0)
    assert r.table().index[0] == "frontier.annual_decline"
    r.plot_tornado()
    r.plot_over_time()
    assert "SobolResult" in repr(r)
    e = ac.sensitivity(sc, "frontier.price", statistic="frontier.price < 1", at="2027-12", n=500, bootstrap=0)
    assert len(e.first) == 1
    with pytest.raises(ValueError, match="statistic"):
        ac.sensitivity(sc, "frontier.price", statistic="mode")
    with pytest.raises(ValueError, match="unknown series"):
        ac.sensitivity(sc, "nope.price")
    with pytest.raises(ValueError, match="at must lie"):
        ac.sensitivity(sc, "frontier.price", at="2035-01")
    with pytest.raises(ValueError, match="bootstrap"):
        ac.sobol(ishigami, PRIORS, bootstrap=-1)


def test_same_design_same_indices_for_any_thread_count():
    sc = ac.Scenario("2026-02", "2026-12", seed=4).add(
        ac.PriceDecline("frontier", start_price=5.0, annual_decline=ac.to(3, 30), volatility=ac.to(0.2, 0.6)))
    a = ac.sensitivity(sc, "frontier.price", n=700, bootstrap=10, threads=1)
    b = ac.sensitivity(sc, "frontier.price", n=700, bootstrap=10, threads=2)
    assert a.first.equals(b.first) and a.total_conf.equals(b.total_conf)


def test_bad_arguments_name_the_field():
    with pytest.raises(ValueError, match="conf"):
        ac.sobol(ishigami, PRIORS, conf=1.5)
    with pytest.raises(ValueError, match="seed"):
        ac.sobol(ishigami, PRIORS, seed=-1)
    with pytest.raises(TypeError, match="func must be callable"):
        ac.sobol("f", PRIORS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one value per row"):
        ac.sobol(lambda x: np.zeros(3), PRIORS, n=10)
    with pytest.raises(ValueError, match="at least one uncertain"):
        ac.sobol(lambda x: x["a"], {"a": 1.0})
    with pytest.raises(TypeError, match="n must be an integer"):
        ac.sobol(ishigami, PRIORS, n=1.5)  # type: ignore[arg-type]


def test_a_correlated_group_in_a_scenario_is_one_input():
    d, v = ac.correlate(ac.to(3, 30), ac.to(0.2, 0.6), correlation=0.7)
    sc = ac.Scenario("2026-02", "2027-06", seed=3).add(
        ac.PriceDecline("frontier", start_price=ac.to(4, 6), annual_decline=d, volatility=v))
    r = ac.sensitivity(sc, "frontier.price", at="2027-06", n=2000, bootstrap=20)
    assert set(r.inputs) == {"frontier.annual_decline + frontier.volatility", "frontier.start_price", "process noise"}
    t = r.table()
    assert t.loc["frontier.annual_decline + frontier.volatility", "ST"] > t.loc["frontier.start_price", "ST"]


def test_engine_design_inputs_are_checked_against_each_prior():
    from aicast import _engine

    sc = ac.Scenario("2026-02", "2026-06", seed=3).add(
        ac.PriceDecline("frontier", start_price=5.0, annual_decline=ac.to(3, 30)))
    core = sc._engine_scenario()
    assert core.inputs == ["frontier.annual_decline"]
    with pytest.raises(ValueError, match="frontier.annual_decline must lie in its prior's support"):
        _engine.run(core, 1, 4, inputs=np.array([[2.0], [-1.0], [3.0], [4.0]]))
    with pytest.raises(ValueError, match="inputs must have shape"):
        _engine.run(core, 1, 4, inputs=np.ones((3, 1)))
    with pytest.raises(ValueError, match="multiple of noise_period"):
        _engine.run(core, 1, 5, noise_period=2, noise_offsets=[0, 0])
    # given values are used as they are, and replicas share their noise: with the same noise, the
    # ratio of two paths is the ratio of their declines alone, (10 / 2)^(-months / 12)
    noisy = ac.Scenario("2026-02", "2026-06", seed=3).add(
        ac.PriceDecline("frontier", start_price=5.0, annual_decline=ac.to(3, 30), volatility=0.5))
    out = _engine.run(noisy._engine_scenario(), 1, 4, keep_paths=True, inputs=np.array([[10.0], [10.0], [2.0], [2.0]]),
                      noise_period=2, noise_offsets=[0, 0])["paths_data"][0]
    np.testing.assert_allclose(out[0] / out[2], 5.0 ** (-np.arange(5) / 12), rtol=1e-12)
    np.testing.assert_allclose(out[1] / out[3], 5.0 ** (-np.arange(5) / 12), rtol=1e-12)
    assert not np.allclose(out[0] / out[1], 1.0)  # different noise paths within a replica
