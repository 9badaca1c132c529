"""Command line: ``aicast run FILE...`` runs scenario files into result folders, ``aicast validate``
checks them, ``aicast show`` prints a result; ``aicast run`` alone runs the built-in default scenario."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ._checks import MAX_PATHS, MAX_THREADS

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INVALID, EXIT_EXISTS, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 3, 4, 130, 143
EXIT_PIPE = 141  # the reader of our output went away (``aicast show ... | head``), as a shell reports SIGPIPE


def _positive_int(hi: int) -> Any:
    """An argparse type: a whole number in [1, hi]."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {v}")
        if v > hi:
            raise argparse.ArgumentTypeError(f"expected at most {hi}, got {text[:40]}")
        return v

    return parse


_EPILOG = """\
exit codes:
  0    every command succeeded
  1    a run failed (engine error, out of memory, I/O error)
  2    bad command line
  3    invalid input: a scenario file has problems, or a folder is not a complete result
  4    an output folder exists (pass --force to replace it)
  130  interrupted (Ctrl-C); results finished before stay intact
  143  terminated (SIGTERM); likewise
  141  the output pipe was closed (e.g. aicast show ... | head)
With several files, each is handled in turn (one failing does not stop the others) and the
exit code is the largest of theirs.
"""


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="aicast",
        description="Monte Carlo forecasts of the AI economy, with uncertainty.",
        epilog=_EPILOG,
        formatter_class=fmt,
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser(
        "run",
        help="run scenario files (or the built-in default scenario)",
        description=(
            "Run scenario files (TOML) one after another, writing one result folder each,\n"
            "OUT/<scenario name>: summaries (Parquet), fan charts (PNG), optionally every path\n"
            "(NetCDF), and manifest.json recording how the numbers were made. Results are written\n"
            "to a temporary folder and renamed into place when complete.\n\n"
            "  aicast run scenarios/*.toml --paths 200000 --out results\n"
            "  aicast run scenarios/                      # every *.toml in the folder\n"
            "  aicast run results/baseline/manifest.json  # the same numbers again, bit for bit\n"
            "  aicast run                                 # the built-in default scenario: prints\n"
            "                                             # tables, writes OUT/default_fan.png"
        ),
        epilog=_EPILOG,
        formatter_class=fmt,
    )
    r.add_argument("files", nargs="*", metavar="FILE", type=Path,
                   help="scenario file (.toml), a folder of them, or a manifest.json / result folder to run again")
    r.add_argument("--paths", type=_positive_int(MAX_PATHS), default=None,
                   help="Monte Carlo paths (default: the file's 'paths', else 100000; 200000 for the default scenario)")
    r.add_argument("--seed", type=_seed, default=None, help="random seed (default: the file's 'seed'; 0 for the default scenario)")
    r.add_argument("--threads", type=_positive_int(MAX_THREADS), default=None, help="worker threads (default: all cores); results do not depend on it")
    r.add_argument("--out", type=Path, default=Path("aicast-output"), help="folder for the results (default aicast-output)")
    r.add_argument("--force", action="store_true", help="replace result folders that exist already")
    r.add_argument("--keep-paths", action="store_true", help="also write every path as NetCDF (paths.nc)")
    r.add_argument("--no-plots", action="store_true", help="do not write fan-chart PNGs")
    r.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    v = sub.add_parser(
        "validate",
        help="check scenario files without running them",
        description=(
            "Check scenario files against the schema (after resolving 'extends') without running\n"
            "them, and report every problem with its file, key path and value."
        ),
        epilog=_EPILOG,
        formatter_class=fmt,
    )
    v.add_argument("files", nargs="+", metavar="FILE", type=Path, help="scenario file (.toml)")
    s = sub.add_parser(
        "show",
        help="print summary tables of result folders",
        description=(
            "Print what a result folder holds: how it was made (scenario, hash, seed, paths,\n"
            "version), yearly quantiles of each series, and event probabilities."
        ),
        epilog=_EPILOG,
        formatter_class=fmt,
    )
    s.add_argument("folders", nargs="+", metavar="RESULT_DIR", type=Path, help="a folder written by aicast run")
    s.add_argument("--open", action="store_true", help="open each folder's report.html in the web browser")
    from .analysis import sweep_cli

    sweep_cli.add_parser(sub, _positive_int(MAX_PATHS), _EPILOG)
    return p


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= v < 2**64:
        raise argparse.ArgumentTypeError(f"expected a seed in [0, 2**64), got {v}")
    return v


def _run_default(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from .defaults import DEFAULT_TIERS, default_scenario

    sc = default_scenario(seed=args.seed or 0)
    sc.name = sc.name or "default"
    events = ["frontier_capability.price < 1", "mid_capability.price < 0.2", "open_capability.price < 0.1"]
    res = sc.run(paths=args.paths or 200_000, threads=args.threads, progress=not args.no_progress and sys.stderr.isatty(), events=events)
    asof = "; ".join(f"{k} {v}" for k, v in res.data_as_of.items())
    print(f"aicast {res.scenario.start} to {res.scenario.horizon}: {res.n_paths:,} paths, seed {res.seed}, "
          f"{res.seconds:.2f} s on {res.threads} threads")
    print(f"Data as of: {asof}")
    headings = {
        "capability": ("(a) Price of TODAY'S capability of each tier (constant capability, Epoch AI's method): "
                       "USD per million tokens, blended 3:1, quantiles at each year's last month"),
        "list": ("(b) List price of the BEST MODEL of each tier at each date (launches and price cuts): "
                 "USD per million tokens, blended 3:1, quantiles at each year's last month"),
    }
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 120):
        for kind, heading in headings.items():
            print(f"\n{heading}")
            for s in res.series:
                name = s.split(".")[0]
                tier, _, k = name.partition("_")
                if k != kind:
                    continue
                names = ", ".join(m for _, m in DEFAULT_TIERS[tier])
                what = (f"today: geometric mean of {names}" if kind == "capability"
                        else "today: the tier's flagship list prices (aicast.data.flagship_prices)")
                print(f"\n{s}  ({what}; data as of {res.scenario.start})")
                print(res.table(s, q=(0.05, 0.25, 0.5, 0.75, 0.95)).to_string())
    print("\nEvents (probability the price of today's capability has fallen below the level by the month, "
          "± Monte Carlo s.e.):")
    for ev in events:
        for by in ("2027-12", "2028-12", "2030-12"):
            print(f"  {res.prob(ev, by=by)}")
        print(f"  {res.hitting_time(ev)}")
    args.out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    for ax, kind, what in zip(axes, ("capability", "list"), (
            "(a) price of today's capability of each tier", "(b) list price of the best model in each tier")):
        for tier in DEFAULT_TIERS:
            res.plot.fan(f"{tier}_{kind}.price", ax=ax, label=tier, bands=((0.05, 0.95),), log=True,
                         title=what, ylabel="USD per million tokens (blended 3:1, log scale)")
    png = args.out / "default_fan.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"\nFan chart written to {png}")
    return EXIT_OK


def _progress(args: argparse.Namespace) -> bool:
    return not args.no_progress and sys.stderr.isatty()


def _run_files(args: argparse.Namespace) -> int:
    from . import __version__
    from .scenario_file import ScenarioFileError, load_scenario
    from .store import OutputExistsError, read_manifest, run_to_folder

    codes: list[int] = []
    written: set[Path] = set()
    files: list[Path] = []
    for f in args.files:  # a folder of scenario files runs each of them, in name order
        if f.is_dir() and not (f / "manifest.json").exists():
            partial = sorted(p.name for p in f.iterdir() if p.name in _RESULT_FILES)
            if partial:
                print(f"aicast: error: {f} is not a complete aicast result: it holds {', '.join(partial)} but no "
                      "manifest.json (an interrupted run or a damaged folder); run its scenario.toml to "
                      "compute it again", file=sys.stderr)
                codes.append(EXIT_INVALID)
                continue
            found = sorted(f.glob("*.toml"))
            if not found:
                print(f"aicast: error: {f} holds no scenario files (*.toml) and no manifest.json", file=sys.stderr)
                codes.append(EXIT_INVALID)
            files += found
        else:
            files.append(f)
    n = len(files)
    for i, f in enumerate(files, 1):
        tag = f"[{i}/{n}] {f}"
        t0 = time.perf_counter()
        try:
            levels = events = None
            if f.suffix == ".json" or f.is_dir():
                manifest = read_manifest(f.parent if f.suffix == ".json" else f)
                sc = load_scenario(text=manifest["scenario"]["toml"])
                sc.seed = int(manifest["seed"])
                paths = args.paths or int(manifest["paths"])
                if manifest["scenario"].get("name"):
                    sc.name = manifest["scenario"]["name"]
                if manifest.get("aicast_version") != __version__:
                    print(f"aicast: note: {f} was written by aicast {manifest.get('aicast_version')}, this is "
                          f"{__version__}; numbers match bit for bit only with the same engine", file=sys.stderr)
                levels = [float(x) for x in manifest["levels"]]
                events = [(str(e[0]), str(e[1]), float(e[2])) for e in manifest["events"]]
                keep = "paths.nc" in manifest["files"] or args.keep_paths
            else:
                sc = load_scenario(f)
                paths = args.paths
                keep = True if args.keep_paths else None
            target = args.out / (sc.name or f.stem)
            if target in written:
                raise ValueError(f"two scenarios in this batch are named {target.name!r}; give one another 'name'")
            print(f"{tag}: running {sc.name} -> {target}", flush=True)
            run_to_folder(sc, target, paths=paths, seed=args.seed, threads=args.threads, force=args.force,
                          progress=_progress(args), plots=False if args.no_plots else None, keep_paths=keep,
                          levels=levels, events=events)
            written.add(target)
            print(f"{tag}: done in {time.perf_counter() - t0:.1f} s", flush=True)
            codes.append(EXIT_OK)
        except ScenarioFileError as e:
            print(f"aicast: error: {e}", file=sys.stderr)
            codes.append(EXIT_INVALID)
        except OutputExistsError as e:
            print(f"aicast: error: {tag}: {e}", file=sys.stderr)
            codes.append(EXIT_EXISTS)
        except (ValueError, TypeError, OSError, MemoryError) as e:
            print(f"aicast: error: {tag}: {e}", file=sys.stderr)
            codes.append(EXIT_INVALID if "not a complete aicast result" in str(e) else EXIT_ERROR)
    if not codes:
        return EXIT_INVALID
    failed = sum(c != EXIT_OK for c in codes)
    if n > 1:
        print(f"aicast: {n - failed} of {n} runs written to {args.out}" + (f", {failed} failed" if failed else ""),
              file=sys.stderr if failed else sys.stdout)
    return max(codes)


#: Files only a result folder holds (a folder with any of them but no manifest is an incomplete result).
_RESULT_FILES = ("quantiles.parquet", "moments.parquet", "events.parquet", "paths.nc")


def _validate(args: argparse.Namespace) -> int:
    from .scenario_file import ScenarioFileError, load_scenario

    code = EXIT_OK
    for f in args.files:  # every file is checked, whatever the others hold
        try:
            sc = load_scenario(f)
        except ScenarioFileError as e:
            print(f"aicast: invalid: {e}", file=sys.stderr)
            code = EXIT_INVALID
            continue
        except (ValueError, TypeError, OSError) as e:
            print(f"aicast: invalid: {f}: {e}", file=sys.stderr)
            code = EXIT_INVALID
            continue
        print(f"ok: {f} ({sc.name}: {len(sc.models)} models, series {', '.join(sc.series)}, "
              f"{sc.start} to {sc.horizon}, seed {sc.seed})")
    return code


def _show(args: argparse.Namespace) -> int:
    import pandas as pd

    from .store import load

    code = EXIT_OK
    for folder in args.folders:
        try:
            res = load(folder)
        except (ValueError, OSError) as e:
            print(f"aicast: error: {e}", file=sys.stderr)
            code = EXIT_INVALID
            continue
        m = res.manifest  # type: ignore[attr-defined]
        sc = res.scenario
        print(f"{folder}: scenario {sc.name!r} ({m['scenario']['sha256'][:12]}), {sc.start} to {sc.horizon}, "
              f"{res.n_paths:,} paths, seed {res.seed}, aicast {m['aicast_version']}, "
              f"{m['timings']['engine_seconds']:.2f} s engine time, finished {m['timings']['finished_utc']}")
        if sc.description:
            print(f"  {sc.description}")
        if sc.data_as_of:
            print("  data as of: " + "; ".join(f"{k} {v}" for k, v in sc.data_as_of.items()))
        with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 120):
            print("\nSummary:")
            print(res.summary().to_string())
            for s in res.series:
                print(f"\n{s}: quantiles at each year's last month")
                print(res.table(s, q=(0.05, 0.25, 0.5, 0.75, 0.95)).to_string())
        if res._events:
            print("\nEvents (probability it has happened by the month, ± Monte Carlo s.e.):")
            wanted = sc.outputs.parsed_events() if sc.outputs is not None else []
            for ev in res._events:
                text = f"{ev[0]} {ev[1]} {ev[2]:g}"
                for wanted_event, by in wanted:
                    if by is not None and _same_event(wanted_event, ev):
                        print(f"  {res.prob(text, by=by)}")
                print(f"  {res.hitting_time(text)}")
        print()
        if args.open:
            _open_report(folder)
    return code


def _open_report(folder: Path) -> None:
    import webbrowser

    page = Path(folder) / "report.html"
    if not page.is_file():
        print(f"aicast: {folder} has no report.html (written by aicast run since version 0.1)", file=sys.stderr)
        return
    if not webbrowser.open(page.resolve().as_uri()):
        print(f"aicast: no web browser found; open {page.resolve().as_uri()} yourself", file=sys.stderr)


def _same_event(text: str, ev: tuple[str, str, float]) -> bool:
    from .events import parse_event

    return parse_event(text) == ev


class _Terminated(BaseException):
    """Raised by the SIGTERM handler so a run stops between chunks and cleans up like Ctrl-C."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aicast`` command; returns the exit code (see ``aicast --help``)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = _main(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except _Terminated:
        print("aicast: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        # Python's recipe: point stdout at devnull so the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == "run":
            return _run_files(args) if args.files else _run_default(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "show":
            return _show(args)
        if args.command == "sweep":
            from .analysis import sweep_cli

            return sweep_cli.run(args)
    except KeyboardInterrupt:
        print("aicast: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, TypeError) as e:
        print(f"aicast: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
