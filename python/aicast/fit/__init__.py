"""Fitting: turn data tables into priors ready to plug into models.

Each area lives in its own submodule; this package re-exports the public functions.
"""

from __future__ import annotations

from .prices import PooledPriceTrend, PriceTrend, frontier, pool, price_trend, price_trends

__all__: list[str] = ["PooledPriceTrend", "PriceTrend", "frontier", "pool", "price_trend", "price_trends"]
