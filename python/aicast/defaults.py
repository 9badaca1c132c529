"""The built-in default scenario: frontier, mid-tier and open-model hosted prices from 2026-02.

Start prices are the geometric means of blended (3 input : 1 output) list prices of named
models in the shipped LiteLLM price table (``aicast.data.api_prices("2026-07")``), so the
numbers come from data, not from this file.

The decline priors are fitted to the shipped Epoch AI price points
(``aicast.data.prices_epoch()``, 2021-2025) with :func:`aicast.fit.price_trend`, Epoch's
method (the cheapest model at or above a capability threshold over time, log-linear in
time), and built with :meth:`aicast.Scenario.from_fits`. A tier is "a capability level
relative to the frontier of its day", so each tier takes the thresholds set by the models
that held that position when the data begin (:data:`DECLINE_FITS`):

* ``frontier``: GPT-4 (March 2023) level on MMLU, GPQA Diamond and Chatbot Arena;
* ``mid``: GPT-3.5 Turbo (2023) level on the same three benchmarks;
* ``open``: Llama-2-Chat-13B (July 2023) level, fitted on open-weights models only
  (hosted open-model prices sit near serving cost and fall more slowly).

Each tier's ``annual_decline`` prior is the equal-weight mixture of its three fits'
lognormal priors (each matching the fit's 90% confidence interval), so the disagreement
between benchmarks is part of the uncertainty. The single fits have medians of 16x-76x a
year for the frontier tier, 9x-48x for the mid tier and 4.7x-6.4x for the open tier; the
mixtures have medians of about 32x, 12x and 5x a year. The first two lie inside the
published range for constant capability (Epoch AI, March 2025: 9x to 900x a year depending
on the threshold; a16z "LLMflation": about 10x a year); the open tier, fitted on hosted
open-weights prices only, falls more slowly. What stays set by hand here, because these
data cannot identify it: volatility, price-war jumps and the floors (the serving cost below
which a price cannot fall) with their own decline. The backtests in
``notebooks/05_calibration_and_backtests.ipynb`` show the fits' forecast intervals to be too
narrow rather than too wide: later prices mostly fell below them.
"""

from __future__ import annotations

import math

from . import data
from .fit.prices import PooledPriceTrend, pool, price_trend
from .priors import normal, to
from .scenario import Scenario

__all__ = ["DECLINE_FITS", "DEFAULT_TIERS", "decline_fits", "default_scenario", "tier_start_prices"]

#: Models whose early-2026 list prices define each tier's start price.
DEFAULT_TIERS: dict[str, list[tuple[str, str]]] = {
    "frontier": [("anthropic", "claude-opus-4-6"), ("openai", "gpt-5.1"), ("gemini", "gemini-3-pro-preview")],
    "mid": [("openai", "gpt-5-mini"), ("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-3-flash-preview")],
    "open": [
        ("deepseek", "deepseek-chat"),
        ("deepinfra", "Qwen/Qwen3-235B-A22B-Instruct-2507"),
        ("deepinfra", "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"),
    ],
}


#: Per tier: (score column, threshold model) pairs and whether to fit open-weights models only.
DECLINE_FITS: dict[str, tuple[list[tuple[str, str]], bool | None]] = {
    "frontier": ([("mmlu", "GPT-4-0314"), ("gpqa", "GPT-4-0314"), ("arena_elo", "GPT-4-0314")], None),
    "mid": ([("mmlu", "GPT-3.5 Turbo"), ("gpqa", "GPT-3.5-Turbo-2023-06"), ("arena_elo", "GPT-3.5 Turbo")], None),
    "open": ([("mmlu", "Llama-2-Chat-13B"), ("gpqa", "Llama-2-Chat-13B"), ("arena_elo", "Llama-2-Chat-13B")], True),
}


def decline_fits() -> dict[str, PooledPriceTrend]:
    """The fitted price trends behind each default tier's ``annual_decline`` prior."""
    table = data.prices_epoch()
    out: dict[str, PooledPriceTrend] = {}
    for tier, (pairs, open_only) in DECLINE_FITS.items():
        out[tier] = pool(price_trend(table, score, model, open_weights=open_only) for score, model in pairs)
    return out


def tier_start_prices(snapshot: str = "2026-07") -> dict[str, float]:
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


def default_scenario(seed: int = 0, start: str = "2026-02", horizon: str = "2030-12") -> Scenario:
    """Three price tiers with fitted decline priors, parameter and process uncertainty, jumps and floors."""
    p = tier_start_prices()
    price_war = normal(-0.5, 0.2)  # a price war cuts the excess by about 40% (log size -0.5)
    # Floors: the marginal cost of serving the tier's capability. Hosted open-weight prices,
    # close to serving cost, put it near a tenth of a dollar per million tokens today; it falls
    # with hardware price-performance and inference efficiency (1.3x to 2.5x a year).
    common = dict(volatility=to(0.2, 0.6), jump_rate=to(0.2, 1.0), jump_log_size=price_war,
                  floor_annual_decline=to(1.3, 2.5))
    floors = {"frontier": to(0.2, 1.0), "mid": to(0.03, 0.2), "open": to(0.05, 0.2)}
    params = {tier: {"start_price": p[tier], "floor": floors[tier]} for tier in DEFAULT_TIERS}
    return Scenario.from_fits(decline_fits(), start=start, horizon=horizon, seed=seed, params=params, **common)
