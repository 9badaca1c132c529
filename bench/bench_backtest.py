"""Speed of one backtest forecast: the engine against a NumPy reference of the same forecast.

The forecast of a price backtest: per path, a start price and a decline rate drawn jointly
(correlated lognormals, from the fitted trend), then a monthly log random walk; all paths
kept, read at the observation months and scored (CRPS, PIT). Run: ``python bench/bench_backtest.py``.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import stats

import aicast as ac
from aicast import scores


def engine(fit, cut, months, paths, obs_idx):
    pri = fit.priors(start=cut)
    sc = ac.Scenario(start=cut, horizon=ac.Scenario(start=cut).start + (months - 1), seed=1)
    sc.add(ac.PriceDecline("tier", **pri))
    return np.log(sc.run(paths=paths, keep_paths=True, progress=False).paths("tier.price")[:, obs_idx].T)


def numpy_reference(fit, cut, months, paths, obs_idx, rng):
    t = float(fit.years([cut])[0])
    c = fit.cov
    inflate = stats.t.ppf(0.95, fit.dof) / stats.norm.ppf(0.95)
    # (level, slope) at the cut: jointly normal, scaled like the priors
    jac = np.array([[1.0, t], [0.0, 1.0]])
    cov = jac @ c @ jac.T * inflate**2
    mean = np.array([fit.log_price([cut])[0], fit.log_slope])
    ab = rng.multivariate_normal(mean, cov, size=paths)
    steps = ab[:, 1:2] / 12.0 + fit.residual_sd * math.sqrt(1 / 12) * rng.standard_normal((paths, months - 1))
    logp = np.concatenate([ab[:, :1], ab[:, :1] + np.cumsum(steps, axis=1)], axis=1)
    return logp[:, obs_idx].T


def main() -> None:
    fit = ac.fit.price_trend(ac.data.prices_epoch(), "mmlu", 43.9, end="2023-12")
    cut, months = "2023-12", 24
    obs_idx = np.arange(1, months, 2)
    y = np.log(np.geomspace(0.5, 0.05, len(obs_idx)))
    rng = np.random.default_rng(0)
    engine(fit, cut, months, 1000, obs_idx)  # warm up
    numpy_reference(fit, cut, months, 1000, obs_idx, rng)
    for paths in (20_000, 200_000):
        t0 = time.perf_counter()
        x = engine(fit, cut, months, paths, obs_idx)
        te = time.perf_counter() - t0
        t0 = time.perf_counter()
        xr = numpy_reference(fit, cut, months, paths, obs_idx, rng)
        tn = time.perf_counter() - t0
        t0 = time.perf_counter()
        crps = scores.crps_samples(x, y)
        scores.pit_samples(x, y)
        ts = time.perf_counter() - t0
        same = np.abs(crps - scores.crps_samples(xr, y)).max()
        print(f"{paths:>8,} paths x {months} months: forecast engine {te:.3f} s, NumPy {tn:.3f} s, "
              f"ratio NumPy/engine {tn / te:.2f}x; scoring {len(obs_idx)} observations {ts:.3f} s; "
              f"max CRPS difference engine vs NumPy {same:.3f}")


if __name__ == "__main__":
    main()
