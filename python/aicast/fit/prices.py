"""Price trends at constant capability, fitted the way Epoch AI's price study does.

Method (Epoch AI, "LLM inference prices have fallen rapidly but unequally across tasks",
March 2025; code in github.com/epoch-research/llm-benchmark-efficiency):

1. Keep the models whose score on a benchmark is at or above a capability ``threshold``.
2. Walk through them by date (cheapest first within a date) and keep a model only if it is
   strictly cheaper than every model kept before it: the running *price frontier*, i.e. at
   each date the cheapest way to buy that capability.
3. Regress the natural log of the frontier prices on time in years (ordinary least squares)::

       ln P_i = a + b t_i + e_i,    e_i ~ iid N(0, s^2),   t_i = (date_i - first date) / 365.25 days

   The annual decline factor is ``exp(-b)`` (10 = ten times cheaper each year); its
   confidence interval is ``exp(-b -/+ t_{n-2} se(b))`` with Student's t on ``n - 2``
   degrees of freedom, and ``s`` (the residual standard deviation, natural-log units) is the
   residual volatility.

:meth:`PriceTrend.priors` turns a fit into priors for :class:`aicast.PriceDecline`:
``annual_decline`` is the lognormal whose central interval at the fit's confidence level is
the fitted confidence interval; ``volatility`` is ``s`` read as an annualized random-walk
volatility (the engine's noise then matches the trend's scatter at a one-year horizon and
grows beyond it); with a start month, ``start_price`` is the trend's value there, with its
standard error, correlated with ``annual_decline`` exactly as the regression's estimates are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month
from ..models import PriceDecline

__all__ = ["PooledPriceTrend", "PriceTrend", "frontier", "pool", "price_trend", "price_trends"]

DAYS_PER_YEAR = 365.25

#: Other names accepted for the score columns of ``aicast.data.prices_epoch()``.
SCORE_ALIASES: dict[str, str] = {
    "gpqa diamond": "gpqa",
    "gpqa_diamond": "gpqa",
    "arena": "arena_elo",
    "elo": "arena_elo",
    "arena elo": "arena_elo",
    "lmsys chatbot arena elo": "arena_elo",
}

_REQUIRED = ("release_date", "price_per_mtok")


def _score_column(table: pd.DataFrame, score: str) -> str:
    if not isinstance(score, str):
        raise TypeError(f"score must be a column name, got {type(score).__name__} {score!r}")
    by_lower = {str(c).lower(): str(c) for c in table.columns}
    key = score.strip().lower()
    key = SCORE_ALIASES.get(key, key)
    if key in by_lower and by_lower[key] not in (*_REQUIRED, "model", "source", "open_weights"):
        return by_lower[key]
    numeric = [
        str(c) for c in table.columns
        if c not in (*_REQUIRED, "open_weights") and pd.api.types.is_numeric_dtype(table[c])
    ]
    raise ValueError(f"unknown score column {score!r} (score columns: {', '.join(numeric) or 'none'})")


def _check_table(table: Any) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"price table is missing column(s) {', '.join(missing)} (columns: {', '.join(map(str, table.columns))})")
    return table


def _threshold_value(table: pd.DataFrame, col: str, threshold: Any) -> tuple[float, str | None]:
    """A numeric threshold, or the score of a named model (Epoch's 'GPT-4 level')."""
    if isinstance(threshold, str):
        if "model" not in table.columns:
            raise ValueError(f"threshold {threshold!r} names a model, but the table has no 'model' column")
        rows = table[(table["model"] == threshold) & table[col].notna()]
        if rows.empty:
            raise ValueError(f"threshold model {threshold!r} has no {col} score in the table")
        return float(rows[col].iloc[0]), threshold
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise TypeError(f"threshold must be a number or a model name, got {type(threshold).__name__} {threshold!r}")
    if not math.isfinite(float(threshold)):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    return float(threshold), None


def _date_bound(x: Any, name: str, end: bool) -> pd.Timestamp | None:
    if x is None:
        return None
    if isinstance(x, str) and len(x) == 7:  # "YYYY-MM": the whole month
        p = parse_month(x, name)
        return p.end_time.normalize() if end else p.start_time
    try:
        return pd.Timestamp(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date or a 'YYYY-MM' month, got {x!r}") from None


def frontier(
    table: pd.DataFrame,
    score: str = "mmlu",
    threshold: float | str = 0.0,
    *,
    start: Any = None,
    end: Any = None,
    open_weights: bool | None = None,
) -> pd.DataFrame:
    """The running price frontier: each model cheaper than every earlier one at or above ``threshold``.

    Parameters
    ----------
    table
        Rows with ``release_date``, ``price_per_mtok`` and the score column, e.g.
        ``aicast.data.prices_epoch()``.
    score
        Score column (case-insensitive): ``"mmlu"``, ``"gpqa"``, ``"arena_elo"``.
    threshold
        Minimum score, or the name of a model whose score sets it.
    start, end
        Keep only rows released in this date range (dates, or ``"YYYY-MM"`` for whole months).
    open_weights
        True: only open-weights models; False: only closed ones; None: all. A threshold given
        as a model name is looked up in the whole table.

    Returns
    -------
    pandas.DataFrame
        The frontier rows, by date, with columns ``model`` (if present), ``release_date``,
        ``price_per_mtok`` and ``score``.

    Raises
    ------
    ValueError
        For an unknown score column or a threshold model without a score.
    """
    table = _check_table(table)
    col = _score_column(table, score)
    thr, _ = _threshold_value(table, col, threshold)
    df = table.copy()
    df["release_date"] = pd.to_datetime(df["release_date"])
    if open_weights is not None:
        if "open_weights" not in df.columns:
            raise ValueError("open_weights filter: the table has no 'open_weights' column")
        df = df[df["open_weights"].fillna(-1).astype(int) == int(bool(open_weights))]
    lo, hi = _date_bound(start, "start", False), _date_bound(end, "end", True)
    if lo is not None:
        df = df[df["release_date"] >= lo]
    if hi is not None:
        df = df[df["release_date"] <= hi]
    price = pd.to_numeric(df["price_per_mtok"], errors="coerce")
    s = pd.to_numeric(df[col], errors="coerce")
    keep = s.notna() & (s >= thr) & price.notna() & (price > 0)
    df = df.loc[keep].assign(price_per_mtok=price[keep].astype(float), score=s[keep].astype(float))
    df = df.sort_values(["release_date", "price_per_mtok"], kind="mergesort")
    best = math.inf
    rows = []
    for idx, p in zip(df.index, df["price_per_mtok"], strict=True):
        if p < best:
            rows.append(idx)
            best = p
    cols = [c for c in ("model", "release_date", "price_per_mtok", "score") if c in df.columns]
    return df.loc[rows, cols].reset_index(drop=True)


def _t_quantile(q: float, dof: int) -> float:
    from ..priors import student_t

    return float(student_t(float(dof)).ppf(q))


@dataclass(frozen=True)
class PriceTrend:
    """A log-linear trend of the price frontier at one capability threshold.

    Attributes
    ----------
    score, threshold
        Score column and threshold; ``threshold_model`` if it came from a model's score.
    open_weights
        The subset fitted: True (open weights), False (closed) or None (all models).
    frontier
        The frontier rows that were regressed, with the fitted price (``fitted``) and the
        time in years since ``t0`` (``t_years``).
    t0
        Reference date (the first frontier date): ``t = 0`` there.
    log_slope
        ``b``: change of ln(price) per year (negative when prices fall).
    log_intercept
        ``a``: fitted ln(price) at ``t0``.
    cov
        2x2 covariance of (a, b).
    residual_sd
        ``s``: residual standard deviation of ln(price) (``n - 2`` degrees of freedom).
    confidence
        Level of :attr:`annual_decline_ci`.
    """

    score: str
    threshold: float
    threshold_model: str | None
    open_weights: bool | None
    frontier: pd.DataFrame = field(repr=False)
    t0: pd.Timestamp
    log_intercept: float
    log_slope: float
    cov: np.ndarray = field(repr=False)
    residual_sd: float
    r_squared: float
    confidence: float = 0.9

    # --- derived numbers --------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of frontier points."""
        return len(self.frontier)

    @property
    def dof(self) -> int:
        return self.n - 2

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.frontier["release_date"].iloc[0])

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.frontier["release_date"].iloc[-1])

    @property
    def log_slope_se(self) -> float:
        return float(math.sqrt(self.cov[1, 1]))

    @property
    def annual_decline(self) -> float:
        """Factor by which the frontier price falls per year, ``exp(-b)``."""
        return math.exp(-self.log_slope)

    @property
    def annual_decline_ci(self) -> tuple[float, float]:
        """Confidence interval of :attr:`annual_decline` at :attr:`confidence` (Student's t)."""
        return self.decline_interval(self.confidence)

    def decline_interval(self, confidence: float) -> tuple[float, float]:
        """Confidence interval of the annual decline factor at another level."""
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
        h = _t_quantile(0.5 + confidence / 2.0, self.dof) * self.log_slope_se
        return (math.exp(-self.log_slope - h), math.exp(-self.log_slope + h))

    def years(self, dates: Any) -> np.ndarray:
        """Time in years since :attr:`t0` of dates (or ``"YYYY-MM"`` months: their first day)."""
        d = pd.to_datetime(_as_dates(dates))
        return np.asarray((d - self.t0).days, dtype=float) / DAYS_PER_YEAR

    def log_price(self, dates: Any) -> np.ndarray:
        """Fitted ln(price) at dates."""
        return self.log_intercept + self.log_slope * self.years(dates)

    def log_price_se(self, dates: Any) -> np.ndarray:
        """Standard error of the fitted ln(price) (the trend line, not a new observation)."""
        t = self.years(dates)
        c = self.cov
        return np.sqrt(c[0, 0] + 2.0 * t * c[0, 1] + t * t * c[1, 1])

    def price(self, dates: Any) -> np.ndarray:
        """Fitted (median) frontier price at dates, USD per million tokens."""
        return np.exp(self.log_price(dates))

    # --- priors ---------------------------------------------------------------------------
    def priors(self, start: Any = None) -> dict[str, Any]:
        """Priors for :class:`aicast.PriceDecline` from this fit.

        Parameters
        ----------
        start
            A month (``"2024-06"``). If given, ``start_price`` is the trend's value on the
            first day of that month, lognormal with the trend's standard error there (scaled
            to the t interval like ``annual_decline``), correlated with ``annual_decline`` as
            the regression's estimates are. Omitted: no ``start_price`` (use a real price).

        Returns
        -------
        dict
            ``annual_decline`` (lognormal matching :attr:`annual_decline_ci`), ``volatility``
            (:attr:`residual_sd`), and ``start_price`` if ``start`` is given.
        """
        from ..priors import correlate, lognormal, normal, point

        z = float(normal(0.0, 1.0).ppf(0.5 + self.confidence / 2.0))
        inflate = _t_quantile(0.5 + self.confidence / 2.0, self.dof) / z
        decline = lognormal(-self.log_slope, self.log_slope_se * inflate)
        out: dict[str, Any] = {"annual_decline": decline, "volatility": point(self.residual_sd)}
        if start is None:
            return out
        month = parse_month(start, "start")
        when = month.start_time
        t = float(self.years([when])[0])
        c = self.cov
        var_level = c[0, 0] + 2.0 * t * c[0, 1] + t * t * c[1, 1]
        cov_level_slope = c[0, 1] + t * c[1, 1]
        sd_level = math.sqrt(var_level)
        level = lognormal(float(self.log_price([when])[0]), sd_level * inflate)
        # ln(annual_decline) = -b, so its correlation with the level is minus that of b.
        rho = -cov_level_slope / (sd_level * self.log_slope_se)
        rho = max(-0.999, min(0.999, rho))
        level, decline = correlate(level, decline, correlation=rho)
        out["start_price"] = level
        out["annual_decline"] = decline
        return out

    def to_model(self, name: str, start: Any = None, start_price: Any = None, **params: Any) -> Any:
        """A :class:`aicast.PriceDecline` with this fit's priors (``params`` override them).

        ``start_price`` given: that price; else ``start`` (a month) is required and the
        trend's value there is used.
        """
        if start_price is None and start is None:
            raise ValueError("to_model needs start_price or a start month for the trend's price")
        pri = self.priors(start=start if start_price is None else None)
        if start_price is not None:
            pri["start_price"] = start_price
        pri.update(params)
        return PriceDecline(name, **pri)

    def summary(self) -> dict[str, Any]:
        """One row of numbers (used by :func:`price_trends`)."""
        lo, hi = self.annual_decline_ci
        return {
            "score": self.score,
            "threshold": self.threshold,
            "threshold_model": self.threshold_model,
            "open_weights": self.open_weights,
            "n": self.n,
            "start": self.start,
            "end": self.end,
            "annual_decline": self.annual_decline,
            "ci_low": lo,
            "ci_high": hi,
            "residual_sd": self.residual_sd,
            "r_squared": self.r_squared,
        }

    def __repr__(self) -> str:
        lo, hi = self.annual_decline_ci
        thr = f"{self.threshold:g}" + (f" ({self.threshold_model})" if self.threshold_model else "")
        if self.open_weights is not None:
            thr += ", open weights" if self.open_weights else ", closed"
        return (
            f"PriceTrend({self.score} >= {thr}: {self.annual_decline:.3g}x per year, "
            f"{self.confidence:.0%} CI [{lo:.3g}, {hi:.3g}], residual sd {self.residual_sd:.3g}, "
            f"n={self.n}, {self.start.date()} to {self.end.date()})"
        )


@dataclass(frozen=True)
class PooledPriceTrend:
    """Several price trends (e.g. one per benchmark) pooled into one decline prior.

    The ``annual_decline`` prior is the equal-weight mixture of the fits' priors, so the
    disagreement between benchmarks is part of the uncertainty; ``volatility`` is the
    root-mean-square of their residual standard deviations. Built by :func:`pool`.
    """

    fits: tuple[PriceTrend, ...]

    def priors(self, start: Any = None) -> dict[str, Any]:
        """``annual_decline`` (mixture) and ``volatility`` for :class:`aicast.PriceDecline`."""
        from ..priors import mixture, point

        if start is not None:
            raise ValueError("a pooled price trend has no single start price: give start_price instead of start")
        declines = [f.priors()["annual_decline"] for f in self.fits]
        rms = math.sqrt(sum(f.residual_sd**2 for f in self.fits) / len(self.fits))
        return {"annual_decline": mixture(declines), "volatility": point(rms)}

    def to_model(self, name: str, start: Any = None, start_price: Any = None, **params: Any) -> Any:
        """A :class:`aicast.PriceDecline` with the pooled priors; ``start_price`` is required."""
        if start_price is None:
            raise ValueError(f"pooled price trend for {name!r}: give start_price (pooled fits have no single trend price)")
        pri = self.priors()
        pri["start_price"] = start_price
        pri.update(params)
        return PriceDecline(name, **pri)

    def __repr__(self) -> str:
        parts = "; ".join(
            f"{f.score} >= {f.threshold:g}: {f.annual_decline:.3g}x" for f in self.fits
        )
        return f"PooledPriceTrend({parts})"


def pool(*fits: PriceTrend | Iterable[PriceTrend]) -> PooledPriceTrend:
    """Pool price trends into one decline prior (an equal-weight mixture); see :class:`PooledPriceTrend`.

    Raises
    ------
    ValueError
        If no fit is given.
    """
    items: list[Any] = []
    for f in fits:
        if isinstance(f, PriceTrend):
            items.append(f)
        else:
            items.extend(f)
    if not items:
        raise ValueError("pool needs at least one price trend")
    for f in items:
        if not isinstance(f, PriceTrend):
            raise TypeError(f"pool expects PriceTrend fits, got {type(f).__name__}")
    return PooledPriceTrend(tuple(items))


def _as_dates(dates: Any) -> Any:
    if isinstance(dates, (str, pd.Timestamp, pd.Period)) or np.isscalar(dates):
        dates = [dates]
    out = []
    for d in dates:
        if isinstance(d, pd.Period):
            out.append(d.start_time)
        elif isinstance(d, str) and len(d) == 7:
            out.append(parse_month(d, "date").start_time)
        else:
            out.append(d)
    return out


def price_trend(
    table: pd.DataFrame,
    score: str = "mmlu",
    threshold: float | str = 0.0,
    *,
    start: Any = None,
    end: Any = None,
    open_weights: bool | None = None,
    confidence: float = 0.9,
) -> PriceTrend:
    """Fit the log-linear trend of the price frontier at a capability threshold (Epoch's method).

    Parameters
    ----------
    table
        Price points: ``release_date``, ``price_per_mtok`` and score columns, e.g.
        ``aicast.data.prices_epoch()``.
    score
        Score column (case-insensitive; ``"MMLU"``, ``"GPQA"``, ``"arena_elo"``).
    threshold
        Minimum score (at or above), or a model name whose score sets it (``"GPT-4-0314"``).
    start, end
        Use only price points released in this range (dates or ``"YYYY-MM"`` months).
    open_weights
        True / False: only open-weights / closed models (None: all).
    confidence
        Level of the decline factor's confidence interval (Epoch reports 90%).

    Returns
    -------
    PriceTrend

    Raises
    ------
    ValueError
        For an unknown score column or fewer than 3 frontier points.

    Examples
    --------
    >>> from aicast import data, fit
    >>> tr = fit.price_trend(data.prices_epoch(), score="MMLU", threshold=43.9)
    >>> round(tr.annual_decline, 1), tr.n
    (11.8, 9)
    """
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    table = _check_table(table)
    col = _score_column(table, score)
    thr, thr_model = _threshold_value(table, col, threshold)
    fr = frontier(table, col, thr, start=start, end=end, open_weights=open_weights)
    if len(fr) < 3:
        subset = "" if open_weights is None else (" (open weights)" if open_weights else " (closed)")
        raise ValueError(
            f"price trend {col} >= {thr:g}{subset}: the price frontier has {len(fr)} point(s), need at least 3 "
            f"to fit a trend with an uncertainty (lower the threshold or widen the date range)"
        )
    t0 = pd.Timestamp(fr["release_date"].iloc[0])
    t = np.asarray((fr["release_date"] - t0).dt.days, dtype=float) / DAYS_PER_YEAR
    # Frontier prices strictly fall and only one point per date can be a new low, so the
    # dates differ and the regression is well posed.
    y = np.log(fr["price_per_mtok"].to_numpy(dtype=float))
    X = np.column_stack([np.ones_like(t), t])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    n = len(y)
    sse = float(resid @ resid)
    s2 = sse / (n - 2)
    cov = s2 * np.linalg.inv(X.T @ X)
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - sse / sst if sst > 0 else 1.0
    fr = fr.assign(t_years=t, fitted=np.exp(X @ coef))
    return PriceTrend(
        score=col, threshold=thr, threshold_model=thr_model, open_weights=open_weights, frontier=fr, t0=t0,
        log_intercept=float(coef[0]), log_slope=float(coef[1]), cov=cov,
        residual_sd=math.sqrt(s2), r_squared=r2, confidence=float(confidence),
    )


def price_trends(
    table: pd.DataFrame,
    score: str = "mmlu",
    thresholds: Iterable[float | str] | None = None,
    *,
    start: Any = None,
    end: Any = None,
    open_weights: bool | None = None,
    confidence: float = 0.9,
    skip_short: bool = True,
) -> pd.DataFrame:
    """Fit :func:`price_trend` at many thresholds: how the decline rate depends on capability.

    Parameters
    ----------
    thresholds
        Thresholds (numbers or model names). Default: every distinct score in the table.
    skip_short
        Leave out thresholds whose frontier has fewer than 3 points (otherwise raise).

    Returns
    -------
    pandas.DataFrame
        One row per threshold (see :meth:`PriceTrend.summary`), with the fits in the
        ``fit`` column.
    """
    table = _check_table(table)
    col = _score_column(table, score)
    if thresholds is None:
        vals: Sequence[float | str] = sorted(pd.to_numeric(table[col], errors="coerce").dropna().unique())
    else:
        vals = list(thresholds)
        if not vals:
            raise ValueError("thresholds is empty")
    rows = []
    for thr in vals:
        try:
            tr = price_trend(table, col, thr, start=start, end=end, open_weights=open_weights,
                             confidence=confidence)
        except ValueError as e:
            if skip_short and "need at least 3" in str(e):
                continue
            raise
        rows.append({**tr.summary(), "fit": tr})
    return pd.DataFrame(rows)
