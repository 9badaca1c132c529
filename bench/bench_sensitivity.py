"""Cost of Sobol indices for every prior of the default scenario against plain runs.

One engine pass runs the whole Saltelli design (rows A, B, C and one AB per prior, the noise
held fixed across them); the indices and their bootstrap intervals are NumPy on the kept
output. The budget is 200k engine paths, as for the plain run it is compared with.
Run: ``python bench/bench_sensitivity.py`` (best of 3; the machine may be shared and loaded).
"""

from __future__ import annotations

import time

import aicast as ac
from aicast.defaults import default_scenario

PATHS = 200_000


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    sc = default_scenario(seed=1)
    inputs = len(sc._engine_scenario().inputs)
    n = PATHS // (inputs + 3)
    t_run, _ = best(lambda: sc.run(paths=PATHS, progress=False))
    t_at, r = best(lambda: ac.sensitivity(sc, "frontier_capability.price", at="2028-12", statistic="median", n=n,
                                          bootstrap=100))
    t_all, _ = best(lambda: ac.sensitivity(sc, "frontier_capability.price", statistic="median", n=n, bootstrap=0), repeat=1)
    print(f"default scenario: {inputs} priors, {PATHS:,} paths; Sobol with n = {n:,} base rows "
          f"({r.evaluations:,} engine paths)")
    print(f"plain run                                  {t_run:7.3f} s")
    print(f"indices at 2028-12 + 100 bootstrap        {t_at:7.3f} s   ratio {t_at / t_run:5.2f}")
    print(f"indices for every month (no bootstrap)    {t_all:7.3f} s   ratio {t_all / t_run:5.2f}")
    print(r.table().head(6).round(3).to_string())


if __name__ == "__main__":
    main()
