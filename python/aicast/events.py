"""Events and quantile levels: the grammar both a run (:mod:`aicast.scenario`) and its result
(:mod:`aicast.result`) speak.

An event is ``(series, op, threshold)``, written ``"frontier.price < 0.5"``; ``op`` is one of
``<``, ``<=``, ``>``, ``>=``. Every run computes :data:`DEFAULT_QUANTILES`; other levels are
checked by :func:`_levels`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["DEFAULT_QUANTILES", "Event", "parse_event"]

#: Quantile levels every run computes exactly; others are computed on request by replay.
DEFAULT_QUANTILES: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99)

_OPS = ("<=", ">=", "<", ">")
_EVENT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>)\s*(\S+)\s*$")

Event = tuple[str, str, float]


def parse_event(event: str | Sequence[Any], op: str | None = None, value: float | None = None) -> Event:
    """``("frontier.price", "<", 0.5)`` from ``"frontier.price < 0.5"`` or its parts.

    Raises
    ------
    ValueError
        For an unknown operator, a threshold that is not a finite number, or a malformed string.
    """
    if isinstance(event, str) and op is None and value is None:
        m = _EVENT.match(event)
        if not m:
            raise ValueError(
                f"event must look like 'series < value' with one of {', '.join(_OPS)}, got {event!r}"
            )
        series, op, raw = m.group(1), m.group(2), m.group(3)
        try:
            threshold = float(raw)
        except ValueError:
            raise ValueError(f"event threshold must be a number, got {raw!r} in {event!r}") from None
    elif isinstance(event, str):
        series = event
        if op not in _OPS:
            raise ValueError(f"event operator must be one of {', '.join(_OPS)}, got {op!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"event threshold must be a number, got {value!r}")
        threshold = float(value)
    else:
        if isinstance(event, (bytes, bytearray)) or not isinstance(event, Sequence):
            raise TypeError(f"event must be a string like 'frontier.price < 0.5' or (series, op, value), got "
                            f"{type(event).__name__} {event!r:.60}")
        parts = tuple(event)
        if len(parts) != 3:
            raise ValueError(f"event must be 'series < value' or (series, op, value), got {event!r}")
        return parse_event(str(parts[0]), parts[1], parts[2])
    if not math.isfinite(threshold):
        raise ValueError(f"event threshold must be finite, got {threshold!r} in '{series} {op} ...'")
    return (series, op, threshold)


def _levels(extra: Iterable[float]) -> list[float]:
    out = set(DEFAULT_QUANTILES)
    for q in extra:
        if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)):
            raise TypeError(f"quantile levels must be numbers, got {q!r}")
        if not (0.0 <= float(q) <= 1.0):
            raise ValueError(f"quantile levels must be in [0, 1], got {q!r}")
        out.add(float(q))
    return sorted(out)
