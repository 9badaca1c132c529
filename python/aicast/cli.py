"""Command line: ``aicast run`` runs the built-in default scenario and writes a fan chart."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {v}")
    return v


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="aicast",
        description="Monte Carlo forecasts of the AI economy, with uncertainty.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser(
        "run",
        help="run the built-in default scenario",
        description=(
            "Run the built-in default scenario (frontier, mid-tier and open-model hosted prices "
            "from early-2026 list prices), print yearly quantiles and event probabilities, and "
            "write a fan chart PNG."
        ),
    )
    r.add_argument("--paths", type=_positive_int, default=200_000, help="Monte Carlo paths (default 200000)")
    r.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    r.add_argument("--threads", type=_positive_int, default=None, help="worker threads (default: all cores)")
    r.add_argument("--out", type=Path, default=Path("aicast-output"), help="folder for the PNG (default aicast-output)")
    r.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    return p


def _run_default(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from .defaults import DEFAULT_TIERS, default_scenario

    sc = default_scenario(seed=args.seed)
    events = ["frontier.price < 1", "mid.price < 0.2", "open.price < 0.1"]
    res = sc.run(paths=args.paths, threads=args.threads, progress=not args.no_progress and sys.stderr.isatty(), events=events)
    print(f"aicast {res.scenario.start} to {res.scenario.horizon}: {res.n_paths:,} paths, seed {res.seed}, "
          f"{res.seconds:.2f} s on {res.threads} threads")
    print("Price per million tokens (USD, blended 3:1 input:output), quantiles at each year's last month:")
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 120):
        for s in res.series:
            tier = s.split(".")[0]
            names = ", ".join(m for _, m in DEFAULT_TIERS[tier])
            print(f"\n{s}  (start: geometric mean of {names})")
            print(res.table(s, q=(0.05, 0.25, 0.5, 0.75, 0.95)).to_string())
    print("\nEvents (probability the price has fallen below the level by the month, ± Monte Carlo s.e.):")
    for ev in events:
        for by in ("2027-12", "2028-12", "2030-12"):
            print(f"  {res.prob(ev, by=by)}")
        print(f"  {res.hitting_time(ev)}")
    args.out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 5))
    for s, color in zip(res.series, ("C0", "C1", "C2")):
        res.plot.fan(s, ax=ax, color=color, label=f"{s} median", bands=((0.05, 0.95),), log=True)
    ax.set_title(f"LLM price per million tokens by tier ({res.n_paths:,} paths)")
    ax.set_ylabel("USD per million tokens (log scale)")
    png = args.out / "default_fan.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"\nFan chart written to {png}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aicast`` command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "run":
            return _run_default(args)
    except KeyboardInterrupt:
        print("aicast: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, TypeError) as e:
        print(f"aicast: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
