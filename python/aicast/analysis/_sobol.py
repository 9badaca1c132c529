"""Saltelli designs and the Sobol estimators (Saltelli 2010 first order, Jansen total), with
bootstrap confidence intervals; the same formulas as SALib's ``sobol.analyze``.

Inputs are independent uniforms. A prior linked to others through a Gaussian copula is not an
independent input: the whole copula group is one input (grouped indices), its coordinates the
group's independent normals (before the Cholesky factor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Design", "design", "estimate", "values_from_uniforms"]


@dataclass(frozen=True)
class Design:
    """Rows ``A`` (n x d), ``B`` and, per input group, ``AB_g``: A with the group's columns of B."""

    a: np.ndarray
    b: np.ndarray
    groups: tuple[tuple[int, ...], ...]

    def mapped(self, fn: Callable[[np.ndarray], np.ndarray]) -> Design:
        """The same design with ``fn`` (uniforms -> values, row by row) applied to A and B."""
        return Design(fn(self.a), fn(self.b), self.groups)

    def ab(self, g: int) -> np.ndarray:
        m = self.a.copy()
        cols = list(self.groups[g])
        m[:, cols] = self.b[:, cols]
        return m


def design(n: int, groups: Sequence[Sequence[int]], d: int, seed: int) -> Design:
    """Independent uniform matrices A and B (open interval), from a fixed seed."""
    rng = np.random.Generator(np.random.PCG64(seed))
    u = rng.random((2, n, d))
    u = np.clip(u, 2.0**-53, 1.0 - 2.0**-53)
    return Design(u[0], u[1], tuple(tuple(int(c) for c in g) for g in groups))


def values_from_uniforms(u: np.ndarray, ppf: Sequence, copulas: Sequence[tuple[np.ndarray, Sequence[int]]]) -> np.ndarray:
    """Parameter values from design uniforms: ``ppf[j](u_j)`` for an independent input; for a copula
    group with Cholesky factor ``L`` on columns ``cols``: ``z = L Phi^-1(u)`` then ``ppf_j(Phi(z_j))``."""
    from scipy import special  # here, not at import: `import aicast` (and `aicast run`) skips SciPy

    x = np.empty_like(u)
    grouped: set[int] = set()
    for chol, cols in copulas:
        eps = special.ndtri(u[:, list(cols)])
        z = eps @ np.asarray(chol).T
        w = np.clip(special.ndtr(z), np.finfo(float).tiny, 1.0 - 2.0**-53)
        for k, c in enumerate(cols):
            x[:, c] = ppf[c](w[:, k])
            grouped.add(c)
    for j in range(u.shape[1]):
        if j not in grouped:
            x[:, j] = ppf[j](u[:, j])
    return x


def _indices(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-order and total indices; ``fa``, ``fb`` (n, ...), ``fab`` (groups, n, ...)."""
    var = np.var(np.concatenate([fa, fb], axis=0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        first = np.mean(fb[None] * (fab - fa[None]), axis=1) / var
        total = 0.5 * np.mean((fa[None] - fab) ** 2, axis=1) / var
    bad = ~(var > 0)
    first[:, bad] = np.nan
    total[:, bad] = np.nan
    return first, total, var


def estimate(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray, *, bootstrap: int, conf: float,
             seed: int) -> dict[str, np.ndarray]:
    """Indices with bootstrap confidence intervals (half-width ``z * sd`` of the bootstrap, as SALib).

    Returns arrays of shape (groups, ...) for ``first``, ``total``, ``first_conf``, ``total_conf``
    and the output variance ``variance`` of shape (...).
    """
    # centred on the mean of every evaluation, as SALib does: the first-order estimator is not
    # shift-invariant in a finite sample, and centring lowers its variance
    mu = (fa.sum(axis=0) + fb.sum(axis=0) + fab.sum(axis=(0, 1))) / (fa.shape[0] * (2 + fab.shape[0]))
    fa, fb, fab = fa - mu, fb - mu, fab - mu
    first, total, var = _indices(fa, fb, fab)
    out = {"first": first, "total": total, "variance": var}
    n = fa.shape[0]
    if bootstrap > 0:
        rng = np.random.Generator(np.random.PCG64(seed))
        bf = np.empty((bootstrap, *first.shape))
        bt = np.empty((bootstrap, *total.shape))
        for r in range(bootstrap):
            idx = rng.integers(0, n, n)
            bf[r], bt[r], _ = _indices(fa[idx], fb[idx], fab[:, idx])
        from scipy import special

        z = float(special.ndtri(0.5 + conf / 2.0))
        out["first_conf"] = z * np.std(bf, axis=0, ddof=1)
        out["total_conf"] = z * np.std(bt, axis=0, ddof=1)
    else:
        out["first_conf"] = np.full_like(first, np.nan)
        out["total_conf"] = np.full_like(total, np.nan)
    return out
