"""PriceDecline(running_minimum=True): the series is the cheapest offer so far of a latent price.

The engine's running minimum is checked against an independent NumPy running minimum of the
same model's latent paths (same seed: the option changes no random number), against the
reflection-principle law of the minimum of a Brownian motion with drift, path by path for
monotonicity, and for its quantiles never rising above the start. The exact likelihood of the
running minimum (aicast.fit._running_min) is checked on simulated running minima.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import aicast as ac
from aicast.fit import _running_min as rm

PATHS = 20_000


def _paths(threads: int | None = None, **kw: object) -> np.ndarray:
    sc = ac.Scenario(start="2026-07", horizon="2028-12", seed=11)
    sc.add(ac.PriceDecline("p", **kw))  # type: ignore[arg-type]
    return sc.run(paths=PATHS, keep_paths=True, progress=False, threads=threads).paths("p.price")


PARAMS = dict(start_price=8.0, annual_decline=ac.to(3, 30), volatility=ac.to(1.0, 2.5), jump_rate=1.0,
              jump_log_size=ac.normal(-0.5, 0.3), floor=ac.to(0.1, 0.5), floor_annual_decline=ac.to(1.3, 2.5))


def test_running_minimum_is_the_numpy_running_minimum_of_the_same_latent_paths():
    latent = _paths(**PARAMS)
    run = _paths(**PARAMS, running_minimum=True)
    np.testing.assert_array_equal(run, np.minimum.accumulate(latent, axis=1))
    assert np.all(np.diff(run, axis=1) <= 0)  # every path is non-increasing
    assert np.all(run[:, 0] == 8.0)


def test_same_numbers_for_any_thread_count():
    a = _paths(threads=1, **PARAMS, running_minimum=True)
    b = _paths(threads=2, **PARAMS, running_minimum=True)
    np.testing.assert_array_equal(a, b)


def test_no_quantile_above_the_start_where_the_free_walk_rises_above_it():
    sc = ac.Scenario(start="2026-07", horizon="2028-12", seed=3)
    sc.add(ac.PriceDecline("free", start_price=8.0, annual_decline=ac.to(3, 30), volatility=2.0))
    sc.add(ac.PriceDecline("run", start_price=8.0, annual_decline=ac.to(3, 30), volatility=2.0, running_minimum=True))
    res = sc.run(paths=PATHS, progress=False)
    q_run, q_free = res.quantiles("run.price"), res.quantiles("free.price")
    assert (q_run.to_numpy() <= 8.0).all()
    assert (q_free[0.95].iloc[1:7] > 8.0).all()  # the free walk's upper band rises in the first months


def test_minimum_law_of_brownian_motion_with_drift():
    """Month 12 of a walk with drift mu and volatility v (per year) is a Brownian motion at t = 1
    observed monthly; its running minimum m obeys, by the reflection principle (continuous
    monitoring), P(min_{s<=t} W_s <= a) = Phi((a - mu t)/(v sqrt t)) + exp(2 mu a / v^2) Phi((a + mu t)/(v sqrt t)).
    Monthly monitoring sees a minimum above the continuous one: the engine's CDF must lie below the
    formula and above the CDF of the month-12 value alone, and match a NumPy monthly simulation."""
    mu, v = -math.log(4.0), 1.5
    paths = _paths(start_price=1.0, annual_decline=4.0, volatility=v, running_minimum=True)
    m = np.log(paths[:, 12])
    rng = np.random.default_rng(2)
    walk = np.cumsum(mu / 12 + v / math.sqrt(12) * rng.standard_normal((PATHS, 12)), axis=1)
    ref = np.minimum(walk.min(axis=1), 0.0)
    se = 3.0 * math.sqrt(0.25 / PATHS) * math.sqrt(2)
    for a in (-3.0, -2.0, -1.5, -1.0, -0.5):
        cont = stats.norm.cdf((a - mu) / v) + math.exp(2 * mu * a / v**2) * stats.norm.cdf((a + mu) / v)
        end_only = stats.norm.cdf((a - mu) / v)
        got = float(np.mean(m <= a))
        assert got == pytest.approx(float(np.mean(ref <= a)), abs=se)
        assert end_only - se < got < cont + se
    assert (m <= 0).all()


def test_latent_premium_starts_the_latent_price_above_the_start():
    base = dict(start_price=5.0, annual_decline=10.0, volatility=1.0)
    plain = _paths(**base, running_minimum=True)
    prem = _paths(**base, running_minimum=True, latent_premium=1.0)
    assert np.all(prem[:, 0] == 5.0)
    assert np.all(prem >= plain)  # the same normals, a latent price e times higher
    # the latent path with the premium is e times the plain latent path; its running minimum capped at 5
    latent = _paths(start_price=5.0 * math.e, annual_decline=10.0, volatility=1.0)
    np.testing.assert_allclose(prem, np.minimum(np.minimum.accumulate(latent, axis=1), 5.0), rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(running_minimum="yes"), "running_minimum must be true or false"),
        (dict(latent_premium=0.5), "latent_premium needs running_minimum"),
        (dict(running_minimum=True, latent_premium=-0.1), "latent_premium"),
    ],
)
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ac.PriceDecline("p", start_price=5.0, annual_decline=3.0, **kwargs)


def test_repr_and_scenario_file_keep_the_option():
    m = ac.PriceDecline("p", start_price=5.0, annual_decline=3.0, running_minimum=True)
    assert "running_minimum=True" in repr(m) and "running_minimum" in m._repr_html_()
    assert "running_minimum" not in repr(ac.PriceDecline("q", start_price=5.0, annual_decline=3.0))
    sc = ac.Scenario(start="2026-07", horizon="2027-12", seed=1)
    sc.add(m)
    text = sc.to_toml()
    assert "running_minimum = true" in text
    back = ac.Scenario.from_toml(text=text)
    assert back.models[0].running_minimum is True


def test_exact_likelihood_recovers_the_volatility_of_simulated_running_minima():
    rng = np.random.default_rng(4)
    est = []
    for _ in range(8):
        frontiers = []
        for _k in range(15):
            months = int(rng.integers(18, 48))
            x = np.concatenate([[0.0], np.cumsum(-2.5 / 12 + 1.5 / math.sqrt(12) * rng.standard_normal(months))])
            best, last, segs = np.inf, None, []
            for mth, val in enumerate(x):
                if val < best:
                    if last is not None:
                        segs.append((mth - last[0], val - last[1]))
                    best, last = val, (mth, val)
            frontiers.append((segs, months - last[0]))
        est.append(rm.latent_volatility(frontiers)[0])
    # 8 fits of ~15 frontiers each: the mean within 10% of the truth (the MLE's small-sample bias is a few %)
    assert np.mean(est) == pytest.approx(1.5, rel=0.10)


def _loop_statistic(sigma: float, mu: float, months: int, n: int, rng: np.random.Generator) -> float:
    """The consecutive-frontier-point statistic of simulated running minima, one path at a time."""
    dsq = gap = 0.0
    for _ in range(n):
        x = np.concatenate([[0.0], np.cumsum(mu / 12 + sigma / math.sqrt(12) * rng.standard_normal(months))])
        t, y, best = [], [], np.inf
        for m, v in enumerate(x):
            if v < best:
                best = v
                t.append(m / 12)
                y.append(v)
        if len(t) < 3:
            continue
        b, a = np.polyfit(t, y, 1)
        e = np.asarray(y) - (a + b * np.asarray(t))
        dsq += float(np.diff(e) @ np.diff(e))
        gap += t[-1] - t[0]
    return math.sqrt(dsq / gap)


def test_frontier_point_statistic_is_below_the_latent_volatility_and_the_correction_inverts_it():
    """The statistic the fits feed the engine (level_volatility) is computed on the months that set a
    new low, so under the running-minimum model it is below the latent volatility; the vectorized
    simulation agrees with a path-by-path one, and corrected_volatility inverts it."""
    stat = rm.record_statistic(np.array([1.93]), [36] * 15, [-3.6] * 15)[0]
    loop = _loop_statistic(1.93, -3.6, 36, 3000, np.random.default_rng(9))
    assert stat == pytest.approx(loop, rel=0.04)
    assert stat < 0.9 * 1.93
    assert rm.corrected_volatility(stat, [36] * 15, [-3.6] * 15) == pytest.approx(1.93, rel=0.02)
    assert rm.corrected_volatility(0.0, [36], [-3.6]) == 0.0
