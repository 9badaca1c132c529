"""Forecast helpers of the price trends: Student-t matching, and the start from an observed price."""

from __future__ import annotations

import math
from typing import Any


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


def _observed(start_price: Any) -> Any:
    """``start_price`` as given if a prior; a number: the observed price itself (a point).

    An observed cheapest offer stays the price of its capability until a cheaper offer comes
    (the running minimum), so the price is the start whenever it was set.
    """
    from ..priors import Prior, point

    if isinstance(start_price, Prior):
        return start_price
    p0 = float(start_price)
    if not (math.isfinite(p0) and p0 > 0):
        raise ValueError(f"start_price must be a positive number or a prior, got {start_price!r}")
    return point(p0)


def _level_volatility_prior(vol: float, dof: float, confidence: float) -> Any:
    """The level deviation's random-walk volatility (t-matched at ``confidence`` like the other priors)."""
    from ..priors import point

    return point(float(vol) * _inflate(confidence, dof))


def _years_before(price_date: Any, start: Any) -> float:
    """Years from the date a start price was observed to the start month's first day (0 if not given or later)."""
    import pandas as pd

    from .._months import parse_month
    from ._frontier import DAYS_PER_YEAR, _as_dates

    if price_date is None or start is None:
        return 0.0
    when = pd.Timestamp(_as_dates([price_date])[0])
    t0 = parse_month(start, "start").start_time
    return max(0.0, (t0 - when).days / DAYS_PER_YEAR)


def _latent_premium(gap: float, drift: float, vol: float, n: int = 400) -> Any:
    """How far (log) the latent price lies above a cheapest offer set ``gap`` years ago with nothing cheaper since.

    The latent log price is a walk with ``drift`` and ``vol`` per year that has stayed above the
    offer since it was set there: the endpoint of a Brownian meander with drift, whose density is
    ``x exp(-(x - drift gap)^2 / (2 vol^2 gap))`` for ``x >= 0`` (the limit of the killed density
    of a walk started just above the barrier). Returned as an empirical prior of ``n`` evenly
    spaced quantiles (a point 0 with no gap or no volatility).
    """
    import numpy as np

    from ..priors import empirical, point

    if gap <= 0 or vol <= 0:
        return point(0.0)
    sd = vol * math.sqrt(gap)
    x = np.linspace(0.0, max(0.0, drift * gap) + 10.0 * sd, 4001)
    dens = x * np.exp(-0.5 * ((x - drift * gap) / sd) ** 2)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(x))])
    cdf /= cdf[-1]
    return empirical(np.interp((np.arange(n) + 0.5) / n, cdf, x))
