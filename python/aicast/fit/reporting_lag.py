"""Reporting lag of the AI Incident Database: how complete each month of an export is.

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

Identification. The delays are kept in a range the data can speak to (fast mean 0.5 to 365
days, slow mean up to 10 years, by a bounded parameterization, so the curve cannot collapse to
0% fast with a slow delay of 1e14 days). An estimate is *identified* (:attr:`ReportingLag.identified`)
when no parameter sits at its bound (fast share in [2%, 98%], slow mean below 9 years, fast
mean above 1 day), at least 20 incidents were added between the two exports in the window, and
the curve says the oldest month used is at least 95% complete in the later export (the exports
show revisions, not the level of completeness: a curve that leaves old months 20% short
asserts something two exports weeks apart cannot show);
otherwise :attr:`ReportingLag.note` says why, and :func:`aicast.fit.incident_growth` does not
use it (it still reports it). ``end`` limits the months used, so a fit that ends at a cut
uses no month after it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month

__all__ = ["ReportingLag", "reporting_lag"]

_SNAPSHOT_COLUMN = re.compile(r"^count_(\d{4})_(\d{2})_(\d{2})$")
_FAST_RANGE = (0.5, 365.0)  # days: bounds of the fast route's mean delay
_SLOW_MAX = 3652.5  # days: the slow route's mean delay is at most 10 years
_MIN_ADDED = 20  # incidents added between the exports, at least, for an identified curve
_MIN_OLDEST = 0.95  # completeness of the oldest month used, at least, for an identified curve


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
    added
        Incidents added between the two exports in the months used.
    months
        First and last event month used (None for a curve given by hand).
    """

    fast_share: float
    fast_days: float
    slow_days: float
    snapshots: tuple[pd.Timestamp, pd.Timestamp]
    loglik: float
    added: int = -1
    months: tuple[str, str] | None = None

    @property
    def note(self) -> str:
        """Why the estimate is not identified ("" when it is; see the module docstring)."""
        why = []
        if not (0.02 <= self.fast_share <= 0.98):
            why.append(f"the fast share {self.fast_share:.1%} is at its bound")
        if self.slow_days > _SLOW_MAX * 0.9:
            why.append(f"the slow mean delay {self.slow_days:.0f} days is at its bound")
        if self.fast_days < 1.0:
            why.append(f"the fast mean delay {self.fast_days:.2f} days is at its bound")
        if 0 <= self.added < _MIN_ADDED:
            why.append(f"only {self.added} incidents were added between the exports in the months used")
        if self.months is not None:
            first: Any = int(self.months[0]) if len(self.months[0]) == 4 else self.months[0]
            c = float(self.completeness([first], self.snapshots[1])[0])
            if c < _MIN_OLDEST:
                why.append(
                    f"it says the oldest month used ({self.months[0]}) is only {c:.0%} complete in the later "
                    "export, a level the two exports cannot show (an extrapolation)"
                )
        return "; ".join(why)

    @property
    def identified(self) -> bool:
        """True when the data pin the curve down (see the module docstring)."""
        return not self.note

    def delay_cdf(self, days: Any) -> np.ndarray:
        """``F(a)``: probability that an incident is in the database ``a`` days after it happened."""
        a = np.maximum(np.asarray(days, dtype=float), 0.0)
        # ages over delays are at most ~1e6 here (delays are bounded below), so no overflow
        f = self.fast_share * -np.expm1(-a / max(self.fast_days, 1e-9)) + (
            1 - self.fast_share
        ) * -np.expm1(-a / max(self.slow_days, 1e-9))
        return np.where(a > 0, f, 0.0)

    def completeness(self, months: Any, snapshot: Any) -> np.ndarray:
        """Expected share of each month's incidents present in an export taken on ``snapshot``.

        ``months``: "YYYY-MM" strings or monthly Periods; integers are whole years."""
        return _completeness(self.delay_cdf, months, pd.Timestamp(snapshot))

    def __repr__(self) -> str:
        state = "identified" if self.identified else f"not identified: {self.note}"
        span = f"months {self.months[0]} to {self.months[1]}, " if self.months else ""
        return (
            f"ReportingLag({self.fast_share:.0%} entered with mean delay {self.fast_days:.0f} days, "
            f"{1 - self.fast_share:.0%} with mean delay {self.slow_days:.0f} days; "
            f"{span}exports {self.snapshots[0].date()} and {self.snapshots[1].date()}; {state})"
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


def reporting_lag(
    table: pd.DataFrame | None = None, *, since: Any = "2015-01", end: Any = None
) -> ReportingLag:
    """Estimate the reporting-lag curve from two exports of monthly counts.

    Parameters
    ----------
    table
        Monthly counts with a ``month`` column and count columns named ``count_YYYY_MM_DD``
        (export dates); the two latest are used. Default: :func:`aicast.data.aiid_monthly`.
    since
        First event month used (older months carry almost no information on the delay).
    end
        Last event month used (default: all); rows after it are not read, so the estimate
        with ``end=cut`` does not depend on them.

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
    last = None if end is None else parse_month(end, "end")
    if "month" in table.columns:
        mon = table["month"].astype(str)
        df = table[(mon >= str(first)) & ((mon <= str(last)) if last is not None else True)]
        labels: Any = df["month"].astype(str).tolist()
    elif "year" in table.columns:
        df = table[(table["year"] >= first.year) & ((table["year"] <= last.year) if last is not None else True)]
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
    if len(labels) == 0:
        raise ValueError(f"reporting_lag: no rows from {first} to {last if last is not None else 'the end'}")
    ok = n_b > 0

    def sig(x: float) -> float:
        return 0.5 * (1.0 + math.tanh(0.5 * x))  # logistic without overflow

    def unpack(th: np.ndarray) -> tuple[float, float, float]:
        # bounded: fast mean in _FAST_RANGE, slow mean between it and _SLOW_MAX (module docstring)
        lo, hi = _FAST_RANGE
        t1 = lo * (hi / lo) ** sig(float(th[0]))
        t2 = t1 * (_SLOW_MAX / t1) ** sig(float(th[1]))
        return sig(float(th[2])), t1, t2

    age_a, off, length = _day_ages(labels, s_a)
    age_b, _, _ = _day_ages(labels, s_b)

    def nll(th: np.ndarray) -> float:
        lag = ReportingLag(*unpack(th), (s_a, s_b), 0.0)
        c_a = np.add.reduceat(lag.delay_cdf(age_a), off) / length
        c_b = np.add.reduceat(lag.delay_cdf(age_b), off) / length
        p = np.clip(c_a[ok] / np.maximum(c_b[ok], 1e-300), 1e-12, 1 - 1e-12)
        return float(-stats.binom.logpmf(n_a[ok], n_b[ok], p).sum())

    best = None
    for x0 in ([0.0, 0.0, 2.0], [-1.0, 1.0, 0.0]):
        r = optimize.minimize(
            nll,
            np.array(x0),
            method="Nelder-Mead",
            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000},
        )
        if best is None or r.fun < best.fun:
            best = r
    assert best is not None
    added = int(round(float((n_b - n_a).sum())))
    months = (str(_periods(labels)[0]), str(_periods(labels)[-1]))
    return ReportingLag(*unpack(best.x), (s_a, s_b), -float(best.fun), added, months)
