"""Tests for the compact data tables shipped in ``aicast.data``.

All tests use only the shipped tables, except ``test_derive_reproduces_shipped_files``,
which re-runs ``derive.py`` on the raw snapshots in ``<repo>/../shared/data`` and is
skipped when that directory is absent.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aicast import data

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared" / "data"
DERIVE = REPO_ROOT / "python" / "aicast" / "data" / "derive.py"

_API_COLS = ["model", "provider", "input_per_mtok", "output_per_mtok", "blended_per_mtok",
             "open_weights", "family"]
_ARENA_COLS = ["best_closed", "best_closed_model", "best_open", "best_open_model", "gap",
               "gap_percent", "n_models"]

EXPECTED_COLUMNS = {
    "prices_epoch": ["model", "release_date", "price_per_mtok", "mmlu", "gpqa", "arena_elo",
                     "humaneval", "math500", "math5", "open_weights", "source"],
    "flagship_prices": ["tier", "line", "model", "date", "date_basis", "blended_per_mtok", "source"],
    "api_prices_2026-07": _API_COLS,
    "api_prices_2025-02": _API_COLS,
    "arena_best_snapshots": ["snapshot"] + _ARENA_COLS,
    "arena_best_monthly": ["month", "snapshot"] + _ARENA_COLS,
    "eci_best_monthly": ["month", "best_closed", "best_closed_model", "best_open",
                         "best_open_model", "gap"],
    "aiid_monthly": ["month", "count_2025_02_11", "count_2025_03_28"],
    "aiid_yearly": ["year", "count_2025_02_11", "count_2025_03_28"],
    "aiid_domains_yearly": ["year", "domain", "count"],
}
TABLE_NAMES = sorted(EXPECTED_COLUMNS)

DOMAINS = {
    "discrimination_toxicity", "privacy_security", "misinformation", "malicious_use",
    "human_computer_interaction", "socioeconomic_environmental", "ai_system_safety",
    "unclassified",
}


def _kind_ok(s: pd.Series, kind: str) -> bool:
    if kind in ("str", "month"):
        return pd.api.types.is_string_dtype(s) and not pd.api.types.is_numeric_dtype(s)
    if kind == "date":
        return pd.api.types.is_datetime64_any_dtype(s)
    if kind == "int":
        return s.dtype == np.int64
    if kind == "Int":
        return isinstance(s.dtype, pd.Int64Dtype)
    if kind == "float":
        return s.dtype == np.float64
    raise AssertionError(kind)


# ---------------------------------------------------------------------------
# generic checks for every table
# ---------------------------------------------------------------------------


def test_list_tables() -> None:
    assert data.list_tables() == TABLE_NAMES


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_table_schema_and_attrs(name: str) -> None:
    df = data.load(name)
    meta = data.TABLES[name]
    assert len(df) > 0
    assert list(df.columns) == EXPECTED_COLUMNS[name]
    assert [c["name"] for c in meta["columns"]] == EXPECTED_COLUMNS[name]
    for col in meta["columns"]:
        s = df[col["name"]]
        assert _kind_ok(s, col["kind"]), (name, col["name"], s.dtype)
        if col["required"]:
            assert not s.isna().any(), (name, col["name"])
    for key in ("source", "licence", "attribution", "description"):
        assert isinstance(df.attrs[key], str) and len(df.attrs[key]) > 10, (name, key)
    assert df.attrs["name"] == name
    assert df.attrs["sha256"] == data.table_hash(name)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_table_file_is_compact_csv(name: str) -> None:
    raw = resources.files("aicast.data").joinpath(data.TABLES[name]["file"]).read_bytes()
    assert len(raw) < 100_000
    text = raw.decode("utf-8")
    assert "\r" not in text and text.endswith("\n")
    header = text.split("\n", 1)[0]
    assert header == ",".join(EXPECTED_COLUMNS[name])  # one header line, no index column
    assert hashlib.sha256(raw).hexdigest() == data.table_hash(name)
    assert re.fullmatch(r"[0-9a-f]{64}", data.table_hash(name))


@pytest.mark.parametrize("name", [n for n in TABLE_NAMES if "month" in EXPECTED_COLUMNS[n]])
def test_months_sorted_unique(name: str) -> None:
    m = data.load(name)["month"]
    assert m.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
    assert m.is_unique
    assert m.is_monotonic_increasing


@pytest.mark.parametrize("name", ["eci_best_monthly", "aiid_monthly"])
def test_months_contiguous(name: str) -> None:
    m = pd.PeriodIndex(data.load(name)["month"], freq="M")
    expected = pd.period_range(m[0], m[-1], freq="M")
    assert list(m) == list(expected)


def test_sources_md_documents_every_table() -> None:
    text = resources.files("aicast.data").joinpath("SOURCES.md").read_text(encoding="utf-8")
    for name in TABLE_NAMES:
        assert f"## {name}" in text
        assert data.TABLES[name]["licence"] in text
        assert data.TABLES[name]["attribution"] in text


# ---------------------------------------------------------------------------
# loader API
# ---------------------------------------------------------------------------


def test_unknown_table_raises_with_name_and_suggestion() -> None:
    with pytest.raises(ValueError, match="no_such_table") as exc:
        data.load("no_such_table")
    assert "arena_best_monthly" in str(exc.value)  # lists available tables
    with pytest.raises(ValueError, match="Did you mean 'arena_best_monthly'"):
        data.load("arena_best_montly")
    with pytest.raises(ValueError, match="nope"):
        data.table_hash("nope")


def test_api_prices_snapshot_argument() -> None:
    assert data.api_prices().attrs["name"] == "api_prices_2026-07"
    assert data.api_prices("2025-02").attrs["name"] == "api_prices_2025-02"
    with pytest.raises(ValueError, match="1999-01"):
        data.api_prices("1999-01")


@pytest.mark.parametrize(
    ("func", "name"),
    [
        (data.prices_epoch, "prices_epoch"),
        (data.arena_best_monthly, "arena_best_monthly"),
        (data.arena_best_snapshots, "arena_best_snapshots"),
        (data.eci_best_monthly, "eci_best_monthly"),
        (data.aiid_monthly, "aiid_monthly"),
        (data.aiid_yearly, "aiid_yearly"),
        (data.aiid_domains_yearly, "aiid_domains_yearly"),
    ],
)
def test_convenience_functions(func, name: str) -> None:  # type: ignore[no-untyped-def]
    pd.testing.assert_frame_equal(func(), data.load(name))


def test_load_returns_independent_copies() -> None:
    a = data.aiid_yearly()
    a.loc[0, "count_2025_03_28"] = -1
    assert (data.aiid_yearly()["count_2025_03_28"] >= 0).all()


# ---------------------------------------------------------------------------
# real-data checks
# ---------------------------------------------------------------------------


def test_aiid_yearly_reproduces_published_counts() -> None:
    y = data.aiid_yearly().set_index("year")
    # Stanford AI Index 2025 / data README: 233 incidents in 2024 (Feb 2025 export),
    # 251 six weeks later; +56.4% on 2023.
    assert y.loc[2024, "count_2025_02_11"] == 233
    assert y.loc[2024, "count_2025_03_28"] == 251
    growth = y.loc[2024, "count_2025_02_11"] / y.loc[2023, "count_2025_02_11"] - 1
    assert round(100 * growth, 1) == 56.4
    assert y["count_2025_02_11"].sum() == 913
    assert y["count_2025_03_28"].sum() == 989
    assert list(y.index) == list(range(y.index.min(), 2026))


def test_aiid_monthly_sums_to_yearly() -> None:
    m = data.aiid_monthly()
    y = data.aiid_yearly().set_index("year")
    by_year = m.groupby(m["month"].str[:4].astype(int))[
        ["count_2025_02_11", "count_2025_03_28"]].sum()
    pd.testing.assert_frame_equal(by_year, y, check_names=False)
    assert m["month"].iloc[-1] == "2025-03"
    assert (m[["count_2025_02_11", "count_2025_03_28"]] >= 0).all().all()


def test_aiid_domains_sum_to_yearly_march_counts() -> None:
    d = data.aiid_domains_yearly()
    y = data.aiid_yearly().set_index("year")["count_2025_03_28"]
    assert set(d["domain"]) == DOMAINS
    assert not d.duplicated(["year", "domain"]).any()
    per_year = d.groupby("year")["count"].sum()
    pd.testing.assert_series_equal(per_year, y, check_names=False)
    assert d.loc[d["domain"] == "unclassified", "count"].sum() > 0


def test_arena_gap_shrinks_from_2023_to_early_2025() -> None:
    a = data.arena_best_monthly()
    assert np.allclose(a["gap"], a["best_closed"] - a["best_open"])
    assert np.allclose(a["gap_percent"], 100 * a["gap"] / a["best_closed"], atol=1e-3)
    g = a.set_index("month")["gap_percent"]
    early_2025 = g.loc[["2025-01", "2025-02"]]
    in_2023 = g.loc[[m for m in g.index if m.startswith("2023")]]
    assert (early_2025 < 5).all() and (early_2025 > 0).all()
    assert in_2023.min() > 5
    assert in_2023.mean() > 3 * early_2025.mean()
    # no snapshots exist for 2024-01 .. 2024-05
    assert not any(m in g.index for m in ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"])


def test_arena_monthly_is_last_snapshot_of_month() -> None:
    a = data.arena_best_monthly()
    s = data.arena_best_snapshots()
    assert (a["snapshot"].dt.strftime("%Y-%m") == a["month"]).all()
    last = s.groupby(s["snapshot"].dt.strftime("%Y-%m"))["snapshot"].max()
    assert list(last.values) == list(a["snapshot"].values)
    merged = a.merge(s, on="snapshot", suffixes=("", "_s"))
    for c in _ARENA_COLS:
        assert (merged[c] == merged[c + "_s"]).all(), c
    # Stanford AI Index 2025: 1.7% in February 2025 -> reproduced by mid-February snapshots
    feb = s[(s["snapshot"] >= "2025-02-01") & (s["snapshot"] < "2025-02-18")]
    assert len(feb) > 0 and (feb["gap_percent"].round(1).between(1.5, 1.8)).all()


def test_eci_running_best() -> None:
    e = data.eci_best_monthly()
    for col in ("best_closed", "best_open"):
        v = e[col].dropna()
        assert v.is_monotonic_increasing, col
        assert e[col + "_model"].notna().equals(e[col].notna())
    both = e.dropna(subset=["best_closed", "best_open"])
    assert np.allclose(both["gap"], both["best_closed"] - both["best_open"], atol=1e-9)
    assert e["gap"].isna().equals(e["best_closed"].isna() | e["best_open"].isna())
    last = e.iloc[-1]
    assert last["gap"] > 0 and 100 < last["best_open"] < last["best_closed"] < 200


def test_prices_epoch_content() -> None:
    p = data.prices_epoch()
    assert len(p) >= 60
    assert not p.duplicated(["model", "release_date"]).any()
    assert p["release_date"].is_monotonic_increasing
    assert (p["price_per_mtok"] > 0).all()
    assert p["open_weights"].dropna().isin([0, 1]).all()
    assert p["mmlu"].dropna().between(0, 100).all()
    assert p["gpqa"].dropna().between(0, 100).all()
    ow = p.drop_duplicates("model").set_index("model")["open_weights"]
    assert ow["GPT-4o-2024-05"] == 0 and ow["Claude-3-Opus"] == 0
    assert ow["Llama-3.1-Instruct-405B"] == 1 and ow["DeepSeek-R1"] == 1
    assert p["source"].str.startswith("epoch-research/llm-benchmark-efficiency:").all()
    assert p["release_date"].min().year == 2021


@pytest.mark.parametrize("snapshot", ["2026-07", "2025-02"])
def test_api_prices_content(snapshot: str) -> None:
    d = data.api_prices(snapshot)
    assert 50 <= len(d) <= 500
    assert not d.duplicated(["provider", "model"]).any()
    assert (d[["input_per_mtok", "output_per_mtok"]] > 0).all().all()
    assert np.allclose(d["blended_per_mtok"],
                       (3 * d["input_per_mtok"] + d["output_per_mtok"]) / 4, rtol=1e-6)
    assert d["open_weights"].isin([0, 1]).all()
    assert not d["model"].str.startswith("ft:").any()
    assert not d["model"].str.endswith("-latest").any() or \
        d.loc[d["model"].str.endswith("-latest"), "model"].str.contains("chat-latest").all()
    hosts = d["provider"].isin(["together_ai", "fireworks_ai", "groq", "deepinfra"])
    assert (d.loc[hosts, "open_weights"] == 1).all()
    assert {"openai", "anthropic", "gemini", "mistral", "deepseek"} <= set(d["provider"])
    closed = d.loc[d["family"].isin(["gpt", "o-series", "claude", "gemini", "grok"])]
    assert (closed["open_weights"] == 0).all()
    gpt4o = d[(d["provider"] == "openai") & (d["model"] == "gpt-4o")].iloc[0]
    assert gpt4o["input_per_mtok"] == 2.5 and gpt4o["output_per_mtok"] == 10


# ---------------------------------------------------------------------------
# reproducibility from the raw snapshots (optional)
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_derive_reproduces_shipped_files(tmp_path: Path) -> None:
    if not (SHARED / "README.md").exists():
        pytest.skip(f"raw data snapshots not present at {SHARED}")
    if not DERIVE.exists():
        pytest.skip("derive.py not present (installed package without sources)")
    subprocess.run(
        [sys.executable, str(DERIVE), "--shared", str(SHARED), "--out", str(tmp_path)],
        check=True, capture_output=True, text=True,
    )
    shipped = DERIVE.parent
    files = [data.TABLES[n]["file"] for n in TABLE_NAMES] + ["SOURCES.md"]
    for f in files:
        assert (tmp_path / f).read_bytes() == (shipped / f).read_bytes(), f
