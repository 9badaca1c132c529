"""The leaderboard gap with intermittent moves (gap_move_probability): the engine against a NumPy
replica from the same draws and against closed forms of the move law, and the fit's exact
posterior against brute-force integration of the likelihood."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from aicast._engine import testing as T
from scipy import special, stats

import aicast as ac
from aicast.fit._gap_posterior import KAPPA_MAX, KAPPA_MIN, gap_posterior_moves

DT = 1.0 / 12.0
BASE = dict(closed_start=1400, gap_start=50, closed_drift_per_month=5, closed_volatility=30, gap_reversion=1.5,
            equilibrium_gap=40, gap_volatility=60, innovation_correlation=0.3)


def run(model, months=13, paths=2000, seed=1, **kw):
    start = pd.Period("2025-08", freq="M")
    sc = ac.Scenario(start=start, horizon=start + (months - 1), seed=seed)
    sc.add(model)
    return sc.run(paths=paths, progress=False, keep_paths=True, **kw)


def test_moving_every_month_is_the_model_without_moves_bit_for_bit():
    """gap_move_probability=1 (every uniform in [0, 1) is below it) gives the same numbers in every
    series as the model without the parameter; None is the model without it; p < 1 differs."""
    ref = run(ac.LeaderboardGap("lb", **BASE))
    for p in (1.0, None):
        got = run(ac.LeaderboardGap("lb", **BASE, gap_move_probability=p))
        for s in ("lb.gap", "lb.open", "lb.closed", "lb.lag_months", "lb.closed_latent"):
            np.testing.assert_array_equal(got.paths(s), ref.paths(s))
    assert "gap_move_probability" not in ac.LeaderboardGap("lb", **BASE).params
    some = run(ac.LeaderboardGap("lb", **BASE, gap_move_probability=0.5))
    assert not np.array_equal(some.paths("lb.gap"), ref.paths("lb.gap"))
    np.testing.assert_array_equal(some.paths("lb.closed"), ref.paths("lb.closed"))


@pytest.mark.parametrize("scale", ["elo", "percent"])
def test_engine_matches_a_numpy_replica_with_intermittent_moves(scale):
    """The published gap takes the latent OU gap's value when the uniform of noise stream 0x8002 at
    (path, month) is below p, else keeps its value: a NumPy replica from the same draws, with
    Student-t innovations on top and a latent gap starting d from the published one (all options)."""
    n, months, seed, nu, p = 2000, 13, 23, 4.0, 0.35
    pct = scale == "percent"
    c0, g0, mu, vc, k, th, vg, rho = (70.0, 8.0, 0.03, 0.2, 0.8, 0.2, 0.4, 0.6) if pct else (
        1300.0, 90.0, 4.0, 40.0, 0.8, 25.0, 55.0, 0.6)
    d = 0.15 if pct else 12.0
    lb = ac.LeaderboardGap("lb", closed_start=c0, gap_start=g0, closed_drift_per_month=mu, closed_volatility=vc,
                           gap_reversion=k, equilibrium_gap=th, gap_volatility=vg, innovation_correlation=rho,
                           gap_innovation_df=nu, gap_move_probability=p, gap_latent_offset=d, scale=scale)
    res = run(lb, months=months, paths=n, seed=seed)
    key = T.named_key(seed, "model:lb")
    a = np.exp(-k * DT)
    s = vg * np.sqrt((1 - a * a) / (2 * k))
    logit = (lambda x: np.log(x / (100 - x))) if pct else (lambda x: x)
    L = np.full(n, logit(c0))
    C = L.copy()
    H = L - logit(c0 - g0)
    G = H + d
    shape = np.full(n, 0.5 * nu)
    for m in range(1, months):
        z0, z1, _ = T.normal_block(seed=key, first=0, n=n, month=m, stream=0x8000)
        w = T.gamma_block(seed=key, first=0, month=m, stream=0x8001, shape=shape)
        u, _ = T.uniform_pair_block(seed=key, first=0, n=n, month=m, stream=0x8002)
        L = L + mu + vc * np.sqrt(DT) * z0
        C = np.maximum(C, L)
        G = th + a * (G - th) + (s * rho * z0 + s * np.sqrt(1 - rho**2) * z1) * np.sqrt(0.5 * nu / w)
        H = np.where(u < p, G, H)
        if pct:
            got = logit(res.paths("lb.closed")[:, m]) - logit(res.paths("lb.open")[:, m])
            np.testing.assert_allclose(got, H, rtol=1e-7, atol=1e-7)
        else:
            np.testing.assert_allclose(res.paths("lb.gap")[:, m], H, rtol=1e-11, atol=1e-9)
            np.testing.assert_allclose(res.paths("lb.open")[:, m], C - H, rtol=1e-12)
        np.testing.assert_allclose(res.paths("lb.lag_months")[:, m], H / mu, rtol=1e-9, atol=1e-9)


def test_moves_follow_the_intermittent_law():
    """Each month the gap moves with probability p independently (the share of months with a move
    within 4 binomial s.e.; the chance of a move after a move equals the chance after a flat
    month), flat months are exactly flat, and a move after k - 1 flat months is the exact OU
    transition over k months from the last published value (standardized, N(0, 1) by a KS test,
    k = 1, 2, 3)."""
    n, p, k, th, sg = 40_000, 0.3, 1.5, 40.0, 60.0
    lb = ac.LeaderboardGap("lb", **{**BASE, "gap_reversion": k, "equilibrium_gap": th, "gap_volatility": sg},
                           gap_move_probability=p)
    G = run(lb, months=13, paths=n, seed=7).paths("lb.gap")
    moved = np.diff(G, axis=1) != 0
    tot = moved.size
    assert abs(moved.mean() - p) < 4 * math.sqrt(p * (1 - p) / tot)
    after_move = moved[:, 1:][moved[:, :-1]].mean()
    after_flat = moved[:, 1:][~moved[:, :-1]].mean()
    se = math.sqrt(p * (1 - p) * (1 / moved[:, :-1].sum() + 1 / (~moved[:, :-1]).sum()))
    assert abs(after_move - after_flat) < 4 * se
    # month 1: the first move is a k-month OU transition from the start (a move at month 0)
    for gapk in (1, 2, 3):
        # paths flat in months 1..gapk-1 and moving in month gapk
        sel = moved[:, gapk - 1] & ~moved[:, : gapk - 1].any(axis=1)
        a = np.exp(-k * DT * gapk)
        sd = sg * math.sqrt((1 - a * a) / (2 * k))
        e = (G[sel, gapk] - th - a * (G[sel, 0] - th)) / sd
        assert sel.sum() > 2000
        assert stats.kstest(e, "norm").pvalue > 1e-3, gapk


def test_intermittent_gap_same_numbers_for_any_threads_and_chunks():
    lb = ac.LeaderboardGap("lb", **BASE, gap_move_probability=ac.beta(2, 3))
    a = run(lb, months=20, paths=4000, threads=1, chunk_size=333)
    b = run(lb, months=20, paths=4000, threads=2, chunk_size=1024)
    np.testing.assert_array_equal(a.paths("lb.gap"), b.paths("lb.gap"))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (0, r"leaderboard_gap 'lb': gap_move_probability must be in \(0, 1\], got 0"),
        (1.5, r"leaderboard_gap 'lb': gap_move_probability must be in \(0, 1\], got 1.5"),
        (ac.normal(0.5, 0.2), r"gap_move_probability must be in \(0, 1\], but its prior .* allows"),
    ],
)
def test_bad_move_probability_raises_naming_it(value, match):
    with pytest.raises(ValueError, match=match):
        ac.Scenario(start="2025-08", horizon="2025-10").add(
            ac.LeaderboardGap("lb", **BASE, gap_move_probability=value)).run(paths=10, progress=False)


def test_latent_offset_needs_moves():
    with pytest.raises(ValueError, match="gap_latent_offset needs gap_move_probability"):
        ac.Scenario(start="2025-08", horizon="2025-10").add(
            ac.LeaderboardGap("lb", **BASE, gap_latent_offset=3.0)).run(paths=10, progress=False)


# --- the fit ----------------------------------------------------------------------------------


def test_intermittent_fit_on_eci():
    """innovations="intermittent" on the running-best ECI: the move probability's posterior is the
    Beta(1 + moves, 1 + flat months) of its uniform prior, the months since the last move are
    counted, and a model starting at or after the data end runs, its gap flat in about 1 - p of
    the months."""
    eci = ac.data.eci_best_monthly()
    fit = ac.fit.leaderboard_gap(eci, innovations="intermittent")
    gap = (eci["best_closed"] - eci["best_open"]).dropna().to_numpy()
    moves = int((np.diff(gap) != 0).sum())
    flat = len(gap) - 1 - moves
    p = fit.draws["gap_move_probability"]
    assert abs(p.mean() - (1 + moves) / (2 + len(gap) - 1)) < 4 * p.std() / math.sqrt(len(p)) + 1e-3
    last_move = int(np.flatnonzero(np.diff(gap) != 0)[-1]) + 1
    assert fit.months_since_move == len(gap) - 1 - last_move
    assert "gap_move_probability" in fit.estimates.index and flat > 0
    for start in (None, fit.last_month, fit.last_month + 3):
        m = fit.model("lb", start=start)
        assert {"gap_move_probability", "gap_latent_offset"} <= set(m.params)
        begin = fit.last_month + 1 if start is None else start
        res = ac.Scenario(start=begin, horizon=begin + 24, seed=3).add(m).run(paths=4000, progress=False,
                                                                               keep_paths=True)
        G = res.paths("lb.gap")
        share = (np.diff(G, axis=1) != 0).mean()
        assert abs(share - p.mean()) < 0.05 + 4 * math.sqrt(0.25 / G.shape[0]), share
    m0 = fit.model("lb", start=fit.last_month)
    res = ac.Scenario(start=fit.last_month, horizon=fit.last_month + 1, seed=3).add(m0).run(paths=100,
                                                                                            progress=False)
    np.testing.assert_allclose(res.quantiles("lb.gap").to_numpy()[0], fit.gap_start, rtol=1e-9)
    with pytest.raises(ValueError, match="innovations must be one of 'gaussian', 'student_t', 'intermittent'"):
        ac.fit.leaderboard_gap(eci, innovations="steps")


# --- the fit's exact posterior ----------------------------------------------------------------


def brute_force_moments(g, dt, lam2):
    """Posterior means of (log kappa, theta, log sigma, p) of the intermittent model by direct
    integration of its full likelihood on a dense grid, month by month: a flat month contributes
    log(1 - p), a move log p plus the Gaussian OU density over the months since the last move;
    priors log-uniform kappa, theta | sigma ~ N(g0, sigma^2 lam2), 1 / sigma^2, p ~ Beta(1, 1)."""
    lk = np.linspace(math.log(KAPPA_MIN), math.log(KAPPA_MAX), 121)
    th = np.linspace(g[0] - 600, g[0] + 600, 481)
    ls = np.linspace(math.log(2.0), math.log(200.0), 121)
    K, TH, LS = np.meshgrid(lk, th, ls, indexing="ij")
    kap, sig = np.exp(K), np.exp(LS)
    ll = np.zeros_like(K)
    last, since = g[0], 0.0
    n_move = 0
    for i in range(1, len(g)):
        since += dt[i - 1]
        if g[i] != g[i - 1]:
            a = np.exp(-kap * since)
            v = sig**2 * -np.expm1(-2 * kap * since) / (2 * kap)
            ll += -0.5 * np.log(2 * np.pi * v) - 0.5 * (g[i] - TH - a * (last - TH)) ** 2 / v
            last, since = g[i], 0.0
            n_move += 1
    # priors: 1 / sigma^2 on sigma^2 is flat in log sigma and log-uniform kappa flat in log kappa
    # (both grids are uniform in the log), theta | sigma normal
    lp = -0.5 * np.log(2 * np.pi * lam2 * sig**2) - 0.5 * (TH - g[0]) ** 2 / (lam2 * sig**2)
    w = np.exp(ll + lp - np.max(ll + lp))
    w /= w.sum()
    n_flat = len(g) - 1 - n_move
    return (float((w * K).sum()), float((w * TH).sum()), float((w * LS).sum()),
            (1 + n_move) / (2 + n_move + n_flat))


def test_intermittent_posterior_matches_brute_force_integration():
    """Monthly gaps with 6 moves in 23 months: the posterior draws' means of log kappa, theta, log
    sigma and p agree with a brute-force grid integration of the month-by-month likelihood
    (within 4 Monte Carlo s.e. of the 4000 draws plus the grid's resolution)."""
    g = np.array([60, 60, 60, 75, 75, 75, 75, 52, 52, 40, 40, 40, 40, 40, 58, 58, 58, 58, 31, 31, 44, 44, 44, 44.0])
    dt = np.ones(len(g) - 1)
    post = gap_posterior_moves(g, dt)
    lk, th, ls, p = brute_force_moments(g, dt, float(dt.sum()))
    n = len(post.kappa)
    for draws, want, res in ((np.log(post.kappa), lk, 0.08), (post.theta, th, 1.0), (np.log(post.sigma), ls, 0.04),
                             (post.move_p, p, 0.001)):
        assert abs(draws.mean() - want) < 4 * draws.std() / math.sqrt(n) + res, (draws.mean(), want)
    # p's posterior is Beta(1 + 6, 1 + 17): its quantiles
    q = np.quantile(post.move_p, [0.1, 0.5, 0.9])
    np.testing.assert_allclose(q, special.betaincinv(7, 18, [0.1, 0.5, 0.9]), atol=0.01)


def test_intermittent_posterior_needs_two_moves():
    g = np.array([60, 60, 60, 75, 75, 75.0])
    with pytest.raises(ValueError, match="the gap moved in 1 of 5 transitions"):
        gap_posterior_moves(g, np.ones(5))


def test_intermittent_start_rows_match_the_engine_from_the_last_observation():
    """The start values 3 months after the ECI's end (drawn as whole rows with the parameters and
    the latent gap's offset) match a run of the model from the last observation 3 months on, at
    the 10/50/90% quantiles and in the share of paths whose gap has not moved yet."""
    fit = ac.fit.leaderboard_gap(ac.data.eci_best_monthly(), innovations="intermittent")
    res = ac.Scenario(start=fit.last_month, horizon=fit.last_month + 3, seed=2).add(
        fit.model("lb", start=fit.last_month)).run(paths=40_000, progress=False, keep_paths=True)
    eng = res.paths("lb.gap")[:, -1]
    rows = fit.model("lb", start=fit.last_month + 3).params["gap_start"].marginal().sample(40_000, seed=1)
    np.testing.assert_allclose(np.quantile(rows, (0.1, 0.5, 0.9)), np.quantile(eng, (0.1, 0.5, 0.9)), atol=0.35)
    flat_rows, flat_eng = np.mean(rows == fit.gap_start), np.mean(eng == fit.gap_start)
    assert abs(flat_rows - flat_eng) < 4 * math.sqrt(0.25 * (1 / 4000 + 1 / 40_000)), (flat_rows, flat_eng)
