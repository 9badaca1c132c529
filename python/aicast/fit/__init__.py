"""Fitting: turn data tables into priors ready to plug into models.

Each area lives in its own submodule; this package re-exports the public functions.
"""

from __future__ import annotations

from .battles import bradley_terry, leaderboard_table
from .incidents import IncidentFit, incident_growth, negbin_regression
from .leaderboard import LeaderboardGapFit, leaderboard_gap
from .prices import PooledPriceTrend, PriceTrend, frontier, pool, price_trend, price_trends
from .reporting_lag import ReportingLag, reporting_lag

__all__: list[str] = [
    "IncidentFit",
    "LeaderboardGapFit",
    "PooledPriceTrend",
    "PriceTrend",
    "ReportingLag",
    "bradley_terry",
    "frontier",
    "incident_growth",
    "leaderboard_gap",
    "leaderboard_table",
    "negbin_regression",
    "pool",
    "price_trend",
    "price_trends",
    "reporting_lag",
]
