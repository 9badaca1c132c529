"""The latent volatility of a capability price observed as a running minimum (exact likelihood).

Observation model (the engine's ``PriceDecline(running_minimum=True)``): a latent monthly log
price ``x_m = x_{m-1} + mu + s Z_m`` (the price of the best offer made in month ``m``; a
Gaussian random walk with drift ``mu`` and monthly volatility ``s``), and the observed price
frontier is its running minimum ``P_m = min(P_{m-1}, x_m)``. A frontier point is a month in
which the latent price fell below every earlier one; a month with no new point says only that
it stayed at or above the current minimum ``c``.

So the data of one threshold, from its first frontier point on, are segments that start on a
record at ``c`` (the latent value is then exactly ``c``) and last ``n`` months: either ending
on the next record ``c + d`` (``d < 0``), with the ``n - 1`` months between at or above ``c``,
or (the last one) running to the data's end with every month at or above ``c``. In units of
``s`` and for drift 0, let ``q_k(u)`` be the density of a walk from 0 that stayed ``>= 0`` for
``k`` steps (``q_1 = phi`` on ``u >= 0``, ``q_{k+1}(u) = int_0^inf q_k(v) phi(u - v) dv``); it does
not depend on the parameters and is computed once on a grid. A drift ``m = mu / s`` changes the
density of a path ending at ``y_n`` by the factor ``exp(m y_n - n m^2 / 2)`` (Girsanov for a
Gaussian walk), so

* a record after ``n`` months: ``f = int q_{n-1}(u) phi(z - u) du  exp(m z - n m^2/2) / s``,
  ``z = d / s`` (``q_0`` the point mass at 0: ``phi(z)``);
* ``n`` months with no record: ``S = int q_n(u) exp(m u) du  exp(-n m^2/2)``.

The log likelihood of ``(mu_k, s)`` is the sum over segments; :func:`latent_volatility`
profiles out each threshold's drift and maximizes the sum over thresholds in ``s`` (one
volatility, as the earlier estimator pooled one). Tested against simulated running minima of
known volatility in ``tests/test_running_minimum.py``.

This is a diagnostic, not what the fits feed the engine: on the shipped Epoch table it puts the
volatility near 5.3 a year (frontier prices fall in rare large steps, which a Gaussian walk can
only produce with a large volatility), and forecasts with it cover 99.5% at 90% out of sample
(``README.md``). The fits use the consecutive-frontier-point estimator (:mod:`aicast.fit.prices`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

_H = 0.1  # grid step of u, in units of s (midpoint rule: the barrier is a cell edge)
_KERNEL = np.exp(-0.5 * (np.arange(-80, 81) * _H) ** 2) / math.sqrt(2.0 * math.pi) * _H  # phi, +-8 sd
#: Profile grids: annual volatility of the latent log price, and its annual drift.
SIGMA_GRID = np.exp(np.linspace(math.log(0.2), math.log(8.0), 38))
MU_GRID = np.linspace(-12.0, 0.5, 51)


@lru_cache(maxsize=8)
def _killed_densities(n_max: int, g: int) -> np.ndarray:
    """``q_k`` for k = 0..n_max on the grid ``u_j = (j + 1/2) h`` (row 0 unused): shape (n_max + 1, g)."""
    u = (np.arange(g) + 0.5) * _H
    q = np.zeros((n_max + 1, g))
    if n_max >= 1:
        q[1] = np.exp(-0.5 * u * u) / math.sqrt(2.0 * math.pi)
    half = len(_KERNEL) // 2
    for k in range(2, n_max + 1):
        q[k] = np.convolve(q[k - 1], _KERNEL)[half : half + g]
    return q


def _segments(dates: Sequence[pd.Timestamp], prices: np.ndarray, data_end: pd.Period) -> tuple[list[tuple[int, float]], int]:
    """Records as (months since the previous record, log change) and the months after the last one."""
    months = [pd.Timestamp(d).to_period("M") for d in dates]
    logp = np.log(np.asarray(prices, dtype=float))
    rec: list[tuple[pd.Period, float]] = []
    for m, x in zip(months, logp, strict=True):
        if rec and rec[-1][0] == m:  # two frontier points in one month: the month's minimum is the later
            rec[-1] = (m, min(rec[-1][1], float(x)))
        else:
            rec.append((m, float(x)))
    segs = [((b[0] - a[0]).n, b[1] - a[1]) for a, b in zip(rec[:-1], rec[1:], strict=True)]
    trailing = max(0, (data_end - rec[-1][0]).n)
    return segs, trailing


def profile_loglik(frontiers: Sequence[tuple[list[tuple[int, float]], int]],
                   sigma: np.ndarray = SIGMA_GRID, mu: np.ndarray = MU_GRID) -> np.ndarray:
    """Summed log likelihood over the frontiers at each annual volatility, each frontier's drift profiled out.

    ``frontiers``: per threshold, its record segments and trailing months (see :func:`_segments`).
    ``sigma``, ``mu``: annual volatility and annual drift of the latent log price.
    """
    s = np.asarray(sigma, dtype=float) / math.sqrt(12.0)  # monthly volatility
    mm = np.asarray(mu, dtype=float) / 12.0
    m = mm[:, None] / s[None, :]  # standardized monthly drift, (n_mu, n_sigma)
    n_max = max([max([n for n, _ in segs], default=0) for segs, _t in frontiers] + [t for _s, t in frontiers] + [1])
    n_max = 12 * ((n_max + 11) // 12)  # a few cached sizes
    m_hi = max(0.0, float(m.max()))
    g = 10 * int(math.ceil((10.0 + 5.0 * math.sqrt(n_max) + n_max * m_hi) / _H / 10))
    q = _killed_densities(n_max, g)
    u = (np.arange(g) + 0.5) * _H
    total = np.zeros(len(s))
    for segs, trailing in frontiers:
        ll = np.zeros_like(m)
        for n, d in segs:
            z = d / s  # (n_sigma,)
            if n == 1:
                base = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
            else:
                base = (np.exp(-0.5 * (z[:, None] - u[None, :]) ** 2) / math.sqrt(2.0 * math.pi)) @ q[n - 1] * _H
            ll += np.log(np.maximum(base, 1e-300))[None, :] - np.log(s)[None, :] + m * z[None, :] - 0.5 * n * m * m
        if trailing > 0:
            # int q_n(u) exp(m u) du, evaluated stably: factor out the largest exponent
            e = m[..., None] * u[None, None, :] + np.log(np.maximum(q[trailing], 1e-300))[None, None, :]
            top = e.max(axis=-1)
            surv = top + np.log(np.exp(e - top[..., None]).sum(axis=-1) * _H)
            ll += surv - 0.5 * trailing * m * m
        total += ll.max(axis=0)
    return total


def latent_volatility(frontiers: Sequence[tuple[list[tuple[int, float]], int]]) -> tuple[float, int]:
    """Maximum-likelihood annual volatility of the latent log price, pooled over frontiers, and the record count.

    Returns ``(0, 1)`` when there is no record to learn from.
    """
    n_rec = sum(len(segs) for segs, _ in frontiers)
    if n_rec == 0:
        return 0.0, 1
    ll = profile_loglik(frontiers)
    i = int(np.argmax(ll))
    x = np.log(SIGMA_GRID)
    if 0 < i < len(x) - 1:  # parabola through the grid's best three points, on log sigma
        y0, y1, y2 = ll[i - 1], ll[i], ll[i + 1]
        den = y0 - 2.0 * y1 + y2
        step = 0.5 * (y0 - y2) / den if den < 0 else 0.0
        return float(math.exp(x[i] + step * (x[1] - x[0]))), n_rec
    return float(SIGMA_GRID[i]), n_rec



#: Volatility grid (annual) on which :func:`record_statistic` is simulated.
STAT_SIGMA_GRID = np.exp(np.linspace(math.log(0.2), math.log(12.0), 28))


def record_statistic(sigmas: np.ndarray, spans: Sequence[int], drifts: Sequence[float], reps: int = 120,
                     seed: int = 20261130) -> np.ndarray:
    """Expected consecutive-frontier-point statistic of running minima at each latent volatility.

    For each frontier ``j`` (``spans[j]`` months from its first point to the data's end, latent
    drift ``drifts[j]`` per year) ``reps`` latent monthly walks from 0 are simulated; their
    frontier points are the months that set a new minimum. On each simulated frontier with at
    least 3 points, as on the data: the OLS trend of the points on time, the changes ``d`` of
    the residual between consecutive points and the years ``g`` from the first point to the
    last; the pooled statistic is ``sqrt(sum d^2 / sum g)``. Common random numbers for every
    volatility (``seed``), so the curve is smooth and increasing in the volatility.
    """
    spans = [int(s) for s in spans]
    m = max(spans) + 1
    rng = np.random.default_rng(seed)
    k = reps * len(spans)
    z = rng.standard_normal((k, m - 1))
    span = np.repeat(spans, reps)
    mu = np.repeat(np.asarray(drifts, dtype=float), reps) / 12.0
    t = np.arange(m) / 12.0
    valid = np.arange(m)[None, :] <= span[:, None]
    out = np.zeros(len(sigmas))
    for i, sig in enumerate(sigmas):
        x = np.concatenate([np.zeros((k, 1)), np.cumsum(mu[:, None] + sig / math.sqrt(12.0) * z, axis=1)], axis=1)
        prev = np.concatenate([np.full((k, 1), np.inf), np.minimum.accumulate(x, axis=1)[:, :-1]], axis=1)
        rec = (x < prev) & valid
        n = rec.sum(axis=1)
        w = rec.astype(float)
        st, sy = (w * t).sum(axis=1), (w * x).sum(axis=1)
        stt, sty = (w * t * t).sum(axis=1), (w * t * x).sum(axis=1)
        den = n * stt - st * st
        ok = (n >= 3) & (den > 0)
        b = np.where(ok, (n * sty - st * sy) / np.where(ok, den, 1.0), 0.0)
        a = np.where(ok, (sy - b * st) / np.maximum(n, 1), 0.0)
        e = x - a[:, None] - b[:, None] * t[None, :]
        # residual at the previous frontier point of each month (forward fill of the record indices)
        idx = np.where(rec, np.arange(m)[None, :], -1)
        last = np.maximum.accumulate(idx, axis=1)
        before = np.concatenate([np.full((k, 1), -1), last[:, :-1]], axis=1)
        has_prev = rec & (before >= 0)
        e_prev = np.take_along_axis(e, np.maximum(before, 0), axis=1)
        dsq = np.where(has_prev, (e - e_prev) ** 2, 0.0).sum(axis=1)
        first = np.argmax(rec, axis=1)
        gap = (last[:, -1] - first) / 12.0
        out[i] = math.sqrt(dsq[ok].sum() / gap[ok].sum()) if ok.any() and gap[ok].sum() > 0 else 0.0
    return out


@lru_cache(maxsize=64)
def _corrected(stat: float, spans: tuple[int, ...], drifts: tuple[float, ...]) -> float:
    curve = record_statistic(STAT_SIGMA_GRID, spans, drifts)
    # the statistic rises with the volatility; interpolate on log scales (clamped to the grid)
    return float(np.exp(np.interp(math.log(stat), np.log(np.maximum.accumulate(curve)), np.log(STAT_SIGMA_GRID))))


def corrected_volatility(stat: float, spans: Sequence[int], drifts: Sequence[float]) -> float:
    """The latent volatility whose running minima give, in expectation, the observed statistic ``stat``.

    The consecutive-frontier-point statistic is computed on the months that set a new minimum,
    which are selected for low values, so under the running-minimum model it is below the latent
    volatility (at drift -3.6 a year: 1.63 for a volatility of 1.93). This inverts
    :func:`record_statistic` simulated on frontiers like the fitted ones (their spans and
    fitted drifts): indirect inference, from the fitted data only. 0 stays 0.
    """
    if stat <= 0 or not spans:
        return 0.0
    return _corrected(round(float(stat), 12), tuple(int(s) for s in spans), tuple(round(float(d), 12) for d in drifts))
