#!/usr/bin/env python3
"""Derive the compact tables shipped in ``aicast.data`` from raw public snapshots.

Usage::

    python python/aicast/data/derive.py [--shared /work/shared/data] [--out DIR]

``--shared`` defaults to ``<repo root>/../shared/data``; ``--out`` defaults to the
directory of this script (the package data directory). The script writes one CSV
per table plus ``SOURCES.md`` (generated from ``TABLES`` in ``_tables.py`` by
``sources_md.py``, so the
documentation and ``DataFrame.attrs`` always carry the same text). Output is
deterministic: rows are sorted, floats are rounded and formatted explicitly, and
files use UTF-8 with ``\\n`` line endings, so re-running reproduces the files
byte for byte.

Only pandas, numpy and the standard library are used.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"

# ---------------------------------------------------------------------------
# Name-based family / open-weights rules
# ---------------------------------------------------------------------------
# Each rule is (regex, family, open_weights). The regex is matched (re.match, i.e.
# anchored at the start, case-insensitive) against the *last path component* of a
# model name, e.g. "Llama-3.3-70B-Instruct-Turbo" for
# "meta-llama/Llama-3.3-70B-Instruct-Turbo". The first matching rule wins.
# Anchoring at the start means third-party fine-tunes such as
# "nous-hermes-llama2-70b" or "Hermes-3-Llama-3.1-405B" match no family and are
# left out of the API price tables. open_weights = 1 means the developer publishes
# downloadable weights for that model (any licence, including research or
# non-commercial licences); it is a family-level rule with the explicit
# exceptions listed before the family default.
FAMILY_RULES: list[tuple[str, str, int]] = [
    # OpenAI
    (r"gpt-oss", "gpt-oss", 1),
    (r"(chat)?gpt|davinci", "gpt", 0),
    (r"o[134](-|$)", "o-series", 0),
    # Anthropic
    (r"claude", "claude", 0),
    # Google: Gemma (open) is checked before Gemini (closed); AI Studio serves
    # Gemma as "gemini-gemma-2-27b-it".
    (r"(gemini-)?gemma", "gemma", 1),
    (r"gemini|learnlm", "gemini", 0),
    # xAI (Grok-1/2 weights were published later; all Grok SKUs here are API models)
    (r"grok", "grok", 0),
    # Meta and NVIDIA derivatives
    (r"(meta-)?llama|code-?llama", "llama", 1),
    (r"(nvidia-)?nemotron", "nemotron", 1),
    # Microsoft
    (r"phi[- ]?\d", "phi", 1),
    # DeepSeek
    (r"deepseek", "deepseek", 1),
    # Alibaba Qwen: the commercial API tiers (max/plus/turbo/flash, Qwen coder API) are
    # closed; numbered Qwen/QwQ releases are open weights.
    (r"(qwen[0-9.p]*|qwq)(-vl|-coder)?-(max|plus|turbo|flash)|qwen-coder$", "qwen", 0),
    (r"qwen|qwq", "qwen", 1),
    # Moonshot: Kimi K2 is open weights; moonshot-v1 and the kimi-latest/preview API
    # models are closed.
    (r"moonshot-v1|kimi-latest|kimi-thinking-preview", "kimi", 0),
    (r"kimi", "kimi", 1),
    # Zhipu / Z.ai GLM and MiniMax publish weights of their main models
    (r"glm", "glm", 1),
    (r"minimax", "minimax", 1),
    # Mistral: API-only models first, then the family default (open: 7B, Mixtral,
    # NeMo, Small 3, Large 2 (research licence), Pixtral, Codestral 22B, ...).
    (
        (r"mistral-medium|magistral-medium|devstral-medium|mistral-(large|small)-(2402|2024-02)"
        r"|codestral-(2501|2508)"),
        "mistral",
        0,
    ),
    (r"(open-)?(mistral|mixtral|ministral|codestral|devstral|magistral|pixtral)", "mistral", 1),
    # Cohere: Command R / R+ / A weights are published (CC BY-NC); Command and
    # Command Light are API-only.
    (r"(cohere )?command[- ]?(r|a)", "command", 1),
    (r"(cohere )?command", "command", 0),
    # AI21 Jamba (Jamba Open Model License), Reka (API only)
    (r"jamba", "jamba", 1),
    (r"reka", "reka", 0),
]
_COMPILED_RULES = [(re.compile(p, re.IGNORECASE), fam, ow) for p, fam, ow in FAMILY_RULES]


def classify(name: str) -> tuple[str | None, int | None]:
    """Return (family, open_weights) for a model name, or (None, None)."""
    last = name.strip().split("/")[-1]
    for rx, fam, ow in _COMPILED_RULES:
        if rx.match(last):
            return fam, ow
    return None, None


# ---------------------------------------------------------------------------
# API price selection (LiteLLM)
# ---------------------------------------------------------------------------
FIRST_PARTY_PROVIDERS = [
    "openai", "anthropic", "gemini", "xai", "mistral", "deepseek",
    "dashscope", "moonshot", "zai", "minimax",
]
OPEN_MODEL_HOSTS = ["together_ai", "fireworks_ai", "groq", "deepinfra"]
# substrings marking non-text or non-chat SKUs (audio, realtime, search, image,
# safety classifiers, speculative-decoding drafts, experimental free tiers, ...)
EXCLUDED_SUBSTRINGS = [
    "audio", "realtime", "tts", "transcribe", "search", "image", "embed",
    "computer-use", "robotics", "guard", "-live", "lyria", "ocr", "container",
    "customtools", "draft", "-exp",
]

# On the open-model hosts, drop packaging variants of a model that is listed anyway
# (HF-format, Python-specialised, long-context or "basic" variants) and base
# (pre-trained) models: names containing "base", and a name X when X-instruct,
# X-chat or X-it is listed by the same host.
HOST_VARIANT_RE = re.compile(
    r"(?:^|-)base(?:-|$)|-python$|-hf$|-long$|-(?:32|64|128)k(?:-rope)?$|-basic$",
    re.IGNORECASE)
# moving aliases whose target changes over time (the dated SKUs are listed anyway);
# ChatGPT's "*chat-latest" models are kept because they have no dated twin.
MOVING_ALIAS_RE = re.compile(r"(?<!chat)-latest$|^mistral-(?:small|large)$", re.IGNORECASE)
# Host model ids of the form "<org>/<model>" are kept only for the developers' own
# organisations (not third-party fine-tunes such as amazon/MistralLite).
FIRST_PARTY_ORGS = {
    "meta-llama", "mistralai", "qwen", "deepseek-ai", "google", "microsoft", "moonshotai",
    "zai-org", "openai", "nvidia", "minimaxai",
}
HOST_INSTRUCT_SUFFIXES = ("-instruct", "-chat", "-it", "-instruct-hf")

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def load_sibling(filename: str, name: str) -> ModuleType:
    """Import a module next to this file standalone (no aicast import, no compiled engine)."""
    spec = importlib.util.spec_from_file_location(name, HERE / filename)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_meta() -> ModuleType:
    """The tables' metadata (``_tables.py``)."""
    return load_sibling("_tables.py", "_aicast_data_meta")


def fmt_float(x: Any, ndigits: int) -> str:
    """Round to `ndigits` decimals and print without trailing zeros; '' for NaN."""
    if x is None or pd.isna(x):
        return ""
    v = round(float(x), ndigits)
    if v == 0:
        v = 0.0  # no "-0"
    return f"{v:.15g}"


def write_csv(df: pd.DataFrame, path: Path, meta: dict[str, Any], digits: dict[str, int]) -> None:
    """Validate `df` against the documented schema and write it deterministically."""
    cols = [c["name"] for c in meta["columns"]]
    if list(df.columns) != cols:
        raise AssertionError(f"{path.name}: columns {list(df.columns)} != {cols}")
    out = pd.DataFrame(index=range(len(df)))
    for c in meta["columns"]:
        name, kind = c["name"], c["kind"]
        s = df[name].reset_index(drop=True)
        if c["required"] and s.isna().any():
            raise AssertionError(f"{path.name}: missing values in required column {name}")
        if kind == "float":
            out[name] = [fmt_float(v, digits.get(name, 6)) for v in s]
        elif kind in ("int", "Int"):
            out[name] = ["" if pd.isna(v) else str(int(v)) for v in s]
        elif kind == "date":
            out[name] = pd.to_datetime(s).dt.strftime("%Y-%m-%d").fillna("")
        else:
            out[name] = ["" if pd.isna(v) else str(v) for v in s]
    text = out.to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

_EPOCH_RENAME = {
    "Model Name": "model",
    "Release Date": "release_date",
    "USD per 1M Tokens": "price_per_mtok",
    "MMLU": "mmlu",
    "GPQA Diamond": "gpqa",
    "LMSys Chatbot Arena ELO": "arena_elo",
    "HumanEval": "humaneval",
    "MATH-500": "math500",
    "MATH 5": "math5",
}


def derive_prices_epoch(shared: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """prices_epoch: Epoch AI price points (AA file preferred over not-in-AA file)."""
    files = [
        ("prices/epoch_aa_models_2025-03.csv",
         "epoch-research/llm-benchmark-efficiency:data/aa_data_with_math5.csv"),
        ("prices/epoch_models_not_in_aa_2025-03.csv",
         ("epoch-research/llm-benchmark-efficiency:"
         "data/epoch_ai_price_data_not_in_aa_with_benchmarks.csv")),
    ]
    parts = []
    for rel, src in files:
        d = pd.read_csv(shared / rel)
        d = d[list(_EPOCH_RENAME)].rename(columns=_EPOCH_RENAME)
        d["source"] = src
        parts.append(d)
    aa, other = parts

    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower())

    aa_keys = set(aa["model"].map(norm))
    dup = other["model"].map(norm).isin(aa_keys)
    n_dropped = int(dup.sum())
    df = pd.concat([aa, other[~dup]], ignore_index=True)
    df["release_date"] = pd.to_datetime(df["release_date"], format="%Y-%m-%d")
    if df.duplicated(["model", "release_date"]).any():
        raise AssertionError("prices_epoch: duplicate (model, release_date)")
    df["open_weights"] = pd.array([classify(m)[1] for m in df["model"]], dtype="Int64")
    df = df.sort_values(["release_date", "model"], kind="mergesort").reset_index(drop=True)
    df = df[["model", "release_date", "price_per_mtok", "mmlu", "gpqa", "arena_elo",
             "humaneval", "math500", "math5", "open_weights", "source"]]

    # does the eval-data file have any score column that could fill gaps?
    ev = pd.read_csv(shared / "prices/epoch_eval_data_2025-03.csv")
    score_cols = [c for c in ev.columns if re.search(r"score|accuracy|mmlu|gpqa", c, re.IGNORECASE)]
    info = {
        "n_aa": len(aa),
        "n_other": len(other),
        "n_dropped_dupes": n_dropped,
        "n_models": df["model"].nunique(),
        "eval_columns": list(ev.columns),
        "eval_score_columns": score_cols,
        "n_missing_mmlu": int(df["mmlu"].isna().sum()),
        "n_missing_gpqa": int(df["gpqa"].isna().sum()),
        "n_open_unknown": int(df["open_weights"].isna().sum()),
    }
    return df, info


def derive_api_prices(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """api_prices_*: selected chat-model list prices from a LiteLLM price file."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for key, v in raw.items():
        if key == "sample_spec" or not isinstance(v, dict):
            continue
        if v.get("mode") != "chat":
            continue
        prov = v.get("litellm_provider")
        if prov not in FIRST_PARTY_PROVIDERS and prov not in OPEN_MODEL_HOSTS:
            continue
        if key.startswith("ft:"):
            continue
        model = key[len(prov) + 1:] if key.startswith(prov + "/") else key
        model = re.sub(r"^accounts/fireworks/(models|routers)/", "", model)
        low = model.lower()
        if any(s in low for s in EXCLUDED_SUBSTRINGS):
            continue
        if MOVING_ALIAS_RE.search(low):
            continue
        if "/" in model and model.split("/")[0].lower() not in FIRST_PARTY_ORGS:
            continue
        fam, ow = classify(model)
        if fam is None:
            continue
        if prov in OPEN_MODEL_HOSTS and ow != 1:
            continue
        cin, cout = v.get("input_cost_per_token"), v.get("output_cost_per_token")
        if cin is None or cout is None or pd.isna(cin) or pd.isna(cout):
            continue
        cin, cout = float(cin), float(cout)
        if cin <= 0 or cout <= 0:
            continue
        rows.append({
            "model": model,
            "provider": prov,
            "input_per_mtok": round(cin * 1e6, 6),
            "output_per_mtok": round(cout * 1e6, 6),
            "open_weights": ow,
            "family": fam,
            "_canonical": key.startswith(prov + "/"),
            "_key": key,
        })
    df = pd.DataFrame(rows)
    host = df["provider"].isin(OPEN_MODEL_HOSTS)
    names = {p: set(g["model"].str.lower()) for p, g in df[host].groupby("provider")}
    variant = host & df["model"].str.contains(HOST_VARIANT_RE)
    base = host & pd.Series(
        [any(m.lower() + suf in names.get(p, ()) for suf in HOST_INSTRUCT_SUFFIXES)
         for m, p in zip(df["model"], df["provider"], strict=True)], index=df.index)
    n_variant, n_base = int(variant.sum()), int((base & ~variant).sum())
    df = df[~(variant | base)].copy()
    df["blended_per_mtok"] = (3 * df["input_per_mtok"] + df["output_per_mtok"]) / 4
    # duplicates: same (provider, model) under two keys -> canonical key wins
    df = df.sort_values(["provider", "model", "_canonical", "_key"],
                        ascending=[True, True, False, True], kind="mergesort")
    n_before = len(df)
    df = df.drop_duplicates(["provider", "model"], keep="first")
    info = {"n_dupes": n_before - len(df), "n_host_variants": n_variant,
            "n_host_base": n_base}
    df = df.sort_values(["provider", "model"], kind="mergesort").reset_index(drop=True)
    df = df[["model", "provider", "input_per_mtok", "output_per_mtok", "blended_per_mtok",
             "open_weights", "family"]]
    return df, info


def derive_arena(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """arena_best_snapshots and arena_best_monthly."""
    a = pd.read_csv(shared / "leaderboard/arena_text_history_2023-06_2025-08.csv")
    n_raw = len(a)
    a = a.drop_duplicates(["snapshot", "model"], keep="first")
    n_exact_dupes = n_raw - len(a)
    # consistent open_weights label per model: majority over snapshots, ties -> latest
    lab = a.groupby(["model", "open_weights"]).agg(n=("snapshot", "size"),
                                                   last=("snapshot", "max")).reset_index()
    lab = lab.sort_values(["model", "n", "last"], ascending=[True, False, False],
                          kind="mergesort").drop_duplicates("model")
    majority = dict(zip(lab["model"], lab["open_weights"], strict=True))
    relabel = a["open_weights"] != a["model"].map(majority)
    relabelled = (a.loc[relabel, ["model", "snapshot", "open_weights"]]
                  .sort_values(["model", "snapshot"]).to_dict("records"))
    a["open_weights"] = a["model"].map(majority).astype(int)

    recs = []
    for snap, g in a.groupby("snapshot", sort=True):
        g = g.sort_values(["elo", "model"], ascending=[False, True], kind="mergesort")
        c = g[g["open_weights"] == 0].iloc[0]
        o = g[g["open_weights"] == 1].iloc[0]
        gap = float(c["elo"]) - float(o["elo"])
        recs.append({
            "snapshot": pd.Timestamp(snap),
            "best_closed": float(c["elo"]),
            "best_closed_model": c["model"],
            "best_open": float(o["elo"]),
            "best_open_model": o["model"],
            "gap": gap,
            "gap_percent": 100.0 * gap / float(c["elo"]),
            "n_models": len(g),
        })
    snaps = pd.DataFrame(recs)
    month = snaps["snapshot"].dt.strftime("%Y-%m")
    last = snaps.groupby(month)["snapshot"].transform("max") == snaps["snapshot"]
    monthly = snaps[last].copy()
    monthly.insert(0, "month", monthly["snapshot"].dt.strftime("%Y-%m"))
    monthly = monthly.sort_values("month").reset_index(drop=True)
    all_months = pd.period_range(monthly["month"].iloc[0], monthly["month"].iloc[-1], freq="M")
    missing = [str(p) for p in all_months if str(p) not in set(monthly["month"])]
    info = {
        "n_snapshots": len(snaps),
        "n_exact_dupes": n_exact_dupes,
        "relabelled": relabelled,
        "missing_months": missing,
    }
    return snaps, monthly, info


_ECI_ACCESS = {
    "Open weights (unrestricted)": "open",
    "Open weights (restricted use)": "open",
    "Open weights (non-commercial)": "open",
    "API access": "closed",
    "Hosted access (no API)": "closed",
    "Unreleased": None,
}


def derive_eci(shared: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """eci_best_monthly: running best ECI for open and closed models."""
    e = pd.read_csv(shared / "leaderboard/epoch_capabilities_index_2025-11-07.csv")
    access_all = e["Model accessibility"].fillna("(empty)").value_counts().sort_index()
    e = e.dropna(subset=["ECI Score"])
    access_scored = e["Model accessibility"].fillna("(empty)").value_counts().sort_index()
    unknown = set(e["Model accessibility"].dropna()) - set(_ECI_ACCESS)
    if unknown or e["Model accessibility"].isna().any():
        raise AssertionError(f"unmapped ECI accessibility values: {unknown}")
    e = e.assign(group=e["Model accessibility"].map(_ECI_ACCESS))
    n_unreleased = int(e["group"].isna().sum())
    e = e.dropna(subset=["group", "Release date"])
    e["month"] = pd.to_datetime(e["Release date"], format="%Y-%m-%d").dt.strftime("%Y-%m")
    months = [str(p) for p in pd.period_range(e["month"].min(), e["month"].max(), freq="M")]
    out: dict[str, list[Any]] = {"month": months}
    for grp in ("closed", "open"):
        g = e[e["group"] == grp].sort_values(["month", "ECI Score", "Model version"],
                                             ascending=[True, False, True], kind="mergesort")
        best_of_month = g.drop_duplicates("month").set_index("month")
        val, mod = np.nan, None
        vals, mods = [], []
        for m in months:
            if m in best_of_month.index:
                r = best_of_month.loc[m]
                if pd.isna(val) or float(r["ECI Score"]) > val:
                    val, mod = float(r["ECI Score"]), r["Model version"]
            vals.append(val)
            mods.append(mod)
        out[f"best_{grp}"] = vals
        out[f"best_{grp}_model"] = mods
    df = pd.DataFrame(out)
    # round first so that gap == best_closed - best_open holds in the written file
    df["best_closed"] = df["best_closed"].round(DIGITS["eci"]["best_closed"])
    df["best_open"] = df["best_open"].round(DIGITS["eci"]["best_open"])
    df["gap"] = (df["best_closed"] - df["best_open"]).round(DIGITS["eci"]["gap"])
    df = df[["month", "best_closed", "best_closed_model", "best_open", "best_open_model", "gap"]]
    info = {
        "access_all": access_all.to_dict(),
        "access_scored": access_scored.to_dict(),
        "n_scored": int(len(e) + n_unreleased),
        "n_unreleased": n_unreleased,
        "n_used": len(e),
    }
    return df, info


def derive_aiid(shared: Path, domain_slugs: dict[str, str], unclassified: str
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """aiid_monthly, aiid_yearly and aiid_domains_yearly."""
    snaps = {"2025_02_11": "incidents/aiid_incidents_2025-02-11.csv",
             "2025_03_28": "incidents/aiid_incidents_2025-03-28.csv"}
    inc = {}
    for tag, rel in snaps.items():
        d = pd.read_csv(shared / rel)
        if d["incident_id"].duplicated().any():
            raise AssertionError(f"{rel}: duplicate incident ids")
        d["date"] = pd.to_datetime(d["date"], format="%Y-%m-%d")
        inc[tag] = d
    first = min(d["date"].min() for d in inc.values())
    last_month = pd.Period("2025-03", freq="M")
    if max(d["date"].max() for d in inc.values()).to_period("M") > last_month:
        raise AssertionError("AIID incidents after 2025-03")
    months = pd.period_range(first.to_period("M"), last_month, freq="M")
    monthly = pd.DataFrame({"month": [str(p) for p in months]})
    for tag, d in inc.items():
        cnt = d["date"].dt.strftime("%Y-%m").value_counts()
        monthly[f"count_{tag}"] = monthly["month"].map(cnt).fillna(0).astype(np.int64)
    yearly = (monthly.assign(year=monthly["month"].str[:4].astype(np.int64))
              .groupby("year", sort=True)[["count_2025_02_11", "count_2025_03_28"]].sum()
              .reset_index())

    cls = pd.read_csv(shared / "incidents/aiid_classifications_mit_2025-03-28.csv")
    cls = cls[cls["Namespace"] == "MIT"]
    if cls["Incident ID"].duplicated().any():
        raise AssertionError("several MIT classifications for one incident")
    unknown = set(cls["Risk Domain"].dropna()) - set(domain_slugs)
    if unknown:
        raise AssertionError(f"unmapped MIT risk domains: {unknown}")
    mar = inc["2025_03_28"][["incident_id", "date"]]
    j = mar.merge(cls[["Incident ID", "Risk Domain"]], how="left",
                  left_on="incident_id", right_on="Incident ID")
    j["domain"] = j["Risk Domain"].map(domain_slugs).fillna(unclassified)
    j["year"] = j["date"].dt.year.astype(np.int64)
    cnt = j.groupby(["year", "domain"]).size()
    slugs = sorted(set(domain_slugs.values()) | {unclassified})
    grid = pd.MultiIndex.from_product([yearly["year"].tolist(), slugs], names=["year", "domain"])
    domains = cnt.reindex(grid, fill_value=0).rename("count").reset_index()
    domains["count"] = domains["count"].astype(np.int64)
    info = {
        "n_incidents": {t: len(d) for t, d in inc.items()},
        "n_classified": int(j["Risk Domain"].notna().sum()),
        "n_classifications": len(cls),
        "n_classifications_unmatched": int((~cls["Incident ID"].isin(mar["incident_id"])).sum()),
        "domain_totals": j["domain"].value_counts().sort_index().to_dict(),
    }
    return monthly, yearly, domains, info


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

DIGITS = {
    "prices_epoch": {"price_per_mtok": 6, "mmlu": 3, "gpqa": 3, "arena_elo": 2, "humaneval": 3, "math500": 3,
                     "math5": 3},
    "api_prices": {"input_per_mtok": 6, "output_per_mtok": 6, "blended_per_mtok": 6},
    "arena": {"best_closed": 2, "best_open": 2, "gap": 2, "gap_percent": 4},
    "eci": {"best_closed": 3, "best_open": 3, "gap": 3},
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                    help=f"directory with the raw snapshots (default {DEFAULT_SHARED})")
    ap.add_argument("--out", type=Path, default=HERE,
                    help="output directory (default: this package data directory)")
    args = ap.parse_args(argv)
    shared, out = args.shared.resolve(), args.out.resolve()
    if not (shared / "README.md").exists():
        ap.error(f"{shared} does not look like the shared data directory")
    out.mkdir(parents=True, exist_ok=True)
    meta = load_meta()
    T = meta.TABLES

    tables: dict[str, pd.DataFrame] = {}
    facts: dict[str, Any] = {"api": {}}
    digits: dict[str, dict[str, int]] = {}

    tables["prices_epoch"], facts["prices_epoch"] = derive_prices_epoch(shared)
    digits["prices_epoch"] = DIGITS["prices_epoch"]
    for snap, fname in (("2026-07", "litellm_prices_2026-07-24.json"),
                        ("2025-02", "litellm_prices_2025-02-06.json")):
        tables[f"api_prices_{snap}"], facts["api"][snap] = derive_api_prices(
            shared / "prices" / fname)
        digits[f"api_prices_{snap}"] = DIGITS["api_prices"]
    tables["flagship_prices"] = load_sibling("derive_flagship.py", "_aicast_derive_flagship").derive_flagship_prices(
        tables["prices_epoch"], {s: tables[f"api_prices_{s}"] for s in ("2025-02", "2026-07")})
    digits["flagship_prices"] = {"blended_per_mtok": 6}
    tables["arena_best_snapshots"], tables["arena_best_monthly"], facts["arena"] = \
        derive_arena(shared)
    digits["arena_best_snapshots"] = digits["arena_best_monthly"] = DIGITS["arena"]
    tables["eci_best_monthly"], facts["eci"] = derive_eci(shared)
    digits["eci_best_monthly"] = DIGITS["eci"]
    (tables["aiid_monthly"], tables["aiid_yearly"], tables["aiid_domains_yearly"],
     facts["aiid"]) = derive_aiid(shared, meta.DOMAIN_SLUGS, meta.UNCLASSIFIED)

    # the documented selection text must name exactly the constants used here
    sel = T["api_prices_2026-07"]["derivation"]
    if ", ".join(FIRST_PARTY_PROVIDERS) not in sel or ", ".join(OPEN_MODEL_HOSTS) not in sel \
            or "/".join(EXCLUDED_SUBSTRINGS) not in sel:
        raise AssertionError("api_prices derivation text out of sync with derive.py constants")
    if set(tables) != set(T):
        raise AssertionError(f"derived {sorted(tables)} != documented {sorted(T)}")
    for name, df in tables.items():
        write_csv(df, out / T[name]["file"], T[name], digits.get(name, {}))
    render_sources = load_sibling("sources_md.py", "_aicast_sources_md").render_sources
    (out / "SOURCES.md").write_bytes(render_sources(meta, tables, out, facts, sys.modules[__name__]).encode("utf-8"))

    for name in sorted(T):
        p = out / T[name]["file"]
        h = hashlib.sha256(p.read_bytes()).hexdigest()[:12]
        print(f"{name:24s} {len(tables[name]):5d} rows {p.stat().st_size:7d} bytes  {h}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
