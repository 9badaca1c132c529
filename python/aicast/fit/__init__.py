"""Fitting: turn data tables into priors ready to plug into models.

Each area lives in its own submodule; this package re-exports the public functions.
"""

from __future__ import annotations

from .battles import bradley_terry, leaderboard_table
from .leaderboard import LeaderboardGapFit, leaderboard_gap

__all__: list[str] = ["LeaderboardGapFit", "bradley_terry", "leaderboard_gap", "leaderboard_table"]
