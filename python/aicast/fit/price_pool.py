"""Several capability-price trends: fitted across thresholds (price_trends) and pooled into one decline prior (random-effects meta-analysis).

Epoch AI's decline factors differ by threshold (9x to 900x a year), and a single frontier
with a handful of points pins its slope down poorly. :func:`pool` treats the thresholds'
slopes ``b_k`` as draws around a common mean, ``b_k ~ N(beta, tau^2)``, each observed with its
standard error ``se_k`` (from the forecast scatter, so pooled noise by default), and
estimates ``beta`` and the between-threshold spread ``tau`` by DerSimonian-Laird. The decline
prior of a capability level that was *not* fitted (e.g. today's frontier, which has no
price history yet) is the predictive distribution of a new threshold's slope,
``N(beta, tau^2 + se(beta)^2)`` on the log scale: as wide as the thresholds disagree, and no
wider.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..models import PriceDecline, dated
from ._frontier import _check_table, _score_column
from ._observed import _inflate, _level_volatility_prior, _observed
from .prices import PriceTrend, _default_floor, _ModelAlias, price_trend

__all__ = ["PooledPriceTrend", "pool", "price_trends"]


@dataclass(frozen=True)
class PooledPriceTrend(_ModelAlias):
    """Price trends at several thresholds pooled into one decline prior; built by :func:`pool`.

    Attributes
    ----------
    fits
        The pooled fits.
    log_slope, log_slope_se
        ``beta`` (random-effects mean of the slopes, per year) and its standard error.
    tau
        Between-threshold standard deviation of the slopes.
    noise_sd, noise_dof
        Root-mean-square forecast scatter of the fits and the smallest of their degrees of
        freedom.
    level_volatility, level_volatility_dof
        Root-mean-square level statistic of the fits (:attr:`PriceTrend.level_volatility`) and
        the smallest of their degrees of freedom.
    """

    fits: tuple[PriceTrend, ...]
    log_slope: float
    log_slope_se: float
    tau: float
    noise_sd: float
    noise_dof: int
    confidence: float = 0.9
    level_volatility: float = 0.0
    level_volatility_dof: int = 1

    @property
    def latent_volatility(self) -> float:
        """Diagnostic: root-mean-square of the fits' :attr:`PriceTrend.latent_volatility`."""
        return math.sqrt(sum(f.latent_volatility**2 for f in self.fits) / len(self.fits))

    @property
    def annual_decline(self) -> float:
        """Median decline factor per year of a new capability level, ``exp(-beta)``."""
        return math.exp(-self.log_slope)

    @property
    def predictive_sd(self) -> float:
        """Standard deviation of a new threshold's log slope, ``sqrt(tau^2 + se^2)``."""
        return math.sqrt(self.tau**2 + self.log_slope_se**2)

    @property
    def data_end(self) -> Any:
        return max(f.data_end for f in self.fits)

    @property
    def data_as_of(self) -> str:
        return str(self.data_end.to_period("M"))

    def priors(self, start: Any = None, start_price: Any = None) -> dict[str, Any]:
        """``annual_decline`` (lognormal, the predictive of a new threshold), ``volatility`` 0,
        and from a given observed ``start_price``: that price (no band) and the level volatility
        (RMS over the fits) as ``volatility`` (as :meth:`PriceTrend.priors`).
        """
        from ..priors import lognormal, point

        if start is not None and start_price is None:
            raise ValueError("a pooled price trend has no single trend price: give start_price (an observed price)")
        inflate = _inflate(self.confidence, max(len(self.fits) - 1, 1))
        out: dict[str, Any] = {
            "annual_decline": lognormal(-self.log_slope, self.predictive_sd * inflate),
            "volatility": point(0.0),
        }
        if start_price is not None:
            out["start_price"] = _observed(start_price)
            out["volatility"] = _level_volatility_prior(self.level_volatility, self.level_volatility_dof, self.confidence)
        return out

    def model(self, name: str, start: Any = None, **overrides: Any) -> PriceDecline:
        """A :class:`aicast.PriceDecline` for a capability level priced at ``start_price`` today.

        ``start_price`` (an observed price, a number, or a prior) is required; other overrides
        replace parameters; a default floor is added unless ``floor`` is given (see
        :meth:`PriceTrend.model`). ``start`` is accepted for the common convention and unused.
        """
        if "start_price" not in overrides:
            raise ValueError(f"pooled price trend for {name!r}: give start_price (pooled fits have no single trend price)")
        sp = overrides.pop("start_price")
        pri = self.priors(start_price=sp)
        _default_floor(overrides)
        overrides.setdefault("running_minimum", True)
        pri.update(overrides)
        return dated(PriceDecline(name, **pri), f"pooled price trend fit ({len(self.fits)} thresholds)", self.data_as_of)

    def __repr__(self) -> str:
        lo, hi = self.priors()["annual_decline"].interval(self.confidence)
        return (
            f"PooledPriceTrend({len(self.fits)} thresholds: {self.annual_decline:.3g}x per year, "
            f"{self.confidence:.0%} interval for a new level [{lo:.3g}, {hi:.3g}], "
            f"between-threshold sd {self.tau:.3g}, data as of {self.data_as_of})"
        )

    def _repr_html_(self) -> str:
        lo, hi = self.priors()["annual_decline"].interval(self.confidence)
        rows = "".join(
            f"<tr><td>{html.escape(f._label())}</td><td>{f.n}</td><td>{f.annual_decline:.3g}x</td></tr>" for f in self.fits
        )
        return (
            f"<div><b>PooledPriceTrend</b>: {self.annual_decline:.3g}x per year; a new capability level: "
            f"{self.confidence:.0%} interval [{lo:.3g}, {hi:.3g}]; between-threshold sd of the log slope "
            f"{self.tau:.3g}; data as of {self.data_as_of}"
            f"<table><tr><th>threshold</th><th>n</th><th>decline</th></tr>{rows}</table></div>"
        )


def pool(*fits: PriceTrend | Iterable[PriceTrend], confidence: float = 0.9) -> PooledPriceTrend:
    """Pool price trends into one decline prior by random-effects meta-analysis of their slopes.

    Raises
    ------
    ValueError
        If no fit is given.
    TypeError
        If an item is not a :class:`PriceTrend`.
    """
    items: list[Any] = []
    for f in fits:
        if isinstance(f, PriceTrend):
            items.append(f)
        else:
            items.extend(f)
    if not items:
        raise ValueError("pool needs at least one price trend")
    for f in items:
        if not isinstance(f, PriceTrend):
            raise TypeError(f"pool expects PriceTrend fits, got {type(f).__name__}")
    b = [f.log_slope for f in items]
    v = [max(f.noise_sd**2 * float(f.xtx_inv[1, 1]), 1e-12) for f in items]
    w = [1.0 / x for x in v]
    sw = sum(w)
    b_fe = sum(wi * bi for wi, bi in zip(w, b, strict=True)) / sw
    q = sum(wi * (bi - b_fe) ** 2 for wi, bi in zip(w, b, strict=True))
    denom = sw - sum(wi * wi for wi in w) / sw
    tau2 = max(0.0, (q - (len(items) - 1)) / denom) if denom > 0 else 0.0
    ws = [1.0 / (x + tau2) for x in v]
    beta = sum(wi * bi for wi, bi in zip(ws, b, strict=True)) / sum(ws)
    se = math.sqrt(1.0 / sum(ws))
    rms = math.sqrt(sum(f.noise_sd**2 for f in items) / len(items))
    vol = math.sqrt(sum(f.level_volatility**2 for f in items) / len(items))
    return PooledPriceTrend(tuple(items), beta, se, math.sqrt(tau2), rms, min(f.noise_dof for f in items), float(confidence),
                            vol, min(f.level_volatility_dof for f in items))


def price_trends(
    table: pd.DataFrame,
    score: str = "mmlu",
    thresholds: Iterable[float | str] | None = None,
    *,
    start: Any = None,
    end: Any = None,
    open_weights: bool | None = None,
    confidence: float = 0.9,
    skip_short: bool = True,
    noise: str | tuple[float, int] = "pooled",
    exclude_reasoning: bool = True,
) -> pd.DataFrame:
    """Fit :func:`price_trend` at many thresholds: how the decline rate depends on capability.

    Parameters
    ----------
    thresholds
        Thresholds (numbers or model names). Default: every distinct score in the table.
    skip_short
        Leave out thresholds whose frontier has fewer than 3 points (otherwise raise).
    noise, exclude_reasoning
        As for :func:`price_trend`.

    Returns
    -------
    pandas.DataFrame
        One row per threshold (see :meth:`PriceTrend.summary`), with the fits in the
        ``fit`` column.
    """
    table = _check_table(table)
    col = _score_column(table, score)
    if thresholds is None:
        vals: Sequence[float | str] = sorted(pd.to_numeric(table[col], errors="coerce").dropna().unique())
    else:
        vals = list(thresholds)
        if not vals:
            raise ValueError("thresholds is empty")
    rows = []
    for thr in vals:
        try:
            tr = price_trend(table, col, thr, start=start, end=end, open_weights=open_weights,
                             confidence=confidence, noise=noise, exclude_reasoning=exclude_reasoning)
        except ValueError as e:
            if skip_short and "need at least 3" in str(e):
                continue
            raise
        rows.append({**tr.summary(), "fit": tr})
    return pd.DataFrame(rows)
