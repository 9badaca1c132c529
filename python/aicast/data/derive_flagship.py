"""Derive ``flagship_prices``: the list price of each tier's flagship model over time.

Loaded by ``derive.py`` as a sibling module (pure pandas, no aicast import). Each tier is a
set of *lines* (one per lab, or one for the best open-weights model); each line is a
succession of flagship models, curated in :data:`LINES`. A row gives the date from which a
model was the line's flagship at a price, and how that date is known:

* ``release (Epoch)``: the date of the Epoch AI price point (model release for most rows);
* ``date in model id``: the provider's dated id (``claude-opus-4-6-20260205``,
  ``gpt-5.5-2026-04-23``, ``...-0528``), price as listed in the LiteLLM snapshot;
* ``announced``: a public launch date for an undated id (``ANNOUNCED``, with its source);
* ``listed by <snapshot>``: undated and not announced in :data:`ANNOUNCED`: the snapshot date
  is the latest the model can have appeared (its launch is earlier); a moving alias
  (``deepseek-chat``) is pinned to the snapshot named in :data:`LINES`;
* ``snapshot price``: the line's flagship as listed in a LiteLLM snapshot (captures cuts).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: tier -> line -> successive flagships: ("epoch", model name) or ("litellm", provider, model id)
LINES: dict[str, dict[str, list[tuple[str, ...]]]] = {
    "frontier": {
        "openai": [("epoch", "GPT-4-0314"), ("epoch", "GPT-4 Turbo"), ("epoch", "GPT-4o-2024-05"),
                   ("epoch", "GPT-4o-2024-08"), ("epoch", "o1"), ("litellm", "openai", "o3-2025-04-16"),
                   ("litellm", "openai", "gpt-5-2025-08-07"), ("litellm", "openai", "gpt-5.1-2025-11-13"),
                   ("litellm", "openai", "gpt-5.2-2025-12-11"), ("litellm", "openai", "gpt-5.4-2026-03-05"),
                   ("litellm", "openai", "gpt-5.5-2026-04-23"), ("litellm", "openai", "gpt-5.6")],
        "anthropic": [("epoch", "Claude-3-Opus"), ("epoch", "Claude-3.5-Sonnet-2024-06"),
                      ("epoch", "Claude-3.5-Sonnet-2024-10"), ("litellm", "anthropic", "claude-3-7-sonnet-20250219"),
                      ("litellm", "anthropic", "claude-opus-4-20250514"),
                      ("litellm", "anthropic", "claude-opus-4-1-20250805"),
                      ("litellm", "anthropic", "claude-opus-4-5-20251101"),
                      ("litellm", "anthropic", "claude-opus-4-6-20260205"),
                      ("litellm", "anthropic", "claude-opus-4-7-20260416"), ("litellm", "anthropic", "claude-opus-5")],
        "google": [("epoch", "Gemini-1.5-Pro-2024-05"), ("epoch", "Gemini-1.5-Pro-2024-09"),
                   ("litellm", "gemini", "gemini-2.5-pro"), ("litellm", "gemini", "gemini-3-pro-preview"),
                   ("litellm", "gemini", "gemini-3.1-pro-preview")],
    },
    "mid": {
        "openai": [("epoch", "GPT-3.5 Turbo"), ("epoch", "GPT-3.5-Turbo-2023-11"), ("epoch", "GPT-4o-mini"),
                   ("litellm", "openai", "gpt-4.1-mini-2025-04-14"), ("litellm", "openai", "gpt-5-mini-2025-08-07"),
                   ("litellm", "openai", "gpt-5.4-mini-2026-03-17")],
        "anthropic": [("epoch", "Claude-3-Haiku"), ("epoch", "Claude-3.5-Haiku"),
                      ("litellm", "anthropic", "claude-haiku-4-5-20251001")],
        "google": [("epoch", "Gemini-1.5-Flash-2024-05"), ("epoch", "Gemini 2.0 Flash"),
                   ("litellm", "gemini", "gemini-2.5-flash"), ("litellm", "gemini", "gemini-3.6-flash")],
    },
    "open": {
        "best open-weights model, hosted": [
            ("epoch", "Llama 2-70B Chat"), ("epoch", "Llama-3-Instruct-70B"), ("epoch", "Llama-3.1-Instruct-405B"),
            ("epoch", "DeepSeek-V3"), ("epoch", "DeepSeek-R1"),
            ("litellm", "deepinfra", "deepseek-ai/DeepSeek-R1-0528"),
            ("litellm", "deepinfra", "moonshotai/Kimi-K2-Instruct-0905"), ("litellm", "deepseek", "deepseek-chat", "2026-07")],
    },
}

#: Public launch dates of undated ids (the provider's own announcement).
ANNOUNCED: dict[str, tuple[str, str]] = {
    "gemini-2.5-pro": ("2025-06-17", "Google, 'Gemini 2.5: updates to our family of thinking models' (general availability)"),
    "gemini-2.5-flash": ("2025-06-17", "Google, 'Gemini 2.5: updates to our family of thinking models' (general availability)"),
    "gemini-3-pro-preview": ("2025-11-18", "Google, 'A new era of intelligence with Gemini 3'"),
}

SNAPSHOTS = {"2025-02": "2025-02-06", "2026-07": "2026-07-24"}
_ID_DATE = [
    (re.compile(r"(20\d\d)(\d\d)(\d\d)$"), lambda m: f"{m[1]}-{m[2]}-{m[3]}"),
    (re.compile(r"(20\d\d)-(\d\d)-(\d\d)$"), lambda m: f"{m[1]}-{m[2]}-{m[3]}"),
    (re.compile(r"-(\d\d)(\d\d)$"), lambda m: f"2025-{m[1]}-{m[2]}"),  # DeepSeek/Kimi MMDD ids of 2025
]

_EPOCH_SRC = "Epoch AI prices_epoch (epoch-research/llm-benchmark-efficiency)"


def _id_date(model: str) -> str | None:
    for rx, fmt in _ID_DATE:
        m = rx.search(model)
        if m:
            return fmt(m)
    return None


def derive_flagship_prices(epoch: pd.DataFrame, api: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (tier, line, flagship model, date); see the module docstring.

    ``epoch`` is the derived ``prices_epoch`` table, ``api`` the derived ``api_prices_*``
    tables keyed by snapshot (``"2025-02"``, ``"2026-07"``).
    """
    rows: list[dict[str, Any]] = []
    for tier, lines in LINES.items():
        for line, models in lines.items():
            for item in models:
                if item[0] == "epoch":
                    r = epoch[epoch["model"] == item[1]]
                    if r.empty:
                        raise AssertionError(f"flagship {item[1]!r} is not in prices_epoch")
                    r = r.sort_values("release_date").iloc[0]
                    rows.append({"tier": tier, "line": line, "model": item[1],
                                 "date": pd.Timestamp(r["release_date"]).strftime("%Y-%m-%d"),
                                 "date_basis": "release (Epoch)", "blended_per_mtok": float(r["price_per_mtok"]),
                                 "source": _EPOCH_SRC})
                    continue
                prov, mid = item[1], item[2]
                snaps = [item[3]] if len(item) > 3 else list(SNAPSHOTS)
                snap = next((s for s in snaps if not api[s][(api[s]["provider"] == prov) & (api[s]["model"] == mid)].empty), None)
                if snap is None:
                    raise AssertionError(f"flagship {prov}/{mid} is in no LiteLLM snapshot")
                price = float(api[snap][(api[snap]["provider"] == prov) & (api[snap]["model"] == mid)]["blended_per_mtok"].iloc[0])
                if _id_date(mid):
                    date, basis = _id_date(mid), "date in model id"
                elif mid in ANNOUNCED:
                    date, basis = ANNOUNCED[mid][0], "announced: " + ANNOUNCED[mid][1]
                else:
                    date, basis = SNAPSHOTS[snap], f"listed by {SNAPSHOTS[snap]}"
                rows.append({"tier": tier, "line": line, "model": mid, "date": date, "date_basis": basis,
                             "blended_per_mtok": price, "source": f"LiteLLM snapshot {SNAPSHOTS[snap]} ({prov})"})
            # the flagship in each snapshot at its listed price (price cuts of the same model)
            line_rows = [r for r in rows if r["tier"] == tier and r["line"] == line]
            for snap, day in SNAPSHOTS.items():
                current = [r for r in line_rows if r["date"] <= day and r["date_basis"] != "snapshot price"]
                if not current:
                    continue
                cur = max(current, key=lambda r: r["date"])
                t = api[snap]
                hit = t[t["model"].str.lower() == str(cur["model"]).lower()]
                if hit.empty or cur["date"] == day:
                    continue
                p = float(hit["blended_per_mtok"].iloc[0])
                if abs(p / cur["blended_per_mtok"] - 1.0) > 0.02:  # not a rounding difference
                    rows.append({**cur, "date": day, "date_basis": "snapshot price", "blended_per_mtok": p,
                                 "source": f"LiteLLM snapshot {day} ({hit['provider'].iloc[0]})"})
    df = pd.DataFrame(rows)
    df = df.sort_values(["tier", "line", "date", "model"], kind="mergesort").reset_index(drop=True)
    return df[["tier", "line", "model", "date", "date_basis", "blended_per_mtok", "source"]]
