"""Forecast helpers of the price trends: Student-t matching, and the start from an observed price."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .._months import parse_month
from ._frontier import DAYS_PER_YEAR, _as_dates


def _t_quantile(q: float, dof: float) -> float:
    from ..priors import student_t

    return float(student_t(float(dof)).ppf(q))


def _inflate(confidence: float, dof: float) -> float:
    """Ratio of Student-t to normal quantiles at a central level (lognormal priors carry t intervals)."""
    from ..priors import normal

    q = 0.5 + confidence / 2.0
    return _t_quantile(q, dof) / float(normal(0.0, 1.0).ppf(q))


def _level_volatility(dsq: float, gap: float, nd: int) -> tuple[float, int]:
    """Random-walk volatility of the level deviation, per sqrt(year), and its degrees of freedom.

    Between consecutive frontier points ``i, i+1`` the deviation from the trend changes by
    ``d_i = e_{i+1} - e_i``; a random walk with volatility ``v`` gives ``E d_i^2 = v^2 dt_i``,
    so ``v^2 = sum d_i^2 / sum dt_i``.
    """
    if gap <= 0 or dsq <= 0 or nd <= 0:
        return 0.0, 1
    return math.sqrt(dsq / gap), max(nd, 1)


def _years_before(price_date: Any, start: Any) -> float:
    """Years from the date a start price was observed to the start month's first day (0 if not given or later)."""
    if price_date is None or start is None:
        return 0.0
    when = pd.Timestamp(_as_dates([price_date])[0])
    t0 = parse_month(start, "start").start_time
    return max(0.0, (t0 - when).days / DAYS_PER_YEAR)


def _observed(start_price: Any, gap: float = 0.0, vol: Any = None) -> Any:
    """``start_price`` as given if a prior; a number: the observed price itself (a point).

    Observed ``gap`` years before the start month, the level has since moved by the level
    volatility ``vol`` (a point prior) over the gap; the median stays at the observed price
    (the cheapest offer does not fall until a cheaper model arrives).
    """
    from ..priors import Prior, lognormal, point

    if isinstance(start_price, Prior):
        return start_price
    p0 = float(start_price)
    if not (math.isfinite(p0) and p0 > 0):
        raise ValueError(f"start_price must be a positive number or a prior, got {start_price!r}")
    if gap <= 0:
        return point(p0)
    v = float(vol.ppf(0.5)) if vol is not None else 0.0
    mu = math.log(p0)
    sd = v * math.sqrt(gap)
    return lognormal(mu, sd) if sd > 0 else point(math.exp(mu))


def _level_volatility_prior(vol: float, dof: float, confidence: float) -> Any:
    """The level deviation's random-walk volatility (t-matched at ``confidence`` like the other priors)."""
    from ..priors import point

    return point(float(vol) * _inflate(confidence, dof))
