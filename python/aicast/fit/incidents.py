"""Fit incident growth: negative binomial regression of monthly counts, corrected for reporting lag.

Reporting lag
-------------
An incident enters the AI Incident Database some time after it happens, so the newest months
of any export are incomplete. We model the delay ``D`` (days from the event to its entry) as a
two-component mixture, a fast route (share ``pi``) and a slow backfill::

    F(a) = P(D <= a) = pi (1 - exp(-a / tau_fast)) + (1 - pi) (1 - exp(-a / tau_slow))

and, with events spread evenly over their month, the completeness of month ``m`` in an export
taken on day ``s`` is ``c_s(m) = mean over the days d of m of F(s - d)`` (0 for days after
``s``, so a month cut by the export is handled too). The three parameters are estimated by
maximum likelihood from two exports: an incident in the later export (``s_B``) was already in
the earlier one (``s_A``) with probability ``c_A(m) / c_B(m)``, so
``n_A(m) ~ Binomial(n_B(m), c_A(m) / c_B(m))``. Only the *shape* of ``F`` between the two
exports is observed directly; its level comes from the mixture form (``F -> 1``), so the
correction of old months is an extrapolation, reported but not propagated into the priors.

The regression then uses the later export with ``log c_B(m)`` as an offset (expected count =
trend x completeness) and drops months whose completeness is below ``min_completeness``.
``lag=None`` fits the raw counts instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import _engine
from .._months import parse_month
from ..priors import Prior, correlate, lognormal, point

__all__ = [
    "CategoryFit",
    "IncidentFit",
    "ReportingLag",
    "incident_growth",
    "negbin_regression",
    "reporting_lag",
]

_SNAPSHOT_COLUMN = re.compile(r"^count_(\d{4})_(\d{2})_(\d{2})$")


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


# --- reporting lag ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportingLag:
    """Delay from an incident to its entry in the database (see the module docstring).

    Attributes
    ----------
    fast_share, fast_days, slow_days
        ``pi``, ``tau_fast`` and ``tau_slow`` (mean delays in days) of the delay mixture.
    snapshots
        The two export dates it was estimated from.
    loglik
        Binomial log-likelihood at the estimate.
    """

    fast_share: float
    fast_days: float
    slow_days: float
    snapshots: tuple[pd.Timestamp, pd.Timestamp]
    loglik: float

    def delay_cdf(self, days: Any) -> np.ndarray:
        """``F(a)``: probability that an incident is in the database ``a`` days after it happened."""
        a = np.asarray(days, dtype=float)
        f = self.fast_share * -np.expm1(-np.maximum(a, 0) / self.fast_days) + (
            1 - self.fast_share
        ) * -np.expm1(-np.maximum(a, 0) / self.slow_days)
        return np.where(a > 0, f, 0.0)

    def completeness(self, months: Any, snapshot: Any) -> np.ndarray:
        """Expected share of each month's incidents present in an export taken on ``snapshot``.

        ``months``: "YYYY-MM" strings or monthly Periods; integers are whole years."""
        return _completeness(self.delay_cdf, months, pd.Timestamp(snapshot))

    def __repr__(self) -> str:
        return (
            f"ReportingLag({self.fast_share:.0%} entered with mean delay {self.fast_days:.0f} days, "
            f"{1 - self.fast_share:.0%} with mean delay {self.slow_days:.0f} days; "
            f"from exports {self.snapshots[0].date()} and {self.snapshots[1].date()})"
        )


def _periods(labels: Any) -> pd.PeriodIndex:
    """Months ("YYYY-MM", Periods) or whole years (integers, yearly Periods) as a PeriodIndex."""
    if isinstance(labels, pd.PeriodIndex):
        return labels
    items = list(labels)
    if items and all(isinstance(v, (int, np.integer)) for v in items):
        return pd.PeriodIndex([pd.Period(year=int(v), freq="Y") for v in items])
    return pd.PeriodIndex([parse_month(m, "month") for m in items], freq="M")


def _day_ages(periods: Any, snapshot: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Age at ``snapshot`` (days) of the middle of every day of every period (month or year), the
    index of each period's first day in that array, and the number of days per period."""
    per = _periods(periods)
    starts = per.start_time.normalize().to_numpy()
    lengths = ((per.end_time.normalize() - per.start_time.normalize()).days + 1).to_numpy()
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)
    day = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
    first = (snapshot.to_datetime64() - np.repeat(starts, lengths)) / np.timedelta64(1, "D")
    return first - day - 0.5, offsets, lengths


def _completeness(cdf: Any, months: Any, snapshot: pd.Timestamp) -> np.ndarray:
    age, offsets, lengths = _day_ages(months, snapshot)
    if age.size == 0:
        return np.zeros(0)
    return np.add.reduceat(np.asarray(cdf(age), dtype=float), offsets) / lengths


def _snapshots(table: pd.DataFrame) -> list[tuple[pd.Timestamp, str]]:
    out = []
    for c in table.columns:
        m = _SNAPSHOT_COLUMN.match(str(c))
        if m:
            out.append((pd.Timestamp(f"{m.group(1)}-{m.group(2)}-{m.group(3)}"), str(c)))
    return sorted(out)


def reporting_lag(table: pd.DataFrame | None = None, *, since: Any = "2015-01") -> ReportingLag:
    """Estimate the reporting-lag curve from two exports of monthly counts.

    Parameters
    ----------
    table
        Monthly counts with a ``month`` column and count columns named ``count_YYYY_MM_DD``
        (export dates); the two latest are used. Default: :func:`aicast.data.aiid_monthly`.
    since
        First event month used (older months carry almost no information on the delay).

    Raises
    ------
    ValueError
        If the table has fewer than two export columns, or the later export has fewer
        incidents than the earlier one in some month (the model needs the earlier export to
        be contained in the later).
    """
    from scipy import optimize, stats

    if table is None:
        from .. import data

        table = data.aiid_monthly()
    snaps = _snapshots(table)
    if len(snaps) < 2:
        raise ValueError(
            "reporting_lag needs two exports: columns named count_YYYY_MM_DD, got "
            f"{[str(c) for c in table.columns]}"
        )
    (s_a, col_a), (s_b, col_b) = snaps[-2], snaps[-1]
    first = parse_month(since, "since")
    if "month" in table.columns:
        df = table[table["month"].astype(str) >= str(first)]
        labels: Any = df["month"].astype(str).tolist()
    elif "year" in table.columns:
        df = table[table["year"] >= first.year]
        labels = [int(y) for y in df["year"]]
    else:
        raise ValueError(
            f"reporting_lag: the table needs a 'month' or 'year' column, got {[str(c) for c in table.columns]}"
        )
    n_a = df[col_a].to_numpy(dtype=float)
    n_b = df[col_b].to_numpy(dtype=float)
    if np.any(n_a > n_b):
        bad = np.asarray(labels)[n_a > n_b][0]
        raise ValueError(
            f"reporting_lag: the {s_a.date()} export has more incidents than the {s_b.date()} one in {bad}"
        )
    ok = n_b > 0

    def unpack(th: np.ndarray) -> tuple[float, float, float]:
        t1 = math.exp(th[0])
        return 1.0 / (1.0 + math.exp(-th[2])), t1, t1 + math.exp(th[1])  # slow delay > fast delay

    age_a, off, length = _day_ages(labels, s_a)
    age_b, _, _ = _day_ages(labels, s_b)

    def nll(th: np.ndarray) -> float:
        lag = ReportingLag(*unpack(th), (s_a, s_b), 0.0)
        c_a = np.add.reduceat(lag.delay_cdf(age_a), off) / length
        c_b = np.add.reduceat(lag.delay_cdf(age_b), off) / length
        p = np.clip(c_a[ok] / np.maximum(c_b[ok], 1e-300), 1e-12, 1 - 1e-12)
        return float(-stats.binom.logpmf(n_a[ok], n_b[ok], p).sum())

    best = None
    for x0 in ([math.log(30.0), math.log(700.0), 2.0], [math.log(10.0), math.log(2000.0), 0.0]):
        r = optimize.minimize(
            nll,
            np.array(x0),
            method="Nelder-Mead",
            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000},
        )
        if best is None or r.fun < best.fun:
            best = r
    assert best is not None
    return ReportingLag(*unpack(best.x), (s_a, s_b), -float(best.fun))


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
        from ..incidents import IncidentGrowth

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
