"""One run split into blocks of paths (on Dask workers or here), and the summaries merged.

The engine runs any block ``[a, b)`` of a seed's paths (``path_offset``): the paths are those of
the whole run, because streams are keyed by seed, model name and path. What merges here:

* event counts per month and first-passage counts (hence probabilities and hitting times):
  integer sums, **bit-identical** to the one-process run;
* quantiles: **bit-identical**, as the engine selects them: the blocks' order-preserving key
  ranges merge (pass 1), then histograms over the merged range (pass 2), then each block sends
  the keys that fall in the bins holding the wanted ranks (pass 3), which are selected and
  interpolated as the engine does. Each pass replays the block (3x the work), and a worker
  holds one block's paths at a time (memory bounded by the block size);
* means and standard deviations: Chan's pairwise formula, equal to the one-process run to
  rounding (about 1e-15 relative), not bit for bit: the engine sums in one pass over all paths.

``run_distributed`` returns the merged run as a :class:`~aicast.Result`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _engine
from .._checks import _check_positive_int
from ..events import DEFAULT_QUANTILES, _levels, parse_event
from .sweeps import DASK_HINT

if TYPE_CHECKING:
    from ..result import Result
    from ..scenario import Scenario

__all__ = ["block_bounds", "merge_blocks", "run_blocks", "run_distributed"]


def block_bounds(paths: int, blocks: int) -> list[tuple[int, int]]:
    """``blocks`` consecutive ranges ``[a, b)`` covering ``0..paths`` (sizes differ by at most one)."""
    paths, blocks = _check_positive_int(paths, "paths"), _check_positive_int(blocks, "blocks")
    if blocks > paths:
        raise ValueError(f"blocks must be at most paths ({paths}), got {blocks}")
    edges = [paths * k // blocks for k in range(blocks + 1)]
    return list(zip(edges[:-1], edges[1:]))


_BINS_LOG2 = 12  # about 4096 bins, as the engine


def _keys(v: np.ndarray) -> np.ndarray:
    """The engine's order-preserving map double -> int64 (a < b <=> key(a) < key(b), -0 < +0)."""
    b = np.ascontiguousarray(v, dtype=np.float64).view(np.int64)
    return b ^ ((b >> 63).view(np.uint64) >> np.uint64(1)).view(np.int64)


def _from_keys(k: np.ndarray) -> np.ndarray:
    b = np.where(k < 0, k ^ np.int64(0x7FFFFFFFFFFFFFFF), k)
    return b.view(np.float64)


def _block(text: str, seed: int, offset: int, n: int, events: list[Any], threads: int, stage: int = 0,
           info: Any = None) -> dict[str, Any]:
    """One block's share of a pass: 0 moments and events (and, with quantiles, key ranges);
    2 histograms over the merged ranges; 3 the keys in the wanted bins."""
    from ..scenario import Scenario

    sc = Scenario.from_toml(text=text)
    keep = stage > 0
    raw = _engine.run(sc._engine_scenario(), seed, n, threads, 1024, [], keep, events if stage <= 1 else [], 0.0,
                      None, path_offset=offset)
    if stage >= 1:
        keys = _keys(raw["paths_data"])  # (series, paths, months)
    if stage == 2:
        lo, shift = info
        bins = ((keys.view(np.uint64) - lo[:, None, :].view(np.uint64)) >> shift[:, None, :].astype(np.uint64))
        counts = np.zeros((*lo.shape, 1 << _BINS_LOG2), dtype=np.int64)
        for s_ in range(lo.shape[0]):
            for m in range(lo.shape[1]):
                counts[s_, m] = np.bincount(bins[s_, :, m].astype(np.int64), minlength=1 << _BINS_LOG2)
        return {"counts": counts}
    if stage == 3:
        lo, shift, wanted = info
        out = {}
        for (s_, m), want in wanted.items():
            b = (keys[s_, :, m].view(np.uint64) - np.uint64(lo[s_, m])) >> np.uint64(shift[s_, m])
            out[(s_, m)] = keys[s_, :, m][np.isin(b, want)]
        return {"keys": out}
    part = {k: raw[k] for k in ("paths", "mean", "sd", "holds", "first_hit")}
    if stage == 1:
        part["key_lo"], part["key_hi"] = keys.min(axis=1), keys.max(axis=1)
    return part


def _merged_quantiles(run_pass: Any, parts: Sequence[dict[str, Any]], levels: Sequence[float],
                      paths: int) -> np.ndarray:
    lo = np.min([p["key_lo"] for p in parts], axis=0)
    hi = np.max([p["key_hi"] for p in parts], axis=0)
    span = (hi.view(np.uint64) - lo.view(np.uint64)).astype(np.uint64)
    width = np.array([int(x).bit_length() for x in span.ravel()]).reshape(span.shape)
    shift = np.maximum(width - _BINS_LOG2, 0).astype(np.int64)
    counts = np.sum([p["counts"] for p in run_pass(2, (lo, shift))], axis=0)
    cum = np.cumsum(counts, axis=-1)
    ranks = sorted({min(int(np.floor((paths - 1) * q)) + d, paths - 1) for q in levels for d in (0, 1)})
    wanted: dict[tuple[int, int], np.ndarray] = {}
    for s_ in range(lo.shape[0]):
        for m in range(lo.shape[1]):
            wanted[(s_, m)] = np.unique(np.searchsorted(cum[s_, m], ranks, side="right"))
    gathered = run_pass(3, (lo, shift, wanted))
    out = np.empty((lo.shape[0], len(levels), lo.shape[1]))
    for (s_, m), bins in wanted.items():
        keys = np.sort(np.concatenate([g["keys"][(s_, m)] for g in gathered]))
        before = np.concatenate([[0], cum[s_, m]])[bins]  # values below each wanted bin
        starts = np.concatenate([[0], np.cumsum(counts[s_, m][bins])])
        def value_at(rank: int) -> float:
            i = int(np.searchsorted(cum[s_, m], rank, side="right"))
            j = int(np.searchsorted(bins, i))
            return float(_from_keys(keys[starts[j] + rank - before[j]:][:1])[0])
        for li, q in enumerate(levels):
            h = float(paths - 1) * q
            fl = np.floor(h)
            r_lo = min(int(fl), paths - 1)
            a, b = value_at(r_lo), value_at(min(r_lo + 1, paths - 1))
            t = h - fl
            out[s_, li, m] = a if a == b else (b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t)
    return out


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
    quantiles: Iterable[float] | None = None,
    client: Any = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Run ``scenario`` as ``blocks`` blocks of paths (Dask tasks with ``client``) and merge them.

    Parameters
    ----------
    quantiles
        Levels of the exact quantiles to merge (default: :data:`aicast.DEFAULT_QUANTILES`); an
        empty sequence skips the two extra passes.

    Returns
    -------
    dict
        ``mean``, ``sd`` (series x months), ``quantiles`` (series x levels x months), ``levels``,
        ``holds`` (events x months), ``first_hit`` (events x months + 1, last: never), ``paths``,
        ``series``.
    """
    paths = _check_positive_int(paths, "paths")
    bounds = block_bounds(paths, blocks)
    evs = [parse_event(e) for e in events]
    levels = list(DEFAULT_QUANTILES) if quantiles is None else _levels(quantiles)
    text = scenario.to_toml()
    scenario._engine_scenario()  # every error before any work
    t = 0 if threads is None else _check_positive_int(threads, "threads")

    def run_pass(stage: int, info: Any = None) -> list[dict[str, Any]]:
        if client is None:
            return [_block(text, scenario.seed, a, b - a, evs, t, stage, info) for a, b in bounds]
        futures = [client.submit(_block, text, scenario.seed, a, b - a, evs, t or 1, stage, info, pure=False,
                                 retries=2) for a, b in bounds]
        return list(client.gather(futures))

    if client is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError(DASK_HINT) from None
    parts = run_pass(1 if levels else 0)
    merged = merge_blocks(parts)
    if levels:
        merged["quantiles"] = _merged_quantiles(run_pass, parts, levels, paths)
    merged["levels"] = np.array(levels)
    merged["series"] = scenario.series
    return merged


def run_distributed(
    scenario: Scenario,
    paths: int,
    *,
    client: Any = None,
    blocks: int | None = None,
    events: Iterable[str] = (),
    quantiles: Iterable[float] = (),
    threads: int | None = None,
    block_paths: int = 1_000_000,
) -> Result:
    """``scenario.run(paths)`` split into blocks of at most ``block_paths`` paths (Dask tasks with
    ``client``), returned as a :class:`~aicast.Result`: quantiles, event probabilities and hitting
    times identical to the one-process run; means and standard deviations to rounding.

    Events or quantile levels asked of the result later are computed by replaying the run
    here, in one process, as for any Result.
    """
    from ..result import Result

    paths = _check_positive_int(paths, "paths")
    block_paths = _check_positive_int(block_paths, "block_paths")
    if blocks is None:
        workers = len(client.scheduler_info()["workers"]) if client is not None else 1
        blocks = min(paths, max(workers, -(-paths // block_paths)))
    evs = [parse_event(e) for e in events]
    levels = _levels(quantiles)
    t0 = time.perf_counter()
    merged = run_blocks(scenario, paths, blocks=blocks, events=[f"{a} {b} {c!r}" for a, b, c in evs],
                        quantiles=levels, client=client, threads=threads)
    merged.update(months=scenario.n_months, threads=threads or 0, seconds=time.perf_counter() - t0)
    settings = dict(paths=paths, threads=threads or 0, chunk_size=1024, memory_limit=0.0)
    return Result(scenario._snapshot(), scenario._engine_scenario(), merged, settings, evs)
