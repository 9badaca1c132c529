"""Fitting: turn data tables into priors ready to plug into models.

Each area lives in its own submodule; this package re-exports the public functions.
"""

from __future__ import annotations

from .leaderboard import LeaderboardGapFit, leaderboard_gap

__all__: list[str] = ["LeaderboardGapFit", "leaderboard_gap"]
