"""Price of a fixed capability level: Epoch AI's trend fit, and forecasts that cover what they claim.

Fit (Epoch AI, "LLM inference prices have fallen rapidly but unequally across tasks", March
2025; code in github.com/epoch-research/llm-benchmark-efficiency):

1. Keep the models whose score on a benchmark is at or above a capability ``threshold``.
2. Walk through them by date (cheapest first within a date) and keep a model only if it is
   strictly cheaper than every model kept before it: the running *price frontier*.
3. Regress the natural log of the frontier prices on time in years (ordinary least squares)::

       ln P_i = a + b t_i + e_i,    e_i ~ iid N(0, s^2)

   The annual decline factor is ``exp(-b)``; its confidence interval (Epoch's) is
   ``exp(-b -/+ t_{n-2} se(b))``.

Forecast (what :meth:`PriceTrend.priors` and :meth:`PriceTrend.model` build): the price of a
*new frontier point* at a future month, i.e. the trend line with its parameter uncertainty plus
the scatter ``e`` of one frontier price about it. The scatter is observation noise, not
random-walk volatility: it does not grow with the horizon, so it goes into the path's level
(``start_price``) and ``volatility`` is 0; only the slope's uncertainty widens the fan with
time. From an *observed* price (``start_price=<number>``) the start is a fact and the model
is the engine's running minimum (``running_minimum=True``): a latent price (the best offer made
each month) starts there and moves about the trend as a random walk, and the series is the
cheapest offer so far, which never rises. A frontier point is a month in which the latent price
is observed exactly (it set a new low), so the latent volatility is estimated from how the
deviation from the trend changes between consecutive frontier points,
``sum (e_{i+1} - e_i)^2 / sum (t_{i+1} - t_i)``, pooled over the reference thresholds. (The exact
likelihood of the running minimum of a Gaussian walk, :mod:`aicast.fit._running_min`, puts the
volatility near 5 a year on the shipped data, because frontier prices fall in rare large steps; a
forecast with it is far too wide out of sample: see ``README.md``.) One frontier has few points (often 3-6), so its own residual standard deviation is a
poor estimate of the scatter (three points can lie on a line by chance, and the forecast is
then absurdly sure); by default the scatter is pooled over Epoch's reference thresholds
(:data:`REFERENCE_THRESHOLDS`) fitted on the same rows: ``s^2 = sum SSE_k / sum (n_k - 2)``.
The intervals are Student-t intervals on the pooled degrees of freedom, carried by lognormal
priors whose central interval at the fit's ``confidence`` is exactly the t interval. Checked
twice in the tests: on simulated histories from known parameters, and by rolling-origin
backtests on the shipped data (``README.md``, notebook 05).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month
from ..models import PriceDecline, dated
from ._frontier import (
    DAYS_PER_YEAR,
    SCORE_ALIASES,
    _as_dates,
    _check_table,
    _data_end,
    _date_bound,
    _score_column,
    _span,
    _threshold_value,
    frontier,
)
from ._observed import (_inflate, _latent_premium, _level_volatility, _level_volatility_prior, _observed, _t_quantile,
                        _years_before)
from ._running_min import corrected_volatility

__all__ = [
    "DEFAULT_FLOOR",
    "DEFAULT_FLOOR_DECLINE",
    "REFERENCE_THRESHOLDS",
    "PriceTrend",
    "frontier",
    "price_trend",
]

_ = (SCORE_ALIASES, _date_bound)  # re-exported for the backtest adapter and older imports

#: Epoch AI's 21 published thresholds (score column, threshold, the model whose level it is): the
#: set over which :func:`price_trend` pools the scatter of frontier prices about their trend.
REFERENCE_THRESHOLDS: tuple[tuple[str, float, str], ...] = (
    ("mmlu", 43.9, "GPT-3"),
    ("mmlu", 64.8, "GPT-3.5"),
    ("mmlu", 68.0, "GPT-3.5 Turbo"),
    ("mmlu", 86.0, "GPT-4-0314"),
    ("mmlu", 87.0, "GPT-4 Turbo"),
    ("gpqa", 33.0, "GPT-4-0314"),
    ("gpqa", 50.0, "GPT-4 Turbo"),
    ("gpqa", 53.0, "GPT-4o-2024-05"),
    ("gpqa", 56.0, "Claude-3.5-Sonnet-2024-06"),
    ("arena_elo", 1106.0, "GPT-3.5 Turbo"),
    ("arena_elo", 1186.0, "GPT-4-0314"),
    ("arena_elo", 1256.0, "GPT-4 Turbo"),
    ("arena_elo", 1285.0, "GPT-4o-2024-05"),
    ("math500", 44.0, "GPT-3.5-Turbo-2023-06"),
    ("math500", 74.0, "GPT-4 Turbo"),
    ("math500", 79.0, "GPT-4o-2024-05"),
    ("math5", 23.0, "GPT-4-0613"),
    ("math5", 36.0, "GPT-4 Turbo"),
    ("math5", 48.0, "GPT-4o-2024-05"),
    ("humaneval", 67.0, "GPT-4-0314"),
    ("humaneval", 71.0, "GPT-3.5-Turbo-2023-06"),
)

#: Default floor (serving cost, USD per million tokens, 90% between the bounds) that
#: :meth:`PriceTrend.model` adds unless ``floor`` is given: the cheapest hosted small
#: open-weights models list at about $0.02-0.05 per million blended tokens (2026-07 table).
DEFAULT_FLOOR: tuple[float, float] = (0.005, 0.05)
#: Default yearly decline factor of that floor (hardware price-performance and inference
#: efficiency), 90% between the bounds.
DEFAULT_FLOOR_DECLINE: tuple[float, float] = (1.3, 2.5)


def _html_table(caption: str, rows: list[tuple[str, str]]) -> str:
    """A two-column HTML table (the fits' ``_repr_html_``)."""
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table><caption>{html.escape(caption)}</caption>{body}</table>"


class _ModelAlias:
    """``to_model(name, start, start_price, **params)``: the older spelling of ``model``."""

    def model(self, name: str, start: Any = None, **overrides: Any) -> PriceDecline:
        raise NotImplementedError

    def to_model(self, name: str, start: Any = None, start_price: Any = None, **params: Any) -> PriceDecline:
        """Alias of :meth:`model` (``start_price`` given: the path starts at that observed price)."""
        if start_price is not None:
            params["start_price"] = start_price
        return self.model(name, start=start, **params)


def _default_floor(overrides: dict[str, Any]) -> None:
    from ..priors import to

    if "floor" not in overrides:
        overrides["floor"] = to(*DEFAULT_FLOOR)
        overrides.setdefault("floor_annual_decline", to(*DEFAULT_FLOOR_DECLINE))


@dataclass(frozen=True)
class PriceTrend(_ModelAlias):
    """A log-linear trend of the price frontier at one capability threshold.

    Attributes
    ----------
    score, threshold
        Score column and threshold; ``threshold_model`` if it came from a model's score.
    open_weights
        The subset fitted: True (open weights), False (closed) or None (all models).
    frontier
        The frontier rows that were regressed, with ``fitted`` and ``t_years``.
    t0
        Reference date (the first frontier date): ``t = 0`` there.
    log_intercept, log_slope
        ``a`` and ``b`` (``b < 0`` when prices fall).
    xtx_inv
        ``(X'X)^-1`` of the regression (2x2); ``cov`` is Epoch's ``s^2 (X'X)^-1``.
    residual_sd
        ``s``: this frontier's own residual standard deviation (``n - 2`` degrees of freedom).
    noise_sd, noise_dof
        The scatter of a frontier price about the trend used for forecasts, and its degrees of
        freedom: pooled over :data:`REFERENCE_THRESHOLDS` by default (``noise_from`` says).
    data_end
        Date of the newest row of the table the fit saw (the data's as-of date).
    confidence
        Level of :attr:`annual_decline_ci` and of the t-matching of the priors.
    level_volatility, level_volatility_dof
        The change of the deviation from the trend between consecutive frontier points per
        year, ``sqrt(sum (e_{i+1} - e_i)^2 / sum (t_{i+1} - t_i))``, pooled like
        :attr:`noise_sd`, and the number of changes: the latent price's volatility fed to the
        running minimum from an observed start. ``level_frontiers`` (months from each pooled
        frontier's first point to the data's end, and its fitted slope) serve the diagnostic
        :attr:`latent_volatility`.
    """

    score: str
    threshold: float
    threshold_model: str | None
    open_weights: bool | None
    frontier: pd.DataFrame = field(repr=False)
    t0: pd.Timestamp
    log_intercept: float
    log_slope: float
    xtx_inv: np.ndarray = field(repr=False)
    residual_sd: float
    r_squared: float
    noise_sd: float
    noise_dof: int
    noise_from: str
    data_end: pd.Timestamp
    confidence: float = 0.9
    level_volatility: float = 0.0
    level_volatility_dof: int = 1
    level_frontiers: tuple[tuple[int, float], ...] = field(default=(), repr=False)

    # --- derived numbers --------------------------------------------------------------------
    @property
    def latent_volatility(self) -> float:
        """Diagnostic: the latent volatility whose simulated running minima give :attr:`level_volatility`
        in expectation (:func:`._running_min.corrected_volatility`; not what the forecasts use, see README)."""
        spans = [s for s, _ in self.level_frontiers]
        return corrected_volatility(self.level_volatility, spans, [b for _, b in self.level_frontiers])

    @property
    def n(self) -> int:
        """Number of frontier points."""
        return len(self.frontier)

    @property
    def dof(self) -> int:
        """Degrees of freedom of this frontier's own regression, ``n - 2``."""
        return self.n - 2

    @property
    def cov(self) -> np.ndarray:
        """Covariance of ``(a, b)`` from this frontier's own residuals (Epoch's)."""
        return self.residual_sd**2 * self.xtx_inv

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.frontier["release_date"].iloc[0])

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.frontier["release_date"].iloc[-1])

    @property
    def data_as_of(self) -> str:
        """The month of the newest row the fit saw, ``"YYYY-MM"``."""
        return str(self.data_end.to_period("M"))

    @property
    def log_slope_se(self) -> float:
        """Standard error of ``b`` from this frontier's own residuals (Epoch's)."""
        return float(math.sqrt(self.cov[1, 1]))

    @property
    def annual_decline(self) -> float:
        """Factor by which the frontier price falls per year, ``exp(-b)``."""
        return math.exp(-self.log_slope)

    @property
    def annual_decline_ci(self) -> tuple[float, float]:
        """Epoch's confidence interval of :attr:`annual_decline` at :attr:`confidence`."""
        return self.decline_interval(self.confidence)

    def decline_interval(self, confidence: float) -> tuple[float, float]:
        """Epoch's confidence interval of the annual decline factor at another level."""
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
        h = _t_quantile(0.5 + confidence / 2.0, self.dof) * self.log_slope_se
        return (math.exp(-self.log_slope - h), math.exp(-self.log_slope + h))

    def years(self, dates: Any) -> np.ndarray:
        """Time in years since :attr:`t0` of dates (or ``"YYYY-MM"`` months: their first day)."""
        d = pd.to_datetime(_as_dates(dates))
        return np.asarray((d - self.t0).days, dtype=float) / DAYS_PER_YEAR

    def log_price(self, dates: Any) -> np.ndarray:
        """Fitted ln(price) at dates."""
        return self.log_intercept + self.log_slope * self.years(dates)

    def log_price_se(self, dates: Any) -> np.ndarray:
        """Standard error of the fitted ln(price) (the trend line, not a new observation)."""
        t = self.years(dates)
        c = self.cov
        return np.sqrt(c[0, 0] + 2.0 * t * c[0, 1] + t * t * c[1, 1])

    def price(self, dates: Any) -> np.ndarray:
        """Fitted (median) frontier price at dates, USD per million tokens."""
        return np.exp(self.log_price(dates))

    def predictive(self, dates: Any) -> tuple[np.ndarray, np.ndarray, int]:
        """Location, scale and degrees of freedom of ln(price of a new frontier point) at dates.

        ``ln P ~ loc + scale * T_dof``: the trend with its uncertainty plus one point's scatter,
        with the forecast noise (:attr:`noise_sd`, :attr:`noise_dof`).
        """
        t = self.years(dates)
        v = self.xtx_inv
        scale = self.noise_sd * np.sqrt(1.0 + v[0, 0] + 2.0 * t * v[0, 1] + t * t * v[1, 1])
        return self.log_price(dates), scale, self.noise_dof

    # --- priors ---------------------------------------------------------------------------
    def start_month(self, start: Any = None) -> pd.Period:
        """``start`` as a month; None: the month after the newest row the fit saw."""
        if start is None:
            return self.data_end.to_period("M") + 1
        return parse_month(start, "start")

    def priors(self, start: Any = None, start_price: Any = None, price_date: Any = None) -> dict[str, Any]:
        """Priors for :class:`aicast.PriceDecline` that forecast a new frontier price.

        Parameters
        ----------
        start
            A month (``"2024-06"``). With no ``start_price``, ``start_price`` is the price of a
            new frontier point in that month: the trend's value with its uncertainty plus one
            point's scatter, correlated with ``annual_decline`` as the regression's estimates
            are. Omitted (and no ``start_price``): no ``start_price`` in the result.
        start_price
            The cheapest offer observed at the start (a number): the path starts there with no
            band; the latent price then moves about the trend as a random walk with
            :attr:`level_volatility` (t-matched), independent of the decline, and
            :meth:`model` makes the series its running minimum. A prior is used as given.
        price_date
            The date that cheapest offer was set, if before the start month. It is still the
            cheapest offer at the start (a cheaper one would be in the data), but the latent
            price has since stayed above it: ``latent_premium`` is then the endpoint of the
            latent walk conditioned on that (a Brownian meander with the trend's drift).

        Returns
        -------
        dict
            ``annual_decline`` (lognormal, central interval at :attr:`confidence` = the t
            interval of the slope with the forecast noise), ``volatility`` (0 from the trend:
            the scatter is in the level; the level volatility from an observed price), and
            ``start_price`` as above (and ``latent_premium`` with a ``price_date``).
        """
        from ..priors import correlate, lognormal, point

        inflate = _inflate(self.confidence, self.noise_dof)
        s, v = self.noise_sd, self.xtx_inv
        sd_slope = s * math.sqrt(v[1, 1])
        decline = lognormal(-self.log_slope, max(sd_slope * inflate, 1e-12))
        out: dict[str, Any] = {"annual_decline": decline, "volatility": point(0.0)}
        if start_price is not None:
            out["start_price"] = _observed(start_price)
            out["volatility"] = vol = _level_volatility_prior(self.level_volatility, self.level_volatility_dof,
                                                              self.confidence)
            gap = _years_before(price_date, start)
            if gap > 0:
                out["latent_premium"] = _latent_premium(gap, self.log_slope, float(vol.ppf(0.5)))
            return out
        if start is None:
            return out
        when = parse_month(start, "start").start_time
        t = float(self.years([when])[0])
        var_level = s * s * (1.0 + v[0, 0] + 2.0 * t * v[0, 1] + t * t * v[1, 1])
        cov_level_slope = s * s * (v[0, 1] + t * v[1, 1])
        sd_level = math.sqrt(var_level)
        level = lognormal(float(self.log_price([when])[0]), sd_level * inflate)
        # ln(annual_decline) = -b, so its correlation with the level is minus that of b.
        rho = -cov_level_slope / (sd_level * sd_slope) if sd_slope > 0 else 0.0
        rho = max(-0.999, min(0.999, rho))
        level, decline = correlate(level, decline, correlation=rho)
        out["start_price"] = level
        out["annual_decline"] = decline
        return out

    def model(self, name: str, start: Any = None, **overrides: Any) -> PriceDecline:
        """A :class:`aicast.PriceDecline` forecasting the price of this capability level.

        Parameters
        ----------
        name
            Model name; its series is ``"<name>.price"``.
        start
            The month the scenario starts (default: the month after the data end). Run the
            model in a scenario that starts in this month.
        **overrides
            Replace any parameter with a number or a prior. ``start_price=<number>`` anchors
            the level at an observed price (see :meth:`priors`). ``running_minimum`` is True
            unless given (the series is the cheapest offer so far). Without ``floor``, the
            default serving-cost floor :data:`DEFAULT_FLOOR` falling by
            :data:`DEFAULT_FLOOR_DECLINE` a year is added; pass ``floor=0`` to forecast the
            trend without a floor (it then falls without limit).
        """
        month = self.start_month(start)
        sp = overrides.pop("start_price", None)
        pri = self.priors(start=month, start_price=sp, price_date=overrides.pop("price_date", None))
        _default_floor(overrides)
        overrides.setdefault("running_minimum", True)
        if not overrides["running_minimum"]:
            pri.pop("latent_premium", None)  # a free latent price starts at the observed one
        pri.update(overrides)
        return dated(PriceDecline(name, **pri), f"price trend fit ({self._label()})", self.data_as_of)

    def summary(self) -> dict[str, Any]:
        """One row of numbers (used by :func:`price_trends`)."""
        lo, hi = self.annual_decline_ci
        return {
            "score": self.score,
            "threshold": self.threshold,
            "threshold_model": self.threshold_model,
            "open_weights": self.open_weights,
            "n": self.n,
            "start": self.start,
            "end": self.end,
            "annual_decline": self.annual_decline,
            "ci_low": lo,
            "ci_high": hi,
            "residual_sd": self.residual_sd,
            "noise_sd": self.noise_sd,
            "r_squared": self.r_squared,
        }

    def _label(self) -> str:
        thr = f"{self.threshold:g}" + (f" ({self.threshold_model})" if self.threshold_model else "")
        if self.open_weights is not None:
            thr += ", open weights" if self.open_weights else ", closed"
        return f"{self.score} >= {thr}"

    def __repr__(self) -> str:
        lo, hi = self.annual_decline_ci
        return (
            f"PriceTrend({self._label()}: {self.annual_decline:.3g}x per year, "
            f"{self.confidence:.0%} CI [{lo:.3g}, {hi:.3g}], residual sd {self.residual_sd:.3g}, "
            f"forecast scatter {self.noise_sd:.3g} ({self.noise_from}), "
            f"n={self.n}, {self.start.date()} to {self.end.date()}, data as of {self.data_as_of})"
        )

    def _repr_html_(self) -> str:
        lo, hi = self.annual_decline_ci
        plo, phi = self.priors()["annual_decline"].interval(self.confidence)
        rows = [
            ("capability level", self._label()),
            ("frontier points", f"{self.n} ({self.start.date()} to {self.end.date()})"),
            ("annual decline (Epoch fit)", f"{self.annual_decline:.3g}x, {self.confidence:.0%} CI [{lo:.3g}, {hi:.3g}]"),
            ("annual decline prior (forecast)", f"{self.confidence:.0%} interval [{plo:.3g}, {phi:.3g}]"),
            ("residual sd (own)", f"{self.residual_sd:.3g} (dof {self.dof})"),
            ("forecast scatter", f"{self.noise_sd:.3g} (dof {self.noise_dof}, {self.noise_from})"),
            ("data as of", self.data_as_of),
        ]
        return _html_table("PriceTrend: price of a fixed capability level", rows)


@dataclass(frozen=True)
class _Ols:
    frontier: pd.DataFrame
    t0: pd.Timestamp
    coef: np.ndarray
    xtx_inv: np.ndarray
    sse: float
    sst: float
    dsq: float  # sum of squared changes of the residual between consecutive frontier points
    gap: float  # sum of the years between consecutive frontier points

    @property
    def dof(self) -> int:
        return len(self.frontier) - 2


def _ols(fr: pd.DataFrame) -> _Ols:
    t0 = pd.Timestamp(fr["release_date"].iloc[0])
    t = np.asarray((fr["release_date"] - t0).dt.days, dtype=float) / DAYS_PER_YEAR
    # Frontier prices strictly fall and only one point per date can be a new low, so the
    # dates differ and the regression is well posed.
    y = np.log(fr["price_per_mtok"].to_numpy(dtype=float))
    X = np.column_stack([np.ones_like(t), t])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    fr = fr.assign(t_years=t, fitted=np.exp(X @ coef))
    d = np.diff(resid)
    return _Ols(fr, t0, coef, np.linalg.inv(X.T @ X), float(resid @ resid), float(((y - y.mean()) ** 2).sum()),
                float(d @ d), float(t[-1] - t[0]))


_REFERENCE_CACHE: dict[tuple[Any, ...], tuple[float, int, float, float, int, list[tuple[str, float]], list[Any]]] = {}


def _reference_noise(table: pd.DataFrame,
                     **where: Any) -> tuple[float, int, float, float, int, list[tuple[str, float]], list[Any]]:
    """Sums over the reference fits on these rows (memoized): SSE, dof, squared residual changes, gaps, changes, thresholds."""
    key = (int(pd.util.hash_pandas_object(table, index=False).sum()), tuple(map(str, table.columns)),
           *(str(where[k]) for k in sorted(where)))
    if key in _REFERENCE_CACHE:
        return _REFERENCE_CACHE[key]
    sse, dof, dsq, gap, nd, used, spans = 0.0, 0, 0.0, 0.0, 0, [], []
    data_end = _data_end(table, where.get("end"))
    cols = {str(c).lower() for c in table.columns}
    frontiers: set[tuple[Any, ...]] = set()
    for score, thr, _m in REFERENCE_THRESHOLDS:
        if score not in cols:
            continue
        fr = frontier(table, score, thr, **where)
        pts = tuple(zip(fr["release_date"], fr["price_per_mtok"], strict=True))
        if len(fr) < 3 or pts in frontiers:  # the same points under two benchmarks count once
            continue
        frontiers.add(pts)
        o = _ols(fr)
        sse, dof = sse + o.sse, dof + o.dof
        dsq, gap, nd = dsq + o.dsq, gap + o.gap, nd + len(fr) - 1
        spans.append(_span(fr, data_end, o.coef[1]))
        used.append((score, float(thr)))
    if len(_REFERENCE_CACHE) > 256:
        _REFERENCE_CACHE.clear()
    _REFERENCE_CACHE[key] = (sse, dof, dsq, gap, nd, used, spans)
    return _REFERENCE_CACHE[key]


def _pooled_noise(table: pd.DataFrame, own: tuple[str, float], own_fit: _Ols, own_span: tuple[int, float],
                  **where: Any) -> tuple[float, int, str, float, int, list[Any]]:
    """Scatter and level statistic pooled over the reference thresholds in the table (plus the fit's own)."""
    sse, dof, dsq, gap, nd, used, spans = _reference_noise(table, **where)
    n = len(used)
    if own not in used:
        sse, dof, n, spans = sse + own_fit.sse, dof + own_fit.dof, n + 1, [*spans, own_span]
        dsq, gap, nd = dsq + own_fit.dsq, gap + own_fit.gap, nd + own_fit.dof + 1
    if dof <= 0 or sse <= 0:
        vol, vdof = _level_volatility(own_fit.dsq, own_fit.gap, own_fit.dof + 1)
        return math.sqrt(own_fit.sse / max(own_fit.dof, 1)), max(own_fit.dof, 1), "own residuals", vol, vdof, [own_span]
    vol, vdof = _level_volatility(dsq, gap, nd)
    return math.sqrt(sse / dof), dof, f"pooled over {n} thresholds", vol, vdof, list(spans)


def price_trend(
    table: pd.DataFrame,
    score: str = "mmlu",
    threshold: float | str = 0.0,
    *,
    start: Any = None,
    end: Any = None,
    open_weights: bool | None = None,
    confidence: float = 0.9,
    noise: str | tuple[float, int] = "pooled",
    exclude_reasoning: bool = True,
) -> PriceTrend:
    """Fit the log-linear trend of the price frontier at a capability threshold (Epoch's method).

    Parameters
    ----------
    table
        Price points: ``release_date``, ``price_per_mtok`` and score columns, e.g.
        ``aicast.data.prices_epoch()``.
    score
        Score column (case-insensitive; ``"MMLU"``, ``"GPQA"``, ``"arena_elo"``).
    threshold
        Minimum score (at or above), or a model name whose score sets it (``"GPT-4-0314"``).
    start, end
        Use only price points released in this range (dates or ``"YYYY-MM"`` months).
    open_weights
        True / False: only open-weights / closed models (None: all).
    confidence
        Level of the decline factor's confidence interval (Epoch reports 90%).
    noise
        Scatter of a frontier price about the trend used by forecasts: ``"pooled"`` (over
        :data:`REFERENCE_THRESHOLDS` on the same rows; the default), ``"own"`` (this
        frontier's residuals only), or ``(sd, dof)``.
    exclude_reasoning
        Leave out reasoning models (o1, o1-mini, o1-preview, o3-mini, DeepSeek-R1), as Epoch
        does: they spend far more tokens per answer, so their price per token is not the cost
        of their score. With them, o1-mini (Sept 2024, GPQA 59.5) joins the GPQA >= 53 and
        >= 56 frontiers and the fits differ from Epoch's 851x and 251x.

    Returns
    -------
    PriceTrend

    Raises
    ------
    ValueError
        For an unknown score column, a bad ``noise`` or fewer than 3 frontier points.

    Examples
    --------
    >>> from aicast import data, fit
    >>> tr = fit.price_trend(data.prices_epoch(), score="MMLU", threshold=43.9)
    >>> round(tr.annual_decline, 1), tr.n
    (11.8, 9)
    """
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if not (noise in ("pooled", "own") or (isinstance(noise, tuple) and len(noise) == 2)):
        raise ValueError(f"noise must be 'pooled', 'own' or (sd, dof), got {noise!r}")
    if isinstance(noise, tuple) and not (float(noise[0]) > 0 and int(noise[1]) >= 1):
        raise ValueError(f"noise (sd, dof) needs sd > 0 and dof >= 1, got {noise!r}")
    table = _check_table(table)
    col = _score_column(table, score)
    thr, thr_model = _threshold_value(table, col, threshold)
    where = dict(start=start, end=end, open_weights=open_weights, exclude_reasoning=exclude_reasoning)
    fr = frontier(table, col, thr, **where)
    if len(fr) < 3:
        subset = "" if open_weights is None else (" (open weights)" if open_weights else " (closed)")
        raise ValueError(
            f"price trend {col} >= {thr:g}{subset}: the price frontier has {len(fr)} point(s), need at least 3 "
            f"to fit a trend with an uncertainty (lower the threshold or widen the date range)"
        )
    o = _ols(fr)
    s_own = math.sqrt(o.sse / o.dof)
    data_end = _data_end(table, end)
    fronts = [_span(fr, data_end, o.coef[1])]
    if noise == "own":
        nsd, ndof, nfrom = s_own, o.dof, "own residuals"
        vol, vdof = _level_volatility(o.dsq, o.gap, o.dof + 1)
    elif noise == "pooled":
        nsd, ndof, nfrom, vol, vdof, fronts = _pooled_noise(table, (col, thr), o, fronts[0], **where)
    else:
        nsd, ndof, nfrom = float(noise[0]), int(noise[1]), "given"  # type: ignore[index]
        vol, vdof = _level_volatility(o.dsq, o.gap, o.dof + 1)
    return PriceTrend(
        score=col, threshold=thr, threshold_model=thr_model, open_weights=open_weights, frontier=o.frontier,
        t0=o.t0, log_intercept=float(o.coef[0]), log_slope=float(o.coef[1]), xtx_inv=o.xtx_inv,
        residual_sd=s_own, r_squared=1.0 - o.sse / o.sst if o.sst > 0 else 1.0,
        noise_sd=nsd, noise_dof=ndof, noise_from=nfrom, data_end=data_end, confidence=float(confidence),
        level_volatility=vol, level_volatility_dof=vdof, level_frontiers=tuple(fronts),
    )
