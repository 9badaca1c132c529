"""SelfHosting's throughput growth: the same capability served with more tokens per second per GPU
each year (``throughput_annual_growth``). Hand calculations, a NumPy replica on the engine's own
draws, the probability map on the grown capacity, bad input, and the default unchanged bit for bit."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

import aicast as ac
from test_self_hosting import _own, _run  # the same deployment and runner as the fixed-throughput tests

INF = math.inf


def test_capacity_cost_and_break_even_grow_by_hand():
    # API at $2, 4x cheaper a year; throughput 2x a year: capacity 2,628 M tokens a month at the start,
    # 2,628 x 2^(m/12) M in month m
    res = _run(ac.PriceDecline("api", start_price=2.0, annual_decline=4.0),
               _own(throughput_annual_growth=2.0, volume_per_month=5e9))
    col = {s: res.paths(f"own.{s}")[0] for s in
           ("self_host_cost", "api_cost", "savings", "break_even_volume", "capacity", "replica_cost", "staff_cost")}
    assert col["capacity"][0] == 2_628_000_000
    assert col["capacity"][12] == pytest.approx(5_256_000_000, rel=1e-14)
    assert col["capacity"][6] == pytest.approx(2_628_000_000 * math.sqrt(2), rel=1e-14)
    # replica cost does not depend on throughput: 1,666.67 x 1.25^(-t) + 800
    assert col["replica_cost"][12] == pytest.approx(2133.33, abs=0.005)
    # 5 G tokens: 2 replicas at the start (5 / 2.628), 1 after a year (5 / 5.256)
    assert col["self_host_cost"][0] == pytest.approx(14_933.33, abs=0.005)
    assert col["self_host_cost"][12] == pytest.approx(12_133.33, abs=0.005)
    assert col["savings"][12] == pytest.approx(2_500 - 12_133.33, abs=0.005)
    # month 12: a full replica earns 5,256 x 0.5 = 2,628 > 2,133.33 (without growth 1,314 < 2,133.33,
    # never). Margin 494.67; staff 10,000 need ceil(20.22) = 21 replicas: (10,000 + 21 x 2,133.33) x 1e6 / 0.5
    h12 = 60_000 / 36 / 1.25 + 800
    m12 = 5256 * 0.5 - h12
    k12 = math.ceil(10_000 / m12)
    assert k12 == 21
    assert col["break_even_volume"][12] == pytest.approx((10_000 + k12 * h12) * 1e6 / 0.5, rel=1e-12)
    assert col["break_even_volume"][12] == pytest.approx(109_600_000_000.0, rel=1e-12)
    # a replica earns 2,628 x 2 x (2 / 4)^(m/12), falling 2x a year, against 1,666.67 x 1.25^(-m/12) + 800
    for m in range(13):
        earns, costs = 2628 * 2 * 0.5 ** (m / 12), 60_000 / 36 * 1.25 ** (-m / 12) + 800
        assert math.isfinite(col["break_even_volume"][m]) == (earns > costs)
    # with growth of 4x (= the API's decline) a replica earns the same 5,256 every month while its cost falls
    res4 = _run(ac.PriceDecline("api", start_price=2.0, annual_decline=4.0), _own(throughput_annual_growth=4.0))
    np.testing.assert_allclose(res4.paths("own.capacity")[0] * 2.0 * 4.0 ** (-np.arange(13) / 12) / 1e6,
                               5256.0, rtol=1e-13)
    assert np.isfinite(res4.paths("own.break_even_volume")[0]).all()  # a full replica pays in every month


def test_growth_and_its_prior_against_numpy_on_the_same_draws():
    price = ac.PriceDecline("api", start_price=ac.to(0.5, 3.0), annual_decline=ac.to(1.5, 6.0),
                            volatility=0.4, jump_rate=1.0, jump_log_size=ac.normal(-0.5, 0.2))
    growth = ac.to(1.3, 3.0)
    own = ac.SelfHosting(
        "own", api_price=price, volume_per_month=ac.to(2e8, 2e10), gpus=2, gpu_price=ac.to(20_000, 40_000),
        depreciation_months=36, power_per_month=ac.uniform(200, 400), ops_per_month=500,
        staff_per_month=ac.to(5_000, 25_000), tokens_per_second_per_gpu=ac.to(500, 3000),
        utilization=ac.uniform(0.2, 0.9), gpu_price_annual_decline=ac.to(1.1, 1.6), throughput_annual_growth=growth)
    n = 20_000
    res = _run(price, own, horizon="2029-12", paths=n, seed=11)
    p = res.paths("api.price")
    cap, h, staff = res.paths("own.capacity"), res.paths("own.replica_cost"), res.paths("own.staff_cost")
    months = np.arange(p.shape[1])
    # each path's growth from its capacity after a year; capacity(m) = capacity(0) g^(m/12) at every month
    g = cap[:, 12] / cap[:, 0]
    np.testing.assert_allclose(cap, cap[:, :1] * g[:, None] ** (months / 12), rtol=1e-12)
    # the draws follow the prior: lognormal with 90% in (1.3, 3), so log g ~ N(mu, sigma)
    mu, sigma = math.log(math.sqrt(1.3 * 3.0)), math.log(3.0 / 1.3) / (2 * 1.6448536269514722)
    assert abs(np.log(g).mean() - mu) < 4 * sigma / math.sqrt(n)
    assert abs(np.log(g).std() - sigma) < 4 * sigma / math.sqrt(2 * n)
    # cost, savings and break-even: the NumPy formulas with the grown capacity
    v = res.paths("own.api_cost")[:, :1] * 1e6 / p[:, :1]
    replicas = np.maximum(1.0, np.ceil(v / cap))
    self_host = staff + replicas * h
    margin = cap * p / 1e6 - h
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.maximum(1.0, np.ceil(staff / margin))
        be = np.where(margin > 0, (staff + k * h) * 1e6 / p, np.inf)
    np.testing.assert_allclose(res.paths("own.self_host_cost"), self_host, rtol=1e-12)
    np.testing.assert_allclose(res.paths("own.savings"), v * p / 1e6 - self_host, rtol=1e-9, atol=1e-6)
    assert np.array_equal(np.isinf(res.paths("own.break_even_volume")), np.isinf(be))
    np.testing.assert_allclose(res.paths("own.break_even_volume"), be, rtol=1e-12)
    # growth keeps replicas paying: fewer paths never break even by the end than without it
    flat = _run(price, ac.SelfHosting("own", **{**own.links, **{k: v for k, v in own.params.items()
                                                                  if k != "throughput_annual_growth"}}),
                horizon="2029-12", paths=n, seed=11)
    assert np.isinf(be[:, -1]).mean() < np.isinf(flat.paths("own.break_even_volume")[:, -1]).mean() - 0.1


def test_prob_cheaper_uses_the_grown_capacity():
    price = ac.PriceDecline("api", start_price=ac.to(0.5, 3.0), annual_decline=ac.to(1.5, 6.0), volatility=0.3)
    own = _own(api_price=price, volume_per_month=1e9, tokens_per_second_per_gpu=ac.to(500, 3000),
               throughput_annual_growth=ac.to(1.5, 4.0))
    res = _run(price, own, horizon="2028-12", paths=3000, seed=8)
    volumes = [3e9, 2e10, 2e11]
    pmap = own.prob_cheaper(res, volumes)
    for vol in volumes:
        at = ac.SelfHosting("own", api_price=price, volume_per_month=vol,
                            **{k: v for k, v in own.params.items() if k != "volume_per_month"})
        r = _run(price, at, horizon="2028-12", paths=3000, seed=8, events=["own.savings > 0"])
        np.testing.assert_array_equal(pmap[vol].to_numpy(), r.prob_at("own.savings > 0")["p"].to_numpy())
    # the capacity the map read grows: the same volume needs fewer replicas later
    cap = res.paths("own.capacity")
    assert (cap[:, -1] > 1.5 ** 2.9 * cap[:, 0]).mean() > 0.9


@pytest.mark.parametrize(
    ("value", "match"),
    [(0.0, "throughput_annual_growth must be positive, got 0"),
     (-2.0, "throughput_annual_growth must be positive, got -2"),
     (math.inf, "throughput_annual_growth must be finite"),
     (ac.normal(1.5, 1.0), "throughput_annual_growth must be positive, but its prior")],
)
def test_throughput_growth_rejects_bad_input(value, match):
    with pytest.raises(ValueError, match=f"self_hosting 'own': {match}"):
        _own(throughput_annual_growth=value)


def test_scenario_file_key_and_repr():
    sc = ac.Scenario.from_toml(text='''
start = "2026-01"
horizon = "2026-06"
[models.api]
kind = "price_decline"
start_price = 2.0
annual_decline = 4.0
[models.own]
kind = "self_hosting"
api_price = "api"
volume_per_month = 1e9
gpu_price = 30000
tokens_per_second_per_gpu = 1000
utilization = 0.5
throughput_annual_growth = { to = [1.5, 4.0] }
''')
    own = sc["own"]
    assert repr(own.params["throughput_annual_growth"]) == repr(ac.to(1.5, 4.0))
    assert "throughput_annual_growth=" in repr(own)
    back = ac.Scenario.from_toml(text=sc.to_toml())
    assert repr(back["own"].params["throughput_annual_growth"]) == repr(ac.to(1.5, 4.0))


def test_default_is_bit_for_bit_the_engine_without_throughput_growth():
    # SHA-256 of every SelfHosting series of this run, computed with the engine before
    # throughput_annual_growth existed (commit 408846e); the default (1) must give the same bits
    price = ac.PriceDecline("api", start_price=ac.to(0.5, 3.0), annual_decline=ac.to(1.5, 6.0),
                            volatility=0.4, jump_rate=1.0, jump_log_size=ac.normal(-0.5, 0.2))
    use = ac.TokenDemand("use", price=price, base_tokens_per_month=ac.to(1e9, 1e11),
                         price_elasticity=ac.uniform(0.2, 0.8))
    own = ac.SelfHosting("own", api_price=price, volume_per_month=use, gpus=2, gpu_price=ac.to(20_000, 40_000),
                         depreciation_months=36, power_per_month=ac.uniform(200, 400), ops_per_month=500,
                         staff_per_month=ac.to(5_000, 25_000), tokens_per_second_per_gpu=ac.to(500, 3000),
                         utilization=ac.uniform(0.2, 0.9), gpu_price_annual_decline=ac.to(1.1, 1.6))
    assert own.params["throughput_annual_growth"].is_point
    res = ac.Scenario(start="2026-01", horizon="2028-12", seed=17).add(price, use, own).run(
        paths=500, progress=False, keep_paths=True)
    digest = hashlib.sha256()
    for s in own.series:
        digest.update(np.ascontiguousarray(res.paths(s)).tobytes())
    assert digest.hexdigest() == "6708d65e8e91e2eef2582461acb44131449395c623a50c022095de11e6c163b3"
    cap = res.paths("own.capacity")
    assert (cap == cap[:, :1]).all()  # fixed throughput: the same capacity every month
