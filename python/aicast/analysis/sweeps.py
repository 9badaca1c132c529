"""Sweeps: many variants of a scenario (a grid, or a Latin hypercube over ranges), one tidy table.

Every variant runs with the base's seed, so variants share their streams (common random
numbers: differences between rows are sharp), and a row is the same wherever it runs: the
thread pool here, or a Dask worker (``client=``). With ``out=`` each finished row is written
to ``out/rows/<index>.json`` (atomically) and a later call with the same arguments resumes
from what is there; a row is keyed by its index, so a worker lost mid-sweep (Dask reruns its
task) neither loses nor duplicates one.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import _engine
from .._checks import _check_positive_int
from .._months import month_index
from ..events import parse_event
from ..priors import _check_seed, as_prior

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["latin_hypercube", "sweep", "with_params"]

_LEVELS = (0.05, 0.5, 0.95)
DASK_HINT = 'Dask is not installed: pip install "aicast[dask]"'


def with_params(scenario: Scenario, params: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with parameters replaced, named ``"model.param"`` (numbers or priors).

    Raises
    ------
    ValueError
        For an unknown model or parameter, or a value the model rejects.
    """
    s = scenario._snapshot()
    by_model: dict[str, dict[str, Any]] = {}
    for key, value in params.items():
        model, _, param = str(key).partition(".")
        if not param:
            raise ValueError(f"parameters are named 'model.param', got {key!r}")
        m = s[model] if any(x.name == model for x in s.models) else None
        if m is None:
            raise ValueError(f"{key!r}: no model named {model!r} (models: {', '.join(x.name for x in s.models)})")
        if param not in m.params:
            raise ValueError(f"{key!r}: {type(m).__name__} {model!r} has no parameter {param!r} "
                             f"(parameters: {', '.join(m.params)})")
        by_model.setdefault(model, {})[param] = value
    for i, m in enumerate(s.models):
        if m.name in by_model:
            m2 = copy.copy(m)
            m2.params = {**m.params, **{k: as_prior(v, f"{m.name}.{k}") for k, v in by_model[m.name].items()}}
            _engine.describe_model(m2.spec())  # validates the new values
            s.models[i] = m2
    return s


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], samples: int, seed: int = 0) -> pd.DataFrame:
    """``samples`` points of a Latin hypercube over ``{name: (lo, hi)}`` (one point per stratum of each range)."""
    samples = _check_positive_int(samples, "samples")
    rng = np.random.Generator(np.random.PCG64(seed))
    cols = {}
    for name, r in ranges.items():
        lo, hi = (float(v) for v in r)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"range of {name!r} must be finite (lo, hi) with lo < hi, got {r!r}")
        u = (rng.permutation(samples) + rng.random(samples)) / samples
        cols[name] = lo + (hi - lo) * u
    return pd.DataFrame(cols)


def _variants(grid: Mapping[str, Sequence[Any]] | None, samples: int | None,
              ranges: Mapping[str, tuple[float, float]] | None, seed: int) -> pd.DataFrame:
    if (grid is None) == (samples is None):
        raise ValueError("give either grid={...} or samples=n with ranges={...}")
    if grid is not None:
        if not grid:
            raise ValueError("grid must name at least one parameter")
        keys = list(grid)
        values = [list(v) for v in grid.values()]
        for k, v in zip(keys, values):
            if not v:
                raise ValueError(f"grid[{k!r}] is empty")
        return pd.DataFrame(list(itertools.product(*values)), columns=keys)
    if not ranges:
        raise ValueError("samples=n needs ranges={'model.param': (lo, hi), ...}")
    return latin_hypercube(ranges, int(samples), seed)  # type: ignore[arg-type]


def _row(base: Scenario, params: dict[str, Any], paths: int, at: Any, series: list[str], events: list[str],
         threads: int | None) -> dict[str, Any]:
    """Runs one variant and summarizes it (a plain dict, so it travels to and from Dask workers)."""
    sc = with_params(base, params)
    res = sc.run(paths=paths, threads=threads, progress=False, events=events, quantiles=_LEVELS)
    m = month_index(sc.start, at, "at", sc.n_months)
    row: dict[str, Any] = {}
    for s in series:
        mean, sd = res.mean(s).iloc[m], res.std(s).iloc[m]
        row[f"{s}:mean"] = float(mean)
        row[f"{s}:mean_se"] = float(sd / np.sqrt(paths))
        q = res.quantiles(s, _LEVELS).iloc[m]
        for lvl in _LEVELS:
            row[f"{s}:q{lvl:g}"] = float(q[lvl])
    for e in events:
        p = res.prob(e, by=sc.months[m])
        row[f"P({e})"] = float(p.p)
        row[f"P({e}):se"] = float(p.se)
    return row


def _row_from_toml(text: str, params: dict[str, Any], paths: int, at: Any, series: list[str], events: list[str],
                   threads: int | None) -> dict[str, Any]:
    from ..scenario import Scenario

    return _row(Scenario.from_toml(text=text), params, paths, at, series, events, threads)


def _write_row(folder: Path, i: int, row: dict[str, Any]) -> None:
    tmp = folder / f".{i}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(row), encoding="utf-8")
    os.replace(tmp, folder / f"{i}.json")


def sweep(
    base: Scenario,
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    samples: int | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    paths: int = 20_000,
    at: Any = None,
    series: Sequence[str] | None = None,
    events: Sequence[str] = (),
    client: Any = None,
    threads: int | None = None,
    seed: int = 0,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Run variants of ``base`` and return one tidy table: parameters, summaries, standard errors.

    Parameters
    ----------
    base
        The scenario the variants change.
    grid
        ``{"model.param": [values...]}``: every combination is a variant.
    samples, ranges
        Instead of a grid: ``samples`` points of a Latin hypercube over ``{"model.param": (lo, hi)}``.
    paths
        Paths per variant (all with the base's seed: common random numbers).
    at
        Month of the summaries (default: the horizon).
    series
        Series to summarize (default: every series): mean with its s.e. and the 5/50/95% quantiles.
    events
        Events whose probability by ``at`` (with its s.e.) to report, e.g. ``"frontier.price < 0.5"``.
    client
        A ``dask.distributed.Client``: each variant is a task on a worker. None: local threads.
    threads
        Engine threads per variant (default: all cores locally; 1 on Dask workers).
    seed
        Seed of the Latin hypercube.
    out
        Folder for finished rows; a rerun with the same arguments resumes from it.

    Returns
    -------
    pandas.DataFrame
        One row per variant (index ``variant``), identical however and wherever it ran;
        ``attrs["data_as_of"]`` is the base scenario's :attr:`~aicast.Scenario.data_as_of`.
    """
    paths = _check_positive_int(paths, "paths")
    table = _variants(grid, samples, ranges, _check_seed(seed))
    for k in table.columns:  # every name checked before any run
        with_params(base, {k: table[k].iloc[0]})
    chosen = list(base.series) if series is None else list(series)
    unknown = [s for s in chosen if s not in base.series]
    if unknown:
        raise ValueError(f"unknown series {', '.join(map(repr, unknown))} (series: {', '.join(base.series)})")
    evs = [f"{a} {b} {c:g}" for a, b, c in (parse_event(e) for e in events)]
    at = base.horizon if at is None else at
    month_index(base.start, at, "at", base.n_months)
    folder = None
    done: dict[int, dict[str, Any]] = {}
    if out is not None:
        folder = Path(out) / "rows"
        folder.mkdir(parents=True, exist_ok=True)
        _write_manifest(Path(out), base, table, paths, at, chosen, evs)
        for f in folder.glob("*.json"):
            done[int(f.stem)] = json.loads(f.read_text(encoding="utf-8"))
    todo = [i for i in range(len(table)) if i not in done]
    params = [{k: _plain(v) for k, v in table.iloc[i].items()} for i in range(len(table))]

    def finish(i: int, row: dict[str, Any]) -> None:
        done[i] = row
        if folder is not None:
            _write_row(folder, i, row)

    if client is None:
        # variants one after another, each on the engine's thread pool (every core)
        for i in todo:
            finish(i, _row(base, params[i], paths, at, chosen, evs, threads))
    else:
        try:
            from distributed import as_completed
        except ImportError:
            raise ImportError(DASK_HINT) from None
        text = base.to_toml()  # the scenario travels as its file (exact: every prior bit for bit)
        futures = {client.submit(_row_from_toml, text, params[i], paths, at, chosen, evs, threads or 1,
                                 key=f"aicast-sweep-{_token(text, params[i], paths, at, chosen, evs)}-{i}",
                                 pure=False, retries=2): i for i in todo}
        for fut in as_completed(list(futures)):
            finish(futures[fut], fut.result())
    rows = [done[i] for i in range(len(table))]
    df = pd.concat([table, pd.DataFrame(rows)], axis=1)
    df.index.name = "variant"
    df.attrs["data_as_of"] = base.data_as_of  # how old the data behind the base scenario are
    return df


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _token(*parts: Any) -> str:
    import hashlib

    return hashlib.sha1(repr(parts).encode()).hexdigest()[:12]


def _write_manifest(folder: Path, base: Scenario, table: pd.DataFrame, paths: int, at: Any, series: list[str],
                    events: list[str]) -> None:
    manifest = {
        "kind": "aicast sweep", "aicast": _engine.__version__, "scenario": base.to_toml(), "seed": base.seed,
        "paths": paths, "at": str(at), "series": series, "events": events,
        "variants": json.loads(table.to_json(orient="records")),
    }
    path = folder / "manifest.json"
    text = json.dumps(manifest, indent=2) + "\n"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old != json.loads(text):
            raise ValueError(f"{folder} holds a different sweep (its manifest.json differs); use another folder")
        return
    tmp = folder / f".manifest.tmp-{os.getpid()}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
