"""Fit incident growth: negative binomial regression of monthly counts, corrected for reporting lag.

Reporting lag
-------------
The newest months of any export are incomplete; :mod:`aicast.fit.reporting_lag` estimates
how complete each month is (a fast/slow delay mixture fitted from two exports).

The regression then uses the later export with ``log c_B(m)`` as an offset (expected count =
trend x completeness) and drops months whose completeness is below ``min_completeness``.
``lag=None`` fits the raw counts instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import _engine
from .._months import parse_month
from ..models import IncidentGrowth
from ..priors import Prior, correlate, lognormal, point
from .reporting_lag import ReportingLag, _completeness, _snapshots, reporting_lag

__all__ = [
    "CategoryFit",
    "IncidentFit",
    "ReportingLag",
    "incident_growth",
    "negbin_regression",
    "reporting_lag",
]



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


# --- incident growth ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryFit:
    """Growth of one category: its share of the mean at the reference month and annual growth."""

    share: float
    annual_growth: Prior
    growth: float
    interval: tuple[float, float]


@dataclass(frozen=True)
class IncidentFit:
    """Result of :func:`incident_growth`: priors for :class:`~aicast.IncidentGrowth` and diagnostics.

    Attributes
    ----------
    base_per_month, annual_growth, dispersion
        Priors at ``reference_month`` (lognormal from the regression's normal approximation of
        the log-scale coefficients; ``dispersion`` is None when the counts show no
        overdispersion, i.e. Poisson).
    growth, growth_interval
        Point estimate of the annual growth factor and its central interval (``credibility``).
    dispersion_value
        ML estimate of ``k`` (inf: Poisson).
    reference_month
        Month the base refers to (the last month of the fit window).
    data
        Per month: ``count``, ``completeness``, ``used`` and the fitted mean ``fitted`` (in
        complete-count terms; multiply by completeness to compare with the counts).
    lag
        The reporting-lag curve used (None: no correction).
    categories
        Per category (MIT risk domain): share and growth, from a joint yearly regression.
    """

    base_per_month: Prior
    annual_growth: Prior
    dispersion: Prior | None
    growth: float
    growth_interval: tuple[float, float]
    dispersion_value: float
    reference_month: pd.Period
    coef: np.ndarray
    cov: np.ndarray
    data: pd.DataFrame
    lag: ReportingLag | None
    credibility: float
    categories: dict[str, CategoryFit] = field(default_factory=dict)
    category_dispersion: float = math.inf

    def base_at(self, month: Any) -> tuple[float, float, float]:
        """``(mu, sigma, rho)``: the log base at ``month`` is normal(mu, sigma), correlated rho with log growth."""
        m = parse_month(month, "month")
        h = (
            (m.year - self.reference_month.year) * 12 + m.month - self.reference_month.month
        ) / 12.0
        v = self.cov
        mu = float(self.coef[0] + h * self.coef[1])
        var = float(v[0, 0] + 2 * h * v[0, 1] + h * h * v[1, 1])
        rho = float((v[0, 1] + h * v[1, 1]) / math.sqrt(var * v[1, 1]))
        return mu, math.sqrt(var), rho

    def model(
        self,
        name: str = "incidents",
        start: Any = "2026-02",
        *,
        categories: bool = False,
        **kwargs: Any,
    ) -> Any:
        """An :class:`~aicast.IncidentGrowth` whose base is projected to ``start`` (the scenario's first month).

        Base and growth are correlated lognormal priors (their regression correlation);
        ``categories=True`` adds the fitted categories. Other keyword arguments go to
        :class:`~aicast.IncidentGrowth` (e.g. ``saturation``, ``price``, ``price_elasticity``).
        """
        mu, sigma, rho = self.base_at(start)
        base, growth = correlate(
            lognormal(mu, sigma),
            lognormal(float(self.coef[1]), float(math.sqrt(self.cov[1, 1]))),
            correlation=rho,
        )
        if categories and self.categories:
            # shares move from the reference month to the start month with the fitted growths
            h = (parse_month(start, "start") - self.reference_month).n / 12.0
            raw = {c: f.share * f.growth**h for c, f in self.categories.items()}
            tot = sum(raw.values())
            kwargs["categories"] = {
                c: (v / tot, self.categories[c].annual_growth) for c, v in raw.items()
            }
            cats = list(kwargs["categories"])
            shares = [kwargs["categories"][c][0] for c in cats[:-1]]
            kwargs["categories"][cats[-1]] = (1.0 - sum(shares), kwargs["categories"][cats[-1]][1])
        return IncidentGrowth(
            name, base_per_month=base, annual_growth=growth, dispersion=self.dispersion, **kwargs
        )

    def summary(self) -> pd.DataFrame:
        """Estimates with their intervals: growth, base at the reference month, dispersion, categories."""
        z = _z(self.credibility)
        se = np.sqrt(np.diag(self.cov))
        rows = [
            {
                "parameter": "annual_growth",
                "estimate": self.growth,
                "lo": self.growth_interval[0],
                "hi": self.growth_interval[1],
            },
            {
                "parameter": f"base_per_month ({self.reference_month})",
                "estimate": math.exp(self.coef[0]),
                "lo": math.exp(self.coef[0] - z * se[0]),
                "hi": math.exp(self.coef[0] + z * se[0]),
            },
        ]
        if self.dispersion is not None:
            lo, hi = self.dispersion.interval(self.credibility)
            rows.append(
                {"parameter": "dispersion", "estimate": self.dispersion_value, "lo": lo, "hi": hi}
            )
        else:
            rows.append(
                {"parameter": "dispersion", "estimate": math.inf, "lo": math.inf, "hi": math.inf}
            )
        for c, f in self.categories.items():
            rows.append(
                {
                    "parameter": f"growth {c}",
                    "estimate": f.growth,
                    "lo": f.interval[0],
                    "hi": f.interval[1],
                }
            )
        return pd.DataFrame(rows).set_index("parameter")


def _z(credibility: float) -> float:
    return float(_engine.normal_ppf(0.5 + credibility / 2.0))


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


def incident_growth(
    table: pd.DataFrame | None = None,
    *,
    domains: pd.DataFrame | None = None,
    start: Any = "2020-01",
    end: Any = None,
    lag: ReportingLag | str | None = "auto",
    min_completeness: float = 0.25,
    dispersion: str = "ml",
    credibility: float = 0.9,
) -> IncidentFit:
    """Fit growth and dispersion of monthly incident counts by negative binomial regression.

    ``count(m) ~ NB(mean c(m) * exp(b0 + b1 * t_m), k)`` with ``t_m`` in years from the last
    month of the window (the reference month), ``c(m)`` the reporting completeness (module
    docstring) and ``k`` the dispersion. IRLS with Eigen in the engine; ``k`` by maximum
    likelihood. The annual growth is ``exp(b1)``; priors are lognormal from the normal
    approximation of ``(b0, b1)`` and of ``log k``.

    A yearly table (a ``year`` column instead of ``month``, e.g. :func:`aicast.data.aiid_yearly`)
    is fitted the same way on yearly totals, with the completeness of each year; the result is
    converted to monthly terms: the base refers to July of the last usable year
    (``total = base * sum_j g**((j - 6)/12)``, delta method for the covariance) and the monthly
    dispersion is the yearly one divided by 12 (a year is the sum of 12 independent months).

    Parameters
    ----------
    table
        Monthly counts: a ``month`` column ("YYYY-MM") or a ``year`` column, and either export
        columns ``count_YYYY_MM_DD`` (the latest is fitted) or a ``count`` column. Default: the
        AI Incident Database table :func:`aicast.data.aiid_monthly`.
    domains
        Yearly counts by category (columns ``year``, ``domain``, ``count``; a domain
        ``unclassified`` is treated as not yet classified), e.g.
        :func:`aicast.data.aiid_domains_yearly` (used by default with the default table).
        Categories get their growth from one joint yearly regression with a shared dispersion,
        offset by the year's completeness and classified fraction.
    start, end
        Fit window (months, inclusive); ``end`` defaults to the table's last month.
    lag
        ``"auto"`` estimates the reporting lag from the two latest exports (needs two export
        columns; with fewer, no correction), a :class:`ReportingLag`, or None for none (a
        period cut by the export date in the column name still counts only its days before it).
    min_completeness
        Months whose completeness is below this are left out.
    dispersion
        ``"ml"``, ``"moments"`` or ``"poisson"``.
    credibility
        Mass of the reported intervals.

    Raises
    ------
    ValueError
        For a table without counts, a window with fewer than three usable months (or years), a bad
        ``dispersion`` or ``credibility``, or a ``lag`` that is not "auto", None or a
        ReportingLag.
    """
    from .. import data as _data

    if not (0.0 < credibility < 1.0):
        raise ValueError(f"credibility must be in (0, 1), got {credibility!r}")
    if dispersion not in ("ml", "moments", "poisson"):
        raise ValueError(f"dispersion must be 'ml', 'moments' or 'poisson', got {dispersion!r}")
    if not (0.0 <= min_completeness < 1.0):
        raise ValueError(f"min_completeness must be in [0, 1), got {min_completeness!r}")
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
    col, snapshot = _counts(table)
    key = "year" if yearly else "month"
    df = table[[key, col]].rename(columns={col: "count"}).copy()
    if yearly:
        df["year"] = df["year"].astype(int)
    else:
        df["month"] = pd.PeriodIndex(
            [parse_month(m, "month") for m in df["month"].astype(str)], freq="M"
        )
    df = df.sort_values(key).reset_index(drop=True)
    lo = parse_month(start, "start")
    if yearly:
        hi_year = int(df["year"].iloc[-1]) if end is None else parse_month(end, "end").year
        df = df[(df["year"] >= lo.year) & (df["year"] <= hi_year)].reset_index(drop=True)
        hi: Any = hi_year
    else:
        hi = df["month"].iloc[-1] if end is None else parse_month(end, "end")
        df = df[(df["month"] >= lo) & (df["month"] <= hi)].reset_index(drop=True)

    if isinstance(lag, str):
        if lag != "auto":
            raise ValueError(f"lag must be 'auto', None or a ReportingLag, got {lag!r}")
        lag = reporting_lag(table) if len(_snapshots(table)) >= 2 else None
    elif lag is not None and not isinstance(lag, ReportingLag):
        raise ValueError(f"lag must be 'auto', None or a ReportingLag, got {type(lag).__name__}")
    labels = [int(y) for y in df["year"]] if yearly else df["month"]
    if lag is not None:
        if snapshot is None:
            raise ValueError(
                "incident_growth: a reporting-lag correction needs export columns count_YYYY_MM_DD"
            )
        df["completeness"] = lag.completeness(labels, snapshot)
    elif snapshot is not None:
        # no reporting delay, but the export still cuts the period it falls in
        df["completeness"] = _completeness(lambda a: (a > 0).astype(float), labels, snapshot)
    else:
        df["completeness"] = 1.0
    df["used"] = df["completeness"] >= max(min_completeness, 1e-12)
    unit = "years" if yearly else "months"
    if int(df["used"].sum()) < 3:
        raise ValueError(
            f"incident_growth: need at least 3 usable {unit} in {lo if not yearly else lo.year} to {hi}, "
            f"got {int(df['used'].sum())}"
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
        x,
        df["count"].to_numpy(dtype=float),
        offset,
        w,
        math.inf if dispersion == "poisson" else dispersion,
    )
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
        # the sum of 12 independent NB(m, k) months has variance Y + Y^2 / (12 k)
        k = k / 12.0
    z = _z(credibility)
    se1 = math.sqrt(v[1, 1])
    disp_prior = None
    if math.isfinite(k):
        s = float(fit["log_dispersion_se"])
        disp_prior = lognormal(math.log(k), s) if math.isfinite(s) and s > 0 else point(k)
    last_year = ref.year if yearly else None
    cats, cat_k = (
        _categories(domains, lag, snapshot, lo, ref, credibility, last_year)
        if domains is not None
        else ({}, math.inf)
    )
    return IncidentFit(
        base_per_month=lognormal(float(b[0]), math.sqrt(v[0, 0])),
        annual_growth=lognormal(float(b[1]), se1),
        dispersion=disp_prior,
        growth=math.exp(b[1]),
        growth_interval=(math.exp(b[1] - z * se1), math.exp(b[1] + z * se1)),
        dispersion_value=k,
        reference_month=ref,
        coef=b,
        cov=v,
        data=df,
        lag=lag,
        credibility=credibility,
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
    d = domains.copy()
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
            annual_growth=lognormal(g, s),
            growth=math.exp(g),
            interval=(math.exp(g - z * s), math.exp(g + z * s)),
        )
    return out, float(fit["dispersion"])
