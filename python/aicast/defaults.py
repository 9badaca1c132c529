"""The built-in default scenario: frontier, mid-tier and open-model hosted prices from 2026-02.

Start prices are the geometric means of blended (3 input : 1 output) list prices of named
models in the shipped LiteLLM price table (``aicast.data.api_prices("2026-07")``), so the
numbers come from data, not from this file. The decline priors encode the published range
of price declines at constant capability (Epoch AI, March 2025: 9x to 900x a year depending
on the capability level, median about 50x; a16z "LLMflation": about 10x a year), widened for
tiers whose price already sits near serving cost.
"""

from __future__ import annotations

import math

from . import data
from .models import PriceDecline
from .priors import normal, to
from .scenario import Scenario

__all__ = ["DEFAULT_TIERS", "default_scenario", "tier_start_prices"]

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
    """Three price tiers with parameter and process uncertainty, price-war jumps and floors."""
    p = tier_start_prices()
    sc = Scenario(start=start, horizon=horizon, seed=seed)
    price_war = normal(-0.5, 0.2)  # a price war cuts the excess by about 40% (log size -0.5)
    # Floors: the marginal cost of serving the tier's capability. Hosted open-weight prices,
    # close to serving cost, put it near a tenth of a dollar per million tokens today; it falls
    # with hardware price-performance and inference efficiency (1.3x to 2.5x a year).
    common = dict(volatility=to(0.2, 0.6), jump_rate=to(0.2, 1.0), jump_log_size=price_war,
                  floor_annual_decline=to(1.3, 2.5))
    sc.add(
        PriceDecline("frontier", start_price=p["frontier"], annual_decline=to(3, 30), floor=to(0.2, 1.0), **common),
        PriceDecline("mid", start_price=p["mid"], annual_decline=to(3, 30), floor=to(0.03, 0.2), **common),
        PriceDecline("open", start_price=p["open"], annual_decline=to(1.5, 10), floor=to(0.05, 0.2), **common),
    )
    return sc
