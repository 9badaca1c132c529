"""Speed of the self-hosting and token-demand models against a NumPy reference.

The same scenario (a jump-diffusion API price, a self-hosting deployment and a token demand
reading it, every parameter uncertain) is simulated by the engine and by a NumPy
implementation that loops over months on whole path arrays; both compute the default
quantiles, the mean and the standard deviation of every series in every month. Prints the
time of each and the ratio. Run: ``.venv/bin/python bench/bench_self_hosting.py [paths]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import aicast as ac

PATHS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
MONTHS = 60
LEVELS = list(ac.DEFAULT_QUANTILES)


def scenario() -> ac.Scenario:
    sc = ac.Scenario(start="2026-01", horizon="2030-12", seed=1)
    sc.add(ac.PriceDecline("api", start_price=ac.to(1, 10), annual_decline=ac.to(1.5, 6), volatility=0.3,
                           jump_rate=0.5, jump_log_size=ac.normal(-0.5, 0.2)))
    sc.add(ac.SelfHosting("own", api_price="api", volume_per_month=ac.to(1e8, 1e11), gpus=2,
                          gpu_price=ac.to(25_000, 35_000), depreciation_months=36, power_per_month=300,
                          ops_per_month=500, staff_per_month=ac.to(12_000, 30_000),
                          tokens_per_second_per_gpu=ac.to(300, 1500), utilization=ac.uniform(0.2, 0.7),
                          gpu_price_annual_decline=ac.to(1.1, 1.5)))
    sc.add(ac.TokenDemand("use", price="api", base_tokens_per_month=ac.to(1e8, 1e10),
                          price_elasticity=ac.uniform(0.5, 2.0), annual_growth=ac.to(1.1, 2.0)))
    return sc


def lognormal_90(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    mu, sigma = (np.log(lo) + np.log(hi)) / 2, (np.log(hi) - np.log(lo)) / (2 * 1.6448536269514722)
    return rng.lognormal(mu, sigma, n)


def numpy_reference(n: int) -> None:
    rng = np.random.default_rng(1)
    p0 = lognormal_90(rng, 1, 10, n)
    drift = -np.log(lognormal_90(rng, 1.5, 6, n)) / 12
    vol, lam = 0.3 / np.sqrt(12), 0.5 / 12
    volume = lognormal_90(rng, 1e8, 1e11, n)
    cap = 2 * lognormal_90(rng, 300, 1500, n) * rng.uniform(0.2, 0.7, n) * 730 * 3600
    gpu = 2 * lognormal_90(rng, 25_000, 35_000, n) / 36
    staff = lognormal_90(rng, 12_000, 30_000, n)
    gpu_decline = np.log(lognormal_90(rng, 1.1, 1.5, n)) / 12
    q0 = lognormal_90(rng, 1e8, 1e10, n)
    eps = rng.uniform(0.5, 2.0, n)
    growth = np.log(lognormal_90(rng, 1.1, 2.0, n)) / 12
    log_e = np.log(p0)

    def summarize(x: np.ndarray) -> None:
        with np.errstate(invalid="ignore"):  # inf - inf between infinite break-evens
            np.quantile(x, LEVELS)
            x.mean()
            x.std(ddof=1)

    for m in range(MONTHS):
        if m > 0:
            k = rng.poisson(lam, n)
            jumps = np.where(k > 0, k * -0.5 + np.sqrt(k) * 0.2 * rng.standard_normal(n), 0.0)
            log_e += drift + vol * rng.standard_normal(n) + jumps
        p = np.exp(log_e)
        h = gpu * np.exp(-gpu_decline * m) + 800
        replicas = np.maximum(1, np.ceil(volume / cap))
        self_host = staff + replicas * h
        api = volume * p / 1e6
        margin = cap * p / 1e6 - h
        with np.errstate(divide="ignore", invalid="ignore"):
            k_rep = np.maximum(1, np.ceil(staff / margin))
            be = np.where(margin > 0, (staff + k_rep * h) * 1e6 / p, np.inf)
        q = q0 * np.exp(-eps * (log_e - np.log(p0)) + growth * m)
        for x in (p, self_host, api, api - self_host, be, cap, h, staff, q, p * q / 1e6):
            summarize(x)


def main() -> None:
    sc = scenario()
    sc.run(paths=1000, progress=False)  # warm up
    t = time.perf_counter()
    res = sc.run(paths=PATHS, progress=False)
    engine = time.perf_counter() - t
    t = time.perf_counter()
    numpy_reference(PATHS)
    ref = time.perf_counter() - t
    print(f"self-hosting + token demand + price, {PATHS:,} paths x {MONTHS} months, {len(res.series)} series, "
          f"{len(LEVELS)} quantiles + mean + sd per series and month")
    print(f"  engine ({res.threads} threads): {engine:.3f} s")
    print(f"  NumPy reference:     {ref:.3f} s")
    print(f"  speed-up: {ref / engine:.1f}x")


if __name__ == "__main__":
    main()
