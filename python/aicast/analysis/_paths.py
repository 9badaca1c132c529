"""Per-path values of a few series (the engine keeps only those), and events on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _engine
from .._checks import _check_positive_int
from ..events import parse_event

if TYPE_CHECKING:
    from ..scenario import Scenario

_OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def kept_paths(
    scenario: Scenario,
    series: Sequence[str],
    paths: int,
    *,
    threads: int | None = None,
    chunk_size: int = 1024,
    **design: Any,
) -> dict[str, np.ndarray]:
    """Run ``scenario`` keeping the paths of ``series`` only: name -> (paths, months) array."""
    paths = _check_positive_int(paths, "paths")
    core = scenario._engine_scenario()
    names = list(core.series)
    missing = [s for s in series if s not in names]
    if missing:
        raise ValueError(f"unknown series {', '.join(map(repr, missing))} (series: {', '.join(names)})")
    keep = [names.index(s) for s in series]
    threads_n = 0 if threads is None else _check_positive_int(threads, "threads")
    raw = _engine.run(core, scenario.seed, paths, threads_n, chunk_size, [], True, [], 0.0, None,
                      keep_series=keep, **design)
    return {s: raw["paths_data"][i] for i, s in enumerate(series)}


def event_hits(values: np.ndarray, event: str | Sequence[Any]) -> np.ndarray:
    """Per path and month: has the event happened by that month (first passage)."""
    _, op, threshold = parse_event(event)
    return np.logical_or.accumulate(_OPS[op](values, threshold), axis=1)
