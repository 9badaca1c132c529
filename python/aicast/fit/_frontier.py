"""The running price frontier at a capability threshold (Epoch AI's first step) and its helpers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month

__all__ = ["REASONING_MODELS", "frontier"]

DAYS_PER_YEAR = 365.25

#: Other names accepted for the score columns of ``aicast.data.prices_epoch()``.
SCORE_ALIASES: dict[str, str] = {
    "gpqa diamond": "gpqa",
    "gpqa_diamond": "gpqa",
    "arena": "arena_elo",
    "elo": "arena_elo",
    "arena elo": "arena_elo",
    "lmsys chatbot arena elo": "arena_elo",
    "math-500": "math500",
    "math 500": "math500",
    "math 5": "math5",
    "math level 5": "math5",
}

#: Models Epoch AI leaves out of its price study: trained to reason at length, they spend far
#: more tokens per answer, so their price per token is not the cost of reaching their score
#: (epoch-research/llm-benchmark-efficiency, llm_price_trends.ipynb: exclude_reasoning_models).
REASONING_MODELS: tuple[str, ...] = ("DeepSeek-R1", "o1", "o1-mini", "o1-preview", "o3-mini")

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
    exclude_reasoning: bool = True,
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
    exclude_reasoning
        Leave out :data:`REASONING_MODELS` (Epoch's choice; their per-token price
        understates the cost of their scores).

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
    # plain arrays, not DataFrame copies: fits call this in loops (pooling, backtests)
    dates = pd.to_datetime(table["release_date"]).to_numpy()
    price = pd.to_numeric(table["price_per_mtok"], errors="coerce").to_numpy(dtype=float)
    sc = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        keep = ~np.isnan(sc) & (sc >= thr) & ~np.isnan(price) & (price > 0)
    has_model = "model" in table.columns
    if exclude_reasoning and has_model:
        keep &= ~table["model"].isin(REASONING_MODELS).to_numpy()
    if open_weights is not None:
        if "open_weights" not in table.columns:
            raise ValueError("open_weights filter: the table has no 'open_weights' column")
        keep &= table["open_weights"].fillna(-1).astype(int).to_numpy() == int(bool(open_weights))
    lo, hi = _date_bound(start, "start", False), _date_bound(end, "end", True)
    if lo is not None:
        keep &= dates >= lo.to_datetime64()
    if hi is not None:
        keep &= dates <= hi.to_datetime64()
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((price[idx], dates[idx]))]  # by date, cheapest first within a date (stable)
    best = math.inf
    rows = []
    for i in idx:
        if price[i] < best:
            rows.append(i)
            best = price[i]
    r = np.asarray(rows, dtype=int)
    out: dict[str, Any] = {}
    if has_model:
        out["model"] = table["model"].to_numpy()[r]
    out["release_date"] = pd.DatetimeIndex(dates[r])
    out["price_per_mtok"] = price[r]
    out["score"] = sc[r]
    return pd.DataFrame(out)



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


def _data_end(table: pd.DataFrame, end: Any) -> pd.Timestamp:
    """Date of the newest row up to ``end`` (the data's as-of date)."""
    dates = pd.to_datetime(table["release_date"])
    hi = _date_bound(end, "end", True)
    return pd.Timestamp(dates[dates <= hi].max() if hi is not None else dates.max())


def _span(fr: pd.DataFrame, data_end: pd.Timestamp, slope: float) -> tuple[int, float]:
    """Months from a frontier's first point to the data's end, and its fitted slope."""
    return (data_end.to_period("M") - pd.Timestamp(fr["release_date"].iloc[0]).to_period("M")).n, float(slope)
