"""Monthly time grid: parsing "YYYY-MM" strings and mapping months to grid indices."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: Any, field: str) -> pd.Period:
    """A monthly :class:`pandas.Period` from ``"YYYY-MM"``, a Period, a Timestamp or a date.

    Raises
    ------
    ValueError
        Naming ``field`` and the value, for anything that is not a valid month.
    """
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, str):
        m = _MONTH.match(value.strip())
        if not m or not (1 <= int(m.group(2)) <= 12):
            raise ValueError(f"{field} must be a month like '2026-02', got {value!r}")
        return pd.Period(year=int(m.group(1)), month=int(m.group(2)), freq="M")
    if isinstance(value, pd.Timestamp) or hasattr(value, "year") and hasattr(value, "month"):
        return pd.Period(year=int(value.year), month=int(value.month), freq="M")
    raise ValueError(f"{field} must be a month like '2026-02', got {value!r}")


def month_index(start: pd.Period, value: Any, field: str, months: int) -> int:
    """Index of ``value`` on the grid that starts at ``start`` and has ``months`` months."""
    p = parse_month(value, field)
    i = (p.year - start.year) * 12 + (p.month - start.month)
    if not 0 <= i < months:
        last = start + (months - 1)
        raise ValueError(f"{field} must lie between {start} and {last}, got {p}")
    return i


#: A data-as-of date: ``"YYYY-MM"`` or ``"YYYY-MM-DD"`` (Scenario.data_as_of, scenario files).
AS_OF_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
