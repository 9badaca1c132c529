"""Argument checks shared by several layers."""

from __future__ import annotations

from typing import Any

import numpy as np


def _check_positive_int(x: Any, field: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{field} must be an integer, got {type(x).__name__} {x!r}")
    if x <= 0:
        raise ValueError(f"{field} must be positive, got {x}")
    return int(x)
