"""How old the shipped data are: the date of the snapshot or export each table was taken from."""

from __future__ import annotations

import re

from ._tables import TABLES

__all__ = ["AS_OF", "as_of"]

#: Date of the upstream snapshot (or export) each shipped table was derived from.
AS_OF: dict[str, str] = {
    "prices_epoch": "2025-03-13",         # epoch-research/llm-benchmark-efficiency snapshot
    "arena_best_snapshots": "2025-08-04",  # last leaderboard snapshot
    "arena_best_monthly": "2025-08-04",
    "eci_best_monthly": "2025-11-07",     # Epoch Capabilities Index export
    "aiid_monthly": "2025-03-28",         # newest AI Incident Database export
    "aiid_yearly": "2025-03-28",
    "aiid_domains_yearly": "2025-03-28",
    "flagship_prices": "2026-07-24",      # newest LiteLLM price snapshot behind the flagship list
}


def as_of(name: str) -> str:
    """The date of the snapshot a shipped table was taken from (``"YYYY-MM"`` or ``"YYYY-MM-DD"``).

    Parameters
    ----------
    name : str
        Table name (see :func:`aicast.data.list_tables`).

    Returns
    -------
    str
        ISO date; a price snapshot ``api_prices_YYYY-MM`` is as of its month.

    Raises
    ------
    ValueError
        If ``name`` is not a shipped table.

    Examples
    --------
    >>> as_of("api_prices_2026-07")
    '2026-07'
    >>> as_of("arena_best_monthly")
    '2025-08-04'
    """
    if name not in TABLES:
        raise ValueError(f"unknown aicast data table {name!r} (tables: {', '.join(sorted(TABLES))})")
    if name in AS_OF:
        return AS_OF[name]
    m = re.search(r"(\d{4}-\d{2}(?:-\d{2})?)$", name)
    if m:
        return m.group(1)
    raise ValueError(f"no as-of date is recorded for table {name!r}: add it to aicast.data.as_of.AS_OF")
