"""Fitting the leaderboard-gap model: the exact OU likelihood against SciPy, interval coverage on
data simulated by the engine, the shipped real tables, and input errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import aicast as ac
from aicast.fit.leaderboard import MIN_POINTS

TRUTH = dict(closed_drift_per_month=8.0, closed_volatility=50.0, gap_reversion=1.5, equilibrium_gap=40.0,
             gap_volatility=60.0, innovation_correlation=0.5)


def months_of(table):
    p = pd.PeriodIndex(table["month"], freq="M")
    return np.asarray(p.year * 12 + p.month - 1, dtype=float)


def ou_negloglik(p, g, dt):
    """Exact negative log-likelihood of an OU process at irregular times (independent of the package)."""
    kappa, theta, sigma = np.exp(p[0]), p[1], np.exp(p[2])
    mean = theta + (g[:-1] - theta) * np.exp(-kappa * dt)
    sd = sigma * np.sqrt((1 - np.exp(-2 * kappa * dt)) / (2 * kappa))
    return -np.sum(stats.norm.logpdf(g[1:], mean, sd))


def simulate(n_datasets, months, seed, missing, truth=TRUTH, scale="elo", start_values=(1300.0, 100.0)):
    """Datasets from the engine: each path's latent frontier and gap, with random months dropped.

    The fitter reads the best closed score as the latent frontier L and closed - open as the gap G,
    so the table holds L and L - G."""
    lb = ac.LeaderboardGap("lb", closed_start=start_values[0], gap_start=start_values[1], scale=scale, **truth)
    start = pd.Period("2015-01", freq="M")
    sc = ac.Scenario(start, start + (months - 1), seed=seed)
    sc.add(lb)
    res = sc.run(paths=n_datasets, progress=False, keep_paths=True)
    latent, gap = res.paths("lb.closed_latent"), res.paths("lb.gap")
    rng = np.random.default_rng(seed)
    labels = pd.period_range(start, periods=months, freq="M").strftime("%Y-%m")
    for d in range(n_datasets):
        keep = rng.random(months) >= missing
        yield pd.DataFrame({"month": labels[keep], "best_closed": latent[d, keep],
                            "best_open": (latent[d] - gap[d])[keep]})


def test_mle_matches_scipy_on_the_real_arena_table():
    table = ac.data.load("arena_best_monthly")
    fit = ac.fit.leaderboard_gap(table)
    t = months_of(table)
    dt = np.diff(t)
    assert dt.max() == 6  # 2024-01 .. 2024-05 are missing: one transition spans six months
    g = (table["best_closed"] - table["best_open"]).to_numpy()
    e = fit.estimates["estimate"]
    x0 = [np.log(1.0), np.mean(g), np.log(np.std(np.diff(g)))]
    opt = optimize.minimize(ou_negloglik, x0, args=(g, dt), method="Nelder-Mead",
                            options=dict(xatol=1e-10, fatol=1e-12, maxiter=20_000, maxfev=40_000))
    kappa, theta, sigma = np.exp(opt.x[0]), opt.x[1], np.exp(opt.x[2])
    np.testing.assert_allclose(e["gap_reversion"], 12 * kappa, rtol=1e-5)
    np.testing.assert_allclose(e["equilibrium_gap"], theta, rtol=1e-5)
    np.testing.assert_allclose(e["gap_volatility"], np.sqrt(12) * sigma, rtol=1e-5)
    np.testing.assert_allclose(fit.loglik, -opt.fun, rtol=1e-9)
    # the 90% interval of the reversion is the profile-likelihood interval: at each end the
    # likelihood maximised over (theta, sigma) by SciPy sits chi2_1(0.9)/2 below the maximum
    for k_end in fit.estimates.loc["gap_reversion", ["lo90", "hi90"]]:
        prof = optimize.minimize(lambda q, k=k_end: ou_negloglik([np.log(k / 12), q[0], q[1]], g, dt),
                                 opt.x[1:], method="Nelder-Mead", options=dict(xatol=1e-10, fatol=1e-12))
        np.testing.assert_allclose(2 * (prof.fun - opt.fun), stats.chi2.ppf(0.9, 1), rtol=1e-4)
    # the frontier: drift = total rise / elapsed months, Student-t interval with n - 2 df
    c = table["best_closed"].to_numpy()
    drift = (c[-1] - c[0]) / (t[-1] - t[0])
    np.testing.assert_allclose(e["closed_drift_per_month"], drift, rtol=1e-12)
    var = np.sum((np.diff(c) - drift * dt) ** 2 / dt) / (len(c) - 2)
    np.testing.assert_allclose(e["closed_volatility"], np.sqrt(12 * var), rtol=1e-12)
    se = np.sqrt(var / (t[-1] - t[0]))
    lo, hi = fit.estimates.loc["closed_drift_per_month", ["lo90", "hi90"]]
    # its prior is that Student t truncated at 0 (the model needs a rising frontier)
    t_lo = stats.t(len(c) - 2, drift, se)
    mass = t_lo.sf(0)
    np.testing.assert_allclose([lo, hi], t_lo.ppf([t_lo.cdf(0) + 0.05 * mass, t_lo.cdf(0) + 0.95 * mass]), rtol=1e-6)
    # innovation correlation: Pearson correlation of the standardized residuals at the MLE
    a = np.exp(-kappa * dt)
    r_g = (g[1:] - theta - a * (g[:-1] - theta)) / np.sqrt((1 - a * a) / (2 * kappa))
    r_c = (np.diff(c) - drift * dt) / np.sqrt(dt)
    np.testing.assert_allclose(e["innovation_correlation"], stats.pearsonr(r_c, r_g)[0], rtol=1e-5)
    assert fit.last_month == pd.Period("2025-08", freq="M")
    assert fit.closed_start == 1470 and fit.gap_start == 36


def test_intervals_cover_the_truth_at_close_to_nominal_rate():
    """300 datasets of 10 years from the engine, a quarter of the months missing at random: each
    90% interval must contain the true value in 90% +- 3 binomial s.e. (0.017) of the datasets.
    (Wald intervals of the reversion cover only ~82% here: its MLE is biased upwards.)"""
    n = 300
    hits = {k: 0 for k in TRUTH}
    est = {k: [] for k in TRUTH}
    for table in simulate(n, 121, seed=21, missing=0.25):
        fit = ac.fit.leaderboard_gap(table)
        for k, v in TRUTH.items():
            lo, hi = fit.estimates.loc[k, ["lo90", "hi90"]]
            hits[k] += lo <= v <= hi
            est[k].append(fit.estimates.loc[k, "estimate"])
    half = 3 * math.sqrt(0.9 * 0.1 / n)
    for k in TRUTH:
        assert abs(hits[k] / n - 0.9) < half, (k, hits[k] / n)
    # unbiased estimators of the drift and the long-run gap: their means are within 4 s.e.
    for k in ("closed_drift_per_month", "equilibrium_gap"):
        x = np.array(est[k])
        assert abs(x.mean() - TRUTH[k]) < 4 * x.std() / math.sqrt(n), (k, x.mean())
    # the volatilities are consistent: within 3% on average
    for k in ("closed_volatility", "gap_volatility"):
        assert abs(np.mean(est[k]) / TRUTH[k] - 1) < 0.03


def test_percent_scale_fit_recovers_logit_parameters():
    truth = dict(closed_drift_per_month=0.02, closed_volatility=0.15, gap_reversion=1.0, equilibrium_gap=0.3,
                 gap_volatility=0.25, innovation_correlation=-0.3)
    (table,) = simulate(1, 600, seed=4, missing=0.1, truth=truth, scale="percent", start_values=(40.0, 8.0))
    # the engine publishes percent, so the table is percent and the fit goes back to logits
    assert table["best_closed"].between(0, 100).all()
    fit = ac.fit.leaderboard_gap(table, scale="percent")
    for k, v in truth.items():
        lo, hi = fit.estimates.loc[k, ["lo90", "hi90"]]
        # 99.9% intervals from the 90% ones (wider by 3.29 / 1.645) must hold the truth
        mid, half = (lo + hi) / 2, (hi - lo) / 2 * 2.0
        assert abs(v - mid) < half, (k, v, lo, hi)
    assert fit.model("b").scale == "percent"


def test_fit_plugs_into_a_forecast_with_parameter_uncertainty():
    fit = ac.fit.leaderboard_gap(ac.data.load("arena_best_monthly"))
    sc = ac.Scenario(start=fit.last_month, horizon="2030-12", seed=2)
    sc.add(fit.model("lb"))
    res = sc.run(paths=20_000, progress=False)
    q = res.quantiles("lb.gap")
    assert q.iloc[0].nunique() == 1 and q.iloc[0, 0] == 36
    assert np.all(np.isfinite(q.to_numpy()))
    # a path's reversion and equilibrium are correlated draws (copula from the estimates)
    assert fit.priors["gap_reversion"].correlation is not None
    fixed = fit.model("lb", gap_reversion=fit.estimates.loc["gap_reversion", "estimate"],
                      equilibrium_gap=fit.estimates.loc["equilibrium_gap", "estimate"],
                      gap_volatility=fit.estimates.loc["gap_volatility", "estimate"])
    sc2 = ac.Scenario(start=fit.last_month, horizon="2030-12", seed=2).add(fixed)
    res2 = sc2.run(paths=20_000, progress=False)
    # parameter uncertainty widens the long-run spread of the gap
    assert res.std("lb.gap").iloc[-1] > 1.05 * res2.std("lb.gap").iloc[-1]


@pytest.mark.parametrize("name", ["arena_best_snapshots", "eci_best_monthly"])
def test_fits_the_other_shipped_tables(name):
    table = ac.data.load(name)
    fit = ac.fit.leaderboard_gap(table)
    assert fit.n_obs == int((table["best_closed"].notna() & table["best_open"].notna()).sum())
    e = fit.estimates
    assert np.all(e["lo90"] < e["estimate"] + 1e-12) and np.all(e["estimate"] < e["hi90"] + 1e-12)
    assert e.loc["gap_reversion", "estimate"] > 0
    if name == "arena_best_snapshots":
        # dates, not months: irregular spacing in days
        assert fit.span_months == pytest.approx((table["snapshot"].iloc[-1] - table["snapshot"].iloc[0]).days
                                                / (365.25 / 12))


# --- errors ---------------------------------------------------------------------------------


def base_table():
    return ac.data.load("arena_best_monthly")[["month", "best_closed", "best_open"]].copy()


def test_unsorted_dates_raise():
    t = base_table()
    t = t.iloc[[0, 2, 1] + list(range(3, len(t)))]
    with pytest.raises(ValueError, match=r"must be sorted by 'month': 2023-07 comes after 2023-08"):
        ac.fit.leaderboard_gap(t)


def test_duplicate_dates_raise():
    t = base_table()
    t = pd.concat([t.iloc[:3], t.iloc[[2]], t.iloc[3:]])
    with pytest.raises(ValueError, match=r"duplicate times in 'month': 2023-08 appears twice"):
        ac.fit.leaderboard_gap(t)


def test_too_few_points_raise():
    t = base_table().iloc[: MIN_POINTS - 1]
    with pytest.raises(ValueError, match=rf"too few points to fit: need at least {MIN_POINTS} .* got {MIN_POINTS - 1}"):
        ac.fit.leaderboard_gap(t)
    t = base_table()
    t.loc[t.index[3:], "best_open"] = np.nan  # rows missing a score do not count
    with pytest.raises(ValueError, match="too few points to fit"):
        ac.fit.leaderboard_gap(t)


@pytest.mark.parametrize(
    ("kwargs", "table_change", "match"),
    [
        ({"closed": "elo"}, None, r"no column 'elo'"),
        ({}, "drop_month", r"no time column"),
        ({"scale": "logit"}, None, r"scale must be 'elo' or 'percent', got 'logit'"),
        ({"scale": "percent"}, None, r"scale 'percent' needs scores in \(0, 100\), got 1227"),
        ({}, "falling", r"the closed score falls over the table"),
        ({}, "bad_month", r"column 'month' must hold months"),
    ],
)
def test_bad_tables_raise_naming_the_problem(kwargs, table_change, match):
    t = base_table()
    if table_change == "drop_month":
        t = t.drop(columns="month")
    elif table_change == "falling":
        t["best_closed"] = 2000 - 10 * np.arange(len(t)) + np.tile([0.5, -0.5], len(t))[: len(t)]
    elif table_change == "bad_month":
        t["month"] = [f"m{i}" for i in range(len(t))]
    with pytest.raises(ValueError, match=match):
        ac.fit.leaderboard_gap(t, **kwargs)


def test_a_gap_without_mean_reversion_is_flagged_and_a_constant_gap_refused():
    rng = np.random.default_rng(0)
    n = 30
    months = pd.period_range("2020-01", periods=n, freq="M").strftime("%Y-%m")
    c = 1000 + 5 * np.arange(n) + rng.normal(0, 10, n).cumsum()
    explosive = 10 * 1.15 ** np.arange(n) + rng.normal(0, 3, n)
    fit = ac.fit.leaderboard_gap(pd.DataFrame({"month": months, "best_closed": c, "best_open": c - explosive}))
    assert any("no mean reversion" in note for note in fit.notes)
    assert "note: the gap shows no mean reversion" in repr(fit)
    with pytest.raises(ValueError, match="the gap is constant over the table"):
        ac.fit.leaderboard_gap(pd.DataFrame({"month": months, "best_closed": c, "best_open": c - 20}))


def test_table_must_be_a_dataframe():
    with pytest.raises(TypeError, match="pandas DataFrame"):
        ac.fit.leaderboard_gap([1, 2, 3])
