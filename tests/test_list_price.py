"""The tier list-price model: history, fit, engine behaviour (closed forms) and errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import aicast as ac
from aicast.fit.list_price import list_price, list_price_history


def _table(rows):
    return pd.DataFrame(rows, columns=["tier", "line", "model", "date", "blended_per_mtok"])


def test_history_is_the_geometric_mean_of_the_lines_current_flagships():
    t = _table([
        ("x", "a", "a1", "2024-01-05", 4.0), ("x", "b", "b1", "2024-02-10", 1.0),
        ("x", "a", "a2", "2024-04-01", 16.0), ("x", "b", "b2", "2024-06-30", 0.25), ("y", "a", "z", "2020-01-01", 9.0),
    ])
    h = list_price_history(t, "x")
    assert str(h.index[0]) == "2024-02" and str(h.index[-1]) == "2024-06"  # from the month every line has one
    np.testing.assert_allclose(h["price"], [2.0, 2.0, 4.0, 4.0, 2.0])
    assert h["flagships"].iloc[-1] == "a2, b2"
    assert len(list_price_history(t, "x", end="2024-04")) == 3


def test_fit_counts_changes_and_has_no_drift_by_default():
    fit = list_price(tier="frontier")
    h = fit.history["price"].to_numpy()
    d = np.diff(np.log(h))
    k = int((np.abs(d) > 1e-9).sum())
    assert fit.jump_rate == pytest.approx(k / ((len(h) - 1) / 12))
    pri = fit.priors()
    assert pri["jump_rate"].params == pytest.approx((k + 0.5, 12 / (len(h) - 1)))
    u = (np.arange(20000) + 0.5) / 20000
    assert abs(np.mean(pri["jump_log_size"].ppf(u))) < 1e-3  # mean log change zero: no long-run drift
    fitted = list_price(tier="mid", drift="fitted")
    assert np.mean(fitted.priors()["jump_log_size"].ppf(u)) > 0.05  # the mid tier's rising history, extrapolated
    assert 0 < fit.shrink <= 1
    assert fit.priors(start="2026-08")["start_price"] == fit.last_price
    assert fit.data_as_of == "2026-07" and "data as of 2026-07" in repr(fit) and "ListPriceFit" in fit._repr_html_()
    m = fit.model("frontier_list", jump_rate=3.0)
    assert isinstance(m, ac.TierListPrice) and m.params["jump_rate"].mean() == 3.0
    assert m.params["start_price"].mean() == pytest.approx(fit.last_price)
    assert repr(fit.to_model("a")) == repr(fit.model("a"))


def test_engine_log_price_is_a_compound_poisson_sum():
    """Rate 6 a year, sizes N(0.1, 0.2): at 12 months E log P = log P0 + 6 * 0.1, Var = 6 * (0.1^2 + 0.2^2)."""
    m = ac.TierListPrice("t", start_price=5.0, jump_rate=6.0, jump_log_size=ac.normal(0.1, 0.2))
    assert m.kind == "tier_list_price" and m.spec()["kind"] == "price_decline"
    res = ac.Scenario("2026-07", "2027-07", seed=11).add(m).run(paths=100_000, keep_paths=True, progress=False)
    x = np.log(res.paths("t.price")[:, 12]) - math.log(5.0)
    n = x.size
    mean, var = 0.6, 6 * (0.01 + 0.04)
    assert abs(x.mean() - mean) < 4 * math.sqrt(var / n)
    # var of the sample variance of a compound Poisson: (mu4 - var^2) / n, mu4 = lam E J^4 + 3 var^2
    ej4 = 0.1**4 + 6 * 0.1**2 * 0.2**2 + 3 * 0.2**4
    assert abs(x.var() - var) < 4 * math.sqrt((6 * ej4 + 2 * var**2) / n)
    assert (np.mean(x == 0.0) - math.exp(-6)) < 4 * math.sqrt(math.exp(-6) / n)  # no jump: price unchanged


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="tier must be one of frontier, mid, open, got 'top'"):
        list_price(tier="top")
    with pytest.raises(ValueError, match="drift must be 'none' or 'fitted'"):
        list_price(tier="mid", drift="up")
    with pytest.raises(ValueError, match="drift must be 'none' or 'fitted', got 'up'"):  # not a skipped cut
        ac.backtest("list_price", ac.data.flagship_prices(), cut="2025-06", tier="mid", drift="up", skip=True)
    with pytest.raises(ValueError, match=r"need at least 6"):
        list_price(tier="frontier", end="2024-07")
    with pytest.raises(ValueError, match="missing column"):
        list_price_history(pd.DataFrame({"tier": ["x"]}), "x")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        list_price_history([1, 2], "x")
    with pytest.raises(ValueError, match="TierListPrice 't': jump_rate"):
        ac.TierListPrice("t", start_price=1.0, jump_rate=-1.0, jump_log_size=0.1)


def test_summary_explains_a_mean_above_the_95_percent_quantile():
    sc = ac.Scenario("2026-07", "2026-09", seed=1).add(
        ac.PriceDecline("wide", start_price=ac.lognormal(0.0, 4.0), annual_decline=1.0),
        ac.PriceDecline("narrow", start_price=ac.lognormal(0.0, 0.1), annual_decline=1.0))
    s = sc.run(paths=20_000, progress=False).summary()
    assert s.loc["wide.price", "final mean"] > s.loc["wide.price", "final 95%"]
    assert "heavy right tail" in s.loc["wide.price", "note"] and s.loc["narrow.price", "note"] == ""
