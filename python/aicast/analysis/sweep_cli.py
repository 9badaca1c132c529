"""``aicast sweep FILE --grid model.param=v1,v2 ... [--scheduler ADDRESS]``: a sweep from the command line.

Writes OUT/<scenario name>/ with ``manifest.json`` (what was swept and how), ``rows/`` (one file
per finished variant, so an interrupted sweep resumes) and ``table.csv`` (the tidy table).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def _grid_item(text: str) -> tuple[str, list[float]]:
    name, sep, values = text.partition("=")
    if not sep or "." not in name or not values:
        raise argparse.ArgumentTypeError(f"expected model.param=v1,v2,..., got {text!r}")
    try:
        return name.strip(), [float(v) for v in values.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"values must be numbers, got {values!r} in {text!r}") from None


def add_parser(sub: Any, positive_int: Any, epilog: str) -> None:
    s = sub.add_parser(
        "sweep",
        help="run a grid of variants of a scenario file, locally or on a Dask cluster",
        description=(
            "Run every combination of the --grid values as a variant of the scenario file (all on\n"
            "the file's seed: common random numbers) and write OUT/<name>/table.csv, manifest.json\n"
            "and rows/ (an interrupted sweep resumes from them when run again).\n\n"
            "  aicast sweep scenarios/baseline.toml --grid frontier_capability.annual_decline=3,10,30 \\\n"
            "      --grid frontier_capability.volatility=0.2,0.5 --paths 20000 --scheduler tcp://10.0.0.5:8786"
        ),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("file", metavar="FILE", type=Path, help="scenario file (.toml)")
    s.add_argument("--grid", type=_grid_item, action="append", required=True, metavar="MODEL.PARAM=V1,V2",
                   help="values of one parameter (repeat for more; every combination runs)")
    s.add_argument("--paths", type=positive_int, default=20_000, help="paths per variant (default 20000)")
    s.add_argument("--event", action="append", default=[], help="event whose probability to report, e.g. 'frontier.price < 1'")
    s.add_argument("--at", default=None, help="month of the summaries (default: the horizon)")
    s.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address (default: run here)")
    s.add_argument("--out", type=Path, default=Path("aicast-output"), help="folder for the results (default aicast-output)")


def run(args: argparse.Namespace) -> int:
    from ..scenario import Scenario
    from .sweeps import DASK_HINT, sweep

    sc = Scenario.from_toml(args.file)
    folder = args.out / (sc.name or args.file.stem)
    client = None
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise ValueError(DASK_HINT) from None
        client = Client(args.scheduler)
    try:
        df = sweep(sc, dict(args.grid), paths=args.paths, events=args.event, at=args.at, client=client, out=folder)
    finally:
        if client is not None:
            client.close()
    df.to_csv(folder / "table.csv")
    print(f"aicast sweep: {len(df)} variants of {args.file} -> {folder}")
    return 0
