"""Backtest adapter of the incident-growth model.

``aicast.backtest("incidents", table, cut=...)`` fits :func:`aicast.fit.incident_growth` on the
months (or whole years) up to the cut and forecasts the later monthly (or yearly) counts.

Reporting lag of the incident counts: the later observations come from the same export as
the fitted ones, so the newest months are themselves incomplete. The forecast is compared with
what the export shows: the engine's complete counts ``N`` are thinned to
``Binomial(N, c(m))`` with ``c(m)`` the completeness of month ``m`` in the export (from the
fitted reporting-lag curve), and months less than ``min_completeness`` complete are not scored.
The baselines are thinned in expectation (multiplied by ``c(m)``). The fit goes through
:func:`aicast.fit.incident_growth` with ``end=cut``, so it reads no row after the cut (the
reporting lag, when one is estimated, too). One caveat: the counts of the months before the
cut are those of the latest export, more complete than they were at the cut (a
pseudo-real-time backtest).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month
from ..fit.incidents import ReportingLag, _counts, _raw_completeness, incident_growth
from ._registry import (
    BacktestSetup,
    CutError,
    _horizon,
    _months_after,
    register_adapter,
    split_at_cut,
)

__all__ = ["incident_adapter"]


def _thinning(completeness: np.ndarray, cut: pd.Period) -> Any:
    """Binomial thinning of the engine's complete counts (rows: observations) to the export's share."""
    c = np.clip(np.asarray(completeness, dtype=float), 0.0, 1.0)

    def thin(sample: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([0x1AC1D, cut.year, cut.month])  # reproducible per cut
        n = np.rint(sample).astype(np.int64)
        return rng.binomial(n, c[:, None]).astype(float)

    return thin


@register_adapter("incident_growth", "incidents")
def incident_adapter(
    table: pd.DataFrame,
    cut: pd.Period,
    *,
    start: Any = None,
    lag: Any = "report",
    min_completeness: float = 0.25,
    dispersion: str | None = None,
    horizon: int | None = None,
    window: int | None = None,
) -> BacktestSetup:
    """Incident counts: fit on the months (or years) up to the cut, forecast the later ones.

    Options (keywords of :func:`aicast.backtest`)
    ---------------------------------------------
    start
        First month of the fit window (default as in :func:`aicast.fit.incident_growth`: the
        last 36 usable months, 6 usable years, before the cut).
    lag
        As in :func:`aicast.fit.incident_growth`: ``"report"`` (default: raw fit),
        ``"auto"`` (the lag estimated from the rows up to the cut, when identified), a
        :class:`~aicast.fit.incidents.ReportingLag`, or None. The lag the fit uses also
        thins the forecast.
    min_completeness
        Months (years) less complete than this in the export are neither fitted nor scored.
    dispersion
        ``"ml"``, ``"moments"`` or ``"poisson"`` (default as in the fit).
    horizon
        Score only observations at most this many months after the cut (default: all).
    window
        Fit only the last ``window`` months before the cut (a rolling window; replaces
        ``start``), e.g. 96 for the eight years before a December cut.

    A monthly table (``month`` column) scores the series ``inc.count`` in each later month; a
    yearly table (``year`` column) needs a cut in December and scores the calendar-year totals
    (``inc.yearly`` in December) of the later years. Counts are compared as the export shows
    them (module docstring: binomial thinning by the completeness; for a yearly total the
    year's mean completeness). Baselines: ``"last value"``, the lag-corrected count of the last
    fitted month (year) carried forward, and ``"trend"``, the fitted mean without uncertainty;
    both times the completeness of the observed month (year).
    """
    if dispersion not in (None, "ml", "moments", "poisson"):
        raise ValueError(f"dispersion must be 'ml', 'moments' or 'poisson', got {dispersion!r}")
    if not (0.0 <= float(min_completeness) < 1.0):
        raise ValueError(f"min_completeness must be in [0, 1), got {min_completeness!r}")
    h_max = _horizon(horizon)
    yearly = "month" not in table.columns and "year" in table.columns
    if "month" not in table.columns and not yearly:
        raise ValueError(
            "the table needs a 'month' (monthly counts) or 'year' (yearly counts) column, got "
            f"{', '.join(map(str, table.columns))}"
        )
    col, snapshot = _counts(table)
    if isinstance(lag, str):
        if lag not in ("report", "auto"):
            raise ValueError(f"lag must be 'report', 'auto', None or a ReportingLag, got {lag!r}")
    elif lag is not None and not isinstance(lag, ReportingLag):
        raise ValueError(f"lag must be 'report', 'auto', None or a ReportingLag, got {type(lag).__name__}")
    if isinstance(lag, ReportingLag) and snapshot is None:
        raise ValueError("a reporting-lag correction needs export columns count_YYYY_MM_DD")

    cut = parse_month(cut, "cut")
    if window is not None:
        if isinstance(window, bool) or not isinstance(window, int) or window <= 0:
            raise ValueError(f"window must be a positive number of months, got {window!r}")
        if start is not None:
            raise ValueError("give start or window, not both")
        start = cut - (window - 1)
    first = parse_month(start, "start") if start is not None else None
    if yearly:
        if cut.month != 12:
            raise ValueError(f"a yearly table needs a cut in December (whole years before it), got {cut}")
        years = table["year"].astype(int)
        if not (years.min() <= cut.year < years.max()):
            raise CutError(
                f"cut {cut} lies outside the data range {years.min()} to {years.max()}: "
                "a backtest needs data up to the cut and after it"
            )
        after = table[years > cut.year]
        labels: Any = [int(y) for y in after["year"]]
        months = [pd.Period(f"{y}-12", "M") for y in labels]
    else:
        _, after, cut = split_at_cut(table, "month", cut)
        months = [parse_month(m, "month") for m in after["month"].astype(str)]
        labels = months
    if first is not None and ((first.year > cut.year) if yearly else (first > cut)):
        raise CutError(f"cut {cut} lies before the start of the fit window {first}: nothing to fit")
    try:
        fit = incident_growth(
            table, start=start, end=cut, lag=lag, min_completeness=min_completeness, dispersion=dispersion
        )
    except ValueError as e:  # too few usable months (years) in the window before the cut
        raise CutError(f"cut {cut}: {e}") from None

    used_lag = fit.lag
    comp = used_lag.completeness(labels, snapshot) if used_lag is not None else _raw_completeness(labels, snapshot)
    h = _months_after(months, cut)
    keep = (comp >= max(float(min_completeness), 1e-12)) & (h <= (h_max if h_max is not None else np.inf))
    counts = after[col].to_numpy(dtype=float)
    obs = pd.DataFrame(
        {
            "month": [m for m, k in zip(months, keep) if k],
            "value": counts[keep],
            "label": [f"{lab} ({c:.0%} complete)" for lab, c, k in zip(labels, comp, keep) if k],
        }
    )
    comp = comp[keep]
    kept = [m for m, k in zip(months, keep) if k]

    # baselines in complete-count terms, then times the completeness in the export
    b0, b1 = float(fit.coef[0]), float(fit.coef[1])
    ref = fit.reference_month
    used = fit.data[fit.data["used"]]
    last_level = float(used["count"].iloc[-1] / used["completeness"].iloc[-1])
    if yearly:
        trend = np.array(
            [
                sum(math.exp(b0 + b1 * ((pd.Period(f"{m.year}-{j:02d}", "M") - ref).n) / 12.0) for j in range(1, 13))
                for m in kept
            ]
        )
    else:
        trend = np.array([math.exp(b0 + b1 * (m - ref).n / 12.0) for m in kept])
    series = "inc.yearly" if yearly else "inc.count"
    return BacktestSetup(
        models=[fit.model("inc", start=cut)],
        series=series,
        observations=obs,
        baselines={"last value": last_level * comp, "trend": trend * comp},
        scale=None,
        fit=fit,
        transform=_thinning(comp, cut) if np.any(comp < 1.0) else None,
    )
