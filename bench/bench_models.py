"""Every model in one table: engine speed per core and the ratio to its NumPy reference.

For each model the scenario and NumPy reference of its own benchmark (bench_price.py,
bench_incidents.py, bench_self_hosting.py, bench_leaderboard.py) are timed in this one run:

* ``ratio``: NumPy reference time / engine time on all cores (2 here), wall clock, best of N;
* ``M path-months/s/core``: paths x months / CPU seconds of a one-thread run (CPU time, so the
  figure means something on a shared, loaded machine), and the same times the number of series
  (``per series``), the cost that issue 17 compares across models;
* ``x price``: the model's CPU cost per path-month per series relative to the price model's.

Then ``aicast run scenarios/incident-surge.toml --paths 200000`` is timed end to end (a fresh
process: import, run, Parquet and fan charts) and its engine run alone (wall clock on all cores,
and the CPU time of a one-thread run). The load average is printed at the start and the end.

    .venv/bin/python bench/bench_models.py [paths] [repeat]
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aicast as ac

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PATHS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
REPEAT = int(sys.argv[2]) if len(sys.argv) > 2 else 3
MONTHS = 60

sys.path.insert(0, str(HERE))
_argv, sys.argv = sys.argv, sys.argv[:1]  # bench_self_hosting reads sys.argv at import
price = importlib.import_module("bench_price")
incidents = importlib.import_module("bench_incidents")
self_hosting = importlib.import_module("bench_self_hosting")
leaderboard = importlib.import_module("bench_leaderboard")
sys.argv = _argv


def best_wall(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def best_cpu(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def models(paths: int):
    """(label, series, months, engine(threads), numpy reference) for each model."""
    sh = self_hosting.scenario()
    lb_months = 120
    return [
        ("price (1 tier)", 1, MONTHS, lambda t: price.engine(paths, MONTHS, 1, t),
         lambda: price.numpy_reference(paths, MONTHS, 1)),
        ("incidents (NB)", 3, MONTHS, lambda t: incidents.engine(paths, MONTHS, 1, t, categories=False),
         lambda: incidents.numpy_reference(paths, MONTHS, 1)),
        ("incidents + 3 categories", 6, MONTHS, lambda t: incidents.engine(paths, MONTHS, 1, t, categories=True),
         None),
        ("self-hosting + demand + price", 10, MONTHS,
         lambda t: sh.run(paths=paths, threads=t, progress=False), lambda: self_hosting.numpy_reference(paths)),
        ("leaderboard gap", 5, lb_months, lambda t: leaderboard.engine(paths // 2, lb_months, 1, t),
         lambda: leaderboard.numpy_reference(paths // 2, lb_months, 1)),
    ]


def main() -> None:
    print(f"engine vs NumPy, {PATHS:,} paths (leaderboard: half, 120 months), best of {REPEAT}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    head = (f"{'model':32s} {'series':>6s} {'NumPy s':>8s} {'engine s':>9s} {'ratio':>7s} "
            f"{'M path-months/s/core':>21s} {'per series':>10s} {'x price':>8s}")
    print(head)
    price_cost = None
    for label, series, months, eng, ref in models(PATHS):
        n = (PATHS // 2 if label.startswith("leaderboard") else PATHS) * months
        eng(None)  # warm-up: the kept month buffer, page faults
        wall = best_wall(lambda: eng(None), REPEAT)
        cpu = best_cpu(lambda: eng(1), max(2, REPEAT - 1))
        ref_s = best_wall(ref, 2) if ref is not None else float("nan")
        per_core = n / cpu / 1e6
        cost = cpu / (n * series)  # CPU seconds per path-month per series
        if price_cost is None:
            price_cost = cost
        ratio = f"{ref_s / wall:6.1f}x" if ref is not None else "      -"
        print(f"{label:32s} {series:6d} {ref_s:8.3f} {wall:9.3f} {ratio:>7s} {per_core:21.1f} "
              f"{per_core * series:10.1f} {cost / price_cost:7.2f}x")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")

    surge = ROOT / "scenarios" / "incident-surge.toml"
    sc = ac.Scenario.from_toml(surge)
    sc.run(paths=200_000, progress=False)
    run_s = best_wall(lambda: sc.run(paths=200_000, progress=False), REPEAT)
    run_cpu = best_cpu(lambda: sc.run(paths=200_000, threads=1, progress=False), max(2, REPEAT - 1))
    cli = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            subprocess.run([str(Path(sys.executable).with_name("aicast")), "run", str(surge), "--paths", "200000",
                            "--out", out, "--force", "--no-progress"], check=True, capture_output=True)
            cli.append(time.perf_counter() - t0)
    print(f"incident-surge.toml, 200,000 paths: engine run {run_s:.3f} s (one thread: {run_cpu:.3f} s of CPU); "
          f"`aicast run ... --paths 200000` end to end {min(cli):.3f} s (best of {REPEAT})")


if __name__ == "__main__":
    main()
