"""Fitting: turn data tables into priors ready to plug into models.

Each area lives in its own submodule; this package re-exports the public functions.
"""

from __future__ import annotations

from .battles import bradley_terry, leaderboard_table
from .incidents import IncidentFit, incident_growth, negbin_regression
from .list_price import ListPriceFit, list_price, list_price_history
from .leaderboard import LeaderboardGapFit, leaderboard_gap
from .price_pool import PooledPriceTrend, pool, price_trends
from ._frontier import REASONING_MODELS
from .prices import REFERENCE_THRESHOLDS, PriceTrend, frontier, price_trend
from .reporting_lag import ReportingLag, reporting_lag

__all__: list[str] = [
    "IncidentFit",
    "LeaderboardGapFit",
    "ListPriceFit",
    "REASONING_MODELS",
    "REFERENCE_THRESHOLDS",
    "PooledPriceTrend",
    "PriceTrend",
    "ReportingLag",
    "bradley_terry",
    "frontier",
    "incident_growth",
    "leaderboard_gap",
    "leaderboard_table",
    "list_price",
    "list_price_history",
    "negbin_regression",
    "pool",
    "price_trend",
    "price_trends",
    "reporting_lag",
]
