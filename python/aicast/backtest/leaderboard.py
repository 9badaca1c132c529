"""Backtest adapter of the leaderboard-gap model.

``aicast.backtest("leaderboard", table, cut=...)`` fits :func:`aicast.fit.leaderboard_gap` on
the rows up to the end of the cut month and forecasts the later monthly gap (or open or closed
score) from the latest observation on or before the cut (``fit.model("lb", start=cut)``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fit.leaderboard import _scale_maps, leaderboard_gap, resolve_columns
from ._registry import (
    BacktestSetup,
    CutError,
    _horizon,
    _months_after,
    register_adapter,
    split_at_cut,
)

__all__ = ["leaderboard_adapter"]


@register_adapter("leaderboard_gap", "leaderboard")
def leaderboard_adapter(
    table: pd.DataFrame,
    cut: pd.Period,
    *,
    observe: str = "gap",
    closed: str = "best_closed",
    open: str = "best_open",  # noqa: A002 - the column is called that
    time: str | None = None,
    scale: str = "elo",
    horizon: int | None = None,
    innovations: str = "gaussian",
) -> BacktestSetup:
    """Leaderboard gap: fit on the rows up to the cut, forecast the later rows.

    Options (keywords of :func:`aicast.backtest`)
    ---------------------------------------------
    observe
        Series scored: ``"gap"`` (closed - open, default), ``"open"`` or ``"closed"``.
    closed, open, time, scale, innovations
        As in :func:`aicast.fit.leaderboard_gap` (e.g. ``arena_best_monthly``,
        ``eci_best_monthly``; ``innovations="student_t"`` for heavy-tailed gap innovations,
        ``"intermittent"`` for a gap that moves in some months only).
    horizon
        Score only observations at most this many months after the cut (default: all).

    The forecast starts in the cut month from the latest observation on or before it: when the
    cut month has no observation, the start values are the model's forecast of the cut month
    from that observation (:meth:`~aicast.fit.LeaderboardGapFit.model` with ``start=cut``).
    Baselines: the latest observed value carried forward (``"last value"``), and ``"trend"``:
    the fitted model's point estimates (posterior medians) without noise (closed score on its
    drift, gap decaying to the equilibrium at the fitted reversion rate), from the latest
    observation.
    """
    if observe not in ("gap", "open", "closed"):
        raise ValueError(f"observe must be 'gap', 'open' or 'closed', got {observe!r}")
    if scale not in ("elo", "percent"):
        raise ValueError(f"scale must be 'elo' or 'percent', got {scale!r}")
    h_max = _horizon(horizon)
    time = resolve_columns(table, time, closed, open)
    train, after, cut = split_at_cut(table, time, cut)
    try:
        fit = leaderboard_gap(train, closed=closed, open=open, time=time, scale=scale, innovations=innovations)
    except ValueError as e:  # too few rows before the cut, a falling frontier, a constant gap
        raise CutError(f"cut {cut}: {e}") from None
    c = pd.to_numeric(after[closed], errors="coerce").to_numpy(dtype=float)
    o = pd.to_numeric(after[open], errors="coerce").to_numpy(dtype=float)
    values = {"gap": c - o, "open": o, "closed": c}[observe]
    months = [pd.Timestamp(t).to_period("M") for t in pd.to_datetime(after[time], format="ISO8601")]
    h = _months_after(months, cut)
    keep = np.isfinite(values) & (h >= 1) & (h <= (h_max if h_max is not None else np.inf))
    obs = pd.DataFrame(
        {
            "month": [m for m, k in zip(months, keep) if k],
            "value": values[keep],
            "label": after[time].astype(str).to_numpy()[keep],
        }
    )
    # months since the latest observation (not since the cut), for the point baselines
    h = h[keep].astype(float) + (cut - fit.last_month).n

    # point forecasts on the working scale (logit for percent scores)
    est = fit.estimates["estimate"]
    c0, g0 = fit.closed_start, fit.gap_start
    o0 = c0 - g0
    fwd, back = _scale_maps(scale)
    xc0, xg0 = fwd(c0), fwd(c0) - fwd(o0)
    kappa, theta = float(est["gap_reversion"]) / 12.0, float(est["equilibrium_gap"])
    xc = xc0 + float(est["closed_drift_per_month"]) * h
    xg = theta + (xg0 - theta) * np.exp(-kappa * h)
    trend = {"closed": back(xc), "open": back(xc - xg), "gap": back(xc) - back(xc - xg)}[observe]
    last = {"closed": c0, "open": o0, "gap": g0}[observe]
    return BacktestSetup(
        models=[fit.model("lb", start=cut)],
        series=f"lb.{observe}",
        observations=obs,
        baselines={"last value": np.full(len(obs), last), "trend": np.asarray(trend, dtype=float)},
        scale=None,
        fit=fit,
    )
