"""The effective price of a workload against closed forms and a NumPy implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import aicast as ac
from aicast import data


def _run(*models, months=13, paths=2_000, seed=4, **kw):
    sc = ac.Scenario("2026-07", ac.Scenario("2026-07").start + (months - 1), seed=seed)
    sc.add(*models)
    return sc.run(paths=paths, keep_paths=True, progress=False, **kw)


def _price(a, c, w, p_in, p_c, p_w, p_out):
    """The effective price per million tokens, written out independently of the engine."""
    return a * ((1 - c - w) * p_in + c * p_c + w * p_w) + (1 - a) * p_out


def test_point_workload_is_the_closed_form():
    w = ac.Workload("agent", tokens_per_month=3e9, input_share=0.9, cached_share=0.7, cache_write_share=0.1,
                    input_price_per_mtok=5.0, cached_input_price_per_mtok=0.5, cache_write_price_per_mtok=6.25,
                    output_price_per_mtok=25.0)
    res = _run(w, paths=5)
    price = _price(0.9, 0.7, 0.1, 5.0, 0.5, 6.25, 25.0)
    np.testing.assert_allclose(res.paths("agent.price_per_mtok"), price, rtol=1e-15)
    np.testing.assert_allclose(res.paths("agent.cost_per_month"), price * 3e3, rtol=1e-15)
    uncached = _price(0.9, 0.0, 0.0, 5.0, 0.5, 6.25, 25.0)
    np.testing.assert_allclose(res.paths("agent.cache_savings_per_month"), (uncached - price) * 3e3, rtol=1e-13)


def test_blended_three_to_one_is_the_tables_blended_price():
    row = data.api_price_row("gpt-5.1")
    w = ac.Workload("chat", tokens_per_month=1e6, input_share=0.75, input_price_per_mtok=row["input_per_mtok"],
                    output_price_per_mtok=row["output_per_mtok"])
    np.testing.assert_allclose(_run(w, paths=3).paths("chat.price_per_mtok"), row["blended_per_mtok"], rtol=1e-12)


def test_linked_price_moves_all_prices_by_the_paths_own_change():
    api = ac.PriceDecline("api", start_price=4.0, annual_decline=ac.to(2, 20), volatility=0.4, floor=0.1)
    demand = ac.TokenDemand("demand", price=api, base_tokens_per_month=1e9, price_elasticity=1.3)
    w = ac.Workload("agent", tokens_per_month=demand, input_share=0.8, cached_share=0.5, input_price_per_mtok=3.0,
                    cached_input_price_per_mtok=0.3, output_price_per_mtok=15.0, price=api)
    res = _run(api, demand, w)
    p = res.paths("api.price")
    want = _price(0.8, 0.5, 0.0, 3.0, 0.3, 0.0, 15.0) * p / p[:, :1]
    np.testing.assert_allclose(res.paths("agent.price_per_mtok"), want, rtol=1e-14)
    np.testing.assert_allclose(res.paths("agent.cost_per_month"), want * res.paths("demand.tokens") / 1e6, rtol=1e-14)


def test_priors_give_the_distribution_of_a_numpy_implementation():
    priors = dict(input_share=ac.uniform(0.8, 0.95), cached_share=ac.uniform(0.5, 0.9), cache_write_share=ac.uniform(0, 0.1),
                  input_price_per_mtok=ac.to(2, 6), cached_input_price_per_mtok=ac.to(0.2, 0.6),
                  cache_write_price_per_mtok=ac.to(2.5, 7.5), output_price_per_mtok=ac.to(10, 30))
    res = _run(ac.Workload("w", tokens_per_month=ac.to(1e8, 1e10), **priors), months=2, paths=20_000)
    x = res.paths("w.price_per_mtok")[:, 0]
    rng = np.random.default_rng(1)
    n = 200_000
    draws = {k: np.asarray(p.sample(n, seed=int(rng.integers(2**31)))) for k, p in priors.items()}
    ref = _price(*(draws[k] for k in ("input_share", "cached_share", "cache_write_share", "input_price_per_mtok",
                                      "cached_input_price_per_mtok", "cache_write_price_per_mtok",
                                      "output_price_per_mtok")))
    assert stats.ks_2samp(x, ref).pvalue > 1e-3
    # the mean in closed form: the shares and prices are independent
    m = {k: p.mean() for k, p in priors.items()}
    mean = _price(m["input_share"], m["cached_share"], m["cache_write_share"], m["input_price_per_mtok"],
                  m["cached_input_price_per_mtok"], m["cache_write_price_per_mtok"], m["output_price_per_mtok"])
    assert abs(x.mean() - mean) < 5 * ref.std() / math.sqrt(x.size)


def test_from_api_prices_reads_the_caching_prices_of_the_shipped_table():
    w = ac.Workload.from_api_prices("a", "claude-opus-4-6", tokens_per_month=1e9, input_share=0.9, cached_share=0.8)
    got = {k: w.params[k].params[0] for k in ("input_price_per_mtok", "cached_input_price_per_mtok",
                                              "cache_write_price_per_mtok", "output_price_per_mtok")}
    assert got == {"input_price_per_mtok": 5.0, "cached_input_price_per_mtok": 0.5,
                   "cache_write_price_per_mtok": 6.25, "output_price_per_mtok": 25.0}
    # OpenAI lists cache reads but no write price: writes cost the input price
    g = ac.Workload.from_api_prices("g", "gpt-5.1", tokens_per_month=1e9, input_share=0.9, cached_share=0.5)
    assert g.params["cache_write_price_per_mtok"].params[0] == g.params["input_price_per_mtok"].params[0] == 1.25
    assert g.params["cached_input_price_per_mtok"].params[0] == 0.125
    assert data.api_price("gpt-5.1", side="cached_input") == 0.125


def test_cached_share_without_a_listed_price_is_an_error():
    no_cache = data.api_prices().query("cached_input_per_mtok.isna()", engine="python").iloc[0]
    with pytest.raises(ValueError, match="lists no cached-input price"):
        ac.Workload.from_api_prices("x", no_cache["model"], provider=no_cache["provider"], tokens_per_month=1.0,
                                    input_share=0.5, cached_share=0.5)
    with pytest.raises(ValueError, match="has no cached_input price"):
        data.api_price(no_cache["model"], no_cache["provider"], side="cached_input")


@pytest.mark.parametrize(
    ("kw", "match"),
    [(dict(cached_share=0.5), r"cached_share is 0.5, so cached_input_price_per_mtok .* is required"),
     (dict(cache_write_share=ac.uniform(0, 0.2)), r"cache_write_price_per_mtok .* is required"),
     (dict(input_share=1.2), r"input_share must be in \[0, 1\], got 1.2"),
     (dict(cached_share=ac.uniform(0.5, 0.9), cached_input_price_per_mtok=0.5, cache_write_share=0.2,
           cache_write_price_per_mtok=6.0), r"cached_share \+ cache_write_share must be at most 1"),
     (dict(output_price_per_mtok=-1.0), r"output_price_per_mtok must be non-negative, got -1"),
     (dict(tokens_per_month=-5.0), r"tokens_per_month must be non-negative, got -5"),
     (dict(price=ac.TokenDemand("d", price="p", base_tokens_per_month=1, price_elasticity=1)),
      r"price must be a price model")],
)
def test_bad_parameters_are_clear_errors(kw, match):
    args = dict(tokens_per_month=1e9, input_share=0.9, input_price_per_mtok=5.0, output_price_per_mtok=25.0) | kw
    with pytest.raises((ValueError, TypeError), match=match):
        ac.Workload("w", **args)


def test_linked_price_of_zero_at_the_start_is_an_error():
    sc = ac.Scenario("2026-07", "2026-09", seed=1)
    sc.add(ac.PriceDecline("api", start_price=1.0, annual_decline=2.0, floor=0.0),
           ac.Workload("w", tokens_per_month=1.0, input_share=0.5, input_price_per_mtok=1.0, output_price_per_mtok=2.0,
                       price="api"))
    sc.run(paths=4, progress=False)  # a positive start price is fine
    sc2 = ac.Scenario("2026-07", "2026-09", seed=1)
    sc2.add(ac.Workload("w", tokens_per_month=1.0, input_share=0.5, input_price_per_mtok=1.0,
                        output_price_per_mtok=2.0, price="missing"))
    with pytest.raises(ValueError, match="missing.price"):
        sc2.run(paths=4, progress=False)


def test_series_names_carry_units_and_workload_feeds_self_hosting():
    w = ac.Workload("agent", tokens_per_month=2e9, input_share=0.9, cached_share=0.8, input_price_per_mtok=5.0,
                    cached_input_price_per_mtok=0.5, output_price_per_mtok=25.0)
    assert w.series == ["agent.price_per_mtok", "agent.cost_per_month", "agent.cache_savings_per_month"]
    sh = ac.SelfHosting("own", api_price="agent.price_per_mtok", volume_per_month=2e9, gpus=8, gpu_hour_price=2.0,
                        tokens_per_second_per_gpu=1000, utilization=0.5)
    res = _run(w, sh, paths=3)
    np.testing.assert_allclose(res.paths("own.api_cost"), res.paths("agent.cost_per_month"), rtol=1e-15)


def test_docstring_examples_run(doctests):
    from aicast.models import workload

    failures, tries = doctests(workload, data.api_price_row)
    assert failures == 0 and tries >= 7
