"""Incident growth: monthly counts of reported AI incidents with overdispersion and categories."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from numbers import Real
from typing import Any

import pandas as pd

from .. import _engine
from ..priors import Prior
from ._base import Model

__all__ = ["IncidentGrowth"]

_CATEGORY = re.compile(r"^[A-Za-z0-9_]+$")


def _category_items(categories: Any, name: str) -> list[tuple[str, Any, Any]]:
    """``[(category, share, relative_growth), ...]`` from a mapping ``{category: (share, relative_growth)}``
    or ``{category: {"share": ..., "relative_growth": ...}}``."""
    where = f"incident_growth '{name}': categories"
    if not isinstance(categories, Mapping):
        raise TypeError(
            f"{where} must be a mapping {{name: (share, relative_growth)}}, got {type(categories).__name__}"
        )
    if not categories:
        raise ValueError(f"{where} must not be empty (use categories=None for none)")
    items = []
    for cat, spec in categories.items():
        if not isinstance(cat, str) or not _CATEGORY.match(cat):
            raise ValueError(f"{where}: names must use only letters, digits and '_', got {cat!r}")
        if isinstance(spec, Mapping):
            if "annual_growth" in spec:
                raise ValueError(
                    f"{where}[{cat!r}]: 'annual_growth' is now 'relative_growth' (it only moves the category's "
                    "share of the total; the total grows with the model's annual_growth)"
                )
            unknown = set(spec) - {"share", "relative_growth"}
            if unknown or "share" not in spec or "relative_growth" not in spec:
                raise ValueError(
                    f"{where}[{cat!r}] must have exactly the keys 'share' and 'relative_growth', got {sorted(spec)}"
                )
            share, growth = spec["share"], spec["relative_growth"]
        else:
            try:
                share, growth = spec
            except (TypeError, ValueError):
                raise ValueError(
                    f"{where}[{cat!r}] must be (share, relative_growth), got {spec!r}"
                ) from None
        if isinstance(share, bool) or not isinstance(share, Real):
            raise TypeError(
                f"{where}[{cat!r}]: share must be a number, got {type(share).__name__} {share!r}"
            )
        items.append((cat, float(share), growth))
    total = sum(s for _, s, _ in items)
    if not math.isclose(total, 1.0, rel_tol=0.0, abs_tol=1e-9):
        raise ValueError(f"{where}: shares must sum to 1, got {total:.12g}")
    return items


class IncidentGrowth(Model):
    """Monthly counts of reported AI incidents: negative binomial around a growing trend.

    With ``t`` in years since the start month::

        trend(t)  = base_per_month * annual_growth**t                       (no saturation)
        trend(t)  = K / (1 + (K / base_per_month - 1) * annual_growth**-t)  (saturation K: logistic)
        lambda(t) = trend(t) * (P(t) / P(0)) ** -price_elasticity           (with a price link)
        N(t) ~ NegativeBinomial(mean lambda, dispersion k)

    so ``E N = lambda`` and ``Var N = lambda + lambda**2 / k``; counts are drawn as
    ``Poisson(Gamma(k, lambda / k))``. ``dispersion=None`` gives Poisson counts (the limit
    ``k -> inf``). Every prior is drawn once per path; counts per path and month.

    Categories split each month's count with a Dirichlet-multinomial: mean shares
    ``pi_c(t) ∝ share_c * relative_growth_c**t``, shares ``p ~ Dirichlet(category_concentration *
    pi(t))`` drawn afresh each month (multinomial with ``pi(t)`` if the concentration is None).
    A category's ``relative_growth`` moves its *share* of the total, never the total, which
    follows ``annual_growth`` alone: with relative growths 1.3 and 1.0 the first category's
    share rises (its odds against the second grow 1.3x a year) and the total is unchanged. A
    category's own absolute growth is therefore about ``annual_growth * relative_growth_c /
    (mix-weighted relative growth)``; :meth:`aicast.fit.IncidentFit.model` sets the relative
    growths so that the mix-weighted one is 1 at the start month.

    Price link: the mean is the trend times ``(P(t) / P(0)) ** -price_elasticity``, path by path.
    It adds to the trend, it does not replace it: a trend fitted on history already contains
    whatever the past price falls did to incidents, so the link is the *extra* effect of prices
    falling from the start month on. The linked price must have a floor (``floor > 0``): then
    the link multiplies the trend by at most ``(P(0) / F(t)) ** price_elasticity`` with ``F(t)``
    the floor at ``t`` (itself falling by ``floor_annual_decline``); without one the price
    falls toward 0 and the factor grows without bound.

    Series
    ------
    ``<name>.count``
        Incidents in the month.
    ``<name>.yearly``
        Year to date: the sum of the monthly counts of the month's calendar year that lie on
        the grid. Its December value is the calendar-year total. The first year of a grid that
        starts after January counts only the months from the start month; a horizon before
        December leaves a partial last year. Use ``res.prob_at("x.yearly > 400", at="2027-12")``
        for "more than 400 incidents in 2027".
    ``<name>.cumulative``
        Running total from the start month.
    ``<name>.<category>.count``
        Per category; they sum to ``<name>.count`` path by path.
    ``<name>.<category>.yearly``
        Per category, year to date as ``<name>.yearly`` (December: the calendar-year total);
        e.g. the share of malicious use in 2027 is ``aiid.malicious_use.yearly / aiid.yearly``
        at 2027-12 (``res.paths``).

    Parameters
    ----------
    name
        Model name (prefix of its series).
    base_per_month
        Mean count in the start month (>= 0).
    annual_growth
        Factor by which the mean grows per year (> 0; 1.5 = +50% a year).
    dispersion
        Negative binomial dispersion ``k`` (> 0; smaller = more overdispersed), or None for
        Poisson counts.
    saturation
        Level ``K`` (> 0) the trend approaches logistically, or None for exponential growth.
    price_elasticity
        ``eps``: the mean is multiplied by ``(P(t)/P(0))**-eps`` on top of the trend; 0.5 means
        10x cheaper generation gives ~3.2x more incidents. Needs ``price``.
    price
        Name of a :class:`~aicast.PriceDecline` model in the same scenario with a floor > 0;
        its series ``"<price>.price"`` is read path by path (the same paths as that model).
    categories
        ``{category: (share, relative_growth)}`` (or ``{category: {"share": ..., "relative_growth":
        ...}}``): starting shares (numbers summing to 1) and relative growth of each share
        (numbers or priors; see above).
    category_concentration
        Dirichlet concentration of the monthly mix (> 0; larger = closer to multinomial), or
        None for a multinomial split.

    Raises
    ------
    ValueError
        For a negative base, a growth or dispersion <= 0, shares that are not positive or do
        not sum to 1, an elasticity without a price link, or a bad category name. A price
        link to a model that is not in the scenario, or to a price without a floor, fails when
        the scenario is built (at ``run``), before any simulation.

    Examples
    --------
    >>> import aicast as ac
    >>> m = ac.IncidentGrowth("aiid", base_per_month=30, annual_growth=ac.to(1.3, 2.0), dispersion=8.0,
    ...                       categories={"misuse": (0.3, 1.2), "other": (0.7, 1.0)})
    >>> m.series  # doctest: +NORMALIZE_WHITESPACE
    ['aiid.count', 'aiid.yearly', 'aiid.cumulative', 'aiid.misuse.count', 'aiid.other.count',
     'aiid.misuse.yearly', 'aiid.other.yearly']
    """

    kind = "incident_growth"

    def __init__(
        self,
        name: str,
        base_per_month: Prior | float,
        annual_growth: Prior | float,
        dispersion: Prior | float | None,
        saturation: Prior | float | None = None,
        price_elasticity: Prior | float = 0.0,
        price: str | None = None,
        categories: Mapping[str, Any] | None = None,
        category_concentration: Prior | float | None = None,
    ) -> None:
        params: dict[str, Any] = {"base_per_month": base_per_month, "annual_growth": annual_growth}
        if dispersion is not None:
            params["dispersion"] = dispersion
        if saturation is not None:
            params["saturation"] = saturation
        params["price_elasticity"] = price_elasticity
        links: dict[str, str] = {}
        if price is not None:
            if not isinstance(price, str) or not price or "." in price:
                raise ValueError(
                    f"incident_growth '{name}': price must name a price model (e.g. price=\"frontier\"), got {price!r}"
                )
            links["price"] = f"{price}.price"
        labels: list[str] = []
        if categories is not None:
            for cat, share, growth in _category_items(categories, name):
                labels.append(cat)
                params[f"share.{cat}"] = share
                params[f"relative_growth.{cat}"] = growth
            if category_concentration is not None:
                params["category_concentration"] = category_concentration
        elif category_concentration is not None:
            raise ValueError(f"incident_growth '{name}': category_concentration needs categories")
        self.price = price
        self.categories: list[str] = labels
        super().__init__(name, params, links=links, labels=labels)

    def _check_links(self, models: list[Any]) -> None:
        """A price link must read a price that has a floor (else ``(P/P0)**-eps`` has no bound)."""
        if self.price is None:
            return
        for m in models:
            if m.name == self.price and "floor" in m.params:
                if not float(m.params["floor"].ppf(1e-12)[()]) > 0.0:
                    raise ValueError(
                        f"IncidentGrowth '{self.name}': price link to '{self.price}' needs a price with a floor > 0 "
                        f"(floor={m.params['floor']!r}): without one the price falls toward 0 and the factor "
                        "(P(t)/P(0))**-price_elasticity on the trend has no bound"
                    )

    def _spec_on_grid(self, start: pd.Period) -> dict[str, Any]:
        # the engine needs the calendar month of the grid's first month to reset the yearly sums
        spec = self.spec()
        spec["params"]["first_month_of_year"] = _engine.Prior.point(float(start.month))
        return spec
