"""Text and HTML reprs of the user-facing objects: compact, and saying what a reader needs
(correlations, coverage and scores, as-of dates)."""

from __future__ import annotations

import re

import numpy as np

import aicast as ac
from aicast.priors import correlation_groups


def test_correlated_prior_repr_says_it_is_correlated_and_with_which_member():
    a, _, c = ac.correlate(ac.to(3, 30), ac.to(2, 20), ac.normal(0, 1),
                           correlation=[[1, 0.8, 0.1], [0.8, 1, 0.2], [0.1, 0.2, 1]])
    assert repr(a).endswith(
        "correlated: member 1 of 3 in a Gaussian copula, correlation 0.8 with member 2, 0.1 with member 3")
    assert "member 3 of 3" in repr(c) and "0.2 with member 2" in repr(c)
    assert "correlated" not in repr(ac.to(3, 30))
    assert "correlated" not in repr(a.marginal())
    assert "correlated" in a._repr_html_()


def test_correlation_groups_name_the_partners():
    a, b = ac.correlate(ac.to(3, 30), ac.to(2, 20), correlation=0.8)
    _, y, z = ac.correlate(ac.to(1, 2), ac.to(1, 3), ac.to(1, 4), correlation=np.eye(3) * 0.5 + 0.5)
    groups = correlation_groups({"m.a": a, "free": ac.to(1, 2), "m.y": y, "m.b": b, "m.z": z})
    assert [g[0] for g in groups] == [["m.a", "m.b"], ["m.y", "m.z"]]
    np.testing.assert_array_equal(groups[0][1], [[1, 0.8], [0.8, 1]])
    np.testing.assert_array_equal(groups[1][1], [[1, 0.5], [0.5, 1]])  # x is not named: its row is left out


def test_model_and_scenario_reprs_are_compact_and_show_correlations_and_as_of():
    a, b = ac.correlate(ac.to(3, 30), ac.to(2, 20), correlation=0.8)
    sc = ac.Scenario(seed=3).add(ac.PriceDecline("frontier", start_price=5.0, annual_decline=a),
                                 ac.PriceDecline("mid", start_price=1.0, annual_decline=b))
    m = repr(sc["frontier"])
    assert m.startswith("PriceDecline('frontier', start_price=5, annual_decline=to(3, 30) [correlated], ")
    assert "#" not in m  # no comment in the middle of a call
    r = repr(sc)
    assert "correlated: frontier.annual_decline ~ mid.annual_decline: 0.8" in r
    assert r.endswith("data as-of date not recorded)")
    h = sc._repr_html_()
    assert "Correlated parameters" in h and "9.487 [3, 30]" in h  # median and 90% interval of to(3, 30)
    sh = ac.SelfHosting("own", api_price="frontier", volume_per_month=1e9, tokens_per_second_per_gpu=500, gpu_price=30_000,
                        utilization=0.5)
    assert repr(sh).endswith("api_price='frontier.price')")
    assert "reads <code>frontier.price</code>" in sh._repr_html_()


def test_scenario_file_repr_has_name_and_data_as_of():
    sc = ac.Scenario.from_toml(text='''
name = "tiny"
start = "2026-02"
horizon = "2027-12"
[models.frontier]
kind = "price_decline"
start_price = { data = "api_prices_2026-07", column = "blended_per_mtok", stat = "median" }
annual_decline = 3
''')
    assert re.search(r"Scenario\(name='tiny', .*; data as of 2026-07\)$", repr(sc))


def test_backtest_repr_shows_coverage_and_scores_per_forecaster():
    bt = ac.backtest("price", ac.data.prices_epoch(), cut=["2024-03", "2024-06"], score="mmlu",
                     threshold=43.9, paths=2000)
    r = repr(bt)
    s = bt.summary()
    first = r.splitlines()[0]
    assert first.startswith("<aicast.Backtest price: cuts 2024-03, 2024-06; ")
    model = next(line for line in r.splitlines() if line.strip().startswith("model:"))
    assert f"50% covers {s.loc['model', 'coverage_50']:.0%}" in model
    assert f"90% covers {s.loc['model', 'coverage_90']:.0%}" in model
    assert f"CRPS {s.loc['model', 'crps']:.4g}" in model
    assert len(r.splitlines()) == 1 + len(s)  # one line per forecaster (model and baselines)
    h = bt._repr_html_()
    assert "coverage_90" in h and "lower is better" in h
