"""Argument checks shared by several layers, and the engine's limits they enforce before any call."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Most paths in one run: the engine's path index is a 32-bit counter word.
MAX_PATHS = 2**32 - 1
#: Most months on a grid (1000 years), as the engine allows.
MAX_MONTHS = 12_000
#: Most worker threads a run accepts.
MAX_THREADS = 4096
#: Largest count of anything else the engine takes as a 64-bit signed integer.
MAX_INT64 = 2**63 - 1


def _check_positive_int(x: Any, field: str, hi: int = MAX_INT64) -> int:
    """``x`` as an int in [1, hi]; TypeError / ValueError naming ``field`` and the value."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{field} must be an integer, got {type(x).__name__} {_short(x)}")
    if x <= 0:
        raise ValueError(f"{field} must be positive, got {x}")
    if x > hi:
        raise ValueError(f"{field} must be at most {hi}, got {x}")
    return int(x)


def _check_memory_limit(x: Any) -> float:
    """Bytes a run may use: a positive finite number (None means the default, 0.0 for the engine)."""
    if x is None:
        return 0.0
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"memory_limit must be a number of bytes, got {type(x).__name__} {_short(x)}")
    v = float(x)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"memory_limit must be a positive number of bytes, got {x!r}")
    return v


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."
