"""Price trends at constant capability: the frontier, the log-linear fit, its interval and priors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import aicast as ac
from aicast.fit import frontier, price_trend, price_trends


def _table(dates, prices, scores, models=None):
    n = len(dates)
    return pd.DataFrame(
        {
            "model": models or [f"m{i}" for i in range(n)],
            "release_date": pd.to_datetime(dates),
            "price_per_mtok": np.asarray(prices, dtype=float),
            "mmlu": np.asarray(scores, dtype=float),
        }
    )


def test_frontier_hand_checked():
    t = _table(
        ["2022-01-01", "2022-03-01", "2022-03-01", "2022-06-01", "2022-07-01", "2022-09-01", "2022-10-01", "2023-01-01"],
        [10.0, 5.0, 4.0, 4.0, 0.1, 3.0, 1.0, 3.5],
        [70, 71, 72, 80, 50, 90, np.nan, 75],
        models=["a", "b", "c", "d", "cheap-but-weak", "e", "no-score", "f"],
    )
    fr = frontier(t, "MMLU", 70)
    # a (first), then c (cheapest on 2022-03-01, b is not cheaper than c), d ties c -> not a new
    # low, the weak and unscored models are excluded, e is a new low, f is dearer than e.
    assert fr["model"].tolist() == ["a", "c", "e"]
    assert fr["price_per_mtok"].tolist() == [10.0, 4.0, 3.0]
    # a threshold given as a model name uses that model's score
    assert frontier(t, "mmlu", "d")["model"].tolist() == ["d", "e"]
    # date range
    assert frontier(t, "mmlu", 70, start="2022-03")["model"].tolist() == ["c", "e"]


def test_reproduces_epoch_published_mmlu_trend():
    # Epoch AI's published result for MMLU >= 43.9 (GPT-3 level): 9 frontier models,
    # 11.77x per year, 90% CI [8.29, 16.72] (results/default/lowest_price_models_above_
    # previous_frontier/lowest_price_models_results.csv in epoch-research/llm-benchmark-efficiency).
    tr = price_trend(ac.data.prices_epoch(), score="MMLU", threshold=43.9)
    assert tr.frontier["model"].tolist() == [
        "GPT-3 175B (davinci)", "GPT-3 175B (davinci)", "GPT-3.5 Turbo", "Llama-2-Chat-13B",
        "Llama 2-7B", "Llama 2-7B", "Llama-3.1-Instruct-8B", "Llama-3.2-Instruct-3B", "Gemini-1.5-Flash-8B",
    ]
    # Epoch's time axis differs from days / 365.25 by a fraction of a percent
    np.testing.assert_allclose(tr.annual_decline, 11.77, rtol=0.005)
    np.testing.assert_allclose(tr.annual_decline_ci, (8.29, 16.72), rtol=0.005)
    assert tr.confidence == 0.9
    assert "11.8x per year" in repr(tr)


# All 21 of Epoch AI's published fits (90% CI), from results/default/lowest_price_models_above_
# previous_frontier/lowest_price_models_results.csv in epoch-research/llm-benchmark-efficiency.
# Epoch leaves reasoning models out (o1, o1-mini, ...: their price per token understates the
# cost of their scores); so does price_trend by default. With them, o1-mini (Sept 2024, GPQA
# 59.5, $5.25) joins the GPQA >= 53 and >= 56 frontiers and the fits no longer match.
EPOCH_PUBLISHED = [
    ("mmlu", 43.9, 11.77, 8.29, 16.72),
    ("mmlu", 64.8, 15.83, 8.05, 31.11),
    ("mmlu", 68.0, 9.35, 4.80, 18.20),
    ("mmlu", 86.0, 15.86, 4.09, 61.54),
    ("mmlu", 87.0, 35.79, 5.03, 254.83),
    ("gpqa", 33.0, 42.02, 4.40, 401.44),
    ("gpqa", 50.0, 46.25, 3.79, 564.83),
    ("gpqa", 53.0, 851.16, 6.18, 117290.31),
    ("gpqa", 56.0, 251.16, 41.56, 1517.75),
    ("math500", 44.0, 18.03, 11.24, 28.91),
    ("math500", 74.0, 172.26, 13.73, 2161.25),
    ("math500", 79.0, 689.08, 0.1197, 3966834.71),
    ("math5", 23.0, 72.64, 6.04, 873.63),
    ("math5", 36.0, 159.55, 12.34, 2063.05),
    ("math5", 48.0, 689.08, 0.1197, 3966834.71),
    ("humaneval", 67.0, 36.82, 14.34, 94.55),
    ("humaneval", 71.0, 9.24, 4.83, 17.67),
    ("arena_elo", 1106.0, 9.61, 5.26, 17.54),
    ("arena_elo", 1186.0, 75.32, 7.56, 750.79),
    ("arena_elo", 1256.0, 245.51, 4.23, 14237.68),
    ("arena_elo", 1285.0, 176.96, 39.13, 800.19),
]


@pytest.mark.parametrize(("score", "threshold", "factor", "low", "high"), EPOCH_PUBLISHED)
def test_reproduces_epoch_published_trends(score, threshold, factor, low, high):
    tr = price_trend(ac.data.prices_epoch(), score, threshold)
    # the time axes differ by a fraction of a percent; the CI compounds it through t * se
    np.testing.assert_allclose(tr.annual_decline, factor, rtol=0.01)
    np.testing.assert_allclose(tr.annual_decline_ci, (low, high), rtol=0.02)


def test_reasoning_models_are_why_gpqa_53_and_56_differ_from_epoch():
    with_o1 = price_trend(ac.data.prices_epoch(), "gpqa", 53.0, exclude_reasoning=False)
    assert "o1-mini" in with_o1.frontier["model"].tolist()
    assert not 0.8 < with_o1.annual_decline / 851.16 < 1.25
    assert ac.fit.REASONING_MODELS == ("DeepSeek-R1", "o1", "o1-mini", "o1-preview", "o3-mini")


def test_regression_matches_scipy_linregress():
    t = ac.data.prices_epoch()
    tr = price_trend(t, "gpqa", 33)
    x = tr.frontier["t_years"].to_numpy()
    y = np.log(tr.frontier["price_per_mtok"].to_numpy())
    ref = stats.linregress(x, y)
    np.testing.assert_allclose(tr.log_slope, ref.slope, rtol=1e-12)
    np.testing.assert_allclose(tr.log_intercept, ref.intercept, rtol=1e-12)
    np.testing.assert_allclose(tr.log_slope_se, ref.stderr, rtol=1e-10)
    np.testing.assert_allclose(math.sqrt(tr.cov[0, 0]), ref.intercept_stderr, rtol=1e-10)
    np.testing.assert_allclose(tr.r_squared, ref.rvalue**2, rtol=1e-10)
    resid = y - (ref.intercept + ref.slope * x)
    np.testing.assert_allclose(tr.residual_sd, np.sqrt(resid @ resid / (len(x) - 2)), rtol=1e-12)
    h = stats.t.ppf(0.95, len(x) - 2) * ref.stderr
    np.testing.assert_allclose(tr.annual_decline_ci, (np.exp(-ref.slope - h), np.exp(-ref.slope + h)), rtol=1e-9)
    np.testing.assert_allclose(tr.price(tr.frontier["release_date"]), tr.frontier["fitted"], rtol=1e-12)


def _simulated_table(rng, decline, sd, n=8, spacing_months=3):
    """A frontier following a known trend, plus models the method must ignore."""
    start = pd.Timestamp("2022-01-01")
    dates = [start + pd.DateOffset(months=spacing_months * i) for i in range(n)]
    t = np.array([(d - start).days for d in dates]) / 365.25
    log_p = math.log(30.0) - math.log(decline) * t + rng.normal(0.0, sd, n)
    rows = [(d, math.exp(lp), 80.0 + rng.uniform(0, 10)) for d, lp in zip(dates, log_p, strict=True)]
    for d, lp in zip(dates, log_p, strict=True):
        rows.append((d + pd.Timedelta(days=10), math.exp(lp) * 3.0, 85.0))  # capable but dearer
        rows.append((d + pd.Timedelta(days=20), math.exp(lp) / 50.0, 60.0))  # cheap but below threshold
    return pd.DataFrame(rows, columns=["release_date", "price_per_mtok", "mmlu"])


def test_recovers_known_decline_and_interval_covers_at_nominal_rate():
    rng = np.random.default_rng(20250301)
    reps, decline, sd = 400, 10.0, 0.1
    covered90 = covered50 = 0
    logs = []
    for _ in range(reps):
        tr = price_trend(_simulated_table(rng, decline, sd), "mmlu", 80)
        assert tr.n == 8  # the step (ln 10 / 4 = 0.58) dwarfs the noise: every true point is a new low
        logs.append(math.log(tr.annual_decline))
        lo, hi = tr.annual_decline_ci
        covered90 += lo <= decline <= hi
        lo, hi = tr.decline_interval(0.5)
        covered50 += lo <= decline <= hi
    logs = np.asarray(logs)
    # unbiased in log space: mean within 4 standard errors of ln 10
    assert abs(logs.mean() - math.log(decline)) < 4 * logs.std(ddof=1) / math.sqrt(reps)
    for got, level in ((covered90 / reps, 0.9), (covered50 / reps, 0.5)):
        assert abs(got - level) < 3.5 * math.sqrt(level * (1 - level) / reps), (got, level)


def test_priors_match_the_fit():
    """The decline prior's central interval is the t interval of the slope with the forecast scatter."""
    tr = price_trend(ac.data.prices_epoch(), "mmlu", 64.8)
    # Epoch's 21 thresholds; MATH-500 >= 79 and MATH level 5 >= 48 have the same frontier: counted once
    assert tr.noise_from == "pooled over 20 thresholds" and tr.noise_dof > tr.dof
    pri = tr.priors()
    assert set(pri) == {"annual_decline", "volatility"}
    h = stats.t.ppf(0.95, tr.noise_dof) * tr.noise_sd * math.sqrt(tr.xtx_inv[1, 1])
    want = (math.exp(-tr.log_slope - h), math.exp(-tr.log_slope + h))
    np.testing.assert_allclose(pri["annual_decline"].interval(0.9), want, rtol=1e-9)
    np.testing.assert_allclose(float(pri["annual_decline"].ppf(0.5)), tr.annual_decline, rtol=1e-12)
    assert pri["volatility"].is_point and pri["volatility"].mean() == 0.0  # scatter is in the level
    # with its own residuals the forecast slope interval is Epoch's
    own = price_trend(ac.data.prices_epoch(), "mmlu", 64.8, noise="own")
    np.testing.assert_allclose(own.priors()["annual_decline"].interval(0.9), own.annual_decline_ci, rtol=1e-9)


def test_pooled_scatter_is_the_pooled_residual_variance():
    t = ac.data.prices_epoch()
    fits = {}
    for s, thr, _ in ac.fit.REFERENCE_THRESHOLDS:
        f = price_trend(t, s, thr, noise="own")
        fits[tuple(zip(f.frontier["release_date"], f.frontier["price_per_mtok"]))] = f  # same points: once
    fits = list(fits.values())
    assert len(fits) == 20
    sse = sum(f.residual_sd**2 * f.dof for f in fits)
    dof = sum(f.dof for f in fits)
    tr = price_trend(t, "mmlu", 43.9)
    assert tr.noise_dof == dof
    assert tr.noise_sd == pytest.approx(math.sqrt(sse / dof), rel=1e-12)
    with pytest.raises(ValueError, match="noise must be 'pooled', 'own' or"):
        price_trend(t, "mmlu", 43.9, noise="both")
    with pytest.raises(ValueError, match="needs sd > 0"):
        price_trend(t, "mmlu", 43.9, noise=(0.0, 3))


def test_start_price_prior_is_the_predictive_of_a_new_point_through_the_engine():
    """No floor: the engine's ln price at month k is t-predictive (trend, its uncertainty, one point's scatter)."""
    tr = price_trend(ac.data.prices_epoch(), "mmlu", 64.8)
    m = tr.model("t", start="2024-06", floor=0.0)
    np.testing.assert_allclose(float(m.params["start_price"].ppf(0.5)), tr.price("2024-06")[0], rtol=1e-12)
    sc = ac.Scenario(start="2024-06", horizon="2026-06", seed=3).add(m)
    n = 40_000
    res = sc.run(paths=n, keep_paths=True, progress=False)
    logp = np.log(res.paths("t.price"))
    inflate = stats.t.ppf(0.95, tr.noise_dof) / stats.norm.ppf(0.95)
    for k in (0, 12, 24):
        # months are twelfths of a year in the engine; the trend counts days
        t_eng = tr.years(["2024-06"])[0] + k / 12
        mean = tr.log_intercept + tr.log_slope * t_eng
        v = tr.xtx_inv
        sd = tr.noise_sd * math.sqrt(1 + v[0, 0] + 2 * t_eng * v[0, 1] + t_eng**2 * v[1, 1]) * inflate
        assert abs(logp[:, k].mean() - mean) < 4 * sd / math.sqrt(n), k
        # s.e. of a sample sd is about sd / sqrt(2n)
        assert abs(logp[:, k].std() - sd) < 4 * sd / math.sqrt(2 * n), k


def test_model_convention_start_floor_and_overrides():
    t = ac.data.prices_epoch()
    tr = price_trend(t, "mmlu", 64.8)
    assert tr.data_as_of == "2025-02" and str(tr.start_month()) == "2025-03"
    m = tr.model("x")
    assert m.params["floor"].kind == "lognormal"  # a run built from a fit gets a serving-cost floor
    np.testing.assert_allclose(m.params["floor"].interval(0.9), ac.fit.prices.DEFAULT_FLOOR, rtol=1e-9)
    assert tr.model("x", floor=0).params["floor"].mean() == 0.0  # knowingly without
    anchored = tr.model("x", start_price=2.0)
    assert float(anchored.params["start_price"].ppf(0.5)) == pytest.approx(2.0)
    assert anchored.params["annual_decline"].correlation is None
    over = tr.model("x", annual_decline=ac.to(5, 10), jump_rate=0.3)
    assert over.params["annual_decline"].interval(0.9) == pytest.approx((5, 10))
    # to_model is the same
    a, b = tr.to_model("y", start="2025-03"), tr.model("y")
    assert repr(a) == repr(b)
    html = tr._repr_html_()
    assert "data as of" in html and "2025-02" in html and "forecast scatter" in html
    assert "data as of 2025-02" in repr(tr)


def test_to_model_and_price_trends_across_thresholds():
    t = ac.data.prices_epoch()
    tr = price_trend(t, "arena", "GPT-4-0314")
    assert tr.score == "arena_elo" and tr.threshold == 1186 and tr.threshold_model == "GPT-4-0314"
    m = tr.to_model("x", start_price=5.0, jump_rate=0.5)
    assert isinstance(m, ac.PriceDecline) and float(m.params["start_price"].ppf(0.5)) == pytest.approx(5.0)
    assert m.params["jump_rate"].mean() == 0.5
    m2 = tr.to_model("y", start="2025-01")
    assert m2.params["start_price"].correlation is not None
    df = price_trends(t, "mmlu", [43.9, 64.8, 86, 200], skip_short=True)
    assert df["threshold"].tolist() == [43.9, 64.8, 86.0]  # 200: no frontier, skipped
    assert (df["n"] >= 3).all() and (df["ci_low"] < df["annual_decline"]).all()
    assert all(isinstance(f, ac.fit.PriceTrend) for f in df["fit"])
    every = price_trends(t, "gpqa")
    assert len(every) > 5 and every["threshold"].is_monotonic_increasing


def test_errors_name_the_problem():
    t = ac.data.prices_epoch()
    with pytest.raises(ValueError, match=r"frontier has 2 point\(s\), need at least 3"):
        price_trend(t, "mmlu", 64.8, end="2023-03")
    with pytest.raises(ValueError, match=r"frontier has 0 point\(s\)"):
        price_trend(t, "mmlu", 101)
    with pytest.raises(ValueError, match="unknown score column 'SWE-bench'.*mmlu, gpqa, arena_elo, humaneval"):
        price_trend(t, "SWE-bench", 50)
    with pytest.raises(ValueError, match="threshold model 'GPT-9' has no mmlu score"):
        price_trend(t, "mmlu", "GPT-9")
    with pytest.raises(ValueError, match=r"frontier has 1 point\(s\)"):  # one date: one new low
        price_trend(_table(["2024-01-01"] * 3, [3.0, 2.0, 1.0], [80, 80, 80]), "mmlu", 70)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        price_trend(t, "mmlu", 43.9, confidence=1.5)
    with pytest.raises(ValueError, match="missing column"):
        price_trend(t.drop(columns="price_per_mtok"), "mmlu", 43.9)
    with pytest.raises(ValueError, match="thresholds is empty"):
        price_trends(t, "mmlu", [])
    with pytest.raises(ValueError, match="need at least 3"):
        price_trends(t, "mmlu", [43.9, 101], skip_short=False)
    with pytest.raises(ValueError, match="start_price must be a positive number"):
        price_trend(t, "mmlu", 43.9).model("x", start_price=-1.0)
    with pytest.raises(TypeError, match="threshold must be a number"):
        price_trend(t, "mmlu", [1])


def test_open_weights_subset():
    t = ac.data.prices_epoch()
    tr = price_trend(t, "mmlu", "Llama-2-Chat-13B", open_weights=True)
    assert tr.threshold == 45.0 and tr.open_weights is True
    names = set(t.loc[t["open_weights"] == 1, "model"])
    assert set(tr.frontier["model"]) <= names
    assert "open weights" in repr(tr)
    assert price_trend(t, "mmlu", 85, open_weights=True).n == 3
    with pytest.raises(ValueError, match=r"mmlu >= 85 \(open weights\): the price frontier has 2"):
        price_trend(t, "mmlu", 85, open_weights=True, end="2024-11")
    with pytest.raises(ValueError, match=r"\(closed\): the price frontier has 0"):
        price_trend(t, "mmlu", 95, open_weights=False)


def test_scenario_from_fits_single_and_pooled():
    t = ac.data.prices_epoch()
    a = price_trend(t, "mmlu", "GPT-3.5 Turbo")
    b = price_trend(t, "arena", "GPT-3.5 Turbo")
    sc = ac.Scenario.from_fits(
        {"trend": a, "pooled": [a, b]}, start="2025-01", horizon="2025-12", seed=1,
        params={"pooled": {"start_price": 0.5}}, floor=0.0,
    )
    assert sc.series == ["trend.price", "pooled.price"]
    trend, pooled = sc["trend"], sc["pooled"]
    np.testing.assert_allclose(float(trend.params["start_price"].ppf(0.5)), a.price("2025-01")[0], rtol=1e-12)
    assert trend.params["floor"].mean() == 0.0  # common parameters override the fit
    assert float(pooled.params["start_price"].ppf(0.5)) == pytest.approx(0.5)
    res = sc.run(paths=2000, progress=False)
    assert res.quantiles("pooled.price").iloc[0, 2] == pytest.approx(0.5, rel=0.1)
    with pytest.raises(ValueError, match="params names models that have no fit: other"):
        ac.Scenario.from_fits({"trend": a}, params={"other": {}})
    with pytest.raises(ValueError, match="give start_price"):
        ac.Scenario.from_fits({"pooled": [a, b]})
    with pytest.raises(TypeError, match="has no to_model method"):
        ac.Scenario.from_fits({"x": 3.0})
    with pytest.raises(ValueError, match="pool needs at least one price trend"):
        ac.fit.pool([])


def test_pool_is_dersimonian_laird():
    t = ac.data.prices_epoch()
    fits = [price_trend(t, s, thr) for s, thr, _ in ac.fit.REFERENCE_THRESHOLDS]
    p = ac.fit.pool(fits)
    b = np.array([f.log_slope for f in fits])
    v = np.array([f.noise_sd**2 * f.xtx_inv[1, 1] for f in fits])
    w = 1 / v
    bfe = (w * b).sum() / w.sum()
    q = (w * (b - bfe) ** 2).sum()
    tau2 = max(0.0, (q - (len(b) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    ws = 1 / (v + tau2)
    assert p.tau == pytest.approx(math.sqrt(tau2), rel=1e-12)
    assert p.log_slope == pytest.approx((ws * b).sum() / ws.sum(), rel=1e-12)
    assert p.log_slope_se == pytest.approx(1 / math.sqrt(ws.sum()), rel=1e-12)
    # the decline prior of a new level: no wider than the thresholds disagree
    lo, hi = p.priors()["annual_decline"].interval(0.99)
    assert 1 < lo and hi < 1000, (lo, hi)
    assert "data as of 2025-02" in repr(p) and "PooledPriceTrend" in p._repr_html_()


def test_default_scenario_shows_both_questions_from_the_newest_price_month():
    from aicast.defaults import DATA_AS_OF, DEFAULT_TIERS, capability_decline, default_scenario, tier_start_prices

    sc = default_scenario()
    assert str(sc.start) == DATA_AS_OF == "2026-07"
    assert sc.series == [f"{t}_capability.price" for t in DEFAULT_TIERS] + [f"{t}_list.price" for t in DEFAULT_TIERS]
    starts, pooled = tier_start_prices(), capability_decline()
    assert len(pooled.fits) == 21 and all(f.n >= 3 for f in pooled.fits)
    for tier in DEFAULT_TIERS:
        cap = sc[f"{tier}_capability"]
        assert float(cap.params["start_price"].ppf(0.5)) == pytest.approx(starts[tier])
        x = np.array([5.0, 30.0, 200.0])
        np.testing.assert_allclose(cap.params["annual_decline"].cdf(x), pooled.priors()["annual_decline"].cdf(x))
        assert cap.params["floor"].mean() > 0  # a serving-cost floor
        assert sc[f"{tier}_list"].kind == "tier_list_price"
    assert set(sc.data_as_of.values()) == {"2025-02", "2026-07"}


def test_default_scenario_behaviours_on_shipped_data():
    """Capability prices fall (10-900x a year is the published range), list prices stay near today's,
    and no tier's capability price crosses another's median by artefact."""
    from aicast.defaults import default_scenario

    res = default_scenario(seed=1).run(paths=20_000, progress=False)
    med = {s: res.quantiles(s, (0.5,)).iloc[:, 0] for s in res.series}
    for kind in ("capability", "list"):
        assert (med[f"frontier_{kind}.price"] >= med[f"mid_{kind}.price"]).all()
        assert (med[f"mid_{kind}.price"] >= med[f"open_{kind}.price"]).all()
    one_year = res.months.get_loc(res.months[0] + 12)
    fell = med["frontier_capability.price"].iloc[0] / med["frontier_capability.price"].iloc[one_year]
    assert 5 < fell < 100, fell
    for tier in ("frontier", "mid", "open"):
        s = med[f"{tier}_list.price"]
        assert 0.5 < s.iloc[-1] / s.iloc[0] < 2.0  # no long-run drift of a tier's list price
    # physical tails: no capability-price 95% bound above today's price a year on, no list price
    # 95% bound above $100/M by the horizon
    q95 = {s: res.quantiles(s, (0.95,)).iloc[:, 0] for s in res.series}
    assert q95["frontier_capability.price"].iloc[one_year] < med["frontier_capability.price"].iloc[0]
    assert max(q95[f"{t}_list.price"].iloc[-1] for t in ("frontier", "mid", "open")) < 100
    assert res.data_as_of == res.scenario.data_as_of and "2026-07" in res._repr_html_()


def test_level_volatility_is_the_change_of_the_deviation_per_year():
    """From consecutive frontier points: sum (e_{i+1} - e_i)^2 / sum (t_{i+1} - t_i), own residuals."""
    tr = ac.fit.price_trend(ac.data.prices_epoch(), score="MMLU", threshold=43.9, noise="own")
    t = tr.frontier["t_years"].to_numpy()
    e = np.log(tr.frontier["price_per_mtok"].to_numpy()) - (tr.log_intercept + tr.log_slope * t)
    assert tr.level_volatility == pytest.approx(math.sqrt(np.sum(np.diff(e) ** 2) / (t[-1] - t[0])), rel=1e-12)
    assert tr.level_volatility_dof == tr.n - 1


def test_an_observed_start_price_has_no_band_and_a_stale_one_a_latent_premium():
    """A stale cheapest offer is still the start (a point); the latent price lies above it by the
    endpoint of a walk that stayed above it, checked against a NumPy simulation of such walks."""
    tr = ac.fit.price_trend(ac.data.prices_epoch(), score="MMLU", threshold=43.9)
    pri = tr.priors(start="2026-07", start_price=2.5)
    assert pri["start_price"].ppf(0.05) == pri["start_price"].ppf(0.95) == pytest.approx(2.5)
    assert "latent_premium" not in pri
    vol = float(pri["volatility"].ppf(0.5))
    assert vol > 0
    old = tr.priors(start="2026-07", start_price=2.5, price_date="2026-01-01")
    assert old["start_price"].ppf(0.05) == old["start_price"].ppf(0.95) == pytest.approx(2.5)
    gap = (pd.Timestamp("2026-07-01") - pd.Timestamp("2026-01-01")).days / 365.25
    # walks with the trend's drift on a fine grid from just above 0, kept if they stayed above 0
    rng = np.random.default_rng(5)
    steps, n = 400, 200_000
    dt = gap / steps
    x = np.full(n, 1e-2 * vol * math.sqrt(gap))
    alive = np.ones(n, dtype=bool)
    for _ in range(steps):
        x += tr.log_slope * dt + vol * math.sqrt(dt) * rng.standard_normal(n)
        alive &= x > 0
    ends = x[alive]
    assert len(ends) > 1000
    q = old["latent_premium"].ppf([0.25, 0.5, 0.75])
    se = 2.0 * np.std(ends) / math.sqrt(len(ends))  # ~ quantile s.e. scale; discretization adds a little
    assert np.allclose(q, np.quantile(ends, [0.25, 0.5, 0.75]), atol=4 * se + 0.02 * vol * math.sqrt(gap))
    assert "latent_premium" not in tr.model("x", start="2026-07", start_price=2.5, price_date="2026-01-01",
                                            running_minimum=False).params


def test_default_capability_prices_start_at_todays_price():
    from aicast.defaults import default_scenario, tier_start_prices

    sc = default_scenario()
    res = sc.run(paths=2000, keep_paths=True, progress=False)
    start = tier_start_prices()
    for tier, p0 in start.items():
        col = res.paths(f"{tier}_capability.price")[:, 0]
        # every path at today's price, except the few whose drawn serving-cost floor lies above it
        assert np.mean(np.isclose(col, p0, rtol=1e-5)) > 0.99, tier
        assert np.std(np.log(res.paths(f"{tier}_capability.price")[:, 6])) > 0.3
