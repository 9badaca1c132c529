"""Speed of the leaderboard-gap model: the engine against a NumPy reference of the same model.

Both simulate the same paths' dynamics (latent frontier, running maximum, exact OU gap) and
produce the same summaries: for each of the five series, the 11 default quantiles, mean and
standard deviation per month, plus the first-passage month of one event. The reference loops
over months with whole-path vectors (the fast way to write it in NumPy).

    python bench/bench_leaderboard.py [paths] [months]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

import aicast as ac

P = dict(closed_start=1470.0, gap_start=36.0, closed_drift_per_month=9.3, closed_volatility=59.0,
         gap_reversion=6.7, equilibrium_gap=68.0, gap_volatility=98.0, innovation_correlation=0.46)


def numpy_reference(paths: int, months: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    levels = np.array(ac.DEFAULT_QUANTILES)
    dt = 1.0 / 12.0
    mu, vc = P["closed_drift_per_month"], P["closed_volatility"] * np.sqrt(dt)
    k, th = P["gap_reversion"], P["equilibrium_gap"]
    a = np.exp(-k * dt)
    s = P["gap_volatility"] * np.sqrt((1 - a * a) / (2 * k))
    rho = P["innovation_correlation"]
    s0, s1 = s * rho, s * np.sqrt(1 - rho * rho)
    latent = np.full(paths, P["closed_start"])
    closed = latent.copy()
    gap = np.full(paths, P["gap_start"])
    q = np.empty((5, len(levels), months))
    mean = np.empty((5, months))
    sd = np.empty((5, months))
    first = np.full(paths, -1)
    for m in range(months):
        if m > 0:
            z = rng.standard_normal((2, paths))
            latent += mu + vc * z[0]
            np.maximum(closed, latent, out=closed)
            gap = th + a * (gap - th) + (s0 * z[0] + s1 * z[1])
        series = (closed, closed - gap, gap, gap / mu, latent)
        for i, x in enumerate(series):
            q[i, :, m] = np.quantile(x, levels)
            mean[i, m] = x.mean()
            sd[i, m] = x.std()
        hit = (series[1] >= 1600) & (first < 0)
        first[hit] = m
    return {"quantiles": q, "mean": mean, "sd": sd, "first": first}


def engine(paths: int, months: int, seed: int, threads: int | None) -> ac.Result:
    start = pd.Period("2025-08", freq="M")
    sc = ac.Scenario(start, start + (months - 1), seed=seed).add(ac.LeaderboardGap("lb", **P))
    return sc.run(paths=paths, threads=threads, progress=False, events=["lb.open >= 1600"])


def best_of(f, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    paths = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    months = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    t_np = best_of(lambda: numpy_reference(paths, months, 1), repeat=2)
    t_1 = best_of(lambda: engine(paths, months, 1, 1))
    t_all = best_of(lambda: engine(paths, months, 1, None))
    # same model, same summaries: the medians agree to Monte Carlo accuracy
    ref = numpy_reference(20_000, months, 2)
    res = engine(20_000, months, 2, None)
    med = res.quantiles("lb.gap", [0.5]).to_numpy()[:, 0]
    diff = np.max(np.abs(med - ref["quantiles"][2, 5]))
    print(f"leaderboard_gap, {paths:,} paths x {months} months, 5 series x 11 quantiles + 1 event")
    print(f"  NumPy reference           {t_np:8.3f} s")
    print(f"  engine, 1 thread          {t_1:8.3f} s   {t_np / t_1:6.1f}x NumPy")
    print(f"  engine, all threads ({res.threads})  {t_all:8.3f} s   {t_np / t_all:6.1f}x NumPy")
    print(f"  check: max |median gap engine - NumPy| over months = {diff:.2f} points (20k paths each)")


if __name__ == "__main__":
    main()
