"""Backtest adapter of the price-decline model: the price frontier at a capability threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fit.prices import _check_table, _score_column, _threshold_value, frontier, price_trend
from ._registry import BacktestSetup, CutError, register_adapter, split_at_cut

__all__: list[str] = []


@register_adapter("price_decline", "price")
def _price_adapter(
    table: pd.DataFrame,
    cut: pd.Period,
    *,
    score: str = "mmlu",
    threshold: float | str = 0.0,
    observe: str = "points",
    start: str = "trend",
    open_weights: bool | None = None,
    confidence: float = 0.9,
    noise: str | tuple[float, int] = "pooled",
) -> BacktestSetup:
    """Price of a capability level: Epoch-style trend fitted up to the cut, new frontier points scored.

    The forecast has no floor (``floor=0``): this scores the fitted trend itself. The
    forecast noise is pooled over the reference thresholds on the rows up to the cut only
    (``noise="pooled"``), so nothing is tuned on the observations scored.
    """
    if observe not in ("points", "monthly"):
        raise ValueError(f"observe must be 'points' or 'monthly', got {observe!r}")
    if start not in ("trend", "last"):
        raise ValueError(f"start must be 'trend' or 'last', got {start!r}")
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    # Score column and threshold come from the whole table (a threshold model may be released
    # after the cut: its score is only a number); the fit sees the rows up to the cut only.
    col = _score_column(_check_table(table), score)
    thr, _ = _threshold_value(table, col, threshold)
    train, _, cut = split_at_cut(table, "release_date", cut)
    try:
        fit = price_trend(train, col, thr, open_weights=open_weights, confidence=confidence, noise=noise)
    except ValueError as e:  # too few frontier points before the cut
        raise CutError(f"cut {cut}: {e}") from None
    full = frontier(table, col, thr, open_weights=open_weights)
    after = full[full["release_date"] > cut.end_time]
    last_price = float(fit.frontier["price_per_mtok"].iloc[-1])
    if observe == "points":
        obs = pd.DataFrame(
            {
                "month": [pd.Timestamp(d).to_period("M") for d in after["release_date"]],
                "value": after["price_per_mtok"].to_numpy(dtype=float),
                "label": after["model"].to_numpy() if "model" in after else "",
            }
        )
    else:
        last_month = pd.Timestamp(full["release_date"].max()).to_period("M")
        end = pd.to_datetime(table["release_date"]).max().to_period("M")
        last_month = max(last_month, end)
        months = pd.period_range(cut + 1, last_month, freq="M")
        vals, labels = [], []
        for m in months:
            upto = full[full["release_date"] <= m.end_time]
            vals.append(float(upto["price_per_mtok"].iloc[-1]))
            labels.append(str(upto["model"].iloc[-1]) if "model" in upto else "")
        obs = pd.DataFrame({"month": list(months), "value": vals, "label": labels})
    model = fit.model("tier", start=cut, floor=0.0, **({"start_price": last_price, "price_date": fit.frontier["release_date"].iloc[-1]} if start == "last" else {}))
    baselines = {
        "last value": np.full(len(obs), last_price),
        "trend": fit.price([m.start_time for m in obs["month"]]),
    }
    return BacktestSetup(models=[model], series="tier.price", observations=obs, baselines=baselines,
                         scale=np.log, fit=fit)
