"""One run split into blocks of paths (on Dask workers or here), and the summaries merged.

The engine runs any block ``[a, b)`` of a seed's paths (``path_offset``): the paths are those of
the whole run, because streams are keyed by seed, model name and path. Blocks start at multiples
of :data:`CHUNK` (2048) paths. Everything merges exactly, so the merged run is **bit-identical** to
the one-process run:

* event counts per month and first-passage counts (hence probabilities and hitting times):
  integer sums;
* means and standard deviations: the engine sums each chunk of 2048 paths in a fixed order and
  adds the chunk totals exactly (an integer superaccumulator, rounded once), so a block's exact
  sums are integer arrays that add up to those of the whole run. Pass 1 merges the sums of the
  values (the first-pass mean m1); pass 2 gives every block that m1 and merges the sums of the
  deviations from it and of their squares; the engine's corrected two-pass formula then gives
  its own bits;
* quantiles: the engine selects them from histograms over order-preserving keys: the blocks' key
  ranges merge (pass 1), then histograms over the merged range (pass 2), then each block sends
  the keys that fall in the bins holding the wanted ranks (pass 3), which are selected and
  interpolated as the engine does.

Each pass replays the block, and a worker holds one block at a time (its paths, for the key
passes of quantiles); results are folded in as they arrive.

``run_distributed`` (or ``scenario.run(client=...)``) returns the merged run as a
:class:`~aicast.Result`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _engine
from .._checks import _check_positive_int
from ..events import DEFAULT_QUANTILES, _levels, parse_event
from .sweeps import DASK_HINT

if TYPE_CHECKING:
    from ..result import Result
    from ..scenario import Scenario

__all__ = ["CHUNK", "block_bounds", "default_block_paths", "merge_blocks", "run_blocks", "run_distributed"]

CHUNK: int = _engine.MOMENT_CHUNK  # 2048
"""Blocks of a split run start at multiples of this many paths: the engine's moment sums are
exact over chunks of 2048 paths, so blocks made of whole chunks merge into the same bits."""


def block_bounds(paths: int, blocks: int) -> list[tuple[int, int]]:
    """``blocks`` consecutive ranges ``[a, b)`` covering ``0..paths``, each starting at a multiple
    of :data:`CHUNK` (sizes differ by at most one chunk)."""
    paths, blocks = _check_positive_int(paths, "paths"), _check_positive_int(blocks, "blocks")
    chunks = -(-paths // CHUNK)
    if blocks > chunks:
        raise ValueError(f"blocks must be at most paths / {CHUNK} rounded up ({chunks} for {paths} paths; "
                         f"blocks start at multiples of {CHUNK} paths), got {blocks}")
    edges = [min(paths, CHUNK * (chunks * k // blocks)) for k in range(blocks + 1)]
    return list(zip(edges[:-1], edges[1:]))


BLOCK_BYTES = 512 * 2**20  # a block's kept paths, by default (run_distributed's block_paths)

def default_block_paths(scenario: Scenario) -> int:
    """Paths per block whose kept values (8 bytes per path, series and month) take at most
    :data:`BLOCK_BYTES`, a multiple of :data:`CHUNK` (at least one chunk)."""
    per_path = 8 * max(1, len(scenario.series)) * scenario.n_months
    return max(CHUNK, BLOCK_BYTES // per_path // CHUNK * CHUNK)


_BINS_LOG2 = 12  # about 4096 bins, as the engine


def _keys(v: np.ndarray) -> np.ndarray:
    """The engine's order-preserving map double -> int64 (a < b <=> key(a) < key(b), -0 < +0)."""
    b = np.ascontiguousarray(v, dtype=np.float64).view(np.int64)
    return b ^ ((b >> 63).view(np.uint64) >> np.uint64(1)).view(np.int64)


def _from_keys(k: np.ndarray) -> np.ndarray:
    b = np.where(k < 0, k ^ np.int64(0x7FFFFFFFFFFFFFFF), k)
    return b.view(np.float64)


def _block(text: str, seed: int, offset: int, n: int, events: list[Any], threads: int, stage: int = 1,
           info: Any = None) -> dict[str, Any]:
    """One block's share of a pass: 1 event counts and moment sums (with quantiles, key ranges);
    2 moment sums with deviations from the whole run's first-pass means ``info[0]`` (with
    quantiles, histograms over the merged ranges); 3 the keys in the wanted bins."""
    from ..scenario import Scenario

    sc = Scenario.from_toml(text=text)
    quantiles = stage == 3 or (stage == 1 and info) or (stage == 2 and info[1] is not None)
    raw = _engine.run(sc._engine_scenario(), seed, n, threads, 1024, [], bool(quantiles), events if stage == 1 else [],
                      0.0, None, path_offset=offset, moment_sums=stage < 3,
                      first_means=info[0] if stage == 2 else None)
    part: dict[str, Any] = {"paths": n}
    if stage < 3:
        part["moment_sums"] = raw["moment_sums"]
    if stage == 1:
        part.update(holds=raw["holds"], first_hit=raw["first_hit"])
    if not quantiles:
        return part
    kept = raw["paths_data"]  # (series, paths, months); keys one series or month at a time (memory)
    if stage == 1:
        ranges = [(k.min(axis=0), k.max(axis=0)) for k in (_keys(kept[s_]) for s_ in range(kept.shape[0]))]
        part["key_lo"], part["key_hi"] = np.stack([r[0] for r in ranges]), np.stack([r[1] for r in ranges])
    elif stage == 2:
        lo, shift = info[1]
        counts = np.zeros((*lo.shape, 1 << _BINS_LOG2), dtype=np.int64)
        for s_ in range(lo.shape[0]):
            bins = (_keys(kept[s_]).view(np.uint64) - lo[s_].view(np.uint64)) >> shift[s_].astype(np.uint64)
            for m in range(lo.shape[1]):
                counts[s_, m] = np.bincount(bins[:, m].astype(np.int64), minlength=1 << _BINS_LOG2)
        part["counts"] = counts
    else:
        lo, shift, wanted = info
        out = {}
        for (s_, m), want in wanted.items():
            keys = _keys(kept[s_, :, m])
            b = (keys.view(np.uint64) - np.uint64(lo[s_, m])) >> np.uint64(shift[s_, m])
            out[(s_, m)] = [keys[np.isin(b, want)]]
        part["keys"] = out
    return part


def merge_blocks(a: dict[str, Any] | None, b: dict[str, Any]) -> dict[str, Any]:
    """Fold block ``b``'s share of a pass into ``a`` (None: the first block): integer counts and
    exact moment sums added, key ranges widened, gathered keys collected. Every step is exact and
    commutative, so blocks merge in any order (as they finish) to the same result."""
    if a is None:
        return dict(b)
    out = dict(a)
    for k, v in b.items():
        if k in ("paths", "holds", "first_hit", "moment_sums", "counts"):
            out[k] = a[k] + v
        elif k == "key_lo":
            out[k] = np.minimum(a[k], v)
        elif k == "key_hi":
            out[k] = np.maximum(a[k], v)
        elif k == "keys":
            out[k] = {sm: a[k][sm] + v[sm] for sm in v}
    return out


def _bin_shifts(first: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The merged key ranges' lower ends and the engine's bin shifts over them."""
    lo, hi = first["key_lo"], first["key_hi"]
    span = (hi.view(np.uint64) - lo.view(np.uint64)).astype(np.uint64)
    width = np.array([int(x).bit_length() for x in span.ravel()]).reshape(span.shape)
    return lo, np.maximum(width - _BINS_LOG2, 0).astype(np.int64)


def _merged_quantiles(run_pass: Callable[[int, Any], dict[str, Any]], lo: np.ndarray, shift: np.ndarray,
                      counts: np.ndarray, levels: Sequence[float], paths: int) -> np.ndarray:
    cum = np.cumsum(counts, axis=-1)
    ranks = sorted({min(int(np.floor((paths - 1) * q)) + d, paths - 1) for q in levels for d in (0, 1)})
    wanted: dict[tuple[int, int], np.ndarray] = {}
    for s_ in range(lo.shape[0]):
        for m in range(lo.shape[1]):
            wanted[(s_, m)] = np.unique(np.searchsorted(cum[s_, m], ranks, side="right"))
    gathered = run_pass(3, (lo, shift, wanted))["keys"]
    out = np.empty((lo.shape[0], len(levels), lo.shape[1]))
    for (s_, m), bins in wanted.items():
        keys = np.sort(np.concatenate(gathered[(s_, m)]))
        before = np.concatenate([[0], cum[s_, m]])[bins]  # values below each wanted bin
        starts = np.concatenate([[0], np.cumsum(counts[s_, m][bins])])

        def value_at(rank: int) -> float:
            i = int(np.searchsorted(cum[s_, m], rank, side="right"))
            j = int(np.searchsorted(bins, i))
            return float(_from_keys(keys[starts[j] + rank - before[j]:][:1])[0])

        for li, q in enumerate(levels):
            h = float(paths - 1) * q
            fl = float(np.floor(h))  # Python floats: inf - inf is NaN (as in the engine), without a warning
            r_lo = min(int(fl), paths - 1)
            a, b = value_at(r_lo), value_at(min(r_lo + 1, paths - 1))
            t = h - fl
            out[s_, li, m] = a if a == b else (b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t)
    return out


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
    """Run ``scenario`` as ``blocks`` blocks of paths (Dask tasks with ``client``) and merge them
    exactly: every number equals the one-process run's bit for bit.

    Parameters
    ----------
    blocks
        Number of blocks, at most ``paths / 2048`` rounded up (blocks start at multiples of
        :data:`CHUNK` paths; see :func:`block_bounds`).
    quantiles
        Levels of the exact quantiles to merge (default: :data:`aicast.DEFAULT_QUANTILES`); an
        empty sequence skips the pass that gathers keys.

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
    if client is not None:
        try:
            from distributed import as_completed
        except ImportError:
            raise ImportError(DASK_HINT) from None

    def run_pass(stage: int, info: Any) -> dict[str, Any]:
        """One pass over every block, folded as the blocks finish (one block's share held at a time)."""
        merged: dict[str, Any] | None = None
        if client is None:
            for a, b in bounds:
                merged = merge_blocks(merged, _block(text, scenario.seed, a, b - a, evs, t, stage, info))
        else:
            futures = [client.submit(_block, text, scenario.seed, a, b - a, evs, t or 1, stage, info, pure=False,
                                     retries=2) for a, b in bounds]
            for _, part in as_completed(futures, with_results=True):
                merged = merge_blocks(merged, part)
        assert merged is not None
        return merged

    first = run_pass(1, bool(levels))
    m1 = _engine.moments_from_sums(first["moment_sums"], paths)[0]
    bins = _bin_shifts(first) if levels else None
    second = run_pass(2, (m1, bins))
    _, mean, sd = _engine.moments_from_sums(second["moment_sums"], paths)
    merged = {"paths": paths, "mean": mean, "sd": sd, "holds": first["holds"], "first_hit": first["first_hit"]}
    if bins is not None:
        merged["quantiles"] = _merged_quantiles(run_pass, *bins, second["counts"], levels, paths)
    merged["levels"] = np.array(levels)
    merged["series"] = scenario.series
    return merged


def run_distributed(
    scenario: Scenario,
    paths: int,
    *,
    client: Any = None,
    blocks: int | None = None,
    events: Iterable[str | Sequence[Any]] = (),
    quantiles: Iterable[float] = (),
    threads: int | None = None,
    block_paths: int | None = None,
) -> Result:
    """``scenario.run(paths)`` split into blocks of about ``block_paths`` paths at most (Dask tasks
    with ``client``), returned as a :class:`~aicast.Result` equal to the one-process run's bit for
    bit: quantiles, means, standard deviations, event probabilities and hitting times.

    A worker holds one block's paths at a time (8 bytes per path, series and month): the
    default ``block_paths`` keeps that near :data:`BLOCK_BYTES` (512 MiB; 2048 paths at least).
    ``blocks`` (default: enough blocks of ``block_paths``, and at least one per Dask worker) is at
    most ``paths / 2048`` rounded up: blocks start at multiples of :data:`CHUNK` = 2048 paths. The
    same as ``scenario.run(paths, client=client, blocks=blocks)``. Events or quantile levels asked
    of the result later are computed by replaying the run here, in one process, as for any Result.
    """
    from ..result import Result

    paths = _check_positive_int(paths, "paths")
    if block_paths is None:
        block_paths = default_block_paths(scenario)
    block_paths = _check_positive_int(block_paths, "block_paths")
    if blocks is None:
        workers = len(client.scheduler_info()["workers"]) if client is not None else 1
        blocks = min(-(-paths // CHUNK), max(workers, -(-paths // block_paths)))
    evs = [parse_event(e) for e in events]
    levels = _levels(quantiles)
    t0 = time.perf_counter()
    merged = run_blocks(scenario, paths, blocks=blocks, events=[f"{a} {b} {c!r}" for a, b, c in evs],
                        quantiles=levels, client=client, threads=threads)
    merged.update(months=scenario.n_months, threads=threads or 0, seconds=time.perf_counter() - t0)
    settings = dict(paths=paths, threads=threads or 0, chunk_size=1024, memory_limit=0.0)
    return Result(scenario._snapshot(), scenario._engine_scenario(), merged, settings, evs)
