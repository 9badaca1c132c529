"""One run split into blocks of paths (on Dask workers or here), and the summaries merged.

The engine runs any block ``[a, b)`` of a seed's paths (``path_offset``): the paths are those of
the whole run, because streams are keyed by seed, model name and path. What merges here:

* event counts per month and first-passage counts (hence probabilities and hitting times):
  integer sums, **bit-identical** to the one-process run;
* means and standard deviations: Chan's pairwise formula, equal to the one-process run to
  rounding (about 1e-15 relative), not bit for bit: the engine sums in one pass over all paths.

Not done yet: exact quantiles across blocks (merge the key ranges, then histograms, then gather
the bins that hold the wanted ranks) and ``Scenario.run(client=...)`` on top of this.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _engine
from .._checks import _check_positive_int
from ..events import parse_event
from .sweeps import DASK_HINT

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["block_bounds", "merge_blocks", "run_blocks"]


def block_bounds(paths: int, blocks: int) -> list[tuple[int, int]]:
    """``blocks`` consecutive ranges ``[a, b)`` covering ``0..paths`` (sizes differ by at most one)."""
    paths, blocks = _check_positive_int(paths, "paths"), _check_positive_int(blocks, "blocks")
    if blocks > paths:
        raise ValueError(f"blocks must be at most paths ({paths}), got {blocks}")
    edges = [paths * k // blocks for k in range(blocks + 1)]
    return list(zip(edges[:-1], edges[1:]))


def _block(text: str, seed: int, offset: int, n: int, events: list[Any], threads: int) -> dict[str, Any]:
    from ..scenario import Scenario

    sc = Scenario.from_toml(text=text)
    raw = _engine.run(sc._engine_scenario(), seed, n, threads, 1024, [], False, events, 0.0, None, path_offset=offset)
    return {k: raw[k] for k in ("paths", "mean", "sd", "holds", "first_hit")}


def merge_blocks(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Merge block summaries: integer event counts summed; moments by Chan's formula."""
    n = np.array([p["paths"] for p in parts], dtype=np.float64)
    total = float(n.sum())
    means = np.stack([p["mean"] for p in parts])
    mean = np.tensordot(n, means, axes=1) / total
    ss = sum((k - 1) * p["sd"] ** 2 + k * (p["mean"] - mean) ** 2 for k, p in zip(n, parts))
    holds = np.sum([p["holds"] for p in parts], axis=0)
    first = np.sum([p["first_hit"] for p in parts], axis=0)
    return {"paths": int(total), "mean": mean, "sd": np.sqrt(ss / (total - 1)) if total > 1 else 0 * mean,
            "holds": holds, "first_hit": first}


def run_blocks(
    scenario: Scenario,
    paths: int,
    *,
    blocks: int = 2,
    events: Iterable[str] = (),
    client: Any = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Run ``scenario`` as ``blocks`` blocks of paths (Dask tasks with ``client``) and merge them.

    Returns the merged summaries: ``mean``, ``sd`` (series x months), ``holds`` (events x
    months), ``first_hit`` (events x months + 1, last: never), ``paths``, ``series``.
    """
    paths = _check_positive_int(paths, "paths")
    bounds = block_bounds(paths, blocks)
    evs = [parse_event(e) for e in events]
    text = scenario.to_toml()
    scenario._engine_scenario()  # every error before any work
    t = 0 if threads is None else _check_positive_int(threads, "threads")
    if client is None:
        parts = [_block(text, scenario.seed, a, b - a, evs, t) for a, b in bounds]
    else:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError(DASK_HINT) from None
        futures = [client.submit(_block, text, scenario.seed, a, b - a, evs, t or 1, pure=False, retries=2)
                   for a, b in bounds]
        parts = client.gather(futures)
    merged = merge_blocks(parts)
    merged["series"] = scenario.series
    return merged
