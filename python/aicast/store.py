"""Result folders: run a scenario file, write its outputs safely, read them back, re-run a manifest.

A result folder holds::

    manifest.json      what was run and how: aicast version, engine build, the resolved
                       scenario (TOML text) and its SHA-256, seed, paths, quantile levels,
                       events, data-table hashes, timings, platform, and the SHA-256 of
                       every other file in the folder; written last
    scenario.toml      the resolved scenario (``aicast run`` accepts it as a file)
    quantiles.parquet  one row per (series, month, quantile): value
    moments.parquet    one row per (series, month): mean, std
    events.parquet     one row per (event, month): first_hit and holds (path counts),
                       p (happened by the month) and se, p_in_month
    paths.nc           every path (NetCDF 3 via xarray's scipy backend), if asked for
    fan_<series>.png   charts, if asked for (fan charts; yearly bars for year-to-date series)
    report.html        one self-contained page: scenario, data as-of dates, charts, events
                       with standard errors and hitting times, the manifest (see aicast.report)

Writing is safe: everything goes into a hidden temporary folder next to the target
(``.<name>.tmp-<pid>-<random>``), the manifest last, and the folder is renamed into place
only when complete. :func:`load` accepts a folder only if its manifest says it is complete
and every file it lists is present with the recorded hash, so a run killed part-way never
leaves a folder that loads as a result. An existing result is replaced only with
``force=True``.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import platform
import secrets
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _engine
from .scenario_file import dumps, load_scenario, scenario_hash

if TYPE_CHECKING:
    from .result import Result
    from .scenario import Scenario

__all__ = ["FORMAT", "OutputExistsError", "load", "read_manifest", "rerun", "run_to_folder", "write_result"]

#: Identifies result folders in manifests (bumped when the layout changes).
FORMAT = {"name": "aicast-result", "version": 1}
_MANIFEST = "manifest.json"


class OutputExistsError(FileExistsError):
    """The output folder exists already (pass ``force=True`` / ``--force`` to replace it)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _platform() -> dict[str, Any]:
    import matplotlib
    import pyarrow

    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "matplotlib": matplotlib.__version__,
    }


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _temp_dir(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    return tmp


def _dead_pid(d: Path, marker: str) -> bool:
    """True if the hidden folder ``d`` (``.<name><marker><pid>-<random>``) was made by a process that is gone."""
    try:
        pid = int(d.name.rsplit(marker, 1)[1].split("-")[0])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _clean_stale(target: Path) -> None:
    """Clean up after runs of ``target`` whose process is gone: remove their temporary folders
    (``.tmp-*``: unfinished results, or an old result swapped out by ``--force``), and put back an
    old result that a replacing run had moved aside (``.old-*``) if it was killed before the new
    one was in place; otherwise remove it."""
    for d in target.parent.glob(f".{target.name}.tmp-*"):
        if _dead_pid(d, ".tmp-"):
            shutil.rmtree(d, ignore_errors=True)
    for d in sorted(target.parent.glob(f".{target.name}.old-*")):
        if not _dead_pid(d, ".old-"):
            continue
        if not (target.exists() or target.is_symlink()):
            try:
                os.rename(d, target)
                continue
            except OSError:  # pragma: no cover - a race with another run
                pass
        shutil.rmtree(d, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if sys.platform != "linux":  # pragma: no cover - other platforms fall back to two renames
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # pragma: no cover - glibc before 2.28, musl
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # pragma: no cover - kernel or file system without it
        return False
    raise OSError(err, f"cannot swap {b} for the new result: {os.strerror(err)}")


def _publish(tmp: Path, target: Path, force: bool) -> None:
    """Put the finished temporary folder at ``target`` (replacing it only with ``force``).

    A replaced result is swapped with the new one in one atomic step, so ``target`` always holds
    a complete result; the old one, now in the temporary folder's place, is removed (a run killed
    before that leaves it there, and the next run of ``target`` removes it). Where an atomic swap
    is not available the old result is renamed aside first (``.old-*``), and the next run puts it
    back if the new one never arrived.
    """
    if target.exists() or target.is_symlink():
        if not force:
            raise OutputExistsError(f"output folder {target} exists; use --force (force=True) to replace it")
        if _exchange(tmp, target):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp holds the old result now
        else:
            old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, target)
    try:  # make the rename durable
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:  # pragma: no cover - platforms without directory fsync
        pass


# --- writing --------------------------------------------------------------------------------


def _events_of(sc: Scenario) -> list[str]:
    return [] if sc.outputs is None else [e for e, _ in sc.outputs.parsed_events()]


def write_result(res: Result, target: str | Path, *, force: bool = False, plots: bool | None = None,
                 keep_paths: bool | None = None, timings: dict[str, float | str] | None = None,
                 _tmp: Path | None = None) -> Path:
    """Write ``res`` as a result folder at ``target`` (temporary folder, then rename).

    Parameters
    ----------
    res
        A result of :meth:`Scenario.run`.
    target
        The folder to create.
    force
        Replace an existing folder.
    plots, keep_paths
        Fan-chart PNGs and raw paths (NetCDF); default: as the scenario's ``[outputs]`` says.

    Raises
    ------
    OutputExistsError
        If ``target`` exists and ``force`` is false (checked before and after writing).
    """
    target = Path(target)
    if target.exists() and not force:
        raise OutputExistsError(f"output folder {target} exists; use --force (force=True) to replace it")
    sc = res.scenario
    out = sc.outputs
    plots = (out.plots if out is not None else True) if plots is None else plots
    keep_paths = (out.keep_paths if out is not None else False) if keep_paths is None else keep_paths
    t0 = time.perf_counter()
    tmp = _tmp if _tmp is not None else _temp_dir(target)
    try:
        text = dumps(sc)
        if not (tmp / "scenario.toml").exists():
            _fsync_write(tmp / "scenario.toml", text.encode("utf-8"))
        months = [str(m) for m in res.months]
        levels = sorted(res._quantiles)
        rows = []
        for s in res.series:
            q = res.quantiles(s, levels)
            for lv in levels:
                rows.append(pd.DataFrame({"series": s, "month": months, "quantile": lv, "value": q[lv].to_numpy()}))
        qdf = pd.concat(rows, ignore_index=True)
        qdf.to_parquet(tmp / "quantiles.parquet", index=False)
        mdf = pd.concat(
            [pd.DataFrame({"series": s, "month": months, "mean": res._raw["mean"][i], "std": res._raw["sd"][i]})
             for i, s in enumerate(res.series)],
            ignore_index=True,
        )
        mdf.to_parquet(tmp / "moments.parquet", index=False)
        erows = []
        n = res.n_paths
        for ev, (first, holds) in res._events.items():
            text_ev = f"{ev[0]} {ev[1]} {ev[2]!r}"
            cum = np.cumsum(first[:-1]) / n
            erows.append(pd.DataFrame({
                "event": text_ev, "series": ev[0], "op": ev[1], "threshold": ev[2], "month": months,
                "first_hit": np.asarray(first[:-1], dtype=np.int64), "holds": np.asarray(holds, dtype=np.int64),
                "p": cum, "se": np.sqrt(cum * (1 - cum) / n), "p_in_month": np.asarray(holds) / n,
            }))
        cols = ["event", "series", "op", "threshold", "month", "first_hit", "holds", "p", "se", "p_in_month"]
        edf = pd.concat(erows, ignore_index=True) if erows else pd.DataFrame({c: [] for c in cols})
        edf = edf.astype({"first_hit": "int64", "holds": "int64", "threshold": "float64"})
        edf.to_parquet(tmp / "events.parquet", index=False)
        if keep_paths:
            _write_paths(res, tmp / "paths.nc")
        events_written = list(res._events)  # charts may replay more events; they are not in the files
        charts = _write_plots(res, tmp, out.series if out is not None and out.series is not None else res.series) \
            if plots else {}
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "complete": True,
            "aicast_version": _engine.__version__,
            "engine_build": dict(_engine.build_info()),
            "scenario": {
                "name": sc.name,
                "description": sc.description,
                "source": sc.source,
                "toml": text,
                "sha256": scenario_hash(text),
            },
            "seed": res.seed,
            "paths": res.n_paths,
            "threads": res.threads,
            "chunk_size": res._settings["chunk_size"],
            "levels": levels,
            "events": [[e[0], e[1], e[2]] for e in events_written],
            "months": [months[0], months[-1]],
            "series": list(res.series),
            "data_tables": dict(sc.data_tables),
            "data_as_of": res.data_as_of,
            "timings": {"engine_seconds": res.seconds, "write_seconds": time.perf_counter() - t0,
                        **(timings or {}), "finished_utc": _now()},
            "platform": _platform(),
        }
        _write_report(res, tmp, manifest, charts, events_written, plots)
        manifest["files"] = {f: _sha256(tmp / f) for f in sorted(p.name for p in tmp.iterdir() if p.is_file())}
        _fsync_write(tmp / _MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
        _publish(tmp, target, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _write_paths(res: Result, path: Path) -> None:
    import xarray as xr

    try:
        import scipy  # noqa: F401
    except ImportError:  # pragma: no cover - scipy is in the [netcdf] and [test] extras
        raise ValueError("writing raw paths needs scipy (NetCDF 3 writer): pip install 'aicast[netcdf]'") from None
    data = np.stack([res.paths(s) for s in res.series])
    ds = xr.Dataset(
        {"paths": (("series", "path", "month"), data)},
        coords={"series": list(res.series), "month": [str(m) for m in res.months]},
        attrs={"seed": res.seed, "aicast_version": _engine.__version__},
    )
    ds.to_netcdf(path, engine="scipy", format="NETCDF3_64BIT")


def _write_plots(res: Result, folder: Path, series: list[str]) -> dict[str, bytes]:
    from .report import render_charts

    charts = render_charts(res, series)
    for s, png in charts.items():
        name = "".join(c if c.isalnum() or c in "._-" else "_" for c in s)
        _fsync_write(folder / f"fan_{name}.png", png)
    return charts


def _write_report(res: Result, folder: Path, manifest: dict[str, Any], charts: dict[str, bytes],
                  events: list[tuple[str, str, float]], plots: bool) -> None:
    from .events import parse_event
    from .report import build_report

    months: dict[str, str] = {}
    if res.scenario.outputs is not None:
        for text, by in res.scenario.outputs.parsed_events():
            if by is not None:
                ev = parse_event(text)
                months[f"{ev[0]} {ev[1]} {ev[2]:g}"] = str(by)
    note = "" if plots else "Charts were not drawn for this run (plots = false in [outputs], or --no-plots)."
    page = build_report(res, manifest, charts, events=events, event_months=months, plots_note=note)
    _fsync_write(folder / "report.html", page.encode("utf-8"))


# --- reading --------------------------------------------------------------------------------


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a complete result folder, after checking every file's hash.

    Raises
    ------
    ValueError
        If the folder is not a complete aicast result (missing or unfinished manifest, a file
        missing or changed since it was written).
    """
    folder = Path(folder)
    mpath = folder / _MANIFEST
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    if not mpath.is_file():
        raise ValueError(f"{folder} is not a complete aicast result: no {_MANIFEST} (an interrupted run?)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{folder} is not a complete aicast result: unreadable {_MANIFEST} ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format", {}).get("name") != FORMAT["name"]:
        raise ValueError(f"{folder}: {_MANIFEST} is not an aicast result manifest")
    if manifest["format"].get("version") != FORMAT["version"]:
        raise ValueError(f"{folder}: result format version {manifest['format'].get('version')} is not supported "
                         f"(this aicast reads version {FORMAT['version']})")
    if manifest.get("complete") is not True:
        raise ValueError(f"{folder} is not a complete aicast result: the manifest is not marked complete")
    for name, digest in manifest.get("files", {}).items():
        f = folder / name
        if not f.is_file():
            raise ValueError(f"{folder} is not a complete aicast result: {name} is missing")
        if _sha256(f) != digest:
            raise ValueError(f"{folder} is not a complete aicast result: {name} changed since it was written "
                             "(SHA-256 differs)")
    for needed in ("scenario.toml", "quantiles.parquet", "moments.parquet", "events.parquet"):
        if needed not in manifest.get("files", {}):
            raise ValueError(f"{folder} is not a complete aicast result: the manifest lists no {needed}")
    return manifest


def load(folder: str | Path) -> Result:
    """Read a result folder back into a :class:`~aicast.result.Result`.

    Quantiles, means, standard deviations and event counts are the stored numbers (bit for
    bit); other quantile levels and events are computed on request by replaying the same
    paths from the stored scenario and seed, as for a fresh result.

    Raises
    ------
    ValueError
        If the folder is not a complete aicast result (see :func:`read_manifest`).
    """
    from .result import Result

    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path, got {type(folder).__name__} {folder!r:.60}")
    folder = Path(folder)
    manifest = read_manifest(folder)
    sc = load_scenario(text=manifest["scenario"]["toml"])
    sc.source = manifest["scenario"].get("source")
    if manifest["scenario"].get("name"):
        sc.name = manifest["scenario"]["name"]
    if manifest.get("data_as_of"):
        sc.data_as_of = dict(manifest["data_as_of"])
    series = list(manifest["series"])
    months = [str(m) for m in sc.months]
    levels = [float(x) for x in manifest["levels"]]
    q = pd.read_parquet(folder / "quantiles.parquet")
    mo = pd.read_parquet(folder / "moments.parquet")
    ev = pd.read_parquet(folder / "events.parquet")
    S, L, M = len(series), len(levels), len(months)
    quant = np.empty((S, L, M))
    for i, s in enumerate(series):
        sub = q[q["series"] == s]
        for j, lv in enumerate(levels):
            vals = sub.loc[sub["quantile"] == lv, "value"].to_numpy()
            if len(vals) != M:
                raise ValueError(f"{folder}: quantiles.parquet lacks {s} at level {lv}")
            quant[i, j] = vals
    mean = np.stack([mo.loc[mo["series"] == s, "mean"].to_numpy() for s in series])
    sd = np.stack([mo.loc[mo["series"] == s, "std"].to_numpy() for s in series])
    events = [(str(e[0]), str(e[1]), float(e[2])) for e in manifest["events"]]
    n = int(manifest["paths"])
    first = np.zeros((len(events), M + 1), dtype=np.int64)
    holds = np.zeros((len(events), M), dtype=np.int64)
    for k, e in enumerate(events):
        sub = ev[(ev["series"] == e[0]) & (ev["op"] == e[1]) & (ev["threshold"] == e[2])]
        first[k, :M] = sub["first_hit"].to_numpy()
        first[k, M] = n - int(first[k, :M].sum())
        holds[k] = sub["holds"].to_numpy()
    raw: dict[str, Any] = {
        "series": series, "paths": n, "months": M, "levels": np.asarray(levels), "quantiles": quant,
        "mean": mean, "sd": sd, "first_hit": first, "holds": holds,
        "threads": manifest["threads"], "seconds": manifest["timings"]["engine_seconds"],
    }
    if "paths.nc" in manifest["files"]:
        import xarray as xr

        with xr.open_dataset(folder / "paths.nc", engine="scipy") as ds:
            raw["paths_data"] = np.ascontiguousarray(ds["paths"].sel(series=series).to_numpy())
    settings = {"paths": n, "threads": 0, "chunk_size": int(manifest.get("chunk_size", 1024)), "memory_limit": 0.0}
    res = Result(sc, sc._engine_scenario(), raw, settings, events)
    sc.data_as_of = {**sc.data_as_of, **dict(manifest.get("data_as_of", {}))}
    res.manifest = manifest  # type: ignore[attr-defined]
    return res


# --- running --------------------------------------------------------------------------------


def run_to_folder(
    scenario: Scenario | str | Path,
    out: str | Path,
    *,
    paths: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    force: bool = False,
    progress: bool = False,
    plots: bool | None = None,
    keep_paths: bool | None = None,
    levels: list[float] | None = None,
    events: list[tuple[str, str, float]] | None = None,
    chunk_size: int = 1024,
) -> Path:
    """Run a scenario (or scenario file) and write its result folder ``out`` safely.

    ``paths`` and ``seed`` override the file's. The temporary folder is created (holding the
    resolved ``scenario.toml``) before the run starts, so an interrupted run leaves only a
    hidden, incomplete folder that :func:`load` refuses and the next run cleans up.

    Raises
    ------
    OutputExistsError
        If ``out`` exists and ``force`` is false (before anything runs).
    """
    from ._checks import MAX_PATHS, _check_positive_int

    t0 = time.perf_counter()
    started = _now()
    sc = load_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario
    load_s = time.perf_counter() - t0
    if seed is not None:
        sc = sc._snapshot()
        from .priors import _check_seed

        sc.seed = _check_seed(seed)
    n = _check_positive_int(paths if paths is not None else (sc.paths or 100_000), "paths", MAX_PATHS)
    target = Path(out)
    if target.exists() and not force:
        raise OutputExistsError(f"output folder {target} exists; use --force (force=True) to replace it")
    keep = (sc.outputs.keep_paths if sc.outputs is not None else False) if keep_paths is None else keep_paths
    quantiles = levels if levels is not None else (list(sc.outputs.quantiles) if sc.outputs is not None else [])
    evs = events if events is not None else _events_of(sc)
    tmp = _temp_dir(target)
    try:
        _fsync_write(tmp / "scenario.toml", dumps(sc).encode("utf-8"))
        t1 = time.perf_counter()
        res = sc.run(paths=n, threads=threads, keep_paths=keep, progress=progress, events=evs,
                     quantiles=quantiles, chunk_size=chunk_size)
        run_s = time.perf_counter() - t1
        write_result(res, target, force=force, plots=plots, keep_paths=keep, _tmp=tmp,
                     timings={"load_seconds": load_s, "run_seconds": run_s, "started_utc": started})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def rerun(source: str | Path, *, threads: int | None = None, progress: bool = False) -> Result:
    """Run again what a manifest (or a result folder) describes: same scenario, seed, paths,
    quantile levels and events. The numbers are identical, bit for bit, for any thread count.

    Raises
    ------
    ValueError
        If the manifest cannot be read or its scenario text does not match its hash.
    """
    source = Path(source)
    if source.is_dir():
        manifest = read_manifest(source)
    else:
        try:
            manifest = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"cannot read manifest {source}: {e}") from None
        if not isinstance(manifest, dict) or manifest.get("format", {}).get("name") != FORMAT["name"]:
            raise ValueError(f"{source} is not an aicast result manifest")
    sc = load_scenario(text=manifest["scenario"]["toml"])
    if scenario_hash(manifest["scenario"]["toml"]) != manifest["scenario"]["sha256"]:
        raise ValueError(f"{source}: the scenario text does not match its recorded SHA-256")
    sc.seed = int(manifest["seed"])
    events = [(str(e[0]), str(e[1]), float(e[2])) for e in manifest["events"]]
    return sc.run(paths=int(manifest["paths"]), threads=threads, progress=progress, events=events,
                  quantiles=[float(x) for x in manifest["levels"]],
                  chunk_size=int(manifest.get("chunk_size", 1024)),
                  keep_paths="paths.nc" in manifest.get("files", {}))

