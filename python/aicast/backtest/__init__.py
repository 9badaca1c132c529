"""Backtests: fit on the data up to a cut, forecast the rest with the engine, score the forecast.

Layers, lowest first: :mod:`~aicast.backtest._registry` (what an adapter returns, the adapter
registry), one adapter module per model (:mod:`~aicast.backtest.price`, :mod:`~aicast.backtest.list_price`,
:mod:`~aicast.backtest.leaderboard`, :mod:`~aicast.backtest.incidents`), and the harness
(:mod:`~aicast.backtest.harness`: :func:`backtest`, :class:`Backtest`). Importing this package
registers every adapter.
"""

from __future__ import annotations

from . import incidents, leaderboard, list_price, price
from ._registry import ADAPTERS, BacktestSetup, CutError, register_adapter, split_at_cut
from .harness import COVERAGE_LEVELS, PINBALL_LEVELS, Backtest, backtest, rolling_cuts
from .incidents import incident_adapter
from .leaderboard import leaderboard_adapter
from .list_price import list_price_adapter

__all__ = [
    "ADAPTERS",
    "COVERAGE_LEVELS",
    "PINBALL_LEVELS",
    "Backtest",
    "BacktestSetup",
    "CutError",
    "backtest",
    "incident_adapter",
    "incidents",
    "leaderboard",
    "leaderboard_adapter",
    "list_price",
    "list_price_adapter",
    "price",
    "register_adapter",
    "rolling_cuts",
    "split_at_cut",
]
