"""Self-hosting vs API cost and token demand (Jevons): hand calculations, NumPy references on
the engine's own draws, the break-even staircase, the probability map and every error path."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aicast as ac
from aicast import data
from aicast.models import self_hosting as sh_module
from aicast.models import model_class

INF = math.inf
HOURS = 365 * 24 / 12  # 730 hours in a mean month


def _own(**kw):
    """Two A100s bought at $30k each over 36 months, $300 power and $500 maintenance a month."""
    args = {
        "api_price": "api",
        "volume_per_month": 100e6,
        "gpus": 2,
        "gpu_price": 30_000,
        "depreciation_months": 36,
        "power_per_month": 300,
        "ops_per_month": 500,
        "staff_per_month": 10_000,
        "tokens_per_second_per_gpu": 1000,
        "utilization": 0.5,
        "gpu_price_annual_decline": 1.25,
    }
    args.update(kw)
    return ac.SelfHosting("own", **args)


def _run(*models, start="2026-01", horizon="2027-01", paths=4, seed=3, **kw):
    sc = ac.Scenario(start=start, horizon=horizon, seed=seed)
    sc.add(*models)
    return sc.run(paths=paths, progress=False, keep_paths=True, **kw)


# --- hand calculations, all inputs fixed -------------------------------------------------------
def test_costs_and_break_even_equal_a_hand_calculation_to_the_cent():
    # API at $2 per million tokens, 4x cheaper per year: $1 after 6 months, $0.5 after 12
    res = _run(ac.PriceDecline("api", start_price=2.0, annual_decline=4.0), _own())
    col = {s: res.paths(f"own.{s}")[0] for s in
           ("self_host_cost", "api_cost", "savings", "break_even_volume", "capacity", "replica_cost", "staff_cost")}
    # capacity: 2 GPUs x 1000 tokens/s x 50% x 730 h x 3600 s = 2,628,000,000 tokens a month
    assert col["capacity"][0] == 2_628_000_000
    # month 0: 60,000 / 36 = 1,666.67 of depreciation + 300 + 500 = 2,466.67 per replica
    assert col["replica_cost"][0] == pytest.approx(2466.67, abs=0.005)
    assert col["staff_cost"][0] == 10_000
    assert col["self_host_cost"][0] == pytest.approx(12_466.67, abs=0.005)
    assert col["api_cost"][0] == pytest.approx(200.00, abs=0.005)  # 100 M tokens x $2 / 1 M
    assert col["savings"][0] == pytest.approx(-12_266.67, abs=0.005)
    # one full replica saves 2,628 x 2 - 2,466.67 = 2,789.33 a month before staff; staff of
    # 10,000 need ceil(10,000 / 2,789.33) = 4 replicas: (10,000 + 4 x 2,466.67) x 1e6 / 2
    assert col["break_even_volume"][0] == pytest.approx(9_933_333_333.33, abs=0.005)
    # month 6: GPUs 1.25^0.5 = 1.118034 cheaper, API at $1
    rep6 = 60_000 / 36 / math.sqrt(1.25) + 800  # 2,290.7120
    assert col["replica_cost"][6] == pytest.approx(2290.71, abs=0.005)
    assert col["replica_cost"][6] == pytest.approx(rep6, abs=0.005)
    assert col["api_cost"][6] == pytest.approx(100.00, abs=0.005)
    k6 = math.ceil(10_000 / (2628 - rep6))  # ceil(29.65) = 30 replicas
    assert k6 == 30
    assert col["break_even_volume"][6] == pytest.approx((10_000 + 30 * rep6) * 1e6, abs=0.005)
    # month 12: a full replica earns 2,628 x 0.5 = 1,314 < 1,333.33 + 800: never breaks even
    assert col["replica_cost"][12] == pytest.approx(2133.33, abs=0.005)
    assert col["api_cost"][12] == pytest.approx(50.00, abs=0.005)
    assert col["break_even_volume"][12] == INF
    # month 7: a full replica earns 2,628 x 2 x 4^(-7/12) = 2,341.3 > 1,666.67 x 1.25^(-7/12) + 800
    # = 2,263.4; month 8: 2,085.9 < 2,236.4, and from then on the API falls faster than the GPUs
    for m in range(13):
        earns, costs = 2628 * 2 * 4 ** (-m / 12), 60_000 / 36 * 1.25 ** (-m / 12) + 800
        assert (earns > costs) == (m <= 7)
        assert math.isfinite(col["break_even_volume"][m]) == (m <= 7)


def test_one_replica_break_even_is_cost_over_price():
    # no staff: V* = 2,466.67 x 1e6 / 2 = 1,233,333,333.33 tokens a month (below capacity)
    res = _run(ac.PriceDecline("api", start_price=2.0, annual_decline=1.0), _own(staff_per_month=0))
    be = res.paths("own.break_even_volume")[0]
    assert be[0] == pytest.approx(1_233_333_333.33, abs=0.005)
    assert be[0] == pytest.approx((60_000 / 36 + 800) * 1e6 / 2.0, abs=0.005)


def test_volume_above_capacity_adds_replicas():
    # 5 G tokens need ceil(5 / 2.628) = 2 replicas: 10,000 + 2 x 2,466.67 = 14,933.33
    res = _run(ac.PriceDecline("api", start_price=2.0, annual_decline=1.0), _own(volume_per_month=5e9))
    assert res.paths("own.self_host_cost")[0, 0] == pytest.approx(14_933.33, abs=0.005)
    assert res.paths("own.api_cost")[0, 0] == pytest.approx(10_000.00, abs=0.005)
    assert res.paths("own.savings")[0, 0] == pytest.approx(-4_933.33, abs=0.005)


def test_renting_gpus_by_the_hour():
    # 8 rented GPUs at $2.50 an hour around the clock: 8 x 2.5 x 730 = 14,600 a month
    res = _run(
        ac.PriceDecline("api", start_price=3.0, annual_decline=1.0),
        _own(gpus=8, gpu_price=0, gpu_hour_price=2.5, power_per_month=0, ops_per_month=0, staff_per_month=0,
             gpu_price_annual_decline=1.0, tokens_per_second_per_gpu=2000, utilization=0.4),
    )
    assert res.paths("own.replica_cost")[0, 0] == pytest.approx(14_600.00, abs=0.005)
    assert 8 * 2.5 * HOURS == 14_600
    # capacity 8 x 2000 x 0.4 x 2,628,000 = 16,819,200,000; V* = 14,600 x 1e6 / 3
    assert res.paths("own.capacity")[0, 0] == 16_819_200_000
    assert res.paths("own.break_even_volume")[0, 0] == pytest.approx(4_866_666_666.67, abs=0.005)


def test_savings_sign_flips_at_the_break_even_volume():
    price = ac.PriceDecline("api", start_price=1.5, annual_decline=1.0)
    be = _run(price, _own()).paths("own.break_even_volume")[0, 0]
    assert math.isfinite(be)
    below = _run(price, _own(volume_per_month=be * (1 - 1e-9))).paths("own.savings")[0, 0]
    above = _run(price, _own(volume_per_month=be * (1 + 1e-9))).paths("own.savings")[0, 0]
    assert below < 0 < above
    # and no smaller volume on the staircase is cheaper: scan every replica count below it
    res = _run(price, _own()).paths
    cap, h, s, p = res("own.capacity")[0, 0], res("own.replica_cost")[0, 0], res("own.staff_cost")[0, 0], 1.5
    grid = np.linspace(0, be, 200_001)[:-1]
    reps = np.maximum(1, np.ceil(grid / cap))
    assert np.all(grid * p / 1e6 < s + reps * h)


# --- with priors: the engine against NumPy on the same draws ------------------------------------
def _uncertain():
    price = ac.PriceDecline("api", start_price=ac.to(0.5, 3.0), annual_decline=ac.to(1.5, 6.0),
                            volatility=0.4, jump_rate=1.0, jump_log_size=ac.normal(-0.5, 0.2))
    own = ac.SelfHosting(
        "own", api_price=price, volume_per_month=ac.to(2e8, 2e10), gpus=2, gpu_price=ac.to(20_000, 40_000),
        depreciation_months=36, power_per_month=ac.uniform(200, 400), ops_per_month=500,
        staff_per_month=ac.to(5_000, 25_000), tokens_per_second_per_gpu=ac.to(500, 3000),
        utilization=ac.uniform(0.2, 0.9), gpu_price_annual_decline=ac.to(1.1, 1.6),
    )
    return price, own


def test_distribution_matches_numpy_on_the_same_draws():
    price, own = _uncertain()
    res = _run(price, own, horizon="2029-12", paths=20_000, seed=11)
    p = res.paths("api.price")
    cap, h, staff = res.paths("own.capacity"), res.paths("own.replica_cost"), res.paths("own.staff_cost")
    v = res.paths("own.api_cost")[:, :1] * 1e6 / p[:, :1]  # the volume drawn by each path
    # NumPy reference of the formulas, on the engine's price paths and parameter draws
    replicas = np.maximum(1.0, np.ceil(v / cap))
    self_host = staff + replicas * h
    api = v * p / 1e6
    margin = cap * p / 1e6 - h
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.maximum(1.0, np.ceil(staff / margin))
        be = np.where(margin > 0, (staff + k * h) * 1e6 / p, np.inf)
    np.testing.assert_allclose(res.paths("own.self_host_cost"), self_host, rtol=1e-12)
    np.testing.assert_allclose(res.paths("own.api_cost"), api, rtol=1e-12)
    np.testing.assert_allclose(res.paths("own.savings"), api - self_host, rtol=1e-9, atol=1e-6)
    assert np.array_equal(np.isinf(res.paths("own.break_even_volume")), np.isinf(be))
    np.testing.assert_allclose(res.paths("own.break_even_volume"), be, rtol=1e-12)
    # both outcomes occur, so the test exercises both branches
    assert 0.05 < np.isinf(be).mean() < 0.95
    # quantiles reported by the engine are those of the NumPy values (inf included)
    q = res.quantiles("own.break_even_volume", (0.1, 0.5, 0.9))
    with np.errstate(invalid="ignore"):
        ref = np.quantile(be, [0.1, 0.5, 0.9], axis=0).T
    # between two infinite order statistics NumPy's interpolation gives inf - inf = NaN; the
    # engine returns the common value, +inf
    assert np.isinf(np.sort(be, axis=0)[int(0.9 * (len(be) - 1)), np.isnan(ref[:, 2])]).all()
    ref = np.where(np.isnan(ref), np.inf, ref)
    np.testing.assert_allclose(q.to_numpy(), ref, rtol=1e-12)
    assert not np.isnan(q.to_numpy()).any()


def test_parameter_draws_follow_their_priors():
    # capacity and replica cost against an independent NumPy Monte Carlo of the same priors
    price, own = _uncertain()
    n = 20_000
    res = _run(price, own, horizon="2026-01", paths=n, seed=5)
    rng_seed = 99
    tps = ac.to(500, 3000).sample(n, seed=rng_seed)
    util = ac.uniform(0.2, 0.9).sample(n, seed=rng_seed + 1)
    gpu = ac.to(20_000, 40_000).sample(n, seed=rng_seed + 2)
    power = ac.uniform(200, 400).sample(n, seed=rng_seed + 3)
    ref = {"capacity": 2 * tps * util * HOURS * 3600, "replica_cost": 2 * gpu / 36 + power + 500}
    for series, x in ref.items():
        y = res.paths(f"own.{series}")[:, 0]
        # two-sample Kolmogorov-Smirnov distance, 99.9% critical value 1.95 sqrt(2 / n)
        grid = np.sort(np.concatenate([x, y]))
        d = np.max(np.abs(np.searchsorted(np.sort(x), grid, "right") - np.searchsorted(np.sort(y), grid, "right")))
        assert d / n < 1.95 * math.sqrt(2 / n), series


def test_infinite_break_even_gives_infinite_summaries_never_nan():
    res = _run(ac.PriceDecline("api", start_price=0.1, annual_decline=2.0, volatility=0.3), _own(), paths=500)
    assert np.isinf(res.paths("own.break_even_volume")).all()
    assert np.isinf(res.mean("own.break_even_volume")).all()
    assert np.isinf(res.std("own.break_even_volume")).all()
    assert np.isinf(res.quantiles("own.break_even_volume").to_numpy()).all()
    assert float(res.prob("own.break_even_volume < 1e15", by="2027-01")) == 0.0
    for s in res.series:
        assert not np.isnan(res.mean(s)).any() and not np.isnan(res.std(s)).any(), s


def test_same_numbers_for_any_thread_count_and_chunk_size():
    price, own = _uncertain()
    sc = ac.Scenario(start="2026-01", horizon="2027-06", seed=4).add(price, own)
    a = sc.run(paths=3000, threads=1, chunk_size=1000, progress=False)
    b = sc.run(paths=3000, threads=2, chunk_size=77, progress=False)
    for s in a.series:
        np.testing.assert_array_equal(a.quantiles(s).to_numpy(), b.quantiles(s).to_numpy())


# --- probability map ----------------------------------------------------------------------------
def test_prob_cheaper_equals_the_engine_at_each_volume():
    price, own = _uncertain()
    res = _run(price, own, horizon="2028-12", paths=5000, seed=8)
    volumes = [1e8, 3e9, 2e10]
    pmap = own.prob_cheaper(res, volumes)
    cum = own.prob_cheaper(res, volumes, cumulative=True)
    assert pmap.shape == (len(res.months), 3)
    assert ((pmap >= 0) & (pmap <= 1)).all().all()
    assert (cum.to_numpy() >= pmap.to_numpy()).all()
    assert (np.diff(cum.to_numpy(), axis=0) >= 0).all()
    for vol in volumes:
        # the same model at a fixed volume: same stream ids, so the same draws of every other prior
        kw = {k: v for k, v in own.params.items() if k != "volume_per_month"}
        at = ac.SelfHosting("own", api_price=price, volume_per_month=vol, **kw)
        r = _run(price, at, horizon="2028-12", paths=5000, seed=8, events=["own.savings > 0"])
        np.testing.assert_array_equal(pmap[vol].to_numpy(), r.prob_at("own.savings > 0")["p"].to_numpy())
        np.testing.assert_array_equal(cum[vol].to_numpy(), r.prob("own.savings > 0")["p"].to_numpy())
    # more volume spreads the fixed costs: the big volume is likelier to be cheaper than the small
    assert (pmap[2e10] >= pmap[1e8]).all() and pmap[2e10].iloc[0] > pmap[1e8].iloc[0] + 0.1


def test_prob_cheaper_errors():
    price, own = _uncertain()
    sc = ac.Scenario(start="2026-01", horizon="2026-06", seed=1).add(price, own)
    res = sc.run(paths=100, progress=False)
    with pytest.raises(ValueError, match="keep_paths=True"):
        own.prob_cheaper(res, [1e9])
    kept = sc.run(paths=100, progress=False, keep_paths=True)
    with pytest.raises(ValueError, match="finite and >= 0"):
        own.prob_cheaper(kept, [-1.0])
    with pytest.raises(ValueError, match="finite and >= 0"):
        own.prob_cheaper(kept, [np.inf])
    with pytest.raises(ValueError, match="non-empty"):
        own.prob_cheaper(kept, [])
    other = ac.SelfHosting("other", api_price="api", volume_per_month=1e9, gpu_price=1, tokens_per_second_per_gpu=1,
                           utilization=1)
    with pytest.raises(ValueError, match="no model named 'other'"):
        other.prob_cheaper(kept, [1e9])


# --- token demand -------------------------------------------------------------------------------
def _demand_run(eps, growth=1.0, **kw):
    price = ac.PriceDecline("api", start_price=ac.to(1, 10), annual_decline=ac.to(2, 20), volatility=0.5,
                            jump_rate=2.0, jump_log_size=ac.normal(-0.3, 0.3))
    use = ac.TokenDemand("use", price="api", base_tokens_per_month=ac.to(1e8, 1e10), price_elasticity=eps,
                         annual_growth=growth, **kw)
    return _run(price, use, horizon="2030-12", paths=2000, seed=21)


def test_unit_elasticity_keeps_spend_constant_when_only_price_moves():
    res = _demand_run(1.0)
    spend = res.paths("use.spend")
    np.testing.assert_allclose(spend, spend[:, :1] * np.ones_like(spend), rtol=1e-12)
    p = res.paths("api.price")
    assert (p[:, -1] < p[:, 0]).mean() > 0.9  # prices did move (mostly down)


def test_elasticity_above_one_raises_spend_when_prices_fall():
    res = _demand_run(1.6)
    p, q, spend = res.paths("api.price"), res.paths("use.tokens"), res.paths("use.spend")
    fell = p[:, -1] < p[:, 0]
    assert (spend[fell, -1] > spend[fell, 0]).all()
    assert (spend[~fell, -1] <= spend[~fell, 0]).all()
    # NumPy reference on the same price paths: Q = Q0 (P / P0)^-eps, spend = P Q / 1e6
    np.testing.assert_allclose(q, q[:, :1] * (p / p[:, :1]) ** -1.6, rtol=1e-11)
    np.testing.assert_allclose(spend, p * q / 1e6, rtol=1e-14)
    # inelastic demand: falling prices lower spend
    low = _demand_run(0.5)
    fell = low.paths("api.price")[:, -1] < low.paths("api.price")[:, 0]
    assert (low.paths("use.spend")[fell, -1] < low.paths("use.spend")[fell, 0]).all()


def test_demand_growth_and_reference_price_by_hand():
    # flat price 2.0; reference price 4.0 (price is half of it): Q = 1e9 x 2^1.5 x 1.3^t
    res = _run(ac.PriceDecline("api", start_price=2.0, annual_decline=1.0),
               ac.TokenDemand("use", price="api", base_tokens_per_month=1e9, price_elasticity=1.5,
                              annual_growth=1.3, reference_price=4.0), horizon="2028-01")
    q, spend = res.paths("use.tokens")[0], res.paths("use.spend")[0]
    assert q[0] == pytest.approx(2_828_427_124.746, rel=1e-12)  # 1e9 x 2^1.5
    assert q[12] == pytest.approx(2_828_427_124.746 * 1.3, rel=1e-12)
    assert q[24] == pytest.approx(2_828_427_124.746 * 1.69, rel=1e-12)
    assert spend[24] == pytest.approx(2.0 * 2_828_427_124.746 * 1.69 / 1e6, rel=1e-12)  # 9,560.08 USD
    assert spend[24] == pytest.approx(9560.08, abs=0.005)


def test_demand_with_uncertain_elasticity_and_growth_matches_numpy():
    res = _demand_run(ac.uniform(0.5, 2.0), growth=ac.to(1.1, 2.0))
    p, q = res.paths("api.price"), res.paths("use.tokens")
    months = np.arange(p.shape[1])
    # log(Q_m / Q_0) = -eps log(P_m / P_0) + ln(g) m / 12: months 1 and 2 give each path's eps and g
    x = np.log(p / p[:, :1])
    y1, y2 = np.log(q[:, 1] / q[:, 0]), np.log(q[:, 2] / q[:, 0])
    eps = -(2 * y1 - y2) / (2 * x[:, 1] - x[:, 2])
    month_log_g = y1 + eps * x[:, 1]
    assert (eps > 0.5 - 1e-6).all() and (eps < 2.0 + 1e-6).all()
    # NumPy reference at every month from those draws
    ref = q[:, :1] * np.exp(-eps[:, None] * x + month_log_g[:, None] * months)
    np.testing.assert_allclose(q, ref, rtol=1e-7)
    # the draws follow their priors: eps uniform on (0.5, 2), mean 1.25 within 4 standard errors
    assert abs(eps.mean() - 1.25) < 4 * (1.5 / math.sqrt(12)) / math.sqrt(len(eps))
    g = np.exp(12 * month_log_g)
    assert abs(np.median(g) - math.sqrt(1.1 * 2.0)) < 0.05  # lognormal 90% in (1.1, 2): median sqrt(2.2)


def test_zero_price_is_an_error_for_demand():
    # a price that underflows to 0 cannot drive a constant-elasticity demand
    sc = ac.Scenario(start="2026-01", horizon="2027-01", seed=1)
    sc.add(ac.PriceDecline("api", start_price=1e-300, annual_decline=1e30),
           ac.TokenDemand("use", price="api", base_tokens_per_month=1e9, price_elasticity=1.0))
    with pytest.raises(ValueError, match=r"token_demand 'use': linked price api.price must be finite and positive, got 0"):
        sc.run(paths=10, progress=False)


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("utilization", 0.0, r"utilization must be in \(0, 1\], got 0"),
        ("utilization", 1.2, r"utilization must be in \(0, 1\], got 1.2"),
        ("utilization", ac.uniform(0.5, 1.5), r"utilization must be in \(0, 1\], but its prior"),
        ("tokens_per_second_per_gpu", 0.0, "tokens_per_second_per_gpu must be positive, got 0"),
        ("gpu_price", -1.0, "gpu_price must be non-negative, got -1"),
        ("gpu_hour_price", -2.0, "gpu_hour_price must be non-negative, got -2"),
        ("power_per_month", -300.0, "power_per_month must be non-negative, got -300"),
        ("ops_per_month", ac.normal(500, 100), "ops_per_month must be non-negative, but its prior"),
        ("staff_per_month", -1.0, "staff_per_month must be non-negative"),
        ("depreciation_months", 0.0, "depreciation_months must be positive, got 0"),
        ("depreciation_months", -36.0, "depreciation_months must be positive, got -36"),
        ("gpus", 0.0, "gpus must be positive, got 0"),
        ("volume_per_month", -1.0, "volume_per_month must be non-negative, got -1"),
        ("gpu_price_annual_decline", 0.0, "gpu_price_annual_decline must be positive, got 0"),
    ],
)
def test_self_hosting_rejects_bad_input(field, value, match):
    with pytest.raises(ValueError, match=f"self_hosting 'own': {match}"):
        _own(**{field: value})


def test_self_hosting_needs_some_gpu_price():
    with pytest.raises(ValueError, match="give gpu_price .* or gpu_hour_price .*both are 0"):
        _own(gpu_price=0.0, gpu_hour_price=0.0)


def test_links_to_missing_price_models_are_errors():
    sc = ac.Scenario(start="2026-01", horizon="2026-12").add(
        ac.PriceDecline("api", start_price=1.0, annual_decline=2.0), _own(api_price="nope"))
    with pytest.raises(ValueError, match=r"self_hosting 'own' links to 'nope.price', which is not a series"):
        sc.run(paths=10, progress=False)
    sc = ac.Scenario(start="2026-01", horizon="2026-12").add(
        ac.TokenDemand("use", price="frontier", base_tokens_per_month=1e9, price_elasticity=1.2))
    with pytest.raises(ValueError, match=r"token_demand 'use' links to 'frontier.price', which is not a series"):
        sc.run(paths=10, progress=False)
    with pytest.raises(TypeError, match="api_price must be the name of a price model"):
        _own(api_price=None)  # a number is a constant API price (tests/test_errors.py)
    with pytest.raises(TypeError, match="price must be a price model"):
        ac.TokenDemand("use", price=_own(), base_tokens_per_month=1e9, price_elasticity=1.0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"base_tokens_per_month": -1.0}, "base_tokens_per_month must be non-negative, got -1"),
        ({"annual_growth": 0.0}, "annual_growth must be positive, got 0"),
        ({"reference_price": 0.0}, "reference_price must be positive, got 0"),
        ({"reference_price": -1.0}, "reference_price must be positive, got -1"),
        ({"price_elasticity": math.nan}, "price_elasticity"),
    ],
)
def test_token_demand_rejects_bad_input(kw, match):
    args = {"price": "api", "base_tokens_per_month": 1e9, "price_elasticity": 1.2}
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        ac.TokenDemand("use", **args)


def test_series_names_and_links():
    own = _own()
    assert own.series == [f"own.{s}" for s in ("self_host_cost", "api_cost", "savings", "break_even_volume",
                                               "capacity", "replica_cost", "staff_cost")]
    assert own.inputs == ["api.price"] and own.api_price == "api.price"
    price = ac.PriceDecline("frontier", start_price=1.0, annual_decline=2.0)
    use = ac.TokenDemand("use", price=price, base_tokens_per_month=1e9, price_elasticity=1.2)
    assert use.series == ["use.tokens", "use.spend"] and use.price == "frontier.price"
    assert model_class("self_hosting") is ac.SelfHosting and model_class("token_demand") is ac.TokenDemand


# --- current API prices -------------------------------------------------------------------------
def test_api_price_lookup():
    assert data.api_price("gpt-4o-mini", side="input") == 0.15
    assert data.api_price("gpt-4o-mini", side="output") == 0.6
    assert data.api_price("gpt-4o-mini") == pytest.approx((3 * 0.15 + 0.6) / 4)
    assert data.api_price("GPT-4O-MINI") == data.api_price("gpt-4o-mini")
    df = data.api_prices()
    dup = df[df["model"].duplicated(keep=False)].iloc[0]
    with pytest.raises(ValueError, match="listed by several providers"):
        data.api_price(dup["model"])
    chosen = data.api_price(dup["model"], provider=dup["provider"])
    assert chosen == float(dup["blended_per_mtok"])
    with pytest.raises(ValueError, match="is not listed by provider 'nobody'"):
        data.api_price(dup["model"], provider="nobody")
    with pytest.raises(ValueError, match="did you mean 'gpt-4o-mini'"):
        data.api_price("gpt-4o-minj")
    with pytest.raises(ValueError, match="side must be one of"):
        data.api_price("gpt-4o-mini", side="cached")
    with pytest.raises(ValueError, match="Unknown api_prices snapshot"):
        data.api_price("gpt-4o-mini", snapshot="1999-01")
    # older snapshot: a different (pre-cut) price list
    assert data.api_price("gpt-4o-mini", snapshot="2025-02", side="input") > 0


def test_docstring_examples_run():
    r = doctest.testmod(sh_module, optionflags=doctest.ELLIPSIS)
    assert r.failed == 0 and r.attempted >= 10
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(data.api_price, "api_price", globs={}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries == 2


# --- invariant: the break-even is the smallest volume at which self-hosting costs no more ---------
@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    price=st.floats(0.01, 20.0),
    tps=st.floats(50.0, 5000.0),
    util=st.floats(0.05, 1.0),
    gpus=st.integers(1, 8),
    gpu_price=st.floats(1000.0, 60_000.0),
    fixed=st.floats(0.0, 3000.0),
    staff=st.one_of(st.just(0.0), st.floats(0.0, 50_000.0)),
)
def test_break_even_is_the_smallest_volume_where_self_hosting_costs_no_more(
    price, tps, util, gpus, gpu_price, fixed, staff
):
    own = ac.SelfHosting("own", api_price="api", volume_per_month=0.0, gpus=gpus, gpu_price=gpu_price,
                         depreciation_months=36, ops_per_month=fixed, staff_per_month=staff,
                         tokens_per_second_per_gpu=tps, utilization=util)
    r = _run(ac.PriceDecline("api", start_price=price, annual_decline=1.0), own, horizon="2026-01", paths=1)
    cap, h = r.paths("own.capacity")[0, 0], r.paths("own.replica_cost")[0, 0]
    be = r.paths("own.break_even_volume")[0, 0]

    def savings(v):  # the staircase, by definition
        return v * price / 1e6 - (staff + np.maximum(1.0, np.ceil(v / cap)) * h)

    # the best volume on each step of the staircase is its right end, k full replicas
    k = np.arange(1.0, 2001.0)
    if math.isinf(be):
        assert (savings(k * cap) < 1e-9 * (staff + k * h)).all()
    else:
        assert be > 0
        assert savings(be * (1 + 1e-9)) >= -1e-6 * (staff + h)
        below = np.append(k * cap, be * (1 - 1e-9))
        below = below[below < be * (1 - 1e-9)]
        assert (savings(below) < 1e-6).all()


# --- volume read from a demand model --------------------------------------------------------------
def test_volume_can_follow_a_token_demand():
    price = ac.PriceDecline("api", start_price=ac.to(1, 5), annual_decline=ac.to(2, 8), volatility=0.3)
    use = ac.TokenDemand("use", price=price, base_tokens_per_month=ac.to(1e9, 1e11), price_elasticity=1.4)
    own = _own(api_price=price, volume_per_month=use)
    assert own.links == {"api_price": "api.price", "volume": "use.tokens"} and "volume_per_month" not in own.params
    assert own.inputs == ["api.price", "use.tokens"]
    res = _run(price, use, own, horizon="2028-12", paths=2000, seed=2)
    q, p = res.paths("use.tokens"), res.paths("api.price")
    cap, h = res.paths("own.capacity"), res.paths("own.replica_cost")
    np.testing.assert_allclose(res.paths("own.api_cost"), q * p / 1e6, rtol=1e-15)
    replicas = np.where(q <= cap, 1.0, np.ceil(q / cap))
    np.testing.assert_allclose(res.paths("own.self_host_cost"), 10_000 + replicas * h, rtol=1e-15)
    assert (replicas[:, -1] > replicas[:, 0]).mean() > 0.5  # demand grows, replicas are added
    # names and full series names work too; added before its inputs, the model still reads them
    assert _own(volume_per_month="use").links["volume"] == "use.tokens"
    assert _own(volume_per_month="x.spend").links["volume"] == "x.spend"
    res2 = _run(own, use, price, horizon="2028-12", paths=200, seed=2)
    np.testing.assert_allclose(res2.paths("own.api_cost"),
                               res2.paths("use.tokens") * res2.paths("api.price") / 1e6, rtol=1e-15)


def test_linked_volume_errors():
    with pytest.raises(ValueError, match="self_hosting 'own' links to 'nobody.tokens', which is not a series"):
        _run(ac.PriceDecline("api", start_price=1.0, annual_decline=2.0), _own(volume_per_month="nobody"))
    with pytest.raises(TypeError, match="volume_per_month must be a number, a prior or a TokenDemand"):
        _own(volume_per_month=ac.PriceDecline("x", start_price=1.0, annual_decline=2.0))
    with pytest.raises(TypeError, match="volume_per_month must name a token series"):
        _own(volume_per_month="")
    spec = _own().spec()
    both = dict(spec, links={"api_price": "api.price", "volume": "use.tokens"})
    with pytest.raises(ValueError, match=r"give volume_per_month \(tokens per month\) or a volume link .*not both"):
        ac._engine.describe_model(both)
    neither = dict(spec, params={k: v for k, v in spec["params"].items() if k != "volume_per_month"})
    with pytest.raises(ValueError, match=r"give volume_per_month \(tokens per month\) or a volume link"):
        ac._engine.describe_model(neither)
    with pytest.raises(ValueError, match="self_hosting 'own': unknown link price"):
        ac._engine.describe_model(dict(spec, links={"api_price": "api.price", "price": "api.price"}))
    with pytest.raises(ValueError, match="self_hosting 'own': missing link api_price"):
        ac._engine.describe_model(dict(spec, links={}))
    # a demand that overflows to +inf tokens cannot be served
    price = ac.PriceDecline("api", start_price=1.0, annual_decline=10.0)
    use = ac.TokenDemand("use", price=price, base_tokens_per_month=1e300, price_elasticity=10.0)
    with pytest.raises(ValueError, match="self_hosting 'own': linked volume use.tokens must be finite and non-negative, "
                                         "got inf in month"):
        _run(price, use, _own(volume_per_month=use))
