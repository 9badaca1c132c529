"""Throughput of the incident-growth model: the engine against a NumPy reference of the same model.

Both simulate negative binomial monthly counts (Poisson of a gamma) around an exponential trend
whose base, growth and dispersion are drawn per path, keep the year-to-date and cumulative sums,
and compute the 11 default quantiles and the mean of every series per month. Prints seconds and
the speed ratio (NumPy time / engine time). Run: ``.venv/bin/python bench/bench_incidents.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import aicast as ac

LEVELS = np.array(ac.DEFAULT_QUANTILES)


def numpy_reference(paths: int, months: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    base = np.exp(rng.normal(np.log(30.0), 0.2, paths))
    rate = np.log(np.exp(rng.normal(np.log(1.5), 0.1, paths))) / 12
    k = np.exp(rng.normal(np.log(8.0), 0.3, paths))
    cum = np.zeros(paths)
    ytd = np.zeros(paths)
    for m in range(months):
        lam = base * np.exp(rate * m)
        n = rng.poisson(rng.gamma(k, lam / k)).astype(float)
        cum += n
        ytd = n if m % 12 == 0 else ytd + n
        for series in (n, ytd, cum):
            np.quantile(series, LEVELS)
            series.mean()
            series.std()
    return time.perf_counter() - t0


def engine(paths: int, months: int, seed: int, threads: int | None, categories: bool) -> float:
    cats = {"a": (0.3, 2.0), "b": (0.3, 1.5), "c": (0.4, 1.1)} if categories else None
    sc = ac.Scenario(
        start="2026-01",
        horizon=f"{2026 + (months - 1) // 12}-{(months - 1) % 12 + 1:02d}",
        seed=seed,
    )
    sc.add(
        ac.IncidentGrowth(
            "inc",
            base_per_month=ac.lognormal(np.log(30.0), 0.2),
            annual_growth=ac.lognormal(np.log(1.5), 0.1),
            dispersion=ac.lognormal(np.log(8.0), 0.3),
            categories=cats,
            category_concentration=20.0 if categories else None,
        )
    )
    assert sc.n_months == months
    t0 = time.perf_counter()
    sc.run(paths=paths, threads=threads, progress=False)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--paths", type=int, default=200_000)
    p.add_argument("--months", type=int, default=60)
    args = p.parse_args()
    ref = numpy_reference(args.paths, args.months, 1)
    print(
        f"incident growth, {args.paths:,} paths x {args.months} months, 3 series, 11 quantiles per month"
    )
    print(f"  NumPy reference (loop over months):  {ref:7.3f} s")
    for threads in (1, None):
        t = engine(args.paths, args.months, 1, threads, categories=False)
        label = "1 thread" if threads == 1 else "all cores"
        print(f"  engine, {label:9s}:                {t:7.3f} s   ratio {ref / t:5.2f}x")
    t = engine(args.paths, args.months, 1, None, categories=True)
    print(f"  engine, all cores, + 3 categories (6 series, Dirichlet-multinomial): {t:7.3f} s")


if __name__ == "__main__":
    main()
