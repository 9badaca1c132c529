"""Compact, attributed public data tables shipped with aicast.

The tables are small CSV files derived from third-party public data snapshots by
``derive.py`` (kept next to this module). The raw snapshots themselves are *not*
shipped. Every table carries its provenance in ``DataFrame.attrs``:
``source``, ``licence``, ``attribution`` and ``description`` (the same text as in
``SOURCES.md``, which ``derive.py`` generates from :data:`TABLES`).

Conventions used by :func:`load`:

* ``month`` columns are plain strings ``"YYYY-MM"`` (sortable, join-friendly);
  convert with ``pd.PeriodIndex(df["month"], freq="M")`` if you need periods.
* date columns (``release_date``, ``snapshot``) are ``datetime64``.
* integer columns that may be empty (``open_weights`` in ``prices_epoch``) use the
  nullable ``Int64`` dtype; complete integer columns are ``int64``.
* text columns are pandas string columns; empty cells are missing values.

This module deliberately imports only the standard library, numpy and pandas, so
it can be used without the compiled engine or the rest of :mod:`aicast`; the tables'
metadata lives in ``_tables.py`` (standard library only), which ``derive.py`` reads.

Examples
--------
>>> from aicast import data
>>> data.list_tables()[:3]
['aiid_domains_yearly', 'aiid_monthly', 'aiid_yearly']
>>> df = data.arena_best_monthly()
>>> df.attrs["licence"]  # doctest: +ELLIPSIS
'...'
"""

from __future__ import annotations

import difflib
import hashlib
import io
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DOMAIN_SLUGS",
    "TABLES",
    "UNCLASSIFIED",
    "aiid_domains_yearly",
    "aiid_monthly",
    "aiid_yearly",
    "api_price",
    "api_prices",
    "arena_best_monthly",
    "arena_best_snapshots",
    "as_of",
    "eci_best_monthly",
    "flagship_prices",
    "list_tables",
    "load",
    "prices_epoch",
    "table_hash",
]

from ._tables import _API_SNAPSHOTS, DOMAIN_SLUGS, TABLES, UNCLASSIFIED
from .as_of import as_of

# ---------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------


def list_tables() -> list[str]:
    """Return the names of the shipped tables.

    Returns
    -------
    list of str
        Sorted table names accepted by :func:`load`.
    """
    return sorted(TABLES)


def _check_name(name: str) -> dict[str, Any]:
    if name in TABLES:
        return TABLES[name]
    available = list_tables()
    close = difflib.get_close_matches(str(name), available, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"Unknown aicast data table {name!r}.{hint} Available tables: {', '.join(available)}"
    )


def _read_bytes(filename: str) -> bytes:
    return resources.files(__name__).joinpath(filename).read_bytes()


def table_hash(name: str) -> str:
    """Return the SHA-256 hex digest of a shipped table's CSV bytes.

    Parameters
    ----------
    name : str
        Table name (see :func:`list_tables`).

    Returns
    -------
    str
        64-character lowercase hex digest, suitable for run manifests.

    Raises
    ------
    ValueError
        If `name` is not a shipped table.
    """
    meta = _check_name(name)
    return hashlib.sha256(_read_bytes(meta["file"])).hexdigest()


def load(name: str) -> pd.DataFrame:
    """Load a shipped table as a DataFrame with provenance in ``attrs``.

    Parameters
    ----------
    name : str
        Table name (see :func:`list_tables`).

    Returns
    -------
    pandas.DataFrame
        Columns typed as documented in :data:`TABLES` / SOURCES.md: ``month`` as
        ``"YYYY-MM"`` strings, dates as ``datetime64``, counts as ``int64``,
        possibly-empty integers as nullable ``Int64``. ``df.attrs`` holds
        ``name``, ``source``, ``licence``, ``attribution``, ``description`` and
        ``sha256``.

    Raises
    ------
    ValueError
        If `name` is not a shipped table (the message lists the available ones).
    """
    meta = _check_name(name)
    raw = _read_bytes(meta["file"])
    df = pd.read_csv(
        io.BytesIO(raw),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )
    expected = [c["name"] for c in meta["columns"]]
    if list(df.columns) != expected:  # pragma: no cover - guards against stale files
        raise RuntimeError(f"{meta['file']}: columns {list(df.columns)} != documented {expected}")
    for col in meta["columns"]:
        df[col["name"]] = _convert(df[col["name"]], col["kind"])
    df.attrs.update(
        {
            "name": name,
            "source": meta["source"],
            "licence": meta["licence"],
            "attribution": meta["attribution"],
            "description": meta["description"],
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
    )
    return df


def _convert(s: pd.Series, kind: str) -> pd.Series:
    if kind in ("str", "month"):
        return s.astype("string")
    if kind == "date":
        return pd.to_datetime(s, format="%Y-%m-%d")
    if kind == "int":
        return pd.to_numeric(s).astype(np.int64)
    if kind == "Int":
        return pd.to_numeric(s).astype("Int64")
    if kind == "float":
        return pd.to_numeric(s).astype(np.float64)
    raise ValueError(f"unknown column kind {kind!r}")  # pragma: no cover


# ---------------------------------------------------------------------------
# Convenience accessors
# ---------------------------------------------------------------------------


def prices_epoch() -> pd.DataFrame:
    """Epoch AI LLM price points with dates, MMLU, GPQA and Arena Elo.

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["prices_epoch"]``.
    """
    return load("prices_epoch")


def api_prices(snapshot: str = "2026-07") -> pd.DataFrame:
    """API list prices of well-known chat models (LiteLLM price file).

    Parameters
    ----------
    snapshot : {"2026-07", "2025-02"}
        Which dated copy of the LiteLLM price file to use.

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["api_prices_2026-07"]``.

    Raises
    ------
    ValueError
        If `snapshot` is not one of the shipped snapshots.
    """
    if snapshot not in _API_SNAPSHOTS:
        raise ValueError(
            f"Unknown api_prices snapshot {snapshot!r}; available: {', '.join(_API_SNAPSHOTS)}"
        )
    return load(f"api_prices_{snapshot}")


_PRICE_SIDES = {"blended": "blended_per_mtok", "input": "input_per_mtok", "output": "output_per_mtok"}


def api_price(model: str, provider: str | None = None, *, side: str = "blended", snapshot: str = "2026-07") -> float:
    """List price of one model, USD per million tokens: "the price of model X today".

    Parameters
    ----------
    model : str
        Model name as in :func:`api_prices` (exact, or differing only in case).
    provider : str, optional
        Provider, needed when the model is listed by several (e.g. ``"deepinfra"``).
    side : {"blended", "input", "output"}
        Blended 3 input : 1 output, or the input or output price.
    snapshot : {"2026-07", "2025-02"}
        Which dated copy of the LiteLLM price file to use.

    Returns
    -------
    float
        USD per million tokens, e.g. as ``start_price`` of a :class:`aicast.PriceDecline`.

    Raises
    ------
    ValueError
        For an unknown model (with the closest names), a model listed by several providers
        when `provider` is not given, an unknown provider or side, or an unknown snapshot.

    Examples
    --------
    >>> from aicast import data
    >>> data.api_price("gpt-4o-mini", side="input")
    0.15
    """
    if side not in _PRICE_SIDES:
        raise ValueError(f"side must be one of {', '.join(_PRICE_SIDES)}, got {side!r}")
    df = api_prices(snapshot)
    rows = df[df["model"] == model]
    if rows.empty:
        rows = df[df["model"].str.lower() == str(model).lower()]
    if rows.empty:
        close = difflib.get_close_matches(str(model), df["model"].tolist(), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"no model {model!r} in api_prices snapshot {snapshot}{hint}")
    if provider is not None:
        chosen = rows[rows["provider"] == provider]
        if chosen.empty:
            raise ValueError(
                f"model {model!r} is not listed by provider {provider!r} in snapshot {snapshot}; "
                f"providers: {', '.join(rows['provider'])}"
            )
        rows = chosen
    if len(rows) > 1:
        raise ValueError(
            f"model {model!r} is listed by several providers in snapshot {snapshot}: "
            f"{', '.join(rows['provider'])}; pick one with provider="
        )
    return float(rows[_PRICE_SIDES[side]].iloc[0])


def arena_best_snapshots() -> pd.DataFrame:
    """Best open and closed Chatbot Arena rating within each leaderboard snapshot.

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["arena_best_snapshots"]``.
    """
    return load("arena_best_snapshots")


def arena_best_monthly() -> pd.DataFrame:
    """Open vs closed Chatbot Arena frontier, last snapshot of each month.

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["arena_best_monthly"]``.
    """
    return load("arena_best_monthly")


def eci_best_monthly() -> pd.DataFrame:
    """Running best Epoch Capabilities Index for open and closed models by month.

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["eci_best_monthly"]``.
    """
    return load("eci_best_monthly")


def aiid_monthly() -> pd.DataFrame:
    """AI Incident Database incidents per month in two exports.

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["aiid_monthly"]``.
    """
    return load("aiid_monthly")


def aiid_yearly() -> pd.DataFrame:
    """AI Incident Database incidents per year in two exports.

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["aiid_yearly"]``.
    """
    return load("aiid_yearly")


def aiid_domains_yearly() -> pd.DataFrame:
    """AI Incident Database incidents per year and MIT risk domain (long format).

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["aiid_domains_yearly"]``.
    """
    return load("aiid_domains_yearly")


def flagship_prices() -> pd.DataFrame:
    """List prices of each tier's flagship models over time (frontier, mid, open).

    Returns
    -------
    pandas.DataFrame
        See ``TABLES["flagship_prices"]``; the history behind :func:`aicast.fit.list_price`.
    """
    return load("flagship_prices")


