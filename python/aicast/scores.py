"""Scores of probabilistic forecasts against what happened: PIT, interval coverage, CRPS, pinball loss.

A forecast of one quantity is either a sample (e.g. the engine's paths at one month) or a set
of quantiles. Functions take one forecast per observation: ``samples`` of shape
``(n_obs, n_samples)`` (or ``(n_samples,)`` for a single observation) and observations ``y``
of shape ``(n_obs,)``. A point forecast is a sample of size one.

Definitions (Gneiting & Raftery 2007, "Strictly proper scoring rules, prediction, and
estimation", JASA 102:359):

* PIT: ``F(y)``, the forecast's CDF at the observation; uniform on [0, 1] for a calibrated
  forecast. From a sample: ``(#{x < y} + #{x == y} / 2) / n`` (mid-PIT for ties).
* Coverage of a central interval at level ``c``: the share of observations inside
  ``[F^-1((1-c)/2), F^-1((1+c)/2)]``; about ``c`` for a calibrated forecast.
* CRPS (energy form): ``E|X - y| - E|X - X'| / 2`` with X, X' independent draws of the
  forecast; in the units of ``y``; lower is better; equals ``|x - y|`` for a point forecast.
  From a sample the second term uses all pairs, computed exactly in ``O(n log n)`` from the
  sorted sample: ``E|X - X'| = 2 / n^2 sum_i (2 i - n - 1) x_(i)``.
* Pinball (quantile) loss at level tau: ``(1{y < q} - tau) (q - y)``; CRPS is twice its
  integral over tau.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "coverage",
    "crps_normal",
    "crps_samples",
    "interval",
    "pinball_loss",
    "pit_quantiles",
    "pit_samples",
]


def _samples_obs(samples: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(samples, dtype=float)
    obs = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(f"samples must have shape (n_obs, n_samples) or (n_samples,), got {x.shape}")
    obs = np.atleast_1d(obs)
    if obs.ndim != 1 or obs.shape[0] != x.shape[0]:
        raise ValueError(
            f"observations must have shape ({x.shape[0]},) to match samples {x.shape}, got {obs.shape}"
        )
    if x.shape[1] == 0:
        raise ValueError("samples is empty: need at least one draw per observation")
    if not (np.isfinite(x).all() and np.isfinite(obs).all()):
        raise ValueError("samples and observations must be finite")
    return x, obs


def _levels(levels: npt.ArrayLike, field: str = "levels") -> np.ndarray:
    lv = np.atleast_1d(np.asarray(levels, dtype=float))
    if lv.ndim != 1 or lv.size == 0:
        raise ValueError(f"{field} must be a non-empty 1-d sequence, got shape {lv.shape}")
    if not ((lv > 0) & (lv < 1)).all():
        raise ValueError(f"{field} must lie strictly between 0 and 1, got {lv.tolist()}")
    return lv


def pit_samples(samples: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
    """Probability integral transform of each observation under its sample forecast.

    Examples
    --------
    >>> pit_samples([1.0, 2.0, 3.0, 4.0], [2.5]).tolist()
    [0.5]
    """
    x, obs = _samples_obs(samples, y)
    below = (x < obs[:, None]).sum(axis=1)
    ties = (x == obs[:, None]).sum(axis=1)
    return (below + 0.5 * ties) / x.shape[1]


def pit_quantiles(levels: npt.ArrayLike, values: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
    """PIT from a forecast given as quantiles: the CDF interpolated linearly between them.

    ``values`` has shape ``(n_obs, n_levels)`` (quantiles in the order of ``levels``). An
    observation below the lowest quantile gets PIT 0 and one above the highest gets 1, so
    with levels 0.01 ... 0.99 the PIT is exact to within 0.01 in the tails.
    """
    lv = _levels(levels)
    order = np.argsort(lv)
    lv = lv[order]
    q = np.asarray(values, dtype=float)
    if q.ndim == 1:
        q = q[None, :]
    q = q[:, order]
    obs = np.atleast_1d(np.asarray(y, dtype=float))
    if q.shape != (obs.shape[0], lv.size):
        raise ValueError(f"values must have shape ({obs.shape[0]}, {lv.size}), got {q.shape}")
    if (np.diff(q, axis=1) < 0).any():
        raise ValueError("quantile values must not decrease with the level")
    out = np.empty(obs.shape[0])
    for i in range(obs.shape[0]):
        out[i] = np.interp(obs[i], q[i], lv, left=0.0, right=1.0)
    return out


def interval(samples: npt.ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central interval holding ``level`` of each sample forecast: (lower, upper) arrays."""
    c = float(_levels([level], "level")[0])
    x = np.asarray(samples, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    lo, hi = np.quantile(x, [(1.0 - c) / 2.0, (1.0 + c) / 2.0], axis=1)
    return lo, hi


def coverage(lower: npt.ArrayLike, upper: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, np.ndarray]:
    """Share of observations inside their interval ``[lower, upper]`` (ends included).

    Returns
    -------
    (float, numpy.ndarray)
        The coverage and, per observation, whether it was inside.

    Examples
    --------
    >>> cov, inside = coverage([0, 0, 0, 0], [1, 1, 1, 1], [0.5, 1.0, 1.5, -0.1])
    >>> cov, inside.tolist()
    (0.5, [True, True, False, False])
    """
    lo = np.atleast_1d(np.asarray(lower, dtype=float))
    hi = np.atleast_1d(np.asarray(upper, dtype=float))
    obs = np.atleast_1d(np.asarray(y, dtype=float))
    if not (lo.shape == hi.shape == obs.shape) or obs.ndim != 1:
        raise ValueError(f"lower, upper and y must be 1-d of one length, got {lo.shape}, {hi.shape}, {obs.shape}")
    if obs.size == 0:
        raise ValueError("coverage of no observations is undefined")
    if (hi < lo).any():
        raise ValueError("interval upper ends must not lie below the lower ends")
    inside = (obs >= lo) & (obs <= hi)
    return float(inside.mean()), inside


def crps_samples(samples: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
    """CRPS of each sample forecast at its observation (energy form, exact over all pairs).

    Examples
    --------
    >>> crps_samples([3.0], [1.0]).tolist()  # a point forecast: the absolute error
    [2.0]
    """
    x, obs = _samples_obs(samples, y)
    n = x.shape[1]
    term1 = np.abs(x - obs[:, None]).mean(axis=1)
    xs = np.sort(x, axis=1)
    w = 2.0 * np.arange(1, n + 1) - n - 1.0
    mean_abs_diff = 2.0 * (xs @ w) / (n * n)
    return term1 - 0.5 * mean_abs_diff


def crps_normal(mu: npt.ArrayLike, sigma: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
    """Closed-form CRPS of a normal forecast N(mu, sigma^2) at ``y``.

    ``sigma * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi))`` with ``z = (y - mu) / sigma``.
    """
    m, s, obs = np.broadcast_arrays(
        np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float), np.asarray(y, dtype=float)
    )
    if (s <= 0).any():
        raise ValueError(f"sigma must be positive, got {np.min(s)!r}")
    z = (obs - m) / s
    cdf = 0.5 * (1.0 + np.vectorize(math.erf, otypes=[float])(z / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return s * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / math.sqrt(math.pi))


def pinball_loss(
    quantiles: npt.ArrayLike, levels: Sequence[float] | npt.ArrayLike, y: npt.ArrayLike
) -> np.ndarray:
    """Pinball loss of quantile forecasts, averaged over the levels, per observation.

    ``quantiles`` has shape ``(n_obs, n_levels)`` (a point forecast: the same value in each
    column). Lower is better.

    Examples
    --------
    >>> pinball_loss([[1.0, 2.0, 3.0]], [0.1, 0.5, 0.9], [2.0]).round(4).tolist()
    [0.0667]
    """
    lv = _levels(levels)
    q = np.asarray(quantiles, dtype=float)
    if q.ndim == 1:
        q = q[None, :]
    obs = np.atleast_1d(np.asarray(y, dtype=float))
    if q.shape != (obs.shape[0], lv.size):
        raise ValueError(f"quantiles must have shape ({obs.shape[0]}, {lv.size}), got {q.shape}")
    u = obs[:, None] - q
    loss = np.maximum(lv * u, (lv - 1.0) * u)
    return loss.mean(axis=1)
