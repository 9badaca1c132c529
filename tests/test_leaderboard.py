"""The leaderboard-gap model: closed forms of the OU gap, the never-decreasing frontier, the
reflection principle for a Brownian gap, an independent NumPy replica, and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from aicast._engine import testing as T
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import aicast as ac
from aicast.models.leaderboard import convergence_table

DT = 1.0 / 12.0


def run(model, months=60, paths=20_000, seed=1, **kw):
    start = pd.Period("2025-08", freq="M")
    sc = ac.Scenario(start=start, horizon=start + (months - 1), seed=seed)
    sc.add(model)
    return sc.run(paths=paths, progress=False, **kw)


def ou_mean_var(g0, theta, kappa, sigma, t):
    a = np.exp(-kappa * t)
    var = sigma**2 * t if kappa == 0 else sigma**2 * (1 - a**2) / (2 * kappa)
    return theta + (g0 - theta) * a, var


# --- closed forms ---------------------------------------------------------------------------


def test_without_noise_reproduces_the_deterministic_solution():
    lb = ac.LeaderboardGap("lb", closed_start=1470, gap_start=120, closed_drift_per_month=6.5,
                           gap_reversion=1.5, equilibrium_gap=30)
    res = run(lb, months=73, paths=7, keep_paths=True)
    m = np.arange(73)
    closed = 1470 + 6.5 * m
    gap = 30 + (120 - 30) * np.exp(-1.5 * m / 12)
    for name, want in [("closed", closed), ("gap", gap), ("open", closed - gap),
                       ("lag_months", gap / 6.5), ("closed_latent", closed)]:
        got = res.paths(f"lb.{name}")
        assert got.shape == (7, 73)
        np.testing.assert_allclose(got, np.broadcast_to(want, got.shape), rtol=1e-13, atol=1e-10, err_msg=name)


def test_percent_scale_without_noise_saturates_in_logit_space():
    lb = ac.LeaderboardGap("b", closed_start=80.0, gap_start=15.0, closed_drift_per_month=0.05,
                           gap_reversion=2.0, equilibrium_gap=0.1, scale="percent")
    res = run(lb, months=121, paths=3, keep_paths=True)
    m = np.arange(121)
    x_c = np.log(80 / 20) + 0.05 * m
    g0 = np.log(80 / 20) - np.log(65 / 35)
    g = 0.1 + (g0 - 0.1) * np.exp(-2.0 * m / 12)
    closed, open_ = 100 * special.expit(x_c), 100 * special.expit(x_c - g)
    np.testing.assert_allclose(res.paths("b.closed")[0], closed, rtol=1e-13)
    np.testing.assert_allclose(res.paths("b.open")[0], open_, rtol=1e-13)
    np.testing.assert_allclose(res.paths("b.gap")[0], closed - open_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.paths("b.lag_months")[0], g / 0.05, rtol=1e-12)
    assert res.paths("b.closed")[0, -1] < 100 and res.paths("b.closed")[0, -1] > 99


@pytest.mark.parametrize("kappa", [0.0, 1.5])
def test_gap_mean_and_variance_match_the_ou_closed_form(kappa):
    n = 200_000
    lb = ac.LeaderboardGap("lb", closed_start=1400, gap_start=120, closed_drift_per_month=5,
                           closed_volatility=30, gap_reversion=kappa, equilibrium_gap=30, gap_volatility=60)
    res = run(lb, months=61, paths=n, seed=5)
    mean, sd = res.mean("lb.gap").to_numpy(), res.std("lb.gap").to_numpy()
    for m in (1, 6, 24, 60):
        mu, var = ou_mean_var(120, 30, kappa, 60, m * DT)
        assert abs(mean[m] - mu) < 4 * np.sqrt(var / n), (m, mean[m], mu)
        assert abs(sd[m] ** 2 - var) < 4 * var * np.sqrt(2 / n), (m, sd[m] ** 2, var)
    # the gap is Gaussian: its quantiles too
    q = res.quantiles("lb.gap", [0.05, 0.5, 0.95]).iloc[24].to_numpy()
    mu, var = ou_mean_var(120, 30, kappa, 60, 2.0)
    want = stats.norm.ppf([0.05, 0.5, 0.95], mu, np.sqrt(var))
    se = np.sqrt(np.array([0.05, 0.5, 0.05]) * np.array([0.95, 0.5, 0.95]) / n) / stats.norm.pdf(want, mu, np.sqrt(var))
    assert np.all(np.abs(q - want) < 4 * se)


def test_parameter_uncertainty_adds_its_variance():
    # theta ~ normal(30, 10) drawn per path: Var G(t) = OU variance + (1 - e^{-kappa t})^2 10^2
    n = 200_000
    lb = ac.LeaderboardGap("lb", closed_start=1400, gap_start=120, closed_drift_per_month=5,
                           gap_reversion=1.5, equilibrium_gap=ac.normal(30, 10), gap_volatility=60)
    res = run(lb, months=37, paths=n, seed=9)
    for m in (12, 36):
        mu, var = ou_mean_var(120, 30, 1.5, 60, m * DT)
        var += (1 - np.exp(-1.5 * m * DT)) ** 2 * 100
        assert abs(res.mean("lb.gap").iloc[m] - mu) < 4 * np.sqrt(var / n)
        assert abs(res.std("lb.gap").iloc[m] ** 2 - var) < 4 * var * np.sqrt(2 / n)


@pytest.mark.parametrize("rho", [-0.4, 0.0, 0.7])
def test_innovation_correlation_is_the_correlation_of_monthly_innovations(rho):
    n, k, th = 100_000, 2.0, 30.0
    lb = ac.LeaderboardGap("lb", closed_start=1400, gap_start=50, closed_drift_per_month=5, closed_volatility=40,
                           gap_reversion=k, equilibrium_gap=th, gap_volatility=60, innovation_correlation=rho)
    res = run(lb, months=4, paths=n, seed=8, keep_paths=True)
    L, G = res.paths("lb.closed_latent"), res.paths("lb.gap")
    a = np.exp(-k * DT)
    for m in range(3):
        r = np.corrcoef(L[:, m + 1] - L[:, m], G[:, m + 1] - th - a * (G[:, m] - th))[0, 1]
        assert abs(r - rho) < 4 * (1 - rho**2) / np.sqrt(n)
    # so the open score moves less than the frontier when rho > 0: Var dO = Var dL + Var dG - 2 cov
    s_l, s_g = 40 * np.sqrt(DT), 60 * np.sqrt((1 - a * a) / (2 * k))
    want = s_l**2 + s_g**2 - 2 * rho * s_l * s_g
    d_open = (L[:, 1] - G[:, 1]) - (L[:, 0] - G[:, 0])
    assert abs(d_open.var() - want) < 4 * want * np.sqrt(2 / n)


@pytest.mark.parametrize("scale", ["elo", "percent"])
def test_closed_frontier_never_decreases_path_by_path(scale):
    if scale == "elo":
        lb = ac.LeaderboardGap("lb", closed_start=1400, gap_start=60, closed_drift_per_month=2,
                               closed_volatility=80, gap_reversion=1, equilibrium_gap=20, gap_volatility=50)
    else:
        lb = ac.LeaderboardGap("lb", closed_start=70, gap_start=10, closed_drift_per_month=0.01,
                               closed_volatility=0.6, gap_reversion=1, equilibrium_gap=0.2,
                               gap_volatility=0.5, scale="percent")
    res = run(lb, months=120, paths=4000, keep_paths=True)
    closed, latent = res.paths("lb.closed"), res.paths("lb.closed_latent")
    assert np.all(np.diff(closed, axis=1) >= 0)
    # it is exactly the running maximum of the latent score, which does fall on many paths
    np.testing.assert_array_equal(closed, np.maximum.accumulate(latent, axis=1))
    assert np.mean(np.any(np.diff(latent, axis=1) < 0, axis=1)) > 0.9
    np.testing.assert_allclose(res.paths("lb.open"), closed - res.paths("lb.gap"), rtol=1e-12, atol=1e-9)
    if scale == "percent":
        assert np.all((closed > 0) & (closed < 100))
        assert np.all((res.paths("lb.open") > 0) & (res.paths("lb.open") < 100))


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(
    c0=st.floats(800, 1600), g0=st.floats(-50, 200), drift=st.floats(0.1, 20), vol_c=st.floats(0, 100),
    kappa=st.floats(0, 10), theta=st.floats(-50, 150), vol_g=st.floats(0, 150), rho=st.floats(-1, 1),
    seed=st.integers(0, 2**32),
)
def test_invariants_hold_for_any_parameters(c0, g0, drift, vol_c, kappa, theta, vol_g, rho, seed):
    lb = ac.LeaderboardGap("lb", closed_start=c0, gap_start=g0, closed_drift_per_month=drift,
                           closed_volatility=vol_c, gap_reversion=kappa, equilibrium_gap=theta,
                           gap_volatility=vol_g, innovation_correlation=rho)
    res = run(lb, months=36, paths=200, seed=seed, keep_paths=True)
    closed, gap = res.paths("lb.closed"), res.paths("lb.gap")
    assert np.all(np.diff(closed, axis=1) >= 0)
    assert np.all(closed >= res.paths("lb.closed_latent"))
    np.testing.assert_allclose(res.paths("lb.open"), closed - gap, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(res.paths("lb.lag_months"), gap / drift, rtol=1e-12, atol=1e-12)
    q = res.quantiles("lb.gap", ac.DEFAULT_QUANTILES).to_numpy()
    assert np.all(np.diff(q, axis=1) >= 0)
    p = res.prob("lb.gap < 0")["p"].to_numpy()
    assert np.all(np.diff(p) >= 0) and 0 <= p[0] and p[-1] <= 1


def test_engine_matches_an_independent_numpy_replica_on_the_same_normals():
    # the engine's normals for a model come from noise stream 0x8000 under the model's own key
    # (seed and model name) at (path, month)
    n, months, seed = 3000, 25, 11
    c0, g0, mu, vc, k, th, vg, rho = 1300.0, 90.0, 4.0, 40.0, 0.8, 25.0, 55.0, 0.6
    lb = ac.LeaderboardGap("lb", closed_start=c0, gap_start=g0, closed_drift_per_month=mu,
                           closed_volatility=vc, gap_reversion=k, equilibrium_gap=th, gap_volatility=vg,
                           innovation_correlation=rho)
    res = run(lb, months=months, paths=n, seed=seed, keep_paths=True)
    stream = 0x8000
    seed = T.named_key(seed, "model:lb")
    a = np.exp(-k * DT)
    s = vg * np.sqrt((1 - a * a) / (2 * k))
    L = np.full(n, c0)
    C = L.copy()
    G = np.full(n, g0)
    for m in range(1, months):
        z0, z1, _ = T.normal_block(seed=seed, first=0, n=n, month=m, stream=stream)
        L = L + mu + vc * np.sqrt(DT) * z0
        C = np.maximum(C, L)
        G = th + a * (G - th) + s * (rho * z0 + np.sqrt(1 - rho**2) * z1)
        np.testing.assert_allclose(res.paths("lb.closed_latent")[:, m], L, rtol=1e-12)
        np.testing.assert_allclose(res.paths("lb.closed")[:, m], C, rtol=1e-12)
        np.testing.assert_allclose(res.paths("lb.gap")[:, m], G, rtol=1e-11, atol=1e-9)


# --- hitting times --------------------------------------------------------------------------


def test_brownian_gap_hitting_probability_matches_reflection_principle():
    """P(min_{s<=t} G_s <= a) = 2 P(G_t <= a) = 2 Phi((a - g0) / (sigma sqrt t)) for a driftless
    Brownian gap (gap_reversion = 0) and a < g0. The engine observes the gap monthly, which
    misses crossings between months, so the closed form is compared with the Broadie-Glasserman-
    Kou continuity correction: a discretely monitored barrier a acts like a continuous barrier
    shifted away from the start by beta sigma sqrt(dt), beta = -zeta(1/2)/sqrt(2 pi) = 0.5826."""
    n, g0, barrier, sigma, months = 250_000, 50.0, 0.0, 20.0, 121
    lb = ac.LeaderboardGap("lb", closed_start=1400, gap_start=g0, closed_drift_per_month=5,
                           gap_volatility=sigma)
    res = run(lb, months=months, paths=n, seed=3, events=["lb.gap <= 0"])
    p = res.prob("lb.gap <= 0")
    beta = -special.zeta(0.5) / np.sqrt(2 * np.pi)
    assert abs(beta - 0.5826) < 1e-4
    t = np.arange(months) * DT
    with np.errstate(divide="ignore"):
        cont = 2 * stats.norm.cdf((barrier - g0) / (sigma * np.sqrt(t)))
        bgk = 2 * stats.norm.cdf((barrier - beta * sigma * np.sqrt(DT) - g0) / (sigma * np.sqrt(t)))
    # The correction removes the O(sqrt(dt)) error of discrete monitoring; what is left is
    # O(dt), about 1e-3 here (sigma sqrt(dt) = 5.8 against a distance of 50), relatively largest
    # when few monitoring dates precede the crossing. So the comparison starts at month 24, with
    # a tolerance of 4 Monte Carlo s.e. plus 1e-3.
    m = np.arange(24, months)
    se = np.sqrt(bgk[m] * (1 - bgk[m]) / n)
    assert np.all(np.abs(p["p"].to_numpy()[m] - bgk[m]) < 4 * se + 1e-3)
    # the uncorrected continuous formula overstates it by far more than the Monte Carlo error
    assert np.all(cont[m] - p["p"].to_numpy()[m] > 10 * se)
    # the hitting-time distribution: pmf by month = increments of the same curve
    ht = res.hitting_time("lb.gap <= 0")
    np.testing.assert_allclose(ht.cdf.to_numpy()[m], p["p"].to_numpy()[m])
    assert abs(ht.never - (1 - p["p"].iloc[-1])) < 1e-12


def test_convergence_table_agrees_with_result_queries():
    lb = ac.LeaderboardGap("lb", closed_start=1470, gap_start=36, closed_drift_per_month=6,
                           closed_volatility=25, gap_reversion=1.5, equilibrium_gap=30, gap_volatility=60)
    res = run(lb, months=53, paths=20_000)
    tab = convergence_table(res, "lb", open_thresholds=[1600], gap_levels=[0, 10], by="2028-12")
    assert list(tab.index) == ["lb.open >= 1600", "lb.gap < 0", "lb.gap < 10"]
    p = res.prob("lb.open >= 1600", by="2028-12")
    assert tab.loc["lb.open >= 1600", "p"] == p.p
    assert tab.loc["lb.gap < 10", "median"] == res.hitting_time("lb.gap < 10").median
    # a gap under 10 comes no later than a gap under 0, path by path, so in probability too
    assert tab.loc["lb.gap < 10", "p"] >= tab.loc["lb.gap < 0", "p"]
    with pytest.raises(ValueError, match="at least one"):
        convergence_table(res, "lb")


def test_same_seed_same_numbers_for_any_threads_and_chunks():
    lb = ac.LeaderboardGap("lb", closed_start=ac.normal(1470, 5), gap_start=36, closed_drift_per_month=ac.to(3, 9),
                           closed_volatility=25, gap_reversion=ac.to(0.5, 3), equilibrium_gap=30, gap_volatility=60)
    a = run(lb, months=30, paths=5000, threads=1, chunk_size=333)
    b = run(lb, months=30, paths=5000, threads=2, chunk_size=1024)
    for s in lb.series:
        np.testing.assert_array_equal(a.quantiles(s).to_numpy(), b.quantiles(s).to_numpy())


# --- errors ---------------------------------------------------------------------------------

GOOD = dict(closed_start=1400, gap_start=50, closed_drift_per_month=5, closed_volatility=20,
            gap_reversion=1, equilibrium_gap=20, gap_volatility=40)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"gap_reversion": -0.5}, r"leaderboard_gap 'lb': gap_reversion must be non-negative, got -0.5"),
        ({"gap_volatility": -1}, r"gap_volatility must be non-negative, got -1"),
        ({"closed_volatility": -2}, r"closed_volatility must be non-negative, got -2"),
        ({"closed_drift_per_month": 0}, r"closed_drift_per_month must be positive, got 0"),
        ({"gap_volatility": ac.normal(40, 10)}, r"gap_volatility must be non-negative, but its prior .* allows"),
        ({"scale": "log"}, r"scale must be 'elo' or 'percent', got 'log'"),
        ({"innovation_correlation": 1.5}, r"innovation_correlation must be in \[-1, 1\], got 1.5"),
        ({"gap_innovation_df": 0}, r"leaderboard_gap 'lb': gap_innovation_df must be positive, got 0"),
        ({"gap_innovation_df": ac.normal(5, 2)}, r"gap_innovation_df must be positive, but its prior .* allows"),
        ({"scale": "percent"}, r"closed_start must be in \(0, 100\), got 1400"),
        ({"scale": "percent", "closed_start": 60, "gap_start": 70},
         r"open start score closed_start - gap_start must be in \(0, 100\), got 60 - 70 = -10"),
        ({"scale": "percent", "closed_start": 60, "gap_start": ac.normal(10, 3)},
         r"closed_start - gap_start must be in \(0, 100\), but the priors allow"),
    ],
)
def test_bad_parameters_raise_naming_the_problem(change, match):
    with pytest.raises(ValueError, match=match):
        ac.LeaderboardGap("lb", **{**GOOD, **change})


def test_percent_scale_accepts_bounded_priors():
    lb = ac.LeaderboardGap("lb", **{**GOOD, "closed_start": ac.uniform(70, 80),
                                    "gap_start": ac.truncate(ac.normal(10, 3), 0, 20),
                                    "closed_drift_per_month": 0.02, "closed_volatility": 0.3,
                                    "equilibrium_gap": 0.1, "gap_volatility": 0.3, "scale": "percent"})
    res = run(lb, months=12, paths=2000)
    assert 0 < res.quantiles("lb.open").to_numpy().min() and res.quantiles("lb.closed").to_numpy().max() < 100


# --- Student-t gap innovations --------------------------------------------------------------


@pytest.mark.parametrize("nu", [2.5, 5.0])
def test_student_t_innovations_follow_the_t_law(nu):
    """With gap_innovation_df the standardized monthly gap innovation is Student t (scale
    gap_volatility s): its distribution against SciPy's t cdf (Kolmogorov-Smirnov at a 1e-3 level
    and the cdf at fixed points within 4 binomial s.e.), independent across months, and its Gaussian
    part keeps the frontier correlation rho."""
    n, k, th, rho = 100_000, 1.5, 40.0, 0.5
    lb = ac.LeaderboardGap("lb", closed_start=1400, gap_start=50, closed_drift_per_month=5, closed_volatility=30,
                           gap_reversion=k, equilibrium_gap=th, gap_volatility=60, innovation_correlation=rho,
                           gap_innovation_df=nu)
    res = run(lb, months=4, paths=n, seed=12, keep_paths=True)
    L, G = res.paths("lb.closed_latent"), res.paths("lb.gap")
    a = np.exp(-k * DT)
    s = 60 * np.sqrt((1 - a * a) / (2 * k))
    e = (G[:, 1:] - th - a * (G[:, :-1] - th)) / s
    t = stats.t(nu)
    for m in range(3):
        assert stats.kstest(e[:, m], t.cdf).pvalue > 1e-3
        for x in (-3.0, -1.0, 0.5, 2.0):
            p = t.cdf(x)
            assert abs(np.mean(e[:, m] <= x) - p) < 4 * np.sqrt(p * (1 - p) / n), (m, x)
    # months are independent: the squared innovations (heavy-tailed) are uncorrelated
    r = stats.spearmanr(e[:, 0] ** 2, e[:, 1] ** 2).statistic
    assert abs(r) < 4 / np.sqrt(n)
    # the frontier's innovation correlates with the gap's as rho E[W^-1/2] / sd(t) (rank-free check:
    # the sign of the gap innovation agrees with the frontier's as 1/2 + arcsin(rho) / pi)
    dz = L[:, 1] - L[:, 0] - 5.0
    agree = np.mean(np.sign(dz) == np.sign(e[:, 0]))
    want = 0.5 + np.arcsin(rho) / np.pi
    assert abs(agree - want) < 4 * np.sqrt(want * (1 - want) / n)


def test_gaussian_innovations_are_the_default_bit_for_bit():
    """gap_innovation_df=None or inf is the model without the parameter: the same numbers."""
    base = dict(closed_start=1400, gap_start=50, closed_drift_per_month=5, closed_volatility=30, gap_reversion=1.5,
                equilibrium_gap=40, gap_volatility=60, innovation_correlation=0.3)
    ref = run(ac.LeaderboardGap("lb", **base), months=13, paths=2000, keep_paths=True).paths("lb.gap")
    for df in (None, np.inf):
        m = ac.LeaderboardGap("lb", **base, gap_innovation_df=df)
        assert "gap_innovation_df" not in m.params
        np.testing.assert_array_equal(run(m, months=13, paths=2000, keep_paths=True).paths("lb.gap"), ref)
    heavy = run(ac.LeaderboardGap("lb", **base, gap_innovation_df=4), months=13, paths=2000, keep_paths=True)
    assert not np.array_equal(heavy.paths("lb.gap"), ref)


@pytest.mark.parametrize("scale", ["elo", "percent"])
def test_engine_matches_a_numpy_replica_with_student_t_innovations(scale):
    """The t innovations are the engine's normals times sqrt((nu / 2) / W), W the Gamma(nu / 2) draw
    of noise stream 0x8001 at (path, month): an independent NumPy replica from the same draws."""
    n, months, seed, nu = 2000, 13, 21, 3.5
    pct = scale == "percent"
    c0, g0, mu, vc, k, th, vg, rho = (70.0, 8.0, 0.03, 0.2, 0.8, 0.2, 0.4, 0.6) if pct else (
        1300.0, 90.0, 4.0, 40.0, 0.8, 25.0, 55.0, 0.6)
    lb = ac.LeaderboardGap("lb", closed_start=c0, gap_start=g0, closed_drift_per_month=mu, closed_volatility=vc,
                           gap_reversion=k, equilibrium_gap=th, gap_volatility=vg, innovation_correlation=rho,
                           gap_innovation_df=nu, scale=scale)
    res = run(lb, months=months, paths=n, seed=seed, keep_paths=True)
    key = T.named_key(seed, "model:lb")
    a = np.exp(-k * DT)
    s = vg * np.sqrt((1 - a * a) / (2 * k))
    logit = (lambda p: np.log(p / (100 - p))) if pct else (lambda x: x)
    L = np.full(n, logit(c0))
    G = L - logit(c0 - g0)
    shape = np.full(n, 0.5 * nu)
    for m in range(1, months):
        z0, z1, _ = T.normal_block(seed=key, first=0, n=n, month=m, stream=0x8000)
        w = T.gamma_block(seed=key, first=0, month=m, stream=0x8001, shape=shape)
        L = L + mu + vc * np.sqrt(DT) * z0
        G = th + a * (G - th) + (s * rho * z0 + s * np.sqrt(1 - rho**2) * z1) * np.sqrt(0.5 * nu / w)
        if pct:
            np.testing.assert_allclose(logit(res.paths("lb.closed_latent")[:, m]), L, rtol=1e-9, atol=1e-9)
            got = logit(res.paths("lb.closed")[:, m]) - logit(res.paths("lb.open")[:, m])
            np.testing.assert_allclose(got, G, rtol=1e-7, atol=1e-7)
        else:
            np.testing.assert_allclose(res.paths("lb.closed_latent")[:, m], L, rtol=1e-12)
            np.testing.assert_allclose(res.paths("lb.gap")[:, m], G, rtol=1e-11, atol=1e-9)


def test_student_t_gap_same_numbers_for_any_threads_and_chunks():
    lb = ac.LeaderboardGap("lb", closed_start=1470, gap_start=36, closed_drift_per_month=6, closed_volatility=25,
                           gap_reversion=1.0, equilibrium_gap=30, gap_volatility=60, gap_innovation_df=ac.to(2.5, 20))
    a = run(lb, months=20, paths=4000, threads=1, chunk_size=333, keep_paths=True)
    b = run(lb, months=20, paths=4000, threads=2, chunk_size=1024, keep_paths=True)
    np.testing.assert_array_equal(a.paths("lb.gap"), b.paths("lb.gap"))
