"""Backtests of the leaderboard-gap and incident-growth models: the shipped real tables, data
simulated from each model with known parameters (coverage near nominal), and input errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import aicast as ac
from aicast.backtest import ADAPTERS, CutError, rolling_cuts
from aicast.fit._gap_posterior import KAPPA_MAX, KAPPA_MIN, moved
from aicast.fit.incidents import ReportingLag, _raw_completeness

LB_TRUTH = dict(closed_drift_per_month=8.0, closed_volatility=50.0, gap_reversion=1.5, equilibrium_gap=40.0,
                gap_volatility=60.0, innovation_correlation=0.5)


def check_calibration(pooled, n_bins=10, z=3.3):
    """Coverage of the 50% and 90% intervals and the PIT histogram of a pooled backtest (one key
    per simulated history), against standard errors estimated across histories.

    The observations of one history are dependent, so each history gives one hit rate (and one
    share of PIT values per bin); the histories are independent, so the standard error of the
    pooled rate is the standard deviation of the per-history rates over sqrt(histories). Each
    rate must lie within ``z`` such standard errors of its nominal value (z = 3.3: about 1 in
    1000 per check for a calibrated forecast; the tests use fixed seeds, so never flaky)."""
    s = pooled.scores[pooled.scores["forecaster"] == "model"]
    by = s.groupby("key")
    n = by.ngroups
    for col, p in (("in_50", 0.5), ("in_90", 0.9)):
        rates = by[col].mean()
        se = rates.std(ddof=1) / math.sqrt(n)
        assert abs(rates.mean() - p) < z * se, (col, rates.mean(), se)
    bins = np.minimum((s["pit"].to_numpy() * n_bins).astype(int), n_bins - 1)
    share = pd.crosstab(s["key"].to_numpy(), bins, normalize="index").reindex(columns=range(n_bins), fill_value=0.0)
    mean, se = share.mean(), share.std(ddof=1) / math.sqrt(n)
    dev = ((mean - 1.0 / n_bins) / se).abs()
    assert (dev < z).all(), pd.DataFrame({"share": mean, "se": se, "z": dev})


def coverage_bound(p, n_independent):
    """3 s.e. of a coverage pooled over ``n_independent`` independent histories.

    The observations of one history are positively dependent, so the variance of a history's
    hit rate is at most p (1 - p): the bound is conservative."""
    return 3 * math.sqrt(p * (1 - p) / n_independent)


# --- leaderboard gap ---------------------------------------------------------------------------


def test_leaderboard_backtest_on_the_arena_table():
    arena = ac.data.arena_best_monthly()
    bt = ac.backtest("leaderboard", arena, cut="2024-12", paths=4_000, seed=3)
    after = arena[arena["month"] > "2024-12"]
    s = bt.scores
    model = s[s["forecaster"] == "model"]
    # every later row is scored, against closed - open
    assert [str(m) for m in model["month"]] == after["month"].tolist()
    np.testing.assert_allclose(model["observed"], after["best_closed"] - after["best_open"])
    assert set(s["forecaster"]) == {"model", "last value", "trend"}
    cut_row = arena[arena["month"] == "2024-12"].iloc[0]
    last = s[s["forecaster"] == "last value"]
    np.testing.assert_allclose(last["median"], cut_row["best_closed"] - cut_row["best_open"])
    # the trend baseline: gap decays from its cut value towards the fitted equilibrium
    fit = bt.fits[pd.Period("2024-12", "M")]
    est = fit.estimates["estimate"]
    h = np.arange(1, len(after) + 1)
    want = est["equilibrium_gap"] + (fit.gap_start - est["equilibrium_gap"]) * np.exp(-est["gap_reversion"] / 12 * h)
    np.testing.assert_allclose(s[s["forecaster"] == "trend"]["median"], want)
    assert model["pit"].between(0, 1).all()
    assert (model["q05"] < model["q95"]).all()


def test_leaderboard_backtest_open_score_and_eci_table():
    arena = ac.data.arena_best_monthly()
    bt = ac.backtest("leaderboard", arena, cut=["2024-09", "2025-02"], observe="open", paths=4_000, seed=1)
    model = bt.scores[bt.scores["forecaster"] == "model"]
    after = arena.set_index("month")["best_open"]
    np.testing.assert_allclose(model["observed"], [after[str(m)] for m in model["month"]])
    trend = bt.scores[bt.scores["forecaster"] == "trend"]
    # open = closed trend - gap trend: it rises from the cut's open score
    assert trend["median"].iloc[0] > arena.set_index("month").loc["2024-09", "best_open"]
    eci = ac.data.eci_best_monthly()
    bt = ac.backtest("leaderboard_gap", eci, cut="2024-12", horizon=6, paths=4_000, seed=1)
    assert len(bt.pit) == 6
    assert bt.summary().loc["model", "n"] == 6


def simulate_leaderboard(n_datasets, months, seed, truths=None):
    """Histories from the engine: the latent frontier as the closed score (what the fitter
    reads it as) and latent - gap as the open score; the gap is the model's OU process exactly.
    All from LB_TRUTH, or history ``d`` from LB_TRUTH updated with ``truths[d]``."""
    start = pd.Period("2015-01", freq="M")
    labels = pd.period_range(start, periods=months, freq="M").strftime("%Y-%m")
    runs = [(ac.LeaderboardGap("lb", closed_start=1300.0, gap_start=60.0, **LB_TRUTH), n_datasets, seed)]
    if truths is not None:
        runs = [(ac.LeaderboardGap("lb", closed_start=1300.0, gap_start=60.0, **{**LB_TRUTH, **t}), 1, seed + d)
                for d, t in enumerate(truths)]
    for lb, paths, s in runs:
        res = ac.Scenario(start, start + (months - 1), seed=s).add(lb).run(paths=paths, progress=False, keep_paths=True)
        latent, gap = res.paths("lb.closed_latent"), res.paths("lb.gap")
        for d in range(paths):
            yield pd.DataFrame({"month": labels, "best_closed": latent[d], "best_open": latent[d] - gap[d]})


def leaderboard_backtests(tables):
    """Fit on 5 years (to 2019-12), forecast the gap 12 months ahead; one key per history."""
    runs = {str(i): ac.backtest("leaderboard", t, cut="2019-12", horizon=12, paths=2_000, seed=i)
            for i, t in enumerate(tables)}
    return ac.Backtest.combine(runs)


@pytest.fixture(scope="module")
def simulated_leaderboard_backtests():
    """120 histories of 6 years from LB_TRUTH."""
    return leaderboard_backtests(simulate_leaderboard(120, 72, seed=5))


def prior_truths(n, seed, span_months=59):
    """Gap parameters drawn from the fit's prior (aicast.fit._gap_posterior): the reversion
    log-uniform on [KAPPA_MIN, KAPPA_MAX] per month, the equilibrium normal around the start gap
    with the spread a random walk with the gap's volatility covers over the fitted span. The fit
    is equivariant under shifts and rescalings of the gap (its volatility prior is 1 / sigma^2),
    so fixing the volatility at LB_TRUTH's loses nothing. The equilibrium's prior is centred on
    the first observed gap, the one the likelihood conditions on, so these truths are draws from
    exactly the prior the fit uses."""
    rng = np.random.default_rng(seed)
    kappa = np.exp(rng.uniform(math.log(KAPPA_MIN), math.log(KAPPA_MAX), n))
    sigma_month = LB_TRUTH["gap_volatility"] / math.sqrt(12.0)
    theta = 60.0 + sigma_month * math.sqrt(span_months) * rng.standard_normal(n)
    return [{"gap_reversion": 12.0 * k, "equilibrium_gap": th} for k, th in zip(kappa, theta)]


@pytest.fixture(scope="module")
def prior_leaderboard_backtests():
    """120 histories of 6 years, each from its own gap parameters drawn from the fit's prior."""
    return leaderboard_backtests(simulate_leaderboard(120, 72, seed=1_000, truths=prior_truths(120, seed=8)))


def test_leaderboard_backtest_covers_at_nominal_rate_on_simulated_histories(simulated_leaderboard_backtests):
    """At one fixed truth: loose bounds (3 binomial s.e. of independent histories).

    A Bayesian forecast is calibrated on average over its prior (the next test), not at every
    truth. At LB_TRUTH (half-life 5.5 months, 60 monthly points) the prior's lean toward a random
    walk, which keeps short histories sensible, widens the forecast: on 1,000 histories the 90%
    band covers 92.4% +- 0.5% and the 50% band 52.6% +- 0.9% (these 120: 94.5% +- 1.1% and
    59.0% +- 2.4%). Slow truths (half-lives of years) and very fast ones are covered at the
    nominal rate (NumPy simulation of the same posterior)."""
    n = 120
    pooled = simulated_leaderboard_backtests
    m = pooled.summary().loc["model"]
    assert m["n"] == 12 * n
    assert abs(m["coverage_90"] - 0.9) < coverage_bound(0.9, n), m
    assert abs(m["coverage_50"] - 0.5) < coverage_bound(0.5, n), m
    assert abs(m["mean_pit"] - 0.5) < 3 * math.sqrt(1 / 12 / n), m
    # a calibrated forecast with uncertainty beats the point baselines on CRPS in the typical
    # history (median over histories) and on average
    crps = pooled.scores.groupby(["key", "forecaster"])["crps"].mean().unstack()
    assert crps["model"].median() < crps[["last value", "trend"]].median().min()
    assert crps["model"].mean() < crps[["last value", "trend"]].mean().min()


def test_leaderboard_backtest_is_calibrated_on_histories_drawn_from_the_prior(prior_leaderboard_backtests):
    """Truths drawn from the fit's prior: the posterior predictive must cover at the nominal rate
    (interval coverage and PIT histogram within 3.3 s.e. estimated across histories). This checks
    the posterior, the engine's joint rows and the adapter together: a gap volatility drawn 16%
    too small fails it (measured: 81.9% at 90%, 39.2% at 50%). The dependence between the draws
    is checked directly in tests/test_fit_leaderboard.py (a copula of the margins passes here,
    averaged over the prior; it fails the fixed-truth test above and the fit's tests)."""
    pooled = prior_leaderboard_backtests
    assert pooled.summary().loc["model", "n"] == 12 * 120
    check_calibration(pooled)


def test_student_t_backtest_is_calibrated_on_histories_drawn_from_its_prior():
    """The heavy-tailed fit (innovations="student_t") on histories drawn from its own prior: the
    prior_truths above with the degrees of freedom drawn uniformly from DF_GRID, the gap's
    innovations Student t in the engine. Measured: 89.6% / 47.9% on these 120 histories. A Gaussian
    fit passes here too (89.2% / 51.7%): a year ahead sums 12 innovations, close to Gaussian. The
    tails show a month ahead, where the Gaussian fit's 50% band is too wide (56.7% against 49.2%
    for this fit, 120 points: within this test's power), so what recognises heavy tails is
    tests/test_fit_leaderboard.py's test of the degrees of freedom's posterior; this one checks
    that the heavy-tailed posterior is calibrated."""
    from aicast.fit._gap_posterior import DF_GRID

    n = 120
    dfs = np.random.default_rng(9).choice(DF_GRID, n)
    truths = [{**t, "gap_innovation_df": float(d)} for t, d in zip(prior_truths(n, seed=8), dfs)]
    runs = {str(i): ac.backtest("leaderboard", t, cut="2019-12", horizon=12, paths=2_000, seed=i,
                                innovations="student_t")
            for i, t in enumerate(simulate_leaderboard(n, 72, seed=1_000, truths=truths))}
    pooled = ac.Backtest.combine(runs)
    assert pooled.summary().loc["model", "n"] == 12 * n
    check_calibration(pooled)


def test_intermittent_backtest_is_calibrated_on_histories_drawn_from_its_prior():
    """The intermittent-gap fit (innovations="intermittent") on histories drawn from its own prior:
    the prior_truths above with the move probability drawn from its uniform prior, the published
    gap intermittent in the engine. Histories whose 5 fitted years hold fewer than 2 moves cannot
    be fitted and are left out (5 of 120): a selection on the data, which keeps a Bayesian forecast
    calibrated. Measured: 86.7% / 58.8% (1380 points). The forecast has an atom at the last value
    (no move in h months: probability (1 - p)^h), so a central interval holding it over-covers
    when the gap indeed stays flat; the Gaussian fit on the same histories fails here (88.4% /
    65.4%: its bands are too wide in the flat stretches and too narrow across the moves)."""
    n = 120
    ps = np.random.default_rng(11).uniform(0.0, 1.0, n)
    truths = [{**t, "gap_move_probability": float(p)} for t, p in zip(prior_truths(n, seed=8), ps)]
    runs = {}
    for i, t in enumerate(simulate_leaderboard(n, 72, seed=2_000, truths=truths)):
        if int(moved((t["best_closed"] - t["best_open"]).to_numpy()[:60]).sum()) >= 2:
            runs[str(i)] = ac.backtest("leaderboard", t, cut="2019-12", horizon=12, paths=2_000, seed=i,
                                       innovations="intermittent")
    assert len(runs) >= 115, len(runs)
    pooled = ac.Backtest.combine(runs)
    check_calibration(pooled)


def rolling_leaderboard_backtest(name, innovations="gaussian"):
    """Monthly cuts 2024-01..2025-06, the gap up to 6 months ahead (cuts without data before or
    after them skipped: ECI's 2024-01, whose frontier had not moved yet). Deterministic (fixed
    seed); nothing in the fit is tuned on these observations."""
    table = ac.data.load(name)
    return ac.backtest("leaderboard", table, cut=rolling_cuts("2024-01", "2025-06", every=1), horizon=6, paths=4_000,
                       seed=4, skip=True, innovations=innovations)


@pytest.mark.parametrize("name", ["arena_best_monthly", "eci_best_monthly"])
def test_rolling_leaderboard_backtests_on_the_shipped_tables_are_calibrated(name):
    """Coverage in 85-95% (90% band; ECI: see the next test) and 40-60% (50% band), and a mean CRPS
    better than both baselines overall and at every cut but two of the Arena's (measured: Arena
    92.0% (SE 3.5) / 47.7% (SE 10.3), CRPS 21.7 against 31.2 for the trend and 34.0 for the last
    value; ECI 83.3% (SE 6.7) / 45.8% (SE 5.2), CRPS 2.32 against 3.36 and 3.45). The SEs are
    Backtest.summary()'s block bootstrap over the 17-18 cuts (blocks of 6): the scores are
    dependent, so a binomial SE over the 88-96 scores (2.9 and 3.8 at 90%) is too small; with so
    few cuts the bootstrap's own SE is biased low too (about 0.7 of the true SE for AR(1) hits,
    tests/test_backtest_se.py)."""
    bt = rolling_leaderboard_backtest(name)
    m = bt.summary().loc["model"]
    assert m["coverage_90"] <= 0.95, m
    if name == "arena_best_monthly":
        assert m["coverage_90"] >= 0.85, m
    assert 0.40 <= m["coverage_50"] <= 0.60, m
    assert m["crps"] < bt.summary().drop(index="model")["crps"].min()
    per_cut = bt.scores.groupby(["cut", "forecaster"])["crps"].mean().unstack()
    best = per_cut[["last value", "trend"]].min(axis=1)
    lost = [str(c) for c in per_cut.index[per_cut["model"] >= best]]
    # the Arena's 2024-06 cut (8 points; model 23.2 against 22.2 for the last value, on 6 months)
    # and 2025-06 (11.3 against 11.0, on 2 months) go to the last value, which happened to sit
    # near the later gaps
    assert lost == (["2024-06", "2025-06"] if name == "arena_best_monthly" else []), per_cut


@pytest.mark.xfail(reason="ECI's 90% band covers 83.3% of the rolling backtest's observations (80 of 96; SE 6.7 "
                          "from Backtest.summary's block bootstrap over the 17 cuts, so 1.0 SE below 90%: not "
                          "distinguishable from noise on these data, and the bootstrap SE is if anything too small "
                          "with 17 cuts): the "
                          "running-best ECI is a step function whose gap moves in a few large jumps (8.4 to -0.3 "
                          "in five months of 2024, back to 6.5 in one), which a Gaussian OU with a volatility "
                          "estimated from a year of mostly flat months does not cover. The copula's wrong "
                          "dependence hid it (85.4%); the exact posterior is calibrated on data from the model "
                          "(the test above), so the shortfall is the model's, and no setting was tuned on these "
                          "observations to hide it. Student-t gap innovations with the degrees of freedom "
                          "estimated before each cut (innovations='student_t') cover less, 66.7% (64 of 96, SE 13.4: "
                          "1.7 SE below 90%; 50% band 22.9%, SE 6.0): the history to the first cuts (the gap moved in 3 of 11 months to 2024-02) makes the posterior pick "
                          "df 2.5 with a small scale, rare jumps, while in 2024 the gap moved in most months: "
                          "the gap's volatility changed, which no stationary innovation law fitted before the "
                          "cut covers. An intermittent gap (innovations='intermittent': it moves in each month "
                          "with a probability estimated before the cut, exactly flat otherwise) covers 80.2% "
                          "(77 of 96, SE 8.6: 1.1 SE below 90%; 50% band 39.6%, SE 6.7): the rate of moves changed too (2 of 10 months to 2024-01, "
                          "13 of 20 since)",
             raises=AssertionError, strict=True)
@pytest.mark.parametrize("innovations", ["gaussian", "student_t", "intermittent"])
def test_rolling_eci_backtest_90_band_reaches_85_percent(innovations):
    m = rolling_leaderboard_backtest("eci_best_monthly", innovations).summary().loc["model"]
    assert m["coverage_90"] >= 0.85, m


def test_student_t_innovations_on_the_rolling_backtests():
    """The heavy-tailed fit on the shipped tables, as measured (nothing tuned on them): the Arena
    is unchanged within Monte Carlo error (92.0% / 48.9%, CRPS 21.9 against 32.0 and 34.0; the same
    two cuts lost), the ECI's bands are narrower than the Gaussian's, and too narrow (66.7% / 22.9%,
    CRPS 2.56 against 3.37 and 3.45): see the xfail above."""
    arena = rolling_leaderboard_backtest("arena_best_monthly", "student_t")
    m = arena.summary().loc["model"]
    assert 0.85 <= m["coverage_90"] <= 0.95 and 0.40 <= m["coverage_50"] <= 0.60, m
    assert m["crps"] < arena.summary().drop(index="model")["crps"].min()
    eci = rolling_leaderboard_backtest("eci_best_monthly", "student_t").summary()
    assert eci.loc["model", "crps"] < eci.drop(index="model")["crps"].min()
    assert eci.loc["model", "coverage_90"] < 0.8


def test_intermittent_gap_on_the_rolling_backtests():
    """The intermittent-gap fit on the shipped tables, as measured (nothing tuned on them): the
    Arena 92.0% / 45.5%, CRPS 21.7 against 31.2 and 34.0, one cut lost (2024-06); the ECI 80.2% /
    39.6%, CRPS 2.32 against 3.00 and 3.45, one cut lost (2025-01). Better than the Gaussian fit on
    the Arena's cuts lost, no better on the ECI's coverage (83.3%), so not the default (the
    xfail above: the gap moved in 2 of 10 months to 2024-01, in 13 of 20 since)."""
    arena = rolling_leaderboard_backtest("arena_best_monthly", "intermittent")
    m = arena.summary().loc["model"]
    assert 0.85 <= m["coverage_90"] <= 0.95 and 0.40 <= m["coverage_50"] <= 0.60, m
    assert m["crps"] < arena.summary().drop(index="model")["crps"].min()
    eci = rolling_leaderboard_backtest("eci_best_monthly", "intermittent").summary()
    assert eci.loc["model", "crps"] < eci.drop(index="model")["crps"].min()
    assert 0.75 <= eci.loc["model", "coverage_90"] < 0.85, eci


def test_leaderboard_cut_without_an_observation_starts_from_the_latest_one():
    arena = ac.data.arena_best_monthly()  # no rows for 2024-01..2024-05
    bt = ac.backtest("leaderboard", arena, cut="2024-03", horizon=6, paths=4_000, seed=1)
    fit = bt.fits[pd.Period("2024-03", "M")]
    assert fit.last_month == pd.Period("2023-12", "M") and fit.gap_start == 122
    s = bt.scores
    assert [str(m) for m in s.loc[s["forecaster"] == "model", "month"]] == ["2024-06", "2024-07", "2024-08", "2024-09"]
    np.testing.assert_allclose(s.loc[s["forecaster"] == "last value", "median"], 122)
    # the forecast of 2024-06 is six months from the last observation: wider than one month on
    one = ac.backtest("leaderboard", arena[arena["month"] <= "2024-07"].drop(index=arena.index[7]), cut="2024-05",
                      paths=4_000, seed=1)
    assert one.fits[pd.Period("2024-05", "M")].last_month == pd.Period("2023-12", "M")


# --- incidents ---------------------------------------------------------------------------------


def test_incident_backtest_on_the_monthly_table_thins_to_the_export():
    table = ac.data.aiid_monthly()
    bt = ac.backtest("incidents", table, cut="2024-06", paths=4_000, seed=2)
    fit = bt.fits[pd.Period("2024-06", "M")]
    model = bt.scores[bt.scores["forecaster"] == "model"]
    assert fit.lag is None  # the default fit does not use the (unidentified) lag: the export date cuts 2025-03
    comp = _raw_completeness(list(model["month"]), pd.Timestamp("2025-03-28"))
    assert (comp >= 0.25).all()  # months less complete than min_completeness are not scored
    counts = table.set_index("month")["count_2025_03_28"]
    np.testing.assert_allclose(model["observed"], [counts[str(m)] for m in model["month"]])
    # trend baseline = fitted complete-count mean x completeness
    ref = fit.reference_month
    mean = np.array([math.exp(fit.coef[0] + fit.coef[1] * (m - ref).n / 12) for m in model["month"]])
    np.testing.assert_allclose(bt.scores[bt.scores["forecaster"] == "trend"]["median"], mean * comp)
    # the harness's forecast is the engine's complete counts thinned by the completeness:
    # its mean is completeness x the engine's mean (binomial thinning), within Monte Carlo error
    setup = ADAPTERS["incidents"](table, pd.Period("2024-06", "M"))
    res = ac.Scenario(start="2024-06", horizon=setup.observations["month"].max(), seed=4).add(
        *setup.models).run(paths=20_000, keep_paths=True, progress=False)
    idx = np.array([(m - pd.Period("2024-06", "M")).n for m in setup.observations["month"]])
    full = res.paths(setup.series)[:, idx].T
    thinned = setup.transform(full)
    se = np.sqrt(thinned.var(axis=1) / full.shape[1] + (comp**2) * full.var(axis=1) / full.shape[1])
    assert np.all(np.abs(thinned.mean(axis=1) - comp * full.mean(axis=1)) < 4 * se)
    assert np.all(thinned <= full)


def test_incident_backtest_on_the_yearly_table():
    table = ac.data.aiid_yearly()
    bt = ac.backtest("incidents", table, cut="2022-12", start="2015-01", paths=4_000, seed=2)
    model = bt.scores[bt.scores["forecaster"] == "model"]
    # 2023 and 2024 are scored (as December of the year); 2025 is too incomplete in the export
    assert [str(m) for m in model["month"]] == ["2023-12", "2024-12"]
    np.testing.assert_allclose(model["observed"], [155, 251])
    assert model["label"].str.startswith("2023 (").iloc[0]


def simulate_counts(n_datasets, months, base, growth, k, seed):
    """Monthly NB counts with mean base * growth**(t/12) (t in months from the first)."""
    rng = np.random.default_rng(seed)
    labels = pd.period_range("2018-01", periods=months, freq="M").strftime("%Y-%m")
    mu = base * growth ** (np.arange(months) / 12.0)
    for _ in range(n_datasets):
        yield labels, rng.negative_binomial(k, k / (k + mu))


def test_incident_backtest_covers_at_nominal_rate_on_simulated_counts():
    """100 histories of 5 years of NB counts: fit on 4 years, forecast 12 months."""
    n = 100
    runs = {}
    for i, (labels, y) in enumerate(simulate_counts(n, 60, base=40.0, growth=1.4, k=12.0, seed=8)):
        table = pd.DataFrame({"month": labels, "count": y})
        runs[str(i)] = ac.backtest("incidents", table, cut="2021-12", start="2018-01", paths=2_000, seed=i)
    pooled = ac.Backtest.combine(runs)
    m = pooled.summary().loc["model"]
    assert m["n"] == 12 * n
    check_calibration(pooled)


def test_incident_backtest_with_a_known_reporting_lag_covers_at_nominal_rate():
    """Complete counts thinned by a known delay curve as of an export: the backtest fits with the
    lag offset and compares the thinned forecast with the thinned counts."""
    n = 100
    lag = ReportingLag(0.5, 20.0, 400.0, (pd.Timestamp("2022-10-01"), pd.Timestamp("2022-12-31")), 0.0)
    rng = np.random.default_rng(17)
    runs = {}
    for i, (labels, y) in enumerate(simulate_counts(n, 60, base=40.0, growth=1.4, k=12.0, seed=9)):
        comp = lag.completeness(list(labels), "2022-12-31")
        table = pd.DataFrame({"month": labels, "count_2022_12_31": rng.binomial(y, comp)})
        runs[str(i)] = ac.backtest("incidents", table, cut="2021-12", start="2018-01", lag=lag,
                                   paths=2_000, seed=i)
    pooled = ac.Backtest.combine(runs)
    m = pooled.summary().loc["model"]
    assert m["n"] == 12 * n  # completeness of 2022 months at the end of 2022: all above 0.25
    check_calibration(pooled)
    # the forecast's centre is the thinned truth c(m) mu(m), not the complete-count mean mu(m)
    months = pd.period_range("2022-01", "2022-12", freq="M")
    comp = lag.completeness(months, "2022-12-31")
    mu = 40.0 * 1.4 ** (np.arange(48, 60) / 12.0)
    assert comp.min() < 0.6  # the last months are far from complete: the check can tell
    s = pooled.scores[pooled.scores["forecaster"] == "model"]
    centre = s.groupby("month")["median"].mean().reindex(months).to_numpy()
    np.testing.assert_allclose(centre, comp * mu, rtol=0.08)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "table", "cut", "kwargs", "error", "match"),
    [
        ("leaderboard", "arena_best_monthly", "2022-06", {}, CutError, "outside the data range"),
        ("leaderboard", "arena_best_monthly", "2025-08", {}, CutError, "outside the data range"),
        ("leaderboard", "arena_best_monthly", "2023-08", {}, CutError, "too few points"),
        ("leaderboard", "arena_best_monthly", "2024-12", {"observe": "lag"}, ValueError, "observe must be"),
        ("leaderboard", "arena_best_monthly", "2024-12", {"open": "best_x"}, ValueError, "no column 'best_x'"),
        ("leaderboard", "arena_best_monthly", "2024-12", {"horizon": 0}, ValueError, "horizon must be"),
        ("incidents", "aiid_monthly", "1970-01", {}, CutError, "outside the data range"),
        ("incidents", "aiid_monthly", "2025-03", {}, CutError, "outside the data range"),
        ("incidents", "aiid_monthly", "2020-02", {"start": "2020-01"}, CutError, "need at least 6 usable months"),
        ("incidents", "aiid_monthly", "2019-06", {"start": "2020-01"}, CutError, "before the start of the fit window"),
        ("incidents", "aiid_monthly", "2023-06", {"lag": "yes"}, ValueError, "lag must be"),
        ("incidents", "aiid_monthly", "2023-06", {"dispersion": "x"}, ValueError, "dispersion must be"),
        ("incidents", "aiid_yearly", "2022-06", {}, ValueError, "needs a cut in December"),
        ("incidents", "aiid_yearly", "2025-12", {}, CutError, "outside the data range"),
        ("incidents", "aiid_yearly", "2021-12", {"start": "2019-01"}, CutError, "need at least 6 usable years"),
    ],
)
def test_backtest_errors_name_the_problem(kind, table, cut, kwargs, error, match):
    with pytest.raises(error, match=match):
        ac.backtest(kind, ac.data.load(table), cut=cut, paths=100, **kwargs)


def test_incident_table_without_counts_raises():
    with pytest.raises(ValueError, match="'month'.*'year'"):
        ac.backtest("incidents", pd.DataFrame({"when": ["2020-01"], "count": [1]}), cut="2020-01")


def test_rolling_backtests_skip_cuts_that_cannot_be_fitted():
    bt = ac.backtest("leaderboard", ac.data.arena_best_monthly(), cut=["2023-08", "2024-03", "2024-09"],
                     paths=500, skip=True)
    assert list(bt.fits) == [pd.Period("2024-03", "M"), pd.Period("2024-09", "M")]
    assert set(bt.skipped) == {pd.Period("2023-08", "M")}
