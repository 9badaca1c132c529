"""Backtest adapter of the tier list-price model (the list price of the best model of a tier).

``aicast.backtest("list_price", aicast.data.flagship_prices(), cut=..., tier="frontier")`` fits
:func:`aicast.fit.list_price` on the rows dated up to the end of the cut month and forecasts
the tier's monthly list price in the following ``horizon`` months from the cut month's price.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..fit.list_price import list_price, list_price_history
from ._registry import BacktestSetup, CutError, _horizon, register_adapter

__all__ = ["list_price_adapter"]


@register_adapter("tier_list_price", "list_price")
def list_price_adapter(table: pd.DataFrame, cut: pd.Period, *, tier: str = "frontier", horizon: Any = 12,
                       drift: str = "none") -> BacktestSetup:
    """Tier list price: jump process fitted up to the cut, the later months scored.

    ``drift`` is passed to :func:`aicast.fit.list_price` (``"none"``, the default, or ``"fitted"``).

    Baselines: the cut month's list price carried forward, and the log-linear trend of the
    monthly list price up to the cut.
    """
    h = _horizon(horizon)
    if drift not in ("none", "fitted"):
        raise ValueError(f"drift must be 'none' or 'fitted', got {drift!r}")
    full = list_price_history(table, tier)
    try:
        fit = list_price(table, tier, end=cut, drift=drift)
    except ValueError as e:
        raise CutError(f"cut {cut}: {e}") from None
    if fit.last_month != cut:
        raise CutError(f"cut {cut}: the list-price history ends in {fit.last_month}")
    after = full[(full.index > cut) & ((full.index <= cut + h) if h is not None else True)]
    obs = pd.DataFrame({"month": list(after.index), "value": after["price"].to_numpy(dtype=float),
                        "label": after["flagships"].to_numpy()})
    y = np.log(fit.history["price"].to_numpy(dtype=float))
    t = np.arange(len(y), dtype=float)
    slope, icpt = np.polyfit(t, y, 1)
    ahead = np.array([(m - cut).n for m in obs["month"]], dtype=float)
    baselines = {"last value": np.full(len(obs), fit.last_price),
                 "trend": np.exp(icpt + slope * (t[-1] + ahead))}
    return BacktestSetup(models=[fit.model("tier_list")], series="tier_list.price", observations=obs,
                         baselines=baselines, scale=np.log, fit=fit)
