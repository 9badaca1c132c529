"""The lowest layer of backtests: what an adapter returns, its errors, and the adapter registry.

An *adapter* is one function, registered for a model kind with :func:`register_adapter`, that
turns ``(table, cut, **options)`` into a :class:`BacktestSetup`. Adapter modules
(:mod:`~aicast.backtest.price`, :mod:`~aicast.backtest.leaderboard`,
:mod:`~aicast.backtest.incidents`) import only this module; the harness
(:mod:`~aicast.backtest.harness`) reads :data:`ADAPTERS`, so nothing imports upward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month
from ..models import Model

__all__ = ["ADAPTERS", "Adapter", "BacktestSetup", "CutError", "register_adapter", "split_at_cut"]


@dataclass
class BacktestSetup:
    """What an adapter hands the harness for one cut.

    Attributes
    ----------
    models
        Models fitted on data up to the cut, ready for a scenario starting in the cut month.
    series
        The series to compare with the observations, e.g. ``"tier.price"``.
    observations
        One row per later observation: ``month`` (a monthly Period after the cut), ``value``
        (on the series' natural scale) and ``label`` (what was observed, e.g. a model name).
    baselines
        Name -> point forecast of each observation (natural scale, same order).
    scale
        Function applied to forecasts and observations before scoring (``np.log`` for
        prices, whose errors are relative), or None.
    fit
        The fitted object (shown in reports).
    transform
        Function turning the engine's sample of the series, an array ``(n_obs, paths)`` on the
        natural scale, into the forecast of what is observed (e.g. thinning complete incident
        counts to the share an export already holds), or None. Applied before ``scale``.
    """

    models: list[Model]
    series: str
    observations: pd.DataFrame
    baselines: dict[str, np.ndarray] = field(default_factory=dict)
    scale: Callable[[np.ndarray], np.ndarray] | None = None
    fit: Any = None
    transform: Callable[[np.ndarray], np.ndarray] | None = None


Adapter = Callable[..., BacktestSetup]


class CutError(ValueError):
    """A cut that cannot be backtested: outside the data, too little data before it, or none after.

    Adapters raise it for problems of one cut, so a rolling backtest with ``skip=True`` can
    pass over that cut; any other ValueError (a bad option) always propagates.
    """

#: Backtest adapters by model kind (and alias).
ADAPTERS: dict[str, Adapter] = {}


def register_adapter(kind: str, *aliases: str) -> Callable[[Adapter], Adapter]:
    """Register ``adapter(table, cut, **options) -> BacktestSetup`` for a model kind.

    Examples
    --------
    >>> @register_adapter("my_kind")  # doctest: +SKIP
    ... def _my_adapter(table, cut, **options):
    ...     return BacktestSetup(models=[...], series="x.y", observations=...)
    """

    def deco(fn: Adapter) -> Adapter:
        for k in (kind, *aliases):
            ADAPTERS[k] = fn
        return fn

    return deco


def split_at_cut(table: pd.DataFrame, date_column: str, cut: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.Period]:
    """Rows up to the end of the cut month, rows after it, and the cut as a monthly Period.

    Raises
    ------
    ValueError
        If the table lacks ``date_column``; :class:`CutError` (a ValueError) if the cut is
        not inside the data range (no rows up to it, or none after it).
    """
    if date_column not in table.columns:
        raise ValueError(f"table has no {date_column!r} column (columns: {', '.join(map(str, table.columns))})")
    c = parse_month(cut, "cut")
    dates = pd.to_datetime(table[date_column])
    if dates.isna().all():
        raise ValueError(f"table column {date_column!r} has no dates")
    first, last = dates.min(), dates.max()
    end = c.end_time
    if not (first <= end and last > end):
        raise CutError(
            f"cut {c} lies outside the data range {first.to_period('M')} to {last.to_period('M')}: "
            f"a backtest needs data up to the cut and after it"
        )
    return table[dates <= end], table[dates > end], c


# --- helpers shared by adapters -----------------------------------------------------------


def _horizon(horizon: Any) -> int | None:
    if horizon is None:
        return None
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon <= 0:
        raise ValueError(f"horizon must be a positive number of months or None, got {horizon!r}")
    return int(horizon)


def _months_after(months: list[pd.Period], cut: pd.Period) -> np.ndarray:
    return np.array([(m.year - cut.year) * 12 + (m.month - cut.month) for m in months], dtype=int)
