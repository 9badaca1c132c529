"""A tier's list price (the best model of the day), fitted as a pure-jump process.

Question answered: "what will the flagship of this tier cost per token?" (not the price of a
fixed capability: see :mod:`aicast.fit.prices`). From ``aicast.data.flagship_prices()``, the
tier's monthly list price is the geometric mean over its lines (one per lab) of each line's
current flagship price, from the first month every line has one. Between launches and price
cuts the price does not move, so the fit is a compound Poisson process on the log scale:

* ``jump_rate``: months with a change per year; uncertainty from the Poisson likelihood
  (Jeffreys posterior ``Gamma(k + 1/2, rate=years)``);
* ``jump_log_size``: the observed log changes, two-sided: a mixture of an upward component
  (launches of dearer flagships) and a downward one (cheaper launches, cuts), each normal
  with the changes' mean and standard deviation, widened for the uncertainty of its mean
  (``sd * sqrt(1 + 1/k)``); by default weighted so the mean change is zero (no long-run
  drift, ``drift="none"``), or by count (``drift="fitted"``);
* the sizes are shrunk by ``sqrt(min(1, v_emp / v_model))``, where ``v_emp`` is the mean
  squared ``h``-month log change of the history (``h = min(12, months / 2)``) and ``v_model``
  the jump process's: launches up are followed by cuts, so the price wanders less over a
  year than independent jumps would (estimated from the history only);
* no drift and no diffusion between events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month
from ..models import TierListPrice, dated
from .prices import _html_table

__all__ = ["ListPriceFit", "list_price", "list_price_history"]

_TIERS = ("frontier", "mid", "open")


def list_price_history(table: pd.DataFrame | None = None, tier: str = "frontier", end: Any = None) -> pd.DataFrame:
    """The tier's monthly list price: geometric mean of its lines' current flagship prices.

    Parameters
    ----------
    table
        Rows like ``aicast.data.flagship_prices()`` (the default).
    tier
        ``"frontier"``, ``"mid"`` or ``"open"``.
    end
        Last month (``"YYYY-MM"``); rows dated after it are not seen. Default: the newest row.

    Returns
    -------
    pandas.DataFrame
        Indexed by month: ``price`` (USD per million tokens) and ``flagships`` (the models).
    """
    if table is None:
        from .. import data

        table = data.flagship_prices()
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in ("tier", "line", "model", "date", "blended_per_mtok") if c not in table.columns]
    if missing:
        raise ValueError(f"flagship price table is missing column(s) {', '.join(missing)}")
    rows = table[table["tier"] == tier]
    if rows.empty:
        raise ValueError(f"tier {tier!r} has no rows (tiers: {', '.join(sorted(map(str, table['tier'].unique())))})")
    rows = rows.assign(date=pd.to_datetime(rows["date"])).sort_values("date", kind="mergesort")
    last = parse_month(end, "end") if end is not None else rows["date"].max().to_period("M")
    rows = rows[rows["date"] <= last.end_time]
    lines = sorted(rows["line"].unique())
    first = max(rows[rows["line"] == ln]["date"].min() for ln in lines).to_period("M") if len(lines) else last
    months = pd.period_range(first, last, freq="M")
    prices, names = [], []
    for m in months:
        logs, who = [], []
        for ln in lines:
            cur = rows[(rows["line"] == ln) & (rows["date"] <= m.end_time)]
            logs.append(math.log(float(cur["blended_per_mtok"].iloc[-1])))
            who.append(str(cur["model"].iloc[-1]))
        prices.append(math.exp(sum(logs) / len(logs)))
        names.append(", ".join(who))
    return pd.DataFrame({"price": prices, "flagships": names}, index=pd.PeriodIndex(months, name="month"))


@dataclass(frozen=True)
class ListPriceFit:
    """Result of :func:`list_price`: a tier's list-price history and the jump process fitted to it.

    Attributes
    ----------
    tier
        The tier fitted.
    history
        The monthly list price it was fitted on (see :func:`list_price_history`).
    changes
        The nonzero monthly log changes.
    years
        Span of the history in years.
    """

    tier: str
    history: pd.DataFrame = field(repr=False)
    changes: np.ndarray = field(repr=False)
    years: float
    shrink: float = 1.0
    drift: str = "none"

    @property
    def last_price(self) -> float:
        return float(self.history["price"].iloc[-1])

    @property
    def last_month(self) -> pd.Period:
        return pd.Period(self.history.index[-1], freq="M")

    @property
    def data_as_of(self) -> str:
        return str(self.last_month)

    @property
    def jump_rate(self) -> float:
        """Changes per year (point estimate)."""
        return len(self.changes) / self.years

    def priors(self, start: Any = None) -> dict[str, Any]:
        """``jump_rate`` (gamma) and ``jump_log_size`` (two-sided mixture) for :class:`aicast.TierListPrice`.

        With a ``start`` month, also ``start_price``: the last observed list price (list
        prices hold between events).
        """
        from ..priors import gamma, mixture, normal

        k = len(self.changes)
        up, down = self.changes[self.changes > 0], self.changes[self.changes < 0]
        spread = float(np.sqrt(np.mean(self.changes**2))) if k else 0.1

        def comp(x: np.ndarray, sign: float) -> Any:
            if len(x) >= 2:
                mu, sd = float(x.mean()), float(x.std(ddof=1))
            elif len(x) == 1:
                mu, sd = float(x[0]), spread
            else:
                mu, sd = sign * spread, spread
            c = self.shrink
            return normal(c * mu, c * max(sd, 0.02) * math.sqrt(1.0 + 1.0 / max(len(x), 1)))

        cu, cd = comp(up, 1.0), comp(down, -1.0)
        if self.drift == "fitted":
            w_up = (len(up) + 1.0) / (k + 2.0)
        else:  # no long-run drift: weights that make the mean log change zero
            mu_u, mu_d = cu.mean(), cd.mean()
            w_up = -mu_d / (mu_u - mu_d) if mu_u > 0 > mu_d else 0.5
        out: dict[str, Any] = {
            "jump_rate": gamma(k + 0.5, 1.0 / self.years),
            "jump_log_size": mixture([cu, cd], [w_up, 1.0 - w_up]),
        }
        if start is not None:
            parse_month(start, "start")
            out["start_price"] = self.last_price
        return out

    def model(self, name: str, start: Any = None, **overrides: Any) -> TierListPrice:
        """A :class:`aicast.TierListPrice` from this fit.

        Parameters
        ----------
        name
            Model name (series ``"<name>.price"``).
        start
            The scenario's start month; default the month after the history ends. The start
            price is the last observed list price (list prices hold between events).
        **overrides
            Replace any parameter with a number or a prior.
        """
        pri: dict[str, Any] = self.priors(start if start is not None else self.last_month + 1)
        pri.update(overrides)
        return dated(TierListPrice(name, **pri), f"list price fit ({self.tier} tier)", self.data_as_of)

    to_model = model

    def __repr__(self) -> str:
        up = int((self.changes > 0).sum())
        return (
            f"ListPriceFit({self.tier}: ${self.last_price:.3g}/M in {self.last_month}, "
            f"{self.jump_rate:.2g} changes a year ({up} up, {len(self.changes) - up} down) over "
            f"{self.years:.1f} years, data as of {self.data_as_of})"
        )

    def _repr_html_(self) -> str:
        p = self.priors()
        lo, hi = p["jump_rate"].interval(0.9)
        jlo, jhi = p["jump_log_size"].interval(0.9)
        rows = [
            ("tier (list price of the best model)", self.tier),
            ("history", f"{self.history.index[0]} to {self.last_month} ({len(self.history)} months)"),
            ("list price now", f"${self.last_price:.3g} per million tokens"),
            ("changes per year", f"{self.jump_rate:.2g}, 90% interval [{lo:.2g}, {hi:.2g}]"),
            ("size of a change", f"x{math.exp(jlo):.2g} to x{math.exp(jhi):.2g} (90%)"),
            ("data as of", self.data_as_of),
        ]
        return _html_table("ListPriceFit: list price of the best model in a tier", rows)


def list_price(table: pd.DataFrame | None = None, tier: str = "frontier", *, end: Any = None,
               drift: str = "none") -> ListPriceFit:
    """Fit the list-price jump process of a tier (see the module docstring).

    Parameters
    ----------
    table
        Rows like ``aicast.data.flagship_prices()`` (the default).
    tier
        ``"frontier"``, ``"mid"`` or ``"open"``.
    end
        Fit on the months up to this one only (``"YYYY-MM"``).
    drift
        ``"none"`` (default): up and down changes are weighted so the mean log change is zero,
        i.e. no long-run trend of the tier's list price (flat for years, as observed for the
        frontier; a few years of rising mid-tier prices are not extrapolated to $50/M);
        ``"fitted"``: weighted by their counts, which extrapolates the history's trend.

    Raises
    ------
    ValueError
        For an unknown tier or fewer than 6 months of history.

    Examples
    --------
    >>> import aicast as ac
    >>> fit = ac.fit.list_price(tier="frontier")
    >>> fit.data_as_of
    '2026-07'
    """
    if drift not in ("none", "fitted"):
        raise ValueError(f"drift must be 'none' or 'fitted', got {drift!r}")
    if not isinstance(tier, str) or (table is None and tier not in _TIERS):
        raise ValueError(f"tier must be one of {', '.join(_TIERS)}, got {tier!r}")
    hist = list_price_history(table, tier, end=end)
    if len(hist) < 6:
        raise ValueError(f"list price of {tier!r}: {len(hist)} month(s) of history up to {end}, need at least 6")
    d = np.diff(np.log(hist["price"].to_numpy(dtype=float)))
    changes = d[np.abs(d) > 1e-9]
    years = (len(hist) - 1) / 12.0
    y = np.log(hist["price"].to_numpy(dtype=float))
    h = max(1, min(12, len(y) // 2))
    v_emp = float(np.mean((y[h:] - y[:-h]) ** 2))
    raw = ListPriceFit(tier, hist, changes, years, 1.0, drift)
    # the h-month variance the unshrunk priors imply (rate and size uncertainty included)
    pri = raw.priors()
    v_mod = pri["jump_rate"].mean() * h / 12.0 * _second_moment(pri["jump_log_size"])
    shrink = math.sqrt(min(1.0, v_emp / v_mod)) if v_mod > 0 else 1.0
    return ListPriceFit(tier, hist, changes, years, shrink, drift)


def _second_moment(prior: Any) -> float:
    """E[X^2] of a prior, by its quantile function on a fine grid."""
    u = (np.arange(4000) + 0.5) / 4000
    x = np.asarray(prior.ppf(u), dtype=float)
    return float(np.mean(x * x))
