"""Incident growth: the IncidentGrowth model against closed forms and SciPy, the negative
binomial regression against an independent SciPy fit, and the fitter on simulated and real data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

import aicast as ac
from aicast.fit import ReportingLag, incident_growth, negbin_regression, reporting_lag

Z = 5.0  # standard errors allowed in Monte Carlo comparisons (fixed seeds)


def run(*models, start="2026-01", horizon="2026-03", paths=100_000, seed=3, **kw):
    sc = ac.Scenario(start=start, horizon=horizon, seed=seed)
    sc.add(*models)
    return sc.run(paths=paths, progress=False, keep_paths=True, **kw)


# --- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("lam", "k"), [(12.0, 3.0), (0.7, 0.5), (150.0, 20.0)])
def test_counts_match_negative_binomial(lam, k):
    res = run(
        ac.IncidentGrowth("inc", base_per_month=lam, annual_growth=1.0, dispersion=k),
        horizon="2026-01",
    )
    x = res.paths("inc.count")[:, 0]
    n = x.size
    nb = stats.nbinom(k, k / (k + lam))  # mean lam, variance lam + lam^2 / k
    assert nb.mean() == pytest.approx(lam) and nb.var() == pytest.approx(lam + lam**2 / k)
    assert abs(x.mean() - lam) < Z * math.sqrt(nb.var() / n)
    m4 = (
        nb.moment(4)
        - 4 * nb.mean() * nb.moment(3)
        + 6 * nb.mean() ** 2 * nb.moment(2)
        - 3 * nb.mean() ** 4
    )
    assert abs(x.var() - nb.var()) < Z * math.sqrt((m4 - nb.var() ** 2) / n)
    # the whole distribution, value by value
    support = np.arange(int(nb.ppf(0.995)) + 1)
    freq = np.bincount(x.astype(int), minlength=support.size)[: support.size] / n
    p = nb.pmf(support)
    np.testing.assert_array_less(np.abs(freq - p), Z * np.sqrt(p * (1 - p) / n) + 1e-12)


def test_poisson_limit():
    lam = 9.0
    pois = run(
        ac.IncidentGrowth("inc", base_per_month=lam, annual_growth=1.0, dispersion=None),
        horizon="2026-01",
    )
    x = pois.paths("inc.count")[:, 0]
    n = x.size
    support = np.arange(30)
    freq = np.bincount(x.astype(int), minlength=30)[:30] / n
    p = stats.poisson(lam).pmf(support)
    np.testing.assert_array_less(np.abs(freq - p), Z * np.sqrt(p * (1 - p) / n) + 1e-12)
    # a very large dispersion behaves like Poisson: variance -> mean
    big = run(
        ac.IncidentGrowth("inc", base_per_month=lam, annual_growth=1.0, dispersion=1e6),
        horizon="2026-01",
    )
    y = big.paths("inc.count")[:, 0]
    assert abs(y.var() - lam) < Z * math.sqrt(
        (lam + 2 * lam**2) / n
    )  # var of the sample variance, Poisson
    assert abs(y.var() - (lam + lam**2 / 1e6)) < Z * math.sqrt((lam + 2 * lam**2) / n)


def test_mean_follows_exponential_and_logistic_trend():
    b, g, k, sat = 20.0, 1.8, 4.0, 60.0
    months = np.arange(36)
    t = months / 12
    exp_res = run(
        ac.IncidentGrowth("e", b, g, k),
        ac.IncidentGrowth("s", b, g, k, saturation=sat),
        start="2026-01",
        horizon="2028-12",
        paths=40_000,
    )
    lam_e = b * g**t
    lam_s = sat / (1 + (sat / b - 1) * g**-t)
    for name, lam in (("e", lam_e), ("s", lam_s)):
        m = exp_res.mean(f"{name}.count").to_numpy()
        se = np.sqrt((lam + lam**2 / k) / 40_000)
        np.testing.assert_array_less(np.abs(m - lam), Z * se)
    assert lam_s[-1] < 0.9 * sat and lam_s[-1] > lam_s[0]


def test_yearly_and_cumulative_sum_monthly_counts_path_by_path():
    # grid from 2026-05 to 2028-03: partial first year (May-Dec), full 2027, partial 2028 (Jan-Mar)
    res = run(
        ac.IncidentGrowth("inc", 5.0, 1.4, 2.0), start="2026-05", horizon="2028-03", paths=2_000
    )
    c, y, cum = res.paths("inc.count"), res.paths("inc.yearly"), res.paths("inc.cumulative")
    months = res.months
    np.testing.assert_array_equal(cum, np.cumsum(c, axis=1))
    for year in (2026, 2027, 2028):
        idx = np.flatnonzero(months.year == year)
        np.testing.assert_array_equal(y[:, idx], np.cumsum(c[:, idx], axis=1))
    dec27 = months.get_loc(pd.Period("2027-12", "M"))
    np.testing.assert_array_equal(y[:, dec27], c[:, months.year == 2027].sum(axis=1))
    assert np.all(c == np.round(c)) and np.all(c >= 0)


@pytest.mark.parametrize("concentration", [None, 5.0])
def test_categories_sum_to_total_with_mean_shares(concentration):
    shares = {"misuse": (0.2, 2.5), "failures": (0.5, 1.2), "privacy": (0.3, 1.0)}
    m = ac.IncidentGrowth(
        "inc", 40.0, 1.5, 6.0, categories=shares, category_concentration=concentration
    )
    assert m.series[3:6] == ["inc.misuse.count", "inc.failures.count", "inc.privacy.count"]
    res = run(m, start="2026-01", horizon="2027-12", paths=40_000)
    total = res.paths("inc.count")
    cats = {c: res.paths(f"inc.{c}.count") for c in shares}
    np.testing.assert_array_equal(sum(cats.values()), total)
    t = np.arange(24) / 12
    w = np.array([s * g**t for s, g in shares.values()])
    pi = w / w.sum(axis=0)
    for j, c in enumerate(shares):
        for month in (0, 23):
            x = cats[c][:, month]
            mean = (40 * 1.5 ** t[month]) * pi[j, month]
            assert abs(x.mean() - mean) < Z * x.std() / math.sqrt(x.size)
    if concentration is not None:
        # Dirichlet mixing makes the split wider than multinomial given the total
        n = total[:, 0]
        x = cats["failures"][:, 0]
        p = pi[1, 0]
        sel = n == 40
        multinomial_var = 40 * p * (1 - p)
        dm_var = multinomial_var * (40 + concentration) / (1 + concentration)
        v = x[sel].var()
        assert abs(v - dm_var) < 0.15 * dm_var and v > 2 * multinomial_var


def test_price_link_reads_the_price_paths():
    eps, base = 0.5, 10.0
    price = ac.PriceDecline("frontier", start_price=10.0, annual_decline=4.0, volatility=0.6, floor=0.01)
    inc = ac.IncidentGrowth("misuse", base, 1.0, 8.0, price_elasticity=eps, price="frontier")
    assert inc.inputs == ["frontier.price"]
    res = run(price, inc, start="2026-01", horizon="2027-12", paths=50_000)
    p = res.paths("frontier.price")
    factor = (p / p[:, :1]) ** -eps
    n = res.paths("misuse.count")
    # E[N / factor] = base holds only if each path reads its own price path
    ratio = n[:, -1] / factor[:, -1]
    assert abs(ratio.mean() - base) < Z * ratio.std() / math.sqrt(ratio.size)
    assert n[:, -1].mean() > 2 * base  # cheaper generation, more incidents
    # a deterministic price gives the closed form lambda = base * 4**(eps t)
    det = run(
        ac.PriceDecline("frontier", start_price=10.0, annual_decline=4.0, floor=1e-9),  # a link needs a floor
        ac.IncidentGrowth("misuse", base, 1.0, 8.0, price_elasticity=eps, price="frontier"),
        start="2026-01",
        horizon="2027-12",
        paths=50_000,
    )
    lam = base * 4.0 ** (eps * np.arange(24) / 12)
    m = det.mean("misuse.count").to_numpy()
    np.testing.assert_array_less(np.abs(m - lam), Z * np.sqrt((lam + lam**2 / 8) / 50_000))


def test_same_seed_same_numbers_any_threads_and_chunks():
    def one(threads, chunk):
        sc = ac.Scenario(start="2026-01", horizon="2026-12", seed=11)
        sc.add(
            ac.IncidentGrowth(
                "inc",
                ac.to(10, 30),
                ac.to(1.2, 2.0),
                ac.to(2, 10),
                categories={"a": (0.4, ac.to(1.5, 3.0)), "b": (0.6, 1.1)},
                category_concentration=10.0,
            )
        )
        r = sc.run(paths=3_000, threads=threads, chunk_size=chunk, keep_paths=True, progress=False)
        return np.stack([r.paths(s) for s in r.series])

    np.testing.assert_array_equal(one(1, 1024), one(2, 97))


def test_probability_of_yearly_count_above_a_level():
    res = run(
        ac.IncidentGrowth("inc", 20.0, 1.0, None), start="2027-01", horizon="2027-12", paths=40_000
    )
    p = res.prob_at("inc.yearly > 250", at="2027-12")
    exact = stats.poisson(240).sf(250)  # sum of 12 Poisson(20) months
    assert abs(p.p - exact) < Z * math.sqrt(exact * (1 - exact) / 40_000)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_per_month": -1.0}, "base_per_month must be non-negative, got -1"),
        ({"annual_growth": 0.0}, "annual_growth must be positive, got 0"),
        ({"annual_growth": -2.0}, "annual_growth must be positive"),
        ({"dispersion": 0.0}, "dispersion must be positive, got 0"),
        ({"dispersion": -3.0}, "dispersion must be positive"),
        (
            {"base_per_month": ac.normal(10, 5)},
            "base_per_month must be non-negative, but its prior",
        ),
        ({"saturation": 0.0}, "saturation must be positive"),
        ({"categories": {"a": (0.5, 1.2), "b": (0.4, 1.1)}}, "shares must sum to 1, got 0.9"),
        ({"categories": {"a": (1.2, 1.2), "b": (-0.2, 1.1)}}, r"share.a must be in \(0, 1\]"),
        ({"categories": {"a b": (1.0, 1.2)}}, "names must use only letters"),
        ({"categories": {"a": (1.0, 0.0)}}, "growth.a must be positive"),
        ({"categories": {"a": 1.0}}, r"must be \(share, relative_growth\)"),
        ({"price_elasticity": 0.5}, "price_elasticity needs a price link"),
        ({"category_concentration": 3.0}, "category_concentration needs categories"),
        (
            {"categories": {"a": (1.0, 1.1)}, "category_concentration": 0.0},
            "category_concentration must be positive",
        ),
        ({"price": "frontier.price"}, "price must name a price model"),
    ],
)
def test_bad_input_raises(kwargs, match):
    args = {"base_per_month": 10.0, "annual_growth": 1.5, "dispersion": 4.0} | kwargs
    with pytest.raises(ValueError, match=match):
        ac.IncidentGrowth("inc", **args)


def test_price_link_to_missing_model_raises_before_simulation():
    sc = ac.Scenario(start="2026-01", horizon="2026-12")
    sc.add(ac.IncidentGrowth("inc", 10.0, 1.5, 4.0, price_elasticity=0.3, price="frontier"))
    with pytest.raises(
        ValueError, match="incident_growth 'inc' links to 'frontier.price', which is not a series"
    ):
        sc.run(paths=10, progress=False)
    with pytest.raises(ValueError, match="links to 'frontier.price'"):
        sc.estimate_memory(paths=10)


def test_runaway_growth_is_refused():
    sc = ac.Scenario(start="2026-01", horizon="2060-12")
    sc.add(ac.IncidentGrowth("inc", 10.0, 1e6, None))
    with pytest.raises(ValueError, match="mean count per month reached"):
        sc.run(paths=10, progress=False)


# --- negative binomial regression ------------------------------------------------------------


def _scipy_nb_fit(x, y, offset, w):
    """Independent ML fit: maximize the NB2 log-likelihood over (beta, log k) with SciPy."""

    def nll(theta):
        beta, k = theta[:-1], math.exp(theta[-1])
        mu = np.exp(x @ beta + offset)
        return -np.sum(w * stats.nbinom.logpmf(y, k, k / (k + mu)))

    start = np.r_[np.linalg.lstsq(x, np.log(y + 0.5) - offset, rcond=None)[0], 0.0]
    r = optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-9})
    r = optimize.minimize(
        nll, r.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}
    )
    return r.x[:-1], math.exp(r.x[-1]), -r.fun


def _simulate(rng, n, beta, k, x=None, offset=None):
    if x is None:
        x = np.column_stack([np.ones(n), np.linspace(-2, 0, n)])
    off = np.zeros(n) if offset is None else offset
    mu = np.exp(x @ beta + off)
    y = rng.poisson(rng.gamma(k, mu / k)) if math.isfinite(k) else rng.poisson(mu)
    return x, y.astype(float), off


def test_negbin_regression_matches_scipy_ml():
    rng = np.random.default_rng(5)
    n = 120
    x = np.column_stack([np.ones(n), np.linspace(-3, 0, n), rng.normal(size=n)])
    off = rng.normal(0, 0.2, n)
    x, y, off = _simulate(rng, n, np.array([3.0, 0.4, -0.2]), 3.0, x, off)
    w = rng.uniform(0.5, 1.5, n)
    w[:5] = 0.0
    ours = negbin_regression(x, y, off, w)
    beta, k, ll = _scipy_nb_fit(x, y, off, w)
    assert ours["converged"]
    np.testing.assert_allclose(ours["beta"], beta, rtol=1e-5, atol=1e-6)
    assert ours["dispersion"] == pytest.approx(k, rel=1e-4)
    assert ours["loglik"] == pytest.approx(ll, rel=1e-9)
    # standard errors: inverse Fisher information of beta, and of log k from the profile curvature
    mu = np.exp(x @ ours["beta"] + off)
    info = (x * (w * mu / (1 + mu / k))[:, None]).T @ x
    np.testing.assert_allclose(ours["cov"], np.linalg.inv(info), rtol=1e-6)

    def prof(t):
        kk = math.exp(t)
        return np.sum(w * stats.nbinom.logpmf(y, kk, kk / (kk + mu)))

    h = 1e-3
    t0 = math.log(ours["dispersion"])
    curv = (prof(t0 + h) - 2 * prof(t0) + prof(t0 - h)) / h**2
    assert ours["log_dispersion_se"] == pytest.approx(1 / math.sqrt(-curv), rel=1e-3)
    assert ours["loglik"] == pytest.approx(
        ac._engine.negbin_loglik(y, ours["mu"], w, ours["dispersion"])
    )


def test_poisson_and_moment_fits_match_independent_solutions():
    rng = np.random.default_rng(8)
    x, y, _off = _simulate(rng, 80, np.array([2.0, 0.5]), 5.0)
    pois = negbin_regression(x, y, dispersion=math.inf)

    def nll(beta):
        mu = np.exp(x @ beta)
        return -np.sum(y * np.log(mu) - mu - special.gammaln(y + 1))

    r = optimize.minimize(nll, np.zeros(2), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(pois["beta"], r.x, rtol=1e-6)
    assert pois["dispersion"] == math.inf and math.isnan(pois["log_dispersion_se"])
    mom = negbin_regression(x, y, dispersion="moments")
    mu = mom["mu"]
    k = mom["dispersion"]
    assert np.sum((y - mu) ** 2 / (mu + mu**2 / k)) == pytest.approx(80 - 2, rel=1e-6)
    # the moment equation for beta fixed at its fit, solved independently
    a = optimize.brentq(lambda a: np.sum((y - mu) ** 2 / (mu * (1 + a * mu))) - 78, 1e-8, 10)
    assert k == pytest.approx(1 / a, rel=1e-6)
    # counts less dispersed than Poisson: no overdispersion found, k = inf (a Poisson fit), both methods
    xu = np.column_stack([np.ones(60), np.linspace(-2, 0, 60)])
    yu = np.round(np.exp(3.0 + 0.5 * xu[:, 1]))
    for method in ("ml", "moments"):
        fit = negbin_regression(xu, yu, dispersion=method)
        assert fit["dispersion"] == math.inf
        np.testing.assert_allclose(
            fit["beta"], negbin_regression(xu, yu, dispersion=math.inf)["beta"], rtol=1e-9
        )


def test_regression_recovers_growth_and_dispersion_with_nominal_coverage():
    rng = np.random.default_rng(21)
    g, k, base, n_sets = 1.6, 6.0, 25.0, 300
    months = np.arange(-59, 1)
    t = months / 12
    x = np.column_stack([np.ones(60), t])
    inside = np.zeros(3)  # growth, base, dispersion intervals holding the truth
    ks, growths = [], []
    z = stats.norm.ppf(0.95)
    for _ in range(n_sets):
        mu = base * g**t
        y = rng.poisson(rng.gamma(k, mu / k)).astype(float)
        f = negbin_regression(x, y)
        b, se = f["beta"], f["se"]
        inside += [
            abs(b[1] - math.log(g)) <= z * se[1],
            abs(b[0] - math.log(base)) <= z * se[0],
            abs(math.log(f["dispersion"]) - math.log(k)) <= z * f["log_dispersion_se"],
        ]
        ks.append(f["dispersion"])
        growths.append(math.exp(b[1]))
    cover = inside / n_sets
    np.testing.assert_array_less(np.abs(cover - 0.9), 3.5 * math.sqrt(0.09 / n_sets))
    log_g = np.log(growths)
    assert abs(log_g.mean() - math.log(g)) < 4 * log_g.std() / math.sqrt(n_sets)
    # ML dispersion from 60 points: median within 15% of the truth
    assert abs(np.median(ks) / k - 1) < 0.15


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ({"y": [1.0, -1.0, 2.0, 3.0]}, "counts must be finite and non-negative"),
        ({"y": [1.0, 2.0]}, "one entry per row of x"),
        ({"weights": [1.0, -1.0, 1.0, 1.0]}, "weights must be finite and non-negative"),
        ({"x": np.ones((4, 2))}, "rank 1 but 2 columns"),
        ({"dispersion": "fast"}, "dispersion method must be 'ml', 'moments' or 'fixed'"),
        ({"dispersion": -1.0}, "a fixed dispersion must be positive"),
        ({"weights": [1.0, 1.0, 0.0, 0.0]}, "need more rows with positive weight"),
    ],
)
def test_regression_bad_input(args, match):
    base = {
        "x": np.column_stack([np.ones(4), np.arange(4.0)]),
        "y": [1.0, 3.0, 2.0, 5.0],
        "weights": None,
        "dispersion": "ml",
    }
    base |= args
    with pytest.raises(ValueError, match=match):
        negbin_regression(base["x"], base["y"], None, base["weights"], base["dispersion"])


# --- reporting lag and the fitter ----------------------------------------------------------------


def test_reporting_lag_recovers_a_known_delay_curve():
    rng = np.random.default_rng(2)
    truth = ReportingLag(
        0.6, 20.0, 400.0, (pd.Timestamp("2025-02-11"), pd.Timestamp("2025-03-28")), 0.0
    )
    days = pd.date_range("2016-01-01", "2025-03-27", freq="D")
    per_day = rng.poisson(15.0, days.size)
    ev = (
        np.repeat(days.to_numpy(), per_day)
        + pd.to_timedelta(rng.uniform(0, 1, per_day.sum()), unit="D").to_numpy()
    )
    fast = rng.uniform(size=ev.size) < truth.fast_share
    delay = np.where(
        fast, rng.exponential(truth.fast_days, ev.size), rng.exponential(truth.slow_days, ev.size)
    )
    entered = ev + pd.to_timedelta(delay, unit="D").to_numpy()
    month = pd.DatetimeIndex(ev).to_period("M").astype(str)
    table = (
        pd.DataFrame(
            {
                "month": month,
                "count_2025_02_11": entered <= np.datetime64("2025-02-11"),
                "count_2025_03_28": entered <= np.datetime64("2025-03-28"),
            }
        )
        .groupby("month", as_index=False)
        .sum()
    )
    lag = reporting_lag(table, since="2016-01")
    assert lag.fast_share == pytest.approx(0.6, abs=0.08)
    assert lag.fast_days == pytest.approx(20.0, rel=0.3)
    assert lag.slow_days == pytest.approx(400.0, rel=0.3)
    months = pd.period_range("2023-01", "2025-03", freq="M")
    np.testing.assert_allclose(
        lag.completeness(months, "2025-03-28"), truth.completeness(months, "2025-03-28"), atol=0.05
    )
    # the completeness of a month cut by the export counts only the days before it
    assert truth.completeness(["2025-03"], "2025-03-01")[0] == 0.0


def test_fit_on_simulated_lagged_counts_recovers_growth():
    rng = np.random.default_rng(4)
    lag = ReportingLag(
        0.7, 30.0, 300.0, (pd.Timestamp("2025-02-11"), pd.Timestamp("2025-03-28")), 0.0
    )
    months = pd.period_range("2019-01", "2025-03", freq="M")
    t = np.array([(m - months[-1]).n for m in months]) / 12
    mu = 200.0 * 1.5**t * lag.completeness(months, "2025-03-28")
    y = rng.poisson(rng.gamma(8.0, mu / 8.0))
    table = pd.DataFrame({"month": months.astype(str), "count_2025_03_28": y})
    fit = incident_growth(table, start="2019-01", lag=lag)
    lo, hi = fit.growth_interval
    assert lo < 1.5 < hi
    raw = incident_growth(table, start="2019-01", lag=None)
    assert raw.growth < fit.growth  # ignoring the lag understates growth


def test_fit_on_the_ai_incident_database():
    fit = incident_growth()
    assert 1.0 < fit.growth_interval[0] < fit.growth < fit.growth_interval[1] < 3.0
    assert fit.dispersion is not None and 1.0 < fit.dispersion_value < 100.0
    assert set(fit.categories) == set(ac.data.DOMAIN_SLUGS.values())
    assert sum(c.share for c in fit.categories.values()) == pytest.approx(1.0)
    # published context: malicious use grows faster than system-safety failures
    assert fit.categories["malicious_use"].growth > fit.categories["ai_system_safety"].growth
    m = fit.model("aiid", start="2026-02", categories=True)
    assert (
        m.series[:3] == ["aiid.count", "aiid.yearly", "aiid.cumulative"] and len(m.categories) == 7
    )
    assert m.params["base_per_month"].correlation is not None
    res = (
        ac.Scenario(start="2026-02", horizon="2027-12", seed=1)
        .add(m)
        .run(paths=2_000, progress=False)
    )
    assert res.mean("aiid.count").iloc[-1] > res.mean("aiid.count").iloc[0]
    summary = fit.summary()
    assert summary.loc["annual_growth", "estimate"] == pytest.approx(fit.growth)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"table": pd.DataFrame({"month": ["2024-01"], "n": [1]})}, "needs a 'count' column"),
        ({"table": pd.DataFrame({"count": [1]})}, r"needs a 'month' \(monthly counts\) or 'year'"),
        ({"dispersion": "quasi"}, "dispersion must be 'ml', 'moments' or 'poisson'"),
        ({"credibility": 1.5}, r"credibility must be in \(0, 1\)"),
        ({"lag": "median"}, "lag must be 'report', 'auto', None or a ReportingLag"),
        ({"start": "2025-02"}, "need at least 6 usable months"),
        ({"min_completeness": 1.0}, r"min_completeness must be in \[0, 1\)"),
    ],
)
def test_fit_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        incident_growth(**kwargs)


def test_reporting_lag_needs_two_exports():
    with pytest.raises(ValueError, match="needs two exports"):
        reporting_lag(pd.DataFrame({"month": ["2024-01"], "count_2025_03_28": [3]}))
    bad = pd.DataFrame({"month": ["2024-01"], "count_2025_02_11": [4], "count_2025_03_28": [3]})
    with pytest.raises(ValueError, match="has more incidents than"):
        reporting_lag(bad, since="2020-01")


def test_engine_spec_errors():
    def spec(**extra):
        params = {"base_per_month": ac.point(5.0)._core, "annual_growth": ac.point(1.2)._core}
        s = {"kind": "incident_growth", "name": "inc", "params": params, "links": {}, "labels": []}
        for k, v in extra.items():
            if k in ("links", "labels"):
                s[k] = v
            else:
                params[k] = ac.point(v)._core
        return s

    with pytest.raises(ValueError, match="first_month_of_year must be a whole number from 1 to 12"):
        ac._engine.describe_model(spec(first_month_of_year=13.0))
    with pytest.raises(ValueError, match="unknown link 'cost'"):
        ac._engine.describe_model(spec(links={"cost": "frontier.price"}))
    with pytest.raises(ValueError, match="missing parameter relative_growth.a"):
        ac._engine.describe_model(spec(labels=["a"], **{"share.a": 1.0}))
    with pytest.raises(ValueError, match="category 'a' is given twice"):
        ac._engine.describe_model(spec(labels=["a", "a"]))
    assert ac._engine.describe_model(spec())[0] == ["count", "yearly", "cumulative"]


def test_yearly_table_fit_in_monthly_terms():
    # yearly totals of simulated monthly NB counts: growth, and the base at July of the last year
    rng = np.random.default_rng(9)
    g, k, base_july = 1.5, 10.0, 80.0
    months = pd.period_range("2013-01", "2024-12", freq="M")
    t = np.array([(m - pd.Period("2024-07", "M")).n for m in months]) / 12
    mu = base_july * g**t
    y = rng.poisson(rng.gamma(k, mu / k))
    table = pd.DataFrame({"year": months.year, "count": y}).groupby("year", as_index=False).sum()
    fit = incident_growth(table, start="2013-01", lag=None)
    assert fit.reference_month == pd.Period("2024-07", "M")
    lo, hi = fit.growth_interval
    assert lo < g < hi and hi / lo < 1.3
    mu_b, s_b, _ = fit.base_at(fit.reference_month)
    b_lo, b_hi = ac.lognormal(mu_b, s_b).interval(0.99)
    assert b_lo < base_july < b_hi
    # noise-free totals give the exact monthly base and growth back
    exact = pd.DataFrame({"year": months.year, "count": mu}).groupby("year", as_index=False).sum()
    exact["count"] = exact["count"].round(6)
    f2 = incident_growth(exact, start="2013-01", lag=None, dispersion="poisson")
    assert f2.growth == pytest.approx(g, rel=1e-5)
    assert math.exp(f2.coef[0]) == pytest.approx(base_july, rel=1e-5)


def test_yearly_aiid_table_drops_the_partial_year():
    fit = incident_growth(ac.data.aiid_yearly(), start="2015-01", lag=None)
    row = fit.data.set_index("year").loc[2025]
    assert row["completeness"] == pytest.approx((31 + 28 + 27) / 365) and not row["used"]
    assert fit.reference_month == pd.Period("2024-07", "M")
    assert 1.0 < fit.growth_interval[0] < fit.growth < fit.growth_interval[1] < 2.0
    lagged = incident_growth(ac.data.aiid_yearly(), start="2015-01", lag="auto")  # identified on this window
    assert lagged.lag is lagged.lag_estimate is not None and lagged.growth > fit.growth
    with pytest.raises(ValueError, match="needs a 'month' or 'year' column"):
        reporting_lag(pd.DataFrame({"count_2025_02_11": [1], "count_2025_03_28": [1]}))
