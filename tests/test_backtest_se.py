"""Standard errors of backtest coverage (aicast.backtest._coverage_se): a moving-block bootstrap over
cuts, checked on simulated score tables with known dependence (independent scores, scores
perfectly dependent within a cut, hits serially dependent across cuts), seeded, with tolerances
from the number of replicates and of simulated tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import aicast as ac
from aicast.backtest import _coverage_se
from aicast.backtest._coverage_se import REPLICATES, default_block

#: Relative standard deviation of a bootstrap variance from REPLICATES replicates (the resampled
#: coverage is close to normal: Var(s^2) / sigma^4 = 2 / (R - 1)).
MC_VAR = math.sqrt(2.0 / (REPLICATES - 1))


def table(cut_of_score, lead_of_score, in_50, in_90, first="2000-01", key=None):
    """A Backtest of one forecaster, "model", from per-score cut indices (months after ``first``),
    lead times in months and hits."""
    c0 = pd.Period(first, "M")
    cuts = [c0 + int(c) for c in cut_of_score]
    months = [c + int(lead) for c, lead in zip(cuts, lead_of_score)]
    n = len(cuts)
    scores = pd.DataFrame({"cut": cuts, "month": months, "label": "", "observed": 0.0, "forecaster": "model",
                           "pit": 0.5, "in_50": np.asarray(in_50, bool), "in_90": np.asarray(in_90, bool),
                           "crps": 1.0, "pinball": 1.0, "median": 0.0, "q05": 0.0, "q95": 0.0})
    if key is not None:
        scores["key"] = key
    fits = {c: None for c in sorted(set(cuts))}
    return ac.Backtest(scores=scores, fits=fits, model_kind="synthetic", paths=n, seed=0)


def mean_variance_check(ses, want_var, z=4.0):
    """The mean bootstrap variance over independent tables equals ``want_var`` within ``z`` of its
    standard error, estimated from the spread across tables (which holds both the data's and the
    replicates' randomness)."""
    v = np.square(np.asarray(ses, dtype=float))
    tol = z * v.std(ddof=1) / math.sqrt(len(v))
    assert abs(v.mean() - want_var) < tol, (v.mean(), want_var, tol)
    return v.mean()


# --- independent scores ----------------------------------------------------------------------------


def test_independent_scores_give_the_binomial_standard_error():
    """One score per monthly cut, lead 1 month (block 1), hits iid Bernoulli(p): the block bootstrap
    is the ordinary bootstrap, whose variance is p_hat (1 - p_hat) / n. One table: equal to that
    plug-in within the replicates' Monte Carlo error. 60 tables: the mean bootstrap variance equals
    E[p_hat (1 - p_hat)] / n = p (1 - p) (1 - 1/n) / n within 4 standard errors."""
    n, n_tables = 400, 60
    rng = np.random.default_rng(1)
    ses = {0.5: [], 0.9: []}
    for t in range(n_tables):
        h50, h90 = rng.random(n) < 0.5, rng.random(n) < 0.9
        bt = table(np.arange(n), np.ones(n), h50, h90)
        m = bt.summary().loc["model"]
        for p, h in ((0.5, h50), (0.9, h90)):
            se = m[f"coverage_{round(p * 100)}_se"]
            ses[p].append(se)
            if t == 0:
                plug_in = math.sqrt(h.mean() * (1 - h.mean()) / n)
                assert abs(se / plug_in - 1) < 4 * MC_VAR / 2, (se, plug_in)
    for p in (0.5, 0.9):
        mean_variance_check(ses[p], p * (1 - p) * (1 - 1 / n) / n)


# --- scores perfectly dependent within a cut ----------------------------------------------------


def test_scores_sharing_one_hit_per_cut_give_the_standard_error_of_the_cuts():
    """Cuts every 10 months, k = 2..10 scores each (leads 1..k: no overlap, block 1), all scores of a
    cut share one Bernoulli(p) hit. The coverage is sum k_c h_c / sum k_c, whose variance is
    p (1 - p) sum k_c^2 / (sum k_c)^2: about sqrt(mean k) times the naive binomial SE over all
    scores. A bootstrap that resampled scores instead of cuts would give the naive one (2.4x too
    small here) and fail."""
    n_cuts, n_tables, p = 150, 60, 0.9
    rng = np.random.default_rng(2)
    k = rng.integers(2, 11, n_cuts)
    cut_of = np.repeat(np.arange(n_cuts) * 10, k)
    lead = np.concatenate([np.arange(1, kk + 1) for kk in k])
    assert default_block(cut_of, lead) == 1
    want = p * (1 - p) * np.sum(k**2) / np.sum(k) ** 2
    naive = p * (1 - p) / np.sum(k)
    assert math.sqrt(want / naive) > 2.3
    ses = []
    for _ in range(n_tables):
        hit = np.repeat(rng.random(n_cuts) < p, k)
        ses.append(table(cut_of, lead, hit, hit).summary().loc["model", "coverage_90_se"])
    # the bootstrap of the ratio to first order: sum_c k_c^2 (h_c - p_hat)^2 / (sum k)^2, whose
    # expectation over the data is p (1 - p) [K2 - 2 K3 / K1 + K2^2 / K1^2] / K1^2 (K_j = sum k^j)
    k1, k2, k3 = (float(np.sum(k.astype(float) ** j)) for j in (1, 2, 3))
    mean_variance_check(ses, p * (1 - p) * (k2 - 2 * k3 / k1 + k2**2 / k1**2) / k1**2)


def test_per_cut_standard_errors():
    """by_cut=True: the effective-n binomial SE from the hits' autocovariance by lead distance,
    pooled over cuts. Scores perfectly dependent within each cut: effective n = 1, SE =
    sqrt(p (1 - p)) with p the pooled coverage. Independent scores: the naive
    sqrt(p (1 - p) / n_c), within the noise of the pooled autocovariances (their sum over a cut's
    pairs has relative sd about sqrt(2 / cuts) against n_c p (1 - p))."""
    n_cuts, k = 200, 8
    rng = np.random.default_rng(3)
    cut_of = np.repeat(np.arange(n_cuts), k)
    lead = np.tile(np.arange(1, k + 1), n_cuts)
    shared = np.repeat(rng.random(n_cuts) < 0.7, k)
    iid = rng.random(n_cuts * k) < 0.7
    by = table(cut_of, lead, iid, shared).summary(by_cut=True)
    assert by.index.names == ["cut", "forecaster"] and len(by) == n_cuts
    assert by.index.get_level_values("cut").tolist() == [pd.Period("2000-01", "M") + i for i in range(n_cuts)]
    p = shared.mean()
    np.testing.assert_allclose(by["coverage_90_se"], math.sqrt(p * (1 - p)), rtol=1e-12)
    p = iid.mean()
    naive = math.sqrt(p * (1 - p) / k)
    ratio = by["coverage_50_se"].to_numpy() / naive
    assert np.all(ratio >= 1 - 1e-12) and np.all(ratio < 1 + 4 * math.sqrt(2 / n_cuts) / 2), ratio
    # a single cut: NaN (its own hits cannot show their dependence), per cut and overall
    one = table(np.zeros(k), np.arange(1, k + 1), iid[:k], shared[:k])
    assert one.summary(by_cut=True)[["coverage_50_se", "coverage_90_se"]].isna().all().all()
    assert one.summary()[["coverage_50_se", "coverage_90_se"]].isna().all().all()
    assert "SE n/a: one cut" in repr(one)


# --- hits serially dependent across cuts ------------------------------------------------------


def ar1_hits(rng, n_hist, n_cuts, phi):
    z = np.empty((n_hist, n_cuts))
    z[:, 0] = rng.standard_normal(n_hist)
    eps = rng.standard_normal((n_hist, n_cuts)) * math.sqrt(1 - phi**2)
    for c in range(1, n_cuts):
        z[:, c] = phi * z[:, c - 1] + eps[:, c]
    return z


def hit_covariance(n_cuts, phi, q):
    """Covariance matrix of 1{z_c < q} for a stationary Gaussian AR(1) z (exact: bivariate normal)."""
    p = stats.norm.cdf(q)
    lags = np.zeros(n_cuts)
    lags[0] = p * (1 - p)
    for k in range(1, n_cuts):
        r = phi**k
        if r < 1e-12:
            break
        both = stats.multivariate_normal([0.0, 0.0], [[1.0, r], [r, 1.0]]).cdf([q, q])
        lags[k] = both - p * p
    i = np.arange(n_cuts)
    return lags[np.abs(i[:, None] - i[None, :])]


def mbb_expected_variance(cov, block):
    """E over the data of the bootstrap's variance of the mean (infinitely many replicates): each of
    the C / b blocks is one of the C - b + 1 block sums e_s' h drawn uniformly, so Var* = (C / b) / C^2
    times the population variance of the block sums, a quadratic form h' A h with E = tr(A cov)."""
    c = cov.shape[0]
    m = c - block + 1
    e = np.zeros((m, c))
    for s in range(m):
        e[s, s:s + block] = 1.0
    a = e.T @ e / m - np.outer(e.mean(axis=0), e.mean(axis=0))
    return (c // block) / c**2 * float(np.trace(a @ cov))


def test_serially_dependent_cuts():
    """Thresholded AR(1) hits across 240 monthly cuts (latent lag-1 correlation 0.5), one score
    per cut at lead 12 months: the default block is 12 cuts. The true SE of the coverage (exact,
    from bivariate normal orthant probabilities; checked against 20,000 simulated histories) is
    1.37x (90%) and 1.52x (50%) the naive binomial one. Over 100 histories the bootstrap's mean
    variance equals its exact expectation tr(A cov) (the block bootstrap as a quadratic form)
    within 4 standard errors estimated across histories, and that expectation is the long-run
    variance less the block bootstrap's known downward bias (the Bartlett window of width 12
    down-weights lag k by 1 - k/12; 0.88 of the true variance at 90%, 0.86 at 50%: SEs 6% and 7%
    low): the test requires 0.8-1.0 and a mean SE at least 1.2x the naive one. Short backtests are
    worse: with 18 cuts and blocks of 6 (the rolling leaderboard backtests) the expectation is
    0.50 and 0.47 of the true variance (SEs about 0.7 of the true ones), as the variance of a mean
    estimated from about three independent blocks is; asserted below from the exact expectation."""
    n_cuts, phi, n_hist = 240, 0.5, 100
    rng = np.random.default_rng(4)
    z = ar1_hits(rng, n_hist, n_cuts, phi)
    cut_of, lead = np.arange(n_cuts), np.full(n_cuts, 12)
    assert default_block(cut_of, lead) == 12
    ses = np.array([table(cut_of, lead, zz < 0.0, zz < stats.norm.ppf(0.9)).summary()
                    .loc["model", ["coverage_50_se", "coverage_90_se"]].to_numpy(dtype=float) for zz in z])
    big = ar1_hits(rng, 20_000, n_cuts, phi)
    for j, p in enumerate((0.5, 0.9)):
        q = stats.norm.ppf(p)
        cov = hit_covariance(n_cuts, phi, q)
        true_var = cov.sum() / n_cuts**2
        sim_sd = (big < q).mean(axis=1).std(ddof=1)
        # the simulated sd of the estimator itself: relative error 1 / sqrt(2 * 20,000) = 0.5%
        assert abs(sim_sd / math.sqrt(true_var) - 1) < 4 / math.sqrt(2 * 20_000)
        naive_var = p * (1 - p) / n_cuts
        assert math.sqrt(true_var / naive_var) > 1.3
        want = mbb_expected_variance(cov, 12)
        v = ses[:, j] ** 2
        assert abs(v.mean() - want) < 4 * v.std(ddof=1) / math.sqrt(n_hist), (v.mean(), want)
        assert 0.8 < want / true_var < 1.0, want / true_var
        assert ses[:, j].mean() > 1.2 * math.sqrt(naive_var)
        short = hit_covariance(18, phi, q)
        assert 0.4 < mbb_expected_variance(short, 6) / (short.sum() / 18**2) < 0.55


# --- determinism, combine, errors --------------------------------------------------------------


def test_standard_errors_are_deterministic_and_move_every_key_with_its_cut():
    rng = np.random.default_rng(5)
    cut_of = np.repeat(np.arange(24), 6)
    lead = np.tile(np.arange(1, 7), 24)
    h50, h90 = rng.random(144) < 0.5, rng.random(144) < 0.9
    bt = table(cut_of, lead, h50, h90)
    a, b = bt.summary(), bt.summary()
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["n", "coverage_50", "coverage_50_se", "coverage_90", "coverage_90_se", "crps",
                               "pinball", "mean_pit"]
    assert default_block(cut_of, lead) == 6
    # a backtest combined with a copy of itself: every key of a drawn cut moves with it, so the
    # replicates' coverages, and the SEs, are exactly those of one copy (resampling keys
    # independently would shrink them by about sqrt(2))
    both = ac.Backtest.combine({"a": bt, "b": table(cut_of, lead, h50, h90)})
    np.testing.assert_allclose(both.summary()[["coverage_50_se", "coverage_90_se"]],
                               a[["coverage_50_se", "coverage_90_se"]], rtol=1e-12)
    # a different block changes the numbers, the same block reproduces them
    assert bt.summary(block=3).loc["model", "coverage_90_se"] != a.loc["model", "coverage_90_se"]
    assert bt.summary(block=6).equals(a)
    # by_cut rows follow summary(by_cut=True)'s index, one per (cut, forecaster)
    by = both.summary(by_cut=True)
    assert len(by) == 24 and by[["coverage_50_se", "coverage_90_se"]].notna().all().all()


def test_block_errors_name_the_problem():
    bt = table(np.arange(10), np.ones(10), np.ones(10), np.ones(10))
    with pytest.raises(ValueError, match="block must be a positive integer, got 0"):
        bt.summary(block=0)
    with pytest.raises(ValueError, match=r"block must be at most half the number of cuts \(5 of 10\), got 6"):
        bt.summary(block=6)
    assert _coverage_se.coverage_se(bt.scores).loc["model"].tolist() == [0.0, 0.0]  # every score covered
