"""The Result API: frames, tables, xarray, plots, reprs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import aicast as ac


@pytest.fixture(scope="module")
def res():
    sc = ac.Scenario("2026-02", "2030-12", seed=3)
    sc.add(ac.PriceDecline("frontier", start_price=5.4, annual_decline=ac.to(3, 30), volatility=0.3))
    return sc.run(paths=20_000, progress=False, events=["frontier.price < 0.5"])


def test_quantiles_frame(res):
    q = res.quantiles("frontier.price")
    assert isinstance(q.index, pd.PeriodIndex) and q.index.freqstr in ("M", "ME")
    assert str(q.index[0]) == "2026-02" and str(q.index[-1]) == "2030-12" and len(q) == 59
    assert list(q.columns) == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert np.all(np.diff(q.to_numpy(), axis=1) >= 0)  # monotone across levels
    assert np.allclose(q.iloc[0], 5.4)


def test_yearly_table_and_summary(res):
    t = res.table("frontier.price")
    assert list(t.index) == [2026, 2027, 2028, 2029, 2030]
    np.testing.assert_array_equal(t.loc[2027].to_numpy(), res.quantiles("frontier.price", (0.05, 0.5, 0.95)).loc["2027-12"].to_numpy())
    s = res.summary()
    assert s.loc["frontier.price", "start median"] == pytest.approx(5.4)
    with pytest.raises(ValueError, match="freq must be"):
        res.table("frontier.price", freq="W")


def test_probabilities_and_hitting_time(res):
    curve = res.prob("frontier.price < 0.5")
    assert list(curve.columns) == ["p", "se"]
    assert np.all(np.diff(curve["p"]) >= 0) and curve["p"].between(0, 1).all()
    p = res.prob("frontier.price", "<", 0.5, by="2028-12")
    assert p.p == curve.loc["2028-12", "p"]
    assert "P(frontier.price < 0.5 by 2028-12) =" in repr(p) and float(p) == p.p
    lo, hi = p.interval()
    assert lo <= p.p <= hi
    ht = res.hitting_time("frontier.price < 0.5")
    assert ht.median == curve.index[np.searchsorted(curve["p"].to_numpy(), 0.5)]
    assert ht.to_frame()["cdf"].iloc[-1] == pytest.approx(1 - ht.never)
    assert "median" in repr(ht)


def test_xarray_plot_and_reprs(res):
    ds = res.to_xarray()
    assert ds["quantiles"].dims == ("series", "quantile", "month")
    assert ds.sizes["month"] == 59 and 0.5 in ds["quantile"].values
    ax = res.plot.fan("frontier.price")
    assert ax.get_yscale() == "log" and len(ax.collections) == 2
    ax2 = res.plot.prob("frontier.price < 0.5")
    assert ax2.get_ylim() == (0.0, 1.0)
    assert "20,000 paths" in repr(res)
    assert "<table" in res._repr_html_()
    assert "frontier" in res.scenario._repr_html_()


def test_progress_bar_stays_quiet_on_short_runs(capsys):
    sc = ac.Scenario("2026-02", "2026-06", seed=1).add(ac.PriceDecline("a", start_price=1.0, annual_decline=2.0))
    sc.run(paths=1_000, progress=True)
    assert "aicast run" not in capsys.readouterr().err
