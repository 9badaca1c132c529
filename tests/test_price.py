"""The price-decline model against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import aicast as ac


def _run(model, months=49, paths=100_000, seed=1, **kw):
    sc = ac.Scenario("2026-01", ac.Scenario("2026-01").start + (months - 1), seed=seed)
    sc.add(model)
    return sc.run(paths=paths, keep_paths=True, progress=False, **kw)


def test_deterministic_path_is_the_closed_form():
    m = ac.PriceDecline("p", start_price=10.0, annual_decline=4.0, floor=0.5, floor_annual_decline=1.5)
    res = _run(m, months=61, paths=7)
    t = np.arange(61) / 12
    expected = 0.5 * 1.5 ** (-t) + 9.5 * 4.0 ** (-t)
    paths = res.paths("p.price")
    np.testing.assert_allclose(paths, np.broadcast_to(expected, paths.shape), rtol=1e-12)
    np.testing.assert_allclose(res.quantiles("p.price", [0.5])[0.5].to_numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("months", [12, 48])
def test_log_price_moments_match_closed_form_with_parameter_uncertainty(months):
    # no floor, no jumps: log P_t = log P0 - t ln D + sigma sqrt(t) Z with D, sigma drawn per path
    decline, vol = ac.to(3, 30), ac.to(0.2, 0.6)
    res = _run(ac.PriceDecline("p", start_price=10.0, annual_decline=decline, volatility=vol), months=months + 1)
    x = np.log(res.paths("p.price")[:, months])
    t = months / 12
    mu_d, s_d = decline.params  # ln D ~ normal(mu_d, s_d)
    mu_v, s_v = vol.params  # ln sigma ~ normal(mu_v, s_v)
    mean = math.log(10.0) - t * mu_d
    var = t**2 * s_d**2 + t * math.exp(2 * mu_v + 2 * s_v**2)
    n = x.size
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)
    # s.e. of the sample variance from the sample's fourth central moment
    m4 = np.mean((x - x.mean()) ** 4)
    assert abs(x.var(ddof=1) - var) < 5 * math.sqrt((m4 - var**2) / n)


def test_gaussian_case_matches_normal_distribution_exactly():
    res = _run(ac.PriceDecline("p", start_price=2.0, annual_decline=10.0, volatility=0.5), months=25)
    x = np.log(res.paths("p.price")[:, 24])
    ref = stats.norm(math.log(2.0) - 2 * math.log(10.0), 0.5 * math.sqrt(2))
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


def test_jumps_match_compound_poisson_moments():
    rate, mu_j, sd_j = 2.0, -0.3, 0.1
    m = ac.PriceDecline("p", start_price=1.0, annual_decline=1.0, jump_rate=rate, jump_log_size=ac.normal(mu_j, sd_j))
    res = _run(m, months=37)
    for months in (12, 36):
        t = months / 12
        x = np.log(res.paths("p.price")[:, months])
        n = x.size
        mean, var = rate * t * mu_j, rate * t * (sd_j**2 + mu_j**2)
        assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)
        m4 = np.mean((x - x.mean()) ** 4)
        assert abs(x.var(ddof=1) - var) < 5 * math.sqrt((m4 - var**2) / n)
        p0 = math.exp(-rate * t)  # no jump at all by t
        assert abs(np.mean(x == 0.0) - p0) < 5 * math.sqrt(p0 * (1 - p0) / n)


def test_jump_rate_prior_and_price_war_lower_the_median():
    base = _run(ac.PriceDecline("p", start_price=5.0, annual_decline=2.0, volatility=0.3), months=25, seed=3)
    war = _run(ac.PriceDecline("p", start_price=5.0, annual_decline=2.0, volatility=0.3,
                               jump_rate=ac.to(0.5, 2), jump_log_size=ac.normal(-0.7, 0.1)), months=25, seed=3)
    assert war.quantiles("p.price", [0.5]).iloc[-1, 0] < 0.5 * base.quantiles("p.price", [0.5]).iloc[-1, 0]


def test_price_never_below_floor_and_floor_above_start_sits_on_floor():
    m = ac.PriceDecline("p", start_price=1.0, annual_decline=100.0, volatility=1.0, floor=ac.uniform(0.5, 1.5))
    res = _run(m, months=13, paths=20_000)
    paths = res.paths("p.price")
    floor0 = paths[:, 0]  # start price, or the floor when the floor is above it
    assert np.all(floor0 >= 1.0 - 1e-15)
    on_floor = floor0 > 1.0
    np.testing.assert_allclose(paths[on_floor, 12], floor0[on_floor], rtol=1e-12)  # floor_annual_decline=1
    assert np.all(paths[~on_floor] > 0.5 - 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start_price": float("nan")}, "start_price must be finite, got nan"),
        ({"start_price": -3.0}, "start_price must be positive, got -3"),
        ({"annual_decline": 0.0}, "annual_decline must be positive, got 0"),
        ({"annual_decline": -2.0}, "annual_decline must be positive, got -2"),
        ({"annual_decline": ac.normal(5, 2)}, r"annual_decline must be positive, but its prior normal\(mu=5, sigma=2\)"),
        ({"volatility": -0.1}, "volatility must be non-negative, got -0.1"),
        ({"jump_rate": -1.0}, "jump_rate must be non-negative"),
        ({"floor": 20.0}, "floor must be below start_price"),
        ({"floor_annual_decline": 0.0}, "floor_annual_decline must be positive"),
    ],
)
def test_bad_parameters_raise_when_the_model_is_built(kwargs, match):
    args = {"start_price": 10.0, "annual_decline": 3.0} | kwargs
    with pytest.raises(ValueError, match=match):
        ac.PriceDecline("p", **args)


def test_model_names_are_validated():
    with pytest.raises(ValueError, match="must not contain"):
        ac.PriceDecline("a.b", start_price=1.0, annual_decline=2.0)
    with pytest.raises(ValueError, match="must not be empty"):
        ac.PriceDecline("", start_price=1.0, annual_decline=2.0)
