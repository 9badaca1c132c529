"""The built-in default scenario: both price questions for three tiers, from the newest price month.

Two questions, two series per tier, never mixed:

* ``<tier>_capability.price``: the price of *today's* tier capability (constant capability,
  Epoch AI's question: "what will what the frontier does today cost in 2028?"). It starts at
  the geometric mean of the blended (3 input : 1 output) list prices of the models that hold
  the tier today (:data:`DEFAULT_TIERS`, ``aicast.data.api_prices("2026-07")``), observed
  (no band in the start month), then is the cheapest offer so far (``running_minimum=True``: it
  never rises above today's price), the running minimum of a latent price that moves about its
  trend as a random walk whose volatility is fitted from the frontier data
  (:attr:`aicast.fit.PooledPriceTrend.level_volatility`); its ``annual_decline`` prior is the
  random-effects pool (:func:`aicast.fit.pool`) of Epoch-method trends at Epoch's 13 reference
  thresholds (``aicast.data.prices_epoch()``): today's tiers have no price history yet, so
  their decline is that of a new capability level, as wide as the thresholds disagree. Every
  tier shares that prior, so no tier overtakes another by artefact; each has a serving-cost
  floor (ordered frontier > mid > open) falling 1.3x-2.5x a year.
* ``<tier>_list.price``: the list price of the *best model in the tier* at each date (its
  flagship: "what will the frontier model of the day cost per token?"): a jump process
  (launches up or down, price cuts) fitted by :func:`aicast.fit.list_price` to the flagship
  history ``aicast.data.flagship_prices()``.

The scenario starts in the newest shipped price month (:data:`DATA_AS_OF`); both fits and
their as-of months are recorded in ``Scenario.data_as_of``. Backtests of both methods:
``README.md`` and notebook 05.
"""

from __future__ import annotations

import math

from . import data
from .fit.list_price import ListPriceFit, list_price
from .fit.price_pool import PooledPriceTrend, pool
from .fit.prices import REFERENCE_THRESHOLDS, price_trend
from .models import PriceDecline
from .priors import to
from .scenario import Scenario

__all__ = [
    "DATA_AS_OF",
    "DEFAULT_TIERS",
    "TIER_FLOORS",
    "capability_decline",
    "default_scenario",
    "list_price_fits",
    "tier_start_prices",
]

#: The newest shipped price month: the LiteLLM snapshot of 2026-07-24 (start of the default).
DATA_AS_OF = "2026-07"

#: Models that hold each tier today (2026-07 price table): their capability is the tier's.
DEFAULT_TIERS: dict[str, list[tuple[str, str]]] = {
    "frontier": [("anthropic", "claude-opus-5"), ("openai", "gpt-5.6"), ("gemini", "gemini-3.1-pro-preview")],
    "mid": [("openai", "gpt-5.4-mini"), ("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-3.6-flash")],
    "open": [
        ("deepseek", "deepseek-chat"),
        ("deepinfra", "Qwen/Qwen3-235B-A22B-Instruct-2507"),
        ("deepinfra", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"),
    ],
}

#: Serving-cost floor of each tier's capability today, USD per million tokens (90% between):
#: hosted open-weights prices, close to serving cost, put it near a tenth of a dollar.
TIER_FLOORS: dict[str, tuple[float, float]] = {"frontier": (0.2, 1.0), "mid": (0.05, 0.3), "open": (0.03, 0.15)}


def capability_decline() -> PooledPriceTrend:
    """The pooled decline of a capability level: Epoch-method trends at Epoch's reference thresholds."""
    table = data.prices_epoch()
    return pool(price_trend(table, score, thr) for score, thr, _ in REFERENCE_THRESHOLDS)


def list_price_fits() -> dict[str, ListPriceFit]:
    """The tier list-price fits on the shipped flagship history."""
    table = data.flagship_prices()
    return {tier: list_price(table, tier) for tier in DEFAULT_TIERS}


def tier_start_prices(snapshot: str = DATA_AS_OF) -> dict[str, float]:
    """Geometric-mean blended price (USD per million tokens) of each tier's named models."""
    table = data.api_prices(snapshot)
    out: dict[str, float] = {}
    for tier, models in DEFAULT_TIERS.items():
        logs = []
        for provider, model in models:
            rows = table[(table["provider"] == provider) & (table["model"] == model)]
            if rows.empty:
                raise ValueError(f"default tier {tier!r}: model {provider}/{model} is not in the price table")
            logs.append(math.log(float(rows["blended_per_mtok"].iloc[0])))
        out[tier] = math.exp(sum(logs) / len(logs))
    return out


def default_scenario(seed: int = 0, start: str = DATA_AS_OF, horizon: str = "2030-12") -> Scenario:
    """Both price questions for frontier, mid and open-hosted tiers (see the module docstring)."""
    p = tier_start_prices()
    decline = capability_decline()
    lists = list_price_fits()
    sc = Scenario(start=start, horizon=horizon, seed=seed)
    for tier in DEFAULT_TIERS:
        m = decline.model(f"{tier}_capability", start=start, start_price=p[tier], floor=to(*TIER_FLOORS[tier]),
                          floor_annual_decline=to(1.3, 2.5))
        assert isinstance(m, PriceDecline)
        sc.add(m)
    for tier in DEFAULT_TIERS:
        sc.add(lists[tier].model(f"{tier}_list", start=start))
    sc.data_as_of = {
        "capability prices (prices_epoch, Epoch AI)": decline.data_as_of,
        "tier start prices (api_prices_2026-07, LiteLLM)": DATA_AS_OF,
        "flagship list prices (flagship_prices)": lists["frontier"].data_as_of,
    }
    return sc
