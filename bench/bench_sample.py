"""Prior.sample and aicast.sample against NumPy's generator.

10 million draws of a normal, lognormal, gamma and beta prior with ``Prior.sample`` (all cores
and one thread) and with ``numpy.random.default_rng`` (one thread: NumPy's generator has no
threads), wall clock, best of N, and a correlated joint draw of 1 million triples with
``aicast.sample``. Prints the ratios measured in this one run.

    .venv/bin/python bench/bench_sample.py [draws] [repeat]
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import aicast as ac

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
REPEAT = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def best(fn) -> float:
    b = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t0)
    return b


def main() -> None:
    rng = np.random.default_rng(1)
    cases = [
        ("normal(0, 1)", ac.normal(0, 1), lambda: rng.normal(0.0, 1.0, N)),
        ("lognormal(0, 1)", ac.lognormal(0, 1), lambda: rng.lognormal(0.0, 1.0, N)),
        ("gamma(2.5)", ac.gamma(2.5), lambda: rng.gamma(2.5, 1.0, N)),
        ("beta(2, 5)", ac.beta(2, 5), lambda: rng.beta(2.0, 5.0, N)),
    ]
    print(f"{N:,} draws, best of {REPEAT}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'prior':18s} {'NumPy s':>8s} {'1 thread s':>10s} {'all s':>8s} {'ns/draw/core':>12s} {'ratio':>7s}")
    for label, prior, ref in cases:
        r = best(ref)
        one = best(lambda: prior.sample(N, seed=1, threads=1))
        allc = best(lambda: prior.sample(N, seed=1))
        print(f"{label:18s} {r:8.3f} {one:10.3f} {allc:8.3f} {one / N * 1e9:12.2f} {r / allc:6.1f}x")
    a, b, c = ac.correlate(ac.to(3, 30), ac.normal(0, 1), ac.uniform(0, 1),
                           correlation=[[1, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1]])
    joint = best(lambda: ac.sample([a, b, c], 1_000_000, seed=1))
    print(f"aicast.sample of 1,000,000 correlated triples (lognormal, normal, uniform): {joint:.3f} s")


if __name__ == "__main__":
    main()
