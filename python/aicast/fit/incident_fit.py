"""The result of :func:`aicast.fit.incident_growth`: fitted priors, diagnostics and ``model()``."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import _engine
from .._months import parse_month
from ..models import IncidentGrowth, dated
from ..priors import Prior, as_prior, correlate, lognormal
from .reporting_lag import ReportingLag

__all__ = ["CategoryFit", "IncidentFit"]

#: Keyword arguments of IncidentGrowth that ``IncidentFit.model`` accepts as overrides.
_OVERRIDES = (
    "base_per_month",
    "annual_growth",
    "dispersion",
    "saturation",
    "price_elasticity",
    "price",
    "categories",
    "category_concentration",
)


def _z(credibility: float) -> float:
    return float(_engine.normal_ppf(0.5 + credibility / 2.0))


@dataclass(frozen=True, repr=False)
class CategoryFit:
    """One category (MIT risk domain) of a joint yearly regression.

    Attributes
    ----------
    share
        Share of the mean count at the reference month.
    growth, interval
        Absolute annual growth factor of the category's own count, with its central interval.
    log_growth, log_growth_se
        ``log(growth)`` and its standard error (the relative growth of
        :meth:`IncidentFit.model` is built from them).
    """

    share: float
    growth: float
    interval: tuple[float, float]
    log_growth: float
    log_growth_se: float

    def __repr__(self) -> str:
        return (
            f"CategoryFit(share {self.share:.1%}, growth {self.growth:.2f}x a year "
            f"[{self.interval[0]:.2f}, {self.interval[1]:.2f}])"
        )


@dataclass(frozen=True, repr=False)
class IncidentFit:
    """Result of :func:`~aicast.fit.incident_growth`: priors for :class:`~aicast.IncidentGrowth` and diagnostics.

    Attributes
    ----------
    growth, growth_interval
        Annual growth factor of the mean count and its central interval (``credibility``).
    dispersion_value
        Estimate of the monthly negative binomial dispersion ``k`` (inf: Poisson).
    dispersion_prior
        Lognormal prior of ``k`` (None: Poisson).
    reference_month
        Month the base refers to (the last usable month; July of the last usable year for a
        yearly table).
    last_month
        Last month of the data window (``end``); :meth:`model` starts the month after.
    coef, cov
        ``(log base at the reference month, log annual growth)`` and their covariance.
    data
        Per month (year): ``count``, ``completeness``, ``used`` and the fitted mean ``fitted``
        (complete-count terms; multiply by completeness to compare with the counts).
    lag
        The reporting-lag curve used (None: no correction).
    lag_estimate, lag_note
        The curve estimated from the data up to ``end`` (None without two exports) and why
        it is or is not used.
    corrected
        With ``lag="report"`` and an identified lag: the lag-corrected fit, reported beside
        this raw one (None otherwise).
    categories, category_dispersion
        Per category: share and absolute growth from a joint yearly regression; its dispersion.
    """

    growth: float
    growth_interval: tuple[float, float]
    dispersion_value: float
    dispersion_prior: Prior | None
    reference_month: pd.Period
    last_month: pd.Period
    coef: np.ndarray
    cov: np.ndarray
    data: pd.DataFrame
    lag: ReportingLag | None
    credibility: float
    yearly: bool = False
    dispersion_method: str = "ml"
    lag_estimate: ReportingLag | None = None
    lag_note: str = ""
    corrected: IncidentFit | None = None
    categories: dict[str, CategoryFit] = field(default_factory=dict)
    category_dispersion: float = math.inf

    # --- priors ---------------------------------------------------------------------------
    def base_at(self, month: Any) -> tuple[float, float, float]:
        """``(mu, sigma, rho)``: the log base at ``month`` is normal(mu, sigma), correlated rho with log growth."""
        m = parse_month(month, "month")
        h = (m - self.reference_month).n / 12.0
        v = self.cov
        mu = float(self.coef[0] + h * self.coef[1])
        var = float(v[0, 0] + 2 * h * v[0, 1] + h * h * v[1, 1])
        rho = float((v[0, 1] + h * v[1, 1]) / math.sqrt(var * v[1, 1]))
        return mu, math.sqrt(var), rho

    @property
    def start(self) -> pd.Period:
        """Default first month of :meth:`model`: the month after the data end."""
        return self.last_month + 1

    @property
    def annual_growth(self) -> Prior:
        """Lognormal prior of the annual growth factor."""
        return lognormal(float(self.coef[1]), float(math.sqrt(self.cov[1, 1])))

    @property
    def dispersion(self) -> Prior | None:
        """Prior of the monthly dispersion ``k`` (None: Poisson counts)."""
        return self.dispersion_prior

    def priors(self, start: Any = None) -> dict[str, Prior | None]:
        """The fitted parameters as priors for :class:`~aicast.IncidentGrowth`.

        ``base_per_month`` (the fitted mean count in ``start``, default :attr:`start`, the month
        after the data end) and ``annual_growth``, lognormal and joined by a Gaussian copula
        with their regression correlation, and ``dispersion`` (None: Poisson).
        ``model(name, start, **overrides)`` is ``IncidentGrowth(name, **priors(start))``
        updated by the overrides.
        """
        s = self.start if start is None else parse_month(start, "start")
        mu, sigma, rho = self.base_at(s)
        base, growth = correlate(lognormal(mu, sigma), self.annual_growth, correlation=rho)
        return {"base_per_month": base, "annual_growth": growth, "dispersion": self.dispersion_prior}

    def relative_growth(self, start: Any = None) -> dict[str, tuple[float, Prior]]:
        """``{category: (share at start, relative_growth prior)}`` for :class:`~aicast.IncidentGrowth`.

        Shares move from the reference month to ``start`` with the fitted category growths.
        Relative growth of a category is its fitted growth over the share-weighted geometric
        mean growth at ``start`` (so the mix-weighted relative growth is 1 and the total
        follows ``annual_growth``); its prior is lognormal with the category's own standard
        error (the uncertainty of the mean is left out)."""
        if not self.categories:
            raise ValueError("this fit has no categories (give domains= to incident_growth)")
        s = self.start if start is None else parse_month(start, "start")
        h = (s - self.reference_month).n / 12.0
        raw = {c: math.log(f.share) + h * f.log_growth for c, f in self.categories.items()}
        top = max(raw.values())
        w = {c: math.exp(v - top) for c, v in raw.items()}
        tot = sum(w.values())
        shares = {c: v / tot for c, v in w.items()}
        cats = list(shares)
        shares[cats[-1]] = 1.0 - sum(shares[c] for c in cats[:-1])  # sum exactly 1
        mean_log = sum(shares[c] * f.log_growth for c, f in self.categories.items())
        return {
            c: (shares[c], lognormal(f.log_growth - mean_log, f.log_growth_se))
            for c, f in self.categories.items()
        }

    def model(
        self, name: str = "incidents", start: Any = None, *, categories: bool = False, **overrides: Any
    ) -> IncidentGrowth:
        """An :class:`~aicast.IncidentGrowth` from this fit, for a scenario that starts at ``start``.

        Parameters
        ----------
        name
            Model name.
        start
            The scenario's first month (default: the month after the data end,
            :attr:`start`). The base is projected to it along the fitted trend, with the
            uncertainty growing accordingly.
        categories
            Add the fitted categories (shares at ``start`` and relative growths, see
            :meth:`relative_growth`).
        **overrides
            Replace any parameter of :class:`~aicast.IncidentGrowth` with a number or a prior
            (``base_per_month``, ``annual_growth``, ``dispersion``, ``saturation``,
            ``price_elasticity``, ``price``, ``categories``, ``category_concentration``).
            Base and growth are correlated lognormal priors (their regression correlation)
            unless one of them is overridden.

        Raises
        ------
        ValueError
            For an unknown override (naming it and the known ones) or a bad ``start``.
        """
        unknown = sorted(set(overrides) - set(_OVERRIDES))
        if unknown:
            raise ValueError(
                f"IncidentFit.model: unknown parameter {unknown[0]!r} (known: {', '.join(_OVERRIDES)})"
            )
        s = self.start if start is None else parse_month(start, "start")
        kw: dict[str, Any] = self.priors(s)
        if "base_per_month" in overrides or "annual_growth" in overrides:
            # the copula joins the two fitted priors: one overridden, the other keeps its margin only
            kw["base_per_month"] = kw["base_per_month"].marginal()
            kw["annual_growth"] = self.annual_growth
        if categories and "categories" not in overrides:
            kw["categories"] = self.relative_growth(s)
        for k, v in overrides.items():
            kw[k] = v if v is None or isinstance(v, (str, dict)) else as_prior(v, f"IncidentFit.model: {k}")
        return dated(IncidentGrowth(name, **kw), "incident fit", self.last_month)

    # --- reporting --------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Estimates with their intervals: growth, base at the reference month, dispersion, categories."""
        z = _z(self.credibility)
        se = np.sqrt(np.diag(self.cov))
        rows = [
            ("annual_growth", self.growth, *self.growth_interval),
            (
                f"base_per_month ({self.reference_month})",
                math.exp(self.coef[0]),
                math.exp(self.coef[0] - z * se[0]),
                math.exp(self.coef[0] + z * se[0]),
            ),
        ]
        if self.dispersion_prior is not None:
            rows.append(("dispersion", self.dispersion_value, *self.dispersion_prior.interval(self.credibility)))
        else:
            rows.append(("dispersion", math.inf, math.inf, math.inf))
        for c, f in self.categories.items():
            rows.append((f"growth {c}", f.growth, *f.interval))
        return pd.DataFrame(rows, columns=["parameter", "estimate", "lo", "hi"]).set_index("parameter")

    def _window(self) -> str:
        used = self.data[self.data["used"]]
        key = "year" if self.yearly else "month"
        return f"{used[key].iloc[0]} to {used[key].iloc[-1]} ({len(used)} {'years' if self.yearly else 'months'})"

    def _lag_text(self, short: bool = False) -> str:
        if self.lag is not None:
            return "lag-corrected"
        if self.lag_estimate is None:
            return "no lag correction"
        if short:
            state = "identified" if self.lag_estimate.identified else "not identified"
            return f"no lag correction (lag estimate {state}: .lag_note)"
        return "no lag correction" + (f" ({self.lag_note})" if self.lag_note else "")

    def __repr__(self) -> str:
        k = "Poisson" if self.dispersion_prior is None else f"k {self.dispersion_value:.3g}"
        lo, hi = self.growth_interval
        return (
            f"IncidentFit({self._window()}: growth {self.growth:.2f}x a year [{lo:.2f}, {hi:.2f}], "
            f"base {math.exp(self.coef[0]):.1f}/month at {self.reference_month}, {k}; {self._lag_text(True)}"
            f"{f'; {len(self.categories)} categories' if self.categories else ''})"
        )

    def _repr_html_(self) -> str:
        tab = self.summary().to_html(float_format=lambda v: f"{v:.3g}")
        extra = ""
        if self.corrected is not None:
            c = self.corrected
            extra = (
                f"<p>Beside it, lag-corrected: growth {c.growth:.2f}x a year "
                f"[{c.growth_interval[0]:.2f}, {c.growth_interval[1]:.2f}].</p>"
            )
        return (
            f"<b>IncidentFit</b> {html.escape(self._window())}, {int(self.credibility * 100)}% intervals; "
            f"{html.escape(self._lag_text())}; default model start {self.start}.{tab}{extra}"
        )
