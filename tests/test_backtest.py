"""Forecast scores (PIT, coverage, CRPS, pinball) and the backtest harness."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import aicast as ac
from aicast import scores
from aicast.backtest import (
    ADAPTERS,
    BacktestSetup,
    CutError,
    register_adapter,
    rolling_cuts,
    split_at_cut,
)

# --- scores ------------------------------------------------------------------------------------


def test_crps_of_engine_samples_matches_normal_closed_form():
    """ln price after a year of a pure random walk is N(ln P0 - ln d, sigma^2): compare CRPS."""
    p0, d, sigma, n = 10.0, 4.0, 0.6, 100_000
    sc = ac.Scenario(start="2024-01", horizon="2025-01", seed=11)
    sc.add(ac.PriceDecline("t", start_price=p0, annual_decline=d, volatility=sigma))
    x = np.log(sc.run(paths=n, keep_paths=True, progress=False).paths("t.price")[:, 12])
    mu = math.log(p0) - math.log(d)
    for y in (mu - 1.5, mu, mu + 0.3, mu + 2.0):
        got = scores.crps_samples(x, [y])[0]
        want = scores.crps_normal(mu, sigma, y)
        # Monte Carlo error of the estimator: dominated by the mean of |X - y|
        se = np.abs(x - y).std() / math.sqrt(n)
        assert abs(got - want) < 4 * se + 1e-3 * sigma, (y, got, want)


def test_crps_normal_matches_numerical_integral():
    mu, sigma, y = 0.3, 1.7, 1.1
    grid = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 200_001)
    cdf = stats.norm.cdf(grid, mu, sigma)
    integrand = (cdf - (grid >= y)) ** 2
    want = np.trapz(integrand, grid) if hasattr(np, "trapz") else np.trapezoid(integrand, grid)
    np.testing.assert_allclose(scores.crps_normal(mu, sigma, y), want, rtol=1e-5)


def test_crps_samples_is_the_exact_all_pairs_energy_score():
    rng = np.random.default_rng(1)
    x = rng.gamma(2.0, size=(3, 301))
    y = np.array([0.5, 2.0, 7.0])
    brute = np.abs(x - y[:, None]).mean(1) - 0.5 * np.abs(x[:, :, None] - x[:, None, :]).mean((1, 2))
    np.testing.assert_allclose(scores.crps_samples(x, y), brute, rtol=1e-12)
    assert scores.crps_samples([3.0], [1.0])[0] == 2.0  # point forecast: absolute error


def test_pinball_hand_checked_and_integrates_to_crps():
    # y = 2: losses 0.1 * 1, 0, 0.1 * 1 -> mean 1/15
    np.testing.assert_allclose(scores.pinball_loss([[1.0, 2.0, 3.0]], [0.1, 0.5, 0.9], [2.0]), [1 / 15])
    # below every quantile: (1 - tau) (q - y)
    np.testing.assert_allclose(scores.pinball_loss([[3.0, 4.0]], [0.2, 0.8], [1.0]), [(0.8 * 2 + 0.2 * 3) / 2])
    # CRPS = 2 * integral over tau of the pinball loss of the true quantiles
    taus = (np.arange(4000) + 0.5) / 4000
    q = stats.norm.ppf(taus, 0.0, 1.0)[None, :]
    np.testing.assert_allclose(2 * scores.pinball_loss(q, taus, [0.7]), scores.crps_normal(0, 1, 0.7), rtol=1e-3)


def test_coverage_hand_checked():
    lower = [0.0, 0.0, 1.0, 1.0, -2.0, 5.0]
    upper = [1.0, 1.0, 2.0, 3.0, -1.0, 5.0]
    y = [0.5, 1.0, 0.99, 3.5, -1.5, 5.0]
    cov, inside = scores.coverage(lower, upper, y)
    # inside: interior, upper end (closed), just below, above, interior, degenerate interval hit
    assert inside.tolist() == [True, True, False, False, True, True]
    assert cov == pytest.approx(4 / 6)
    # intervals from a sample: the 50% interval of 1..101 is [26, 76]
    lo, hi = scores.interval(np.arange(1.0, 102.0), 0.5)
    assert (lo[0], hi[0]) == (26.0, 76.0)


def test_pit_hand_checked_and_uniform_when_calibrated():
    assert scores.pit_samples([1.0, 2.0, 3.0, 4.0], [2.5]).tolist() == [0.5]
    assert scores.pit_samples([1.0, 2.0, 2.0, 4.0], [2.0]).tolist() == [0.5]  # mid-PIT on ties
    assert scores.pit_samples([[1.0, 2.0], [1.0, 2.0]], [0.0, 9.0]).tolist() == [0.0, 1.0]
    rng = np.random.default_rng(7)
    mu = rng.normal(size=2000)
    x = mu[:, None] + rng.normal(size=(2000, 400))
    y = mu + rng.normal(size=2000)
    pit = scores.pit_samples(x, y)
    assert stats.kstest(pit, "uniform").pvalue > 0.001
    lv = np.array([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    q = stats.norm.ppf(lv)[None, :].repeat(3, 0)
    pq = scores.pit_quantiles(lv, q, [0.0, -5.0, 0.3])
    np.testing.assert_allclose(pq[:2], [0.5, 0.0])
    assert abs(pq[2] - stats.norm.cdf(0.3)) < 0.01


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40),
    st.floats(-1e3, 1e3),
)
def test_score_invariants(sample, y):
    x = np.asarray(sample)
    crps = scores.crps_samples(x, [y])[0]
    brute = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert crps >= -1e-9 * (1 + np.abs(x).max())
    np.testing.assert_allclose(crps, brute, rtol=1e-9, atol=1e-9 * (1 + np.abs(x).max() + abs(y)))
    pit = scores.pit_samples(x, [y])[0]
    assert 0.0 <= pit <= 1.0
    lo50, hi50 = scores.interval(x, 0.5)
    lo90, hi90 = scores.interval(x, 0.9)
    assert lo90[0] <= lo50[0] <= hi50[0] <= hi90[0]  # nested intervals: 50% inside implies 90% inside


def test_score_errors():
    with pytest.raises(ValueError, match=r"observations must have shape \(2,\)"):
        scores.crps_samples(np.zeros((2, 5)), [1.0])
    with pytest.raises(ValueError, match="samples is empty"):
        scores.pit_samples(np.zeros((1, 0)), [1.0])
    with pytest.raises(ValueError, match="must be finite"):
        scores.crps_samples([1.0, np.nan], [1.0])
    with pytest.raises(ValueError, match="sigma must be positive"):
        scores.crps_normal(0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="upper ends must not lie below"):
        scores.coverage([1.0], [0.0], [0.5])
    with pytest.raises(ValueError, match="coverage of no observations"):
        scores.coverage([], [], [])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        scores.pinball_loss([[1.0]], [1.0], [1.0])
    with pytest.raises(ValueError, match="must not decrease"):
        scores.pit_quantiles([0.1, 0.9], [[2.0, 1.0]], [1.0])


# --- harness -----------------------------------------------------------------------------------


def _trend_table(decline=10.0, sd=0.1, n=10, seed=5):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-15")
    dates = [start + pd.DateOffset(months=3 * i) for i in range(n)]
    t = np.array([(d - start).days for d in dates]) / 365.25
    price = np.exp(math.log(20.0) - math.log(decline) * t + rng.normal(0, sd, n))
    return pd.DataFrame({"model": [f"m{i}" for i in range(n)], "release_date": dates,
                         "price_per_mtok": price, "mmlu": 80.0})


def test_price_backtest_observations_baselines_and_scores():
    table = _trend_table()
    bt = ac.backtest("price", table, cut="2023-06", score="mmlu", threshold=70, paths=4000, seed=2)
    fit = bt.fits[pd.Period("2023-06", "M")]
    # fitted on the rows up to the end of the cut month only
    assert fit.frontier["release_date"].max() <= pd.Timestamp("2023-06-30")
    assert fit.n == 6
    s = bt.scores
    later = table[table["release_date"] > pd.Timestamp("2023-06-30")]
    for name in ("model", "last value", "trend"):
        part = s[s["forecaster"] == name]
        assert part["label"].tolist() == later["model"].tolist()
        np.testing.assert_allclose(part["observed"], later["price_per_mtok"])
    y = np.log(later["price_per_mtok"].to_numpy())
    last = s[s["forecaster"] == "last value"]
    np.testing.assert_allclose(last["median"], fit.frontier["price_per_mtok"].iloc[-1])
    np.testing.assert_allclose(last["crps"], np.abs(np.log(last["median"]) - y), rtol=1e-12)
    assert not last["in_90"].any() and (last["pit"] == 0.0).all()  # prices kept falling below it
    trend = s[s["forecaster"] == "trend"]
    np.testing.assert_allclose(trend["median"], fit.price([m.start_time for m in trend["month"]]))
    model = s[s["forecaster"] == "model"]
    assert ((model["q05"] <= model["median"]) & (model["median"] <= model["q95"])).all()
    assert model["pit"].between(0, 1).all()
    summ = bt.summary()
    assert list(summ.index) == ["model", "last value", "trend"]
    assert summ.loc["model", "n"] == len(later)
    # the model knows prices fall: it beats carrying the last price forward
    assert summ.loc["model", "crps"] < summ.loc["last value", "crps"]


def test_backtest_scores_equal_independent_computation_with_engine_paths():
    """The harness's model scores are those of the engine's paths at each observation month."""
    table = _trend_table(sd=0.3, seed=9)
    kw = {"score": "mmlu", "threshold": 70, "start": "last"}
    bt = ac.backtest("price", table, cut="2023-03", paths=3000, seed=4, **kw)
    fit = bt.fits[pd.Period("2023-03", "M")]
    setup = ADAPTERS["price"](table, pd.Period("2023-03", "M"), **kw)
    months = list(setup.observations["month"])
    sc = ac.Scenario(start="2023-03", horizon=max(months), seed=4).add(*setup.models)
    paths = sc.run(paths=3000, keep_paths=True, progress=False).paths("tier.price")
    k = [(m - pd.Period("2023-03", "M")).n for m in months]
    x = np.log(paths[:, k].T)
    y = np.log(setup.observations["value"].to_numpy())
    model = bt.scores[bt.scores["forecaster"] == "model"]
    np.testing.assert_allclose(model["crps"], scores.crps_samples(x, y), rtol=1e-12)
    np.testing.assert_allclose(model["pit"], scores.pit_samples(x, y))
    lo, hi = np.quantile(x, [0.05, 0.95], axis=1)
    assert model["in_90"].tolist() == ((y >= lo) & (y <= hi)).tolist()
    # start="last": anchored at the last frontier price (its median), with one point's scatter
    median = float(setup.models[0].params["start_price"].ppf(0.5))
    assert median == pytest.approx(fit.frontier["price_per_mtok"].iloc[-1])


def test_rolling_origin_and_monthly_observations():
    table = _trend_table(n=12)
    cuts = rolling_cuts("2023-03", "2024-03", every=6)
    assert [str(c) for c in cuts] == ["2023-03", "2023-09", "2024-03"]
    bt = ac.backtest("price", table, cut=cuts, score="mmlu", threshold=70, observe="monthly", paths=2000)
    assert list(bt.fits) == cuts
    by = bt.summary(by_cut=True)
    assert by.index.get_level_values("cut").unique().tolist() == cuts
    model = bt.scores[bt.scores["forecaster"] == "model"]
    for c in cuts:  # every month after the cut up to the last release (2024-10-15)
        got = model.loc[model["cut"] == c, "month"].tolist()
        assert got == list(pd.period_range(c + 1, "2024-10", freq="M"))
    assert len(bt.pit) == len(model)
    ax = bt.plot_pit()
    assert ax.get_xlabel() == "PIT"


def test_real_price_backtest_runs():
    bt = ac.backtest("price", ac.data.prices_epoch(), cut=["2024-03", "2024-06"], score="mmlu",
                     threshold=43.9, paths=4000)
    summ = bt.summary()
    assert summ.loc["model", "n"] > 3
    assert 0 <= summ.loc["model", "coverage_90"] <= 1
    assert "Backtest price" in repr(bt)


def test_a_new_adapter_is_one_function():
    """A toy adapter: observations drawn from the model itself are covered at about the nominal rate."""
    sigma, n_obs = 0.5, 400
    rng = np.random.default_rng(3)
    y = np.exp(math.log(8.0) - math.log(2.0) + sigma * rng.normal(size=n_obs))  # 12 months ahead

    @register_adapter("toy_walk")
    def _toy(table, cut, **options):
        m = ac.PriceDecline("w", start_price=8.0, annual_decline=2.0, volatility=sigma)
        obs = pd.DataFrame({"month": [cut + 12] * n_obs, "value": y, "label": "draw"})
        return BacktestSetup(models=[m], series="w.price", observations=obs,
                             baselines={"flat": np.full(n_obs, 8.0)}, scale=np.log)

    try:
        bt = ac.backtest("toy_walk", None, cut="2024-01", paths=20_000, seed=1)
    finally:
        del ADAPTERS["toy_walk"]
    summ = bt.summary()
    for level in (0.5, 0.9):
        got = summ.loc["model", f"coverage_{round(level * 100)}"]
        assert abs(got - level) < 3.5 * math.sqrt(level * (1 - level) / n_obs)
    mu = math.log(8.0) - math.log(2.0)
    want = scores.crps_normal(mu, sigma, np.log(y)).mean()
    assert abs(summ.loc["model", "crps"] - want) < 0.01
    assert summ.loc["model", "crps"] < summ.loc["flat", "crps"]


def test_backtest_errors_name_the_problem():
    t = ac.data.prices_epoch()
    with pytest.raises(ValueError, match=r"cut 2030-01 lies outside the data range 2021-11 to 2025-02"):
        ac.backtest("price", t, cut="2030-01", threshold=43.9)
    with pytest.raises(ValueError, match=r"cut 2019-01 lies outside the data range"):
        ac.backtest("price", t, cut="2019-01", threshold=43.9)
    with pytest.raises(ValueError, match=r"cut 2025-02 lies outside the data range"):
        ac.backtest("price", t, cut="2025-02", threshold=43.9)  # nothing after the cut
    with pytest.raises(ValueError, match=r"cut 2023-06: price trend mmlu >= 86: .*frontier has 1 point"):
        ac.backtest("price", t, cut="2023-06", threshold=86)
    with pytest.raises(ValueError, match="unknown score column 'mmlu_pro'"):
        ac.backtest("price", t, cut="2024-06", score="mmlu_pro", threshold=50)
    with pytest.raises(ValueError, match="no backtest adapter for model kind 'weather'"):
        ac.backtest("weather", t)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        ac.backtest("price", t, threshold=43.9, confidence=0.0)
    with pytest.raises(ValueError, match="observe must be 'points' or 'monthly'"):
        ac.backtest("price", t, threshold=43.9, observe="daily")
    with pytest.raises(ValueError, match="start must be 'trend' or 'last'"):
        ac.backtest("price", t, threshold=43.9, start="zero")
    with pytest.raises(ValueError, match="paths must be a positive integer"):
        ac.backtest("price", t, threshold=43.9, paths=0)
    with pytest.raises(ValueError, match="cut must be a month"):
        ac.backtest("price", t, cut="June 2024", threshold=43.9)
    with pytest.raises(ValueError, match="cut: give at least one month"):
        ac.backtest("price", t, cut=[], threshold=43.9)
    with pytest.raises(ValueError, match="no observations after the cut"):
        # above every later frontier point: MMLU >= 64.8 has no new low after 2024-10
        ac.backtest("price", t, cut="2024-11", threshold=64.8)
    with pytest.raises(ValueError, match="table has no 'date' column"):
        split_at_cut(t, "date", "2024-06")


def test_rolling_backtest_skips_cuts_it_cannot_fit_and_combines():
    t = ac.data.prices_epoch()
    cuts = ["2023-06", "2024-03", "2024-06", "2024-09"]
    with pytest.raises(CutError, match=r"cut 2023-06: price trend mmlu >= 86"):
        ac.backtest("price", t, cut=cuts, threshold="GPT-4-0314", paths=1000)
    bt = ac.backtest("price", t, cut=cuts, threshold="GPT-4-0314", paths=1000, skip=True)
    # MMLU >= 86 frontier: GPT-4-0314 2023-03, GPT-4 Turbo 2023-11, GPT-4o and Gemini 1.5 Pro 2024-05
    assert [str(c) for c in bt.skipped] == ["2023-06", "2024-03"]
    assert "frontier has 1 point" in bt.skipped[pd.Period("2023-06", "M")]
    assert "frontier has 2 point" in bt.skipped[pd.Period("2024-03", "M")]
    assert [str(c) for c in bt.fits] == ["2024-06", "2024-09"]
    late = ac.backtest("price", t, cut=["2024-06", "2024-11"], threshold=64.8, paths=1000, skip=True)
    assert "no observations after the cut" in late.skipped[pd.Period("2024-11", "M")]
    assert "2 skipped" in repr(bt)
    other = ac.backtest("price", t, cut="2024-06", score="arena", threshold=1106, paths=1000)
    both = ac.Backtest.combine({"mmlu 86": bt, "arena 1106": other})
    assert set(both.scores["key"]) == {"mmlu 86", "arena 1106"}
    assert len(both.pit) == len(bt.pit) + len(other.pit)
    assert both.summary().loc["model", "n"] == len(both.pit)
    with pytest.raises(ValueError, match="no cut could be backtested"):
        ac.backtest("price", t, cut=["2023-06"], threshold="GPT-4-0314", skip=True)
    with pytest.raises(ValueError, match="unknown score column"):  # bad options are never skipped
        ac.backtest("price", t, cut=cuts, score="bogus", skip=True)
    with pytest.raises(ValueError, match="combine needs at least one backtest"):
        ac.Backtest.combine({})


def test_price_forecast_starts_at_the_cut_and_its_first_month_is_cut_plus_one():
    """The forecast is the engine's run from the cut month: the first scored month is cut + 1, and
    the model's median follows the fitted trend month by month from the cut (start="trend": the
    trend's price at the cut, declining at the fitted rate). A forecast started one month late is
    a month of decline (ln 10 / 12 = 0.19 in log price) off the trend."""
    table = _trend_table(sd=0.02, n=12)
    cut = pd.Period("2023-06", "M")
    bt = ac.backtest("price", table, cut=cut, score="mmlu", threshold=70, observe="monthly", paths=4000, seed=1)
    model = bt.scores[bt.scores["forecaster"] == "model"]
    trend = bt.scores[bt.scores["forecaster"] == "trend"]
    assert model["month"].iloc[0] == cut + 1
    # medians of log price: MC error ~ 0.005 at these spreads; day-count vs month grid < 0.01
    np.testing.assert_allclose(np.log(model["median"].to_numpy()), np.log(trend["median"].to_numpy()), atol=0.04)
