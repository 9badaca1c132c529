"""Cost of the engine's per-month summary phase (quantiles, mean, sd, events), single-threaded.

Runs the price-decline scenario of bench_price.py twice per repetition through the raw engine
call: once with the 11 default quantile levels and one event, once with no levels and no
events. The difference is the cost of quantiles and events (mean and sd are computed in both
runs: for the whole summary phase, profile with perf). It is printed in ns per path-month and
relative to np.quantile + np.mean + np.std(ddof=1) + an event count on the same kind of data,
timed in this same run.

    python bench/bench_summary.py [months] [repeat]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

import aicast as ac
from aicast import _engine

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from bench_price import DECLINE, FLOOR, FLOOR_DECLINE, JUMP_MU, JUMP_SD, RATE, START, VOL  # noqa: E402


def scenario(months: int) -> ac.Scenario:
    start = pd.Period("2026-02", freq="M")
    sc = ac.Scenario(start, start + (months - 1), seed=1)
    sc.add(ac.PriceDecline("p", start_price=START, annual_decline=DECLINE, volatility=VOL, jump_rate=RATE,
                           jump_log_size=ac.normal(JUMP_MU, JUMP_SD), floor=FLOOR, floor_annual_decline=FLOOR_DECLINE))
    return sc


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    months = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    sc = scenario(months)
    core = sc._engine_scenario()
    levels = list(ac.DEFAULT_QUANTILES)
    events = [("p.price", "<", 0.5)]
    print(f"price-decline, {months} months, 1 thread: summary = run(11 quantiles + 1 event) - run(no quantiles, no event)")
    print(f"{'paths':>10} {'full ns/pm':>11} {'bare ns/pm':>11} {'summary ns/pm':>14} {'numpy ns/pm':>12} {'numpy/summary':>14}")
    for paths in (100_000, 1_000_000):
        pm = paths * months
        full, bare = [], []
        for _ in range(repeat):
            full.append(timed(lambda: _engine.run(core, 1, paths, 1, 1024, levels, False, events, 0.0, None)))
            bare.append(timed(lambda: _engine.run(core, 1, paths, 1, 1024, [], False, [], 0.0, None)))
        # numpy on one month of the same kind of data (the last month's paths), per path-month
        x = sc.run(paths=paths, threads=1, keep_paths=True, progress=False).paths("p.price")[:, -1].copy()
        lv = np.array(levels)

        def numpy_month():
            np.quantile(x, lv)
            x.mean()
            x.std(ddof=1)
            np.count_nonzero(x < 0.5)

        t_np = min(min(timed(numpy_month) for _ in range(5)) for _ in range(2))
        f, b = min(full) / pm * 1e9, min(bare) / pm * 1e9
        s = f - b
        n = t_np / paths * 1e9
        print(f"{paths:>10,} {f:>11.2f} {b:>11.2f} {s:>14.2f} {n:>12.2f} {n / s:>13.1f}x")


if __name__ == "__main__":
    main()
