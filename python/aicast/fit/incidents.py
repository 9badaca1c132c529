"""Fit incident growth: negative binomial regression of monthly (or yearly) counts.

Reporting lag
-------------
The newest months of any export are incomplete; :mod:`aicast.fit.reporting_lag` estimates
how complete each month is (a fast/slow delay mixture fitted from two exports), from the rows
up to ``end`` only. A corrected regression uses the later export with ``log c_B(m)`` as an
offset (expected count = trend x completeness) and drops months whose completeness is below
``min_completeness``.

By default (``lag="report"``) the correction is estimated and reported beside the raw fit but
not used: on the shipped AIID table the two exports are six weeks apart, so the level of the
delay curve is an extrapolation, and the rolling backtests (README, notebook 05) are not
better with it. ``lag="auto"`` uses it when it is identified (:class:`ReportingLag`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import _engine
from .._months import parse_month
from ..priors import Prior, lognormal, point
from .incident_fit import CategoryFit, IncidentFit, _z
from .reporting_lag import ReportingLag, _completeness, _snapshots, reporting_lag

__all__ = [
    "CategoryFit",
    "IncidentFit",
    "ReportingLag",
    "incident_growth",
    "negbin_regression",
    "reporting_lag",
]

#: Fewest usable months (years) a fit accepts: 3 parameters (base, growth, dispersion) and 3
#: degrees of freedom left for the dispersion.
MIN_POINTS = 6
#: Default fit window: the last 36 usable months of a monthly table, the last 6 usable years of a
#: yearly one. The rolling one-year-ahead backtests on the AIID tables are calibrated with these
#: windows (README; 90% coverage 0.90 and 0.92) and not with a fixed 2020 (2015) start (0.87 with a
#: skewed PIT; 0.82): the growth rate of reported incidents changes over the years.
DEFAULT_WINDOW = {"month": 36, "year": 6}


def _default_start(
    periods: Any, yearly: bool, last: pd.Period, snapshot: pd.Timestamp | None, min_completeness: float
) -> pd.Period:
    """First month of the last DEFAULT_WINDOW usable periods up to ``last`` (completeness of the
    export date alone); the earliest period if there are fewer."""
    if yearly:
        labels: Any = sorted(int(y) for y in periods if int(y) <= last.year)
    else:
        labels = pd.PeriodIndex(sorted(m for m in periods if m <= last), freq="M")
    if len(labels) == 0:
        raise ValueError(f"incident_growth: no rows up to end {last}")
    comp = _raw_completeness(labels, snapshot)
    usable = [lab for lab, c in zip(labels, comp) if c >= max(min_completeness, 1e-12)] or list(labels)
    n = DEFAULT_WINDOW["year" if yearly else "month"]
    first = usable[-n] if len(usable) >= n else usable[0]
    return pd.Period(f"{first}-01", "M") if yearly else first

def negbin_regression(
    x: Any,
    y: Any,
    offset: Any = None,
    weights: Any = None,
    dispersion: str | float = "ml",
) -> dict[str, Any]:
    """Negative binomial (NB2) regression with a log link, by IRLS in the engine (Eigen).

    ``y ~ NB(mean mu, dispersion k)``, ``Var y = mu + mu**2 / k``, ``log mu = x @ beta + offset``.

    Parameters
    ----------
    x
        Design matrix (rows: observations).
    y
        Non-negative counts.
    offset, weights
        Offset of the linear predictor (default 0) and prior weights (default 1; 0 drops a row).
    dispersion
        ``"ml"`` (maximum likelihood), ``"moments"`` (Pearson), a positive number (fixed ``k``)
        or ``math.inf`` (Poisson regression).

    Returns
    -------
    dict
        ``beta``, ``cov`` (of beta), ``se``, ``dispersion`` (inf when no overdispersion is
        found), ``log_dispersion_se``, ``loglik``, ``pearson_chi2``, ``mu``, ``iterations``,
        ``converged``.
    """
    xa = np.asarray(x, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    ya = np.asarray(y, dtype=float).ravel()
    n = xa.shape[0]
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float).ravel()
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float).ravel()
    if isinstance(dispersion, str):
        method, k = dispersion, 0.0
    else:
        method, k = "fixed", float(dispersion)
    out = dict(_engine.negbin_glm(xa, ya, off, w, method, k))
    out["se"] = np.sqrt(np.diag(out["cov"]))
    return out


def _counts(table: pd.DataFrame) -> tuple[str, pd.Timestamp | None]:
    snaps = _snapshots(table)
    if snaps:
        return snaps[-1][1], snaps[-1][0]
    if "count" in table.columns:
        return "count", None
    raise ValueError(
        "incident_growth: the table needs a 'count' column or export columns named count_YYYY_MM_DD, got "
        f"{[str(c) for c in table.columns]}"
    )


def _raw_completeness(labels: Any, snapshot: pd.Timestamp | None) -> np.ndarray:
    """Completeness without a reporting delay: 1, except a period cut by the export date."""
    if snapshot is None:
        return np.ones(len(labels))
    return _completeness(lambda a: (a > 0).astype(float), labels, snapshot)


def _dispersion_prior(fit: dict[str, Any], yearly: bool, k_year: float, dof: float) -> Prior | None:
    """Lognormal prior of the monthly k (None: Poisson).

    Monthly (ML): normal approximation of ``log k``. Yearly (moments): the Pearson statistic is
    about chi-square with ``dof`` degrees of freedom, so the total variance is known to a
    relative sd of ``sqrt(2 / dof)``; the extra-Poisson part (``Y**2 / K``) carries all of it,
    so ``sd(log k) = sqrt(2 / dof) * (1 + K / Y)`` at the mean total ``Y``, capped at 1.5."""
    if not math.isfinite(k_year):
        return None
    k = k_year / 12.0 if yearly else k_year
    if yearly:
        ybar = float(np.average(fit["mu"], weights=np.maximum(fit["_w"], 1e-300)))
        s = min(math.sqrt(2.0 / max(dof, 1.0)) * (1.0 + k_year / ybar), 1.5)
        return lognormal(math.log(k), s)
    s = float(fit["log_dispersion_se"])
    return lognormal(math.log(k), s) if math.isfinite(s) and s > 0 else point(k)


def _regress(
    df: pd.DataFrame, yearly: bool, dispersion: str, min_completeness: float, where: str
) -> tuple[np.ndarray, np.ndarray, float, Prior | None, pd.Period, pd.DataFrame]:
    """The regression of one completeness column: ``(coef, cov, k, k prior, reference month, data)``."""
    df = df.copy()
    df["used"] = df["completeness"] >= max(min_completeness, 1e-12)
    n_used = int(df["used"].sum())
    unit = "years" if yearly else "months"
    if n_used < MIN_POINTS:
        low = "" if n_used or not (df["completeness"] < min_completeness).any() else (
            f"; every period is less than {min_completeness:.0%} complete under the reporting lag "
            "(pass lag=None to fit the raw counts)"
        )
        raise ValueError(
            f"incident_growth: need at least {MIN_POINTS} usable {unit} in {where} to estimate base, growth "
            f"and dispersion (3 parameters), got {n_used}{low}; give an earlier start"
            + (" or use the monthly table" if yearly else "")
        )
    if yearly:
        ref_year = int(df.loc[df["used"], "year"].iloc[-1])
        t = (df["year"] - ref_year).to_numpy(dtype=float)
        ref = pd.Period(f"{ref_year}-07", "M")  # the base refers to July, the middle of the year
    else:
        ref = df.loc[df["used"], "month"].iloc[-1]
        t = np.array([(m - ref).n / 12.0 for m in df["month"]])
    x = np.column_stack([np.ones(len(df)), t])
    offset = np.log(np.maximum(df["completeness"].to_numpy(dtype=float), 1e-300))
    w = df["used"].to_numpy(dtype=float)
    fit = negbin_regression(
        x, df["count"].to_numpy(dtype=float), offset, w, math.inf if dispersion == "poisson" else dispersion
    )
    fit["_w"] = w
    b, v = np.asarray(fit["beta"]), np.asarray(fit["cov"])
    df["fitted"] = np.exp(x @ b)
    k = float(fit["dispersion"])
    if yearly:
        # a year is 12 months: total = m_July * sum_j g^((j - 6)/12), so
        # log m_July = b0 - h(b1) with h(b1) = log sum_j exp(b1 (j - 6)/12); delta method for the covariance
        e = (np.arange(12) - 6.0) / 12.0
        wts = np.exp(b[1] * e)
        h, dh = math.log(wts.sum()), float((wts * e).sum() / wts.sum())
        jac = np.array([[1.0, -dh], [0.0, 1.0]])
        b = np.array([b[0] - h, b[1]])
        v = jac @ v @ jac.T
    prior = _dispersion_prior(fit, yearly, k, n_used - 2.0)
    # the sum of 12 independent NB(m, k) months has variance Y + Y^2 / (12 k): monthly k = yearly k / 12
    k_month = k / 12.0 if yearly else k
    return b, v, k_month, prior, ref, df


def incident_growth(
    table: pd.DataFrame | None = None,
    *,
    domains: pd.DataFrame | None = None,
    start: Any = None,
    end: Any = None,
    lag: ReportingLag | str | None = "report",
    min_completeness: float = 0.25,
    dispersion: str | None = None,
    credibility: float = 0.9,
) -> IncidentFit:
    """Fit growth and dispersion of monthly incident counts by negative binomial regression.

    ``count(m) ~ NB(mean c(m) * exp(b0 + b1 * t_m), k)`` with ``t_m`` in years from the last
    usable month of the window (the reference month), ``c(m)`` the completeness of month ``m``
    in the export (1 without a lag correction, except the month the export date cuts) and
    ``k`` the dispersion. IRLS with Eigen in the engine. The annual growth is ``exp(b1)``;
    priors are lognormal from the normal approximation of ``(b0, b1)`` and of ``log k``.

    Nothing after ``end`` is read: the table (and ``domains``) are cut at ``end`` first, and the
    reporting lag is estimated from those rows only, so a fit with ``end=cut`` is the same
    whatever the later rows hold.

    A yearly table (a ``year`` column instead of ``month``, e.g. :func:`aicast.data.aiid_yearly`)
    is fitted the same way on yearly totals; the result is converted to monthly terms: the base
    refers to July of the last usable year (``total = base * sum_j g**((j - 6)/12)``, delta
    method for the covariance) and the monthly dispersion is the yearly one divided by 12 (a
    year is the sum of 12 independent months). With a dozen yearly totals the ML dispersion is
    biased high (about 2x: it ignores the two fitted coefficients), so yearly tables use the
    Pearson moment estimator with ``n - 2`` degrees of freedom by default, which is close to
    unbiased (tests/test_incident_calibration.py checks it on simulated data).

    Parameters
    ----------
    table
        Counts: a ``month`` column ("YYYY-MM") or a ``year`` column, and either export
        columns ``count_YYYY_MM_DD`` (the latest is fitted) or a ``count`` column. Default: the
        AI Incident Database table :func:`aicast.data.aiid_monthly`.
    domains
        Yearly counts by category (columns ``year``, ``domain``, ``count``; a domain
        ``unclassified`` is treated as not yet classified), e.g.
        :func:`aicast.data.aiid_domains_yearly` (used by default with the default table).
        Categories get their growth from one joint yearly regression with a shared dispersion,
        offset by the year's classified fraction (and completeness, when a lag is used), over
        the fit window's years or the last 5 years up to ``end``, whichever is longer.
    start, end
        Fit window (months, inclusive). ``end`` defaults to the table's last month; ``start``
        to the beginning of the last 36 usable months (6 usable years for a yearly table) up
        to ``end``, the window the rolling backtests are calibrated with (:data:`DEFAULT_WINDOW`).
    lag
        ``"report"`` (default): estimate the reporting lag from the two latest exports (rows
        up to ``end``) and report it, with the lag-corrected fit in :attr:`IncidentFit.corrected`
        when it is identified, but fit the raw counts. ``"auto"``: use it when it is
        identified. A :class:`ReportingLag`: use it. None: neither estimate nor use one.
    min_completeness
        Months (years) whose completeness is below this are left out.
    dispersion
        ``"ml"``, ``"moments"`` or ``"poisson"``; default ``"ml"`` for a monthly table and
        ``"moments"`` for a yearly one.
    credibility
        Mass of the reported intervals.

    Raises
    ------
    ValueError
        For a table without counts, a window with fewer than 6 usable months (or years), a
        bad ``dispersion``, ``credibility`` or ``min_completeness``, or a ``lag`` that is not
        "report", "auto", None or a ReportingLag.
    """
    from .. import data as _data

    if not (0.0 < credibility < 1.0):
        raise ValueError(f"credibility must be in (0, 1), got {credibility!r}")
    if dispersion not in (None, "ml", "moments", "poisson"):
        raise ValueError(f"dispersion must be 'ml', 'moments' or 'poisson', got {dispersion!r}")
    if not (0.0 <= min_completeness < 1.0):
        raise ValueError(f"min_completeness must be in [0, 1), got {min_completeness!r}")
    if isinstance(lag, str):
        if lag not in ("report", "auto"):
            raise ValueError(f"lag must be 'report', 'auto', None or a ReportingLag, got {lag!r}")
    elif lag is not None and not isinstance(lag, ReportingLag):
        raise ValueError(f"lag must be 'report', 'auto', None or a ReportingLag, got {type(lag).__name__}")
    default_table = table is None
    if table is None:
        table = _data.aiid_monthly()
    if domains is None and default_table:
        domains = _data.aiid_domains_yearly()
    yearly = "month" not in table.columns and "year" in table.columns
    if "month" not in table.columns and not yearly:
        raise ValueError(
            "incident_growth: the table needs a 'month' (monthly counts) or 'year' (yearly counts) "
            f"column, got {[str(c) for c in table.columns]}"
        )
    key = "year" if yearly else "month"
    method = dispersion or ("moments" if yearly else "ml")
    col, snapshot = _counts(table)
    if yearly:
        years = table["year"].astype(int)
        hi_year = int(years.max()) if end is None else parse_month(end, "end").year
        last_month = pd.Period(f"{hi_year}-12", "M")
        periods: Any = years
    else:
        periods = pd.PeriodIndex([parse_month(m, "month") for m in table["month"].astype(str)], freq="M")
        last_month = periods.max() if end is None else parse_month(end, "end")
    if start is None:
        lo = _default_start(periods, yearly, last_month, snapshot, min_completeness)
    else:
        lo = parse_month(start, "start")
    if yearly:
        table = table[(years >= lo.year) & (years <= hi_year)]
    else:
        keep = (periods >= lo) & (periods <= last_month)
        table = table[keep].assign(month=periods[keep])
    # from here on only rows in [start, end]: nothing later can change the fit
    df = table[[key, col]].rename(columns={col: "count"}).sort_values(key).reset_index(drop=True)
    if yearly:
        df["year"] = df["year"].astype(int)
    where = f"{lo.year if yearly else lo} to {last_month.year if yearly else last_month}"
    labels: Any = [int(y) for y in df["year"]] if yearly else pd.PeriodIndex(df["month"], freq="M")

    estimate, note = None, ""
    if isinstance(lag, ReportingLag):
        if snapshot is None:
            raise ValueError("incident_growth: a reporting-lag correction needs export columns count_YYYY_MM_DD")
        used_lag: ReportingLag | None = lag
    else:
        used_lag = None
        if lag is not None:
            if len(_snapshots(table)) < 2:
                note = "no lag estimate: the table has fewer than two exports"
            else:
                try:
                    estimate = reporting_lag(table, since=lo, end=last_month)
                    note = estimate.note
                except ValueError as e:
                    note = f"no lag estimate: {e}"
            if estimate is not None and estimate.identified:
                note = "identified, used" if lag == "auto" else "identified; reported in .corrected, not used"
                if lag == "auto":
                    used_lag = estimate
    df["completeness"] = (
        used_lag.completeness(labels, snapshot) if used_lag is not None else _raw_completeness(labels, snapshot)
    )
    b, v, k, disp_prior, ref, df = _regress(df, yearly, method, min_completeness, where)
    corrected = None
    if lag == "report" and estimate is not None and estimate.identified:
        alt = df[[key, "count"]].copy()
        alt["completeness"] = estimate.completeness(labels, snapshot)
        try:
            cb, cv, ck, cprior, cref, cdf = _regress(alt, yearly, method, min_completeness, where)
            corrected = _make(cb, cv, ck, cprior, cref, last_month, cdf, estimate, credibility, yearly, method,
                              estimate, "", None, {}, math.inf)
        except ValueError:
            corrected = None
    cats: dict[str, CategoryFit] = {}
    cat_k = math.inf
    if domains is not None:
        try:
            # the mix drifts slowly: categories use at least the last 5 years (3 are 2 points per parameter)
            cat_lo = min(lo, pd.Period(f"{ref.year - 4}-01", "M"))
            cats, cat_k = _categories(
                domains, used_lag, snapshot, cat_lo, ref, credibility, ref.year if yearly else None
            )
        except ValueError:
            if not default_table:  # the default domains are skipped for a window too short for them
                raise
    return _make(b, v, k, disp_prior, ref, last_month, df, used_lag, credibility, yearly, method,
                 estimate, note, corrected, cats, cat_k)


def _make(
    b: np.ndarray,
    v: np.ndarray,
    k: float,
    prior: Prior | None,
    ref: pd.Period,
    last_month: pd.Period,
    df: pd.DataFrame,
    lag: ReportingLag | None,
    credibility: float,
    yearly: bool,
    method: str,
    estimate: ReportingLag | None,
    note: str,
    corrected: IncidentFit | None,
    cats: dict[str, CategoryFit],
    cat_k: float,
) -> IncidentFit:
    z = _z(credibility)
    se1 = math.sqrt(v[1, 1])
    return IncidentFit(
        growth=math.exp(b[1]),
        growth_interval=(math.exp(b[1] - z * se1), math.exp(b[1] + z * se1)),
        dispersion_value=k,
        dispersion_prior=prior,
        reference_month=ref,
        last_month=last_month,
        coef=b,
        cov=v,
        data=df,
        lag=lag,
        credibility=credibility,
        yearly=yearly,
        dispersion_method=method,
        lag_estimate=estimate,
        lag_note=note,
        corrected=corrected,
        categories=cats,
        category_dispersion=cat_k,
    )


def _categories(
    domains: pd.DataFrame,
    lag: ReportingLag | None,
    snapshot: pd.Timestamp | None,
    lo: pd.Period,
    ref: pd.Period,
    credibility: float,
    last_year: int | None = None,
) -> tuple[dict[str, CategoryFit], float]:
    need = {"year", "domain", "count"}
    if not need <= set(domains.columns):
        raise ValueError(
            f"incident_growth: domains needs columns {sorted(need)}, got {[str(c) for c in domains.columns]}"
        )
    d = domains[domains["year"].astype(int) <= ref.year].copy()  # nothing after the fit window
    d["domain"] = d["domain"].astype(str)
    totals = d.groupby("year")["count"].sum()
    unclassified = (
        d[d["domain"] == "unclassified"]
        .groupby("year")["count"]
        .sum()
        .reindex(totals.index, fill_value=0)
    )
    years = [
        y
        for y in totals.index
        if lo.year <= y <= ref.year
        and (
            y <= last_year
            if last_year is not None
            else y * 12 + 11 <= ref.year * 12 + ref.month - 1
        )
    ]
    classified = (1.0 - unclassified / totals.replace(0, np.nan)).reindex(years)
    comp = {}
    for y in years:
        months = pd.period_range(f"{y}-01", f"{y}-12", freq="M")
        comp[y] = (
            float(np.mean(lag.completeness(months, snapshot)))
            if lag is not None and snapshot is not None
            else 1.0
        )
    names = sorted(set(d["domain"]) - {"unclassified"})
    if len(years) < 3 or not names:
        raise ValueError(
            f"incident_growth: domains need at least 3 complete years in the window, got {years}"
        )
    rows, cols = [], 2 * len(names)
    y_, off_ = [], []
    tref = ref.year + (ref.month - 0.5) / 12.0
    for j, c in enumerate(names):
        sub = d[d["domain"] == c].set_index("year")["count"].reindex(years, fill_value=0)
        for y in years:
            r = np.zeros(cols)
            r[2 * j] = 1.0
            r[2 * j + 1] = (y + 0.5) - tref
            rows.append(r)
            y_.append(float(sub[y]))
            off_.append(math.log(max(comp[y] * float(classified[y]), 1e-300)))
    fit = negbin_regression(np.array(rows), np.array(y_), np.array(off_), None, "ml")
    b, v = np.asarray(fit["beta"]), np.asarray(fit["cov"])
    z = _z(credibility)
    level = np.exp(b[0::2])
    out = {}
    for j, c in enumerate(names):
        g, s = float(b[2 * j + 1]), math.sqrt(v[2 * j + 1, 2 * j + 1])
        out[c] = CategoryFit(
            share=float(level[j] / level.sum()),
            growth=math.exp(g),
            interval=(math.exp(g - z * s), math.exp(g + z * s)),
            log_growth=g,
            log_growth_se=s,
        )
    return out, float(fit["dispersion"])
