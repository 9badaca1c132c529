"""Speed of the price-decline model: the engine against a NumPy reference of the same model.

Both simulate the same model (per-path priors on decline, volatility, jump rate, floor and
floor decline; monthly diffusion; Poisson price-war jumps with normal log sizes; a falling
floor) and produce the same summaries per month: the 11 default quantiles, mean and standard
deviation, and the first-passage month of one event. The reference loops over months with
whole-path vectors, the fast way to write it in NumPy (a whole paths x months array is slower
and needs far more memory). Prints ratios measured in this one run: each side's best of a few
repeats (the engine's first run of a size also pays the page faults of its month buffer, which
the engine keeps for the next run; that first run is printed too).

    python bench/bench_price.py [months]
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import aicast as ac

DECLINE, VOL, RATE, FLOOR, FLOOR_DECLINE = ac.to(3, 30), ac.to(0.2, 0.6), ac.to(0.2, 1.0), ac.to(0.05, 0.2), ac.to(1.3, 2.5)
JUMP_MU, JUMP_SD, START = -0.5, 0.2, 5.4


def numpy_reference(paths: int, months: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    levels = np.array(ac.DEFAULT_QUANTILES)

    def draw(p: ac.Prior) -> np.ndarray:  # to(lo, hi) with lo > 0 is lognormal(mu, sigma)
        mu, sigma = p.params
        return np.exp(mu + sigma * rng.standard_normal(paths))

    drift = -np.log(draw(DECLINE)) / 12
    vol = draw(VOL) / np.sqrt(12)
    jump_mu = draw(RATE) / 12
    floor = draw(FLOOR)
    floor_factor = draw(FLOOR_DECLINE) ** (-1 / 12)
    log_e = np.log(START - floor)
    q = np.empty((len(levels), months))
    mean, sd = np.empty(months), np.empty(months)
    first = np.full(paths, -1)
    price = START - floor + floor
    for m in range(months):
        if m > 0:
            k = rng.poisson(jump_mu)
            log_e += drift + vol * rng.standard_normal(paths)
            jumped = k > 0  # a sum of k normal jump sizes is normal(k mu, sqrt(k) sd)
            log_e[jumped] += rng.normal(k[jumped] * JUMP_MU, np.sqrt(k[jumped]) * JUMP_SD)
            floor *= floor_factor
            price = floor + np.exp(log_e)
        q[:, m] = np.quantile(price, levels)
        mean[m], sd[m] = price.mean(), price.std(ddof=1)
        first[(price < 0.5) & (first < 0)] = m
    return {"quantiles": q, "mean": mean, "sd": sd, "first": first}


def engine(paths: int, months: int, seed: int, threads: int | None) -> ac.Result:
    import pandas as pd

    start = pd.Period("2026-02", freq="M")
    sc = ac.Scenario(start, start + (months - 1), seed=seed)
    sc.add(ac.PriceDecline("p", start_price=START, annual_decline=DECLINE, volatility=VOL, jump_rate=RATE,
                           jump_log_size=ac.normal(JUMP_MU, JUMP_SD), floor=FLOOR, floor_annual_decline=FLOOR_DECLINE))
    return sc.run(paths=paths, threads=threads, events=["p.price < 0.5"], progress=False)


def best_of(fn, repeat: int) -> tuple[float, float, object]:
    """(best time, first time, last result) of `repeat` calls."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times[0], out


def main() -> None:
    months = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    cores = os.cpu_count() or 1
    print(f"price-decline model, {months} months, 11 quantiles + mean + sd + 1 event per month; {cores} cores")
    print(f"{'paths':>10} {'numpy s':>9} {'engine 1T s':>12} {'engine all s':>13} {'ratio 1T':>9} {'ratio all':>10}"
          f" {'M path-months/s/core (1T)':>26} {'first run 1T s':>15}")
    for paths in (100_000, 1_000_000):
        repeat = 5 if paths <= 100_000 else 2
        ac.release_memory()  # the first engine run of this size starts cold
        t_1, t_first, res = best_of(lambda: engine(paths, months, 1, 1), repeat)
        t_all, _, _ = best_of(lambda: engine(paths, months, 1, None), repeat)
        t_np, _, ref = best_of(lambda: numpy_reference(paths, months, 1), max(2, repeat - 2))
        # sanity: the two implementations agree on the distribution (different random numbers)
        med_ref, med = ref["quantiles"][5, -1], res.quantiles("p.price", [0.5]).iloc[-1, 0]
        assert abs(med / med_ref - 1) < 0.05, (med, med_ref)
        rate = paths * months / t_1 / 1e6
        print(f"{paths:>10,} {t_np:>9.3f} {t_1:>12.3f} {t_all:>13.3f} {t_np / t_1:>8.1f}x {t_np / t_all:>9.1f}x {rate:>26.0f}"
              f" {t_first:>15.3f}")


if __name__ == "__main__":
    main()
