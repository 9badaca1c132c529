"""Posterior of the leaderboard gap's Ornstein-Uhlenbeck parameters, on a grid of the reversion.

The gap ``G`` observed at times ``t_0 < ... < t_n`` (months) follows

    G_i = theta + (G_{i-1} - theta) a_i + eps_i,   a_i = exp(-kappa dt_i),
    Var eps_i = sigma^2 v_i,   v_i = (1 - a_i^2) / (2 kappa),

conditional on the first observation. Priors (all stated before the data are seen, in units the
data fix only through their own scale):

* ``kappa`` (per month) log-uniform on [``KAPPA_MIN``, ``KAPPA_MAX``]: equal mass per decade of
  half-life, from one day to 58 years. When the data cannot tell a slow reversion from a random
  walk the posterior keeps the slow end, which shrinks the forecast toward a random walk instead
  of trusting a fast reversion estimated from a few months;
* ``sigma^2`` with the reference prior ``1 / sigma^2``;
* ``theta | sigma^2 ~ N(m0, sigma^2 lambda^2)``, ``m0`` the first observed gap and ``lambda^2``
  the span of the table in months: the equilibrium lies within about the distance a random walk
  with the gap's own volatility travels over the observed span from where the gap started. (With
  a flat prior the marginal likelihood of ``kappa`` grows without bound as ``kappa -> 0``, where
  ``theta`` is not identified: the old fit's +-1e5 equilibrium intervals.) ``m0`` is the
  observation the likelihood conditions on, so this is a proper prior given it; centring on the
  mean of all the gaps instead used the data twice, and on parameters drawn from the prior its
  forecasts covered 87.9% at 90% from 8 points and 88.7% from 12 (89.9% and 90.0% now).

With Student-t innovations (:func:`gap_posterior_t`, what :func:`aicast.fit.leaderboard_gap`
uses) the degrees of freedom get a uniform prior on :data:`DF_GRID` and the posterior is
integrated on a grid in (kappa, theta, log sigma) for each; :func:`gap_posterior` is the Gaussian
case in closed form.

For fixed ``kappa`` the Gaussian model is a conjugate normal-inverse-gamma regression of
``y_i = G_i - a_i G_{i-1}`` on ``b_i = 1 - a_i``, so ``theta`` and ``sigma^2`` integrate out in
closed form; ``kappa`` is integrated on a fine grid. Posterior draws come from the grid
(uniform within each cell on log ``kappa``), then ``sigma^2`` and ``theta`` from their exact
conditionals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DF_GRID", "KAPPA_MAX", "KAPPA_MIN", "N_DRAWS", "GapPosterior", "gap_posterior", "gap_posterior_moves",
           "gap_posterior_t", "fit_ou", "moved", "normal_scores_correlation", "ou_terms"]

#: Range of the reversion prior, per month: half-lives from about 58 years (a random walk over
#: any forecast horizon) to about a day (independent months).
KAPPA_MIN = 1e-3
KAPPA_MAX = 20.0
_GRID = 241
#: Posterior draws kept (fixed seed: the same data give the same draws).
N_DRAWS = 4000
_SEED = 20_261_130
#: Degrees of freedom of the Student-t gap innovations the heavy-tailed posterior weighs, each with
#: prior mass 1/5: from tails heavy enough for a few jumps among quiet months (2.5: the variance is
#: still finite) to practically Gaussian (100: excess kurtosis 0.06). Chosen before any backtest.
DF_GRID = (2.5, 5.0, 10.0, 30.0, 100.0)
# grid of the heavy-tailed posterior: reversion nodes (log-uniform on the prior's range), and per
# reversion nodes of theta (+-_T_SPAN conditional s.d. of the Gaussian posterior around its mean)
# and of log sigma (_LS_LO.._LS_HI around the Gaussian residual scale)
_T_KAPPA, _T_THETA, _T_SIGMA = 41, 49, 41
_T_SPAN, _LS_LO, _LS_HI = 6.0, -4.0, 1.0


@dataclass(frozen=True)
class GapPosterior:
    """Grid posterior of (kappa, theta, sigma) and draws from it.

    Attributes
    ----------
    kappa_grid, weights
        Grid of the reversion (per month) and the posterior mass of each grid cell.
    kappa, theta, sigma
        ``N_DRAWS`` joint posterior draws (per month; gap units; per sqrt(month)).
    df
        Draws of the innovations' degrees of freedom (:func:`gap_posterior_t`), else None
        (Gaussian innovations).
    df_weights
        Posterior mass of each value of :data:`DF_GRID` (:func:`gap_posterior_t`), else None.
    scale_floor_mass
        Posterior mass in the lowest quarter-unit of log sigma of the grid
        (:func:`gap_posterior_t`): large when the floor of the grid acts as the prior's bound.
    """

    kappa_grid: np.ndarray
    weights: np.ndarray
    kappa: np.ndarray
    theta: np.ndarray
    sigma: np.ndarray
    df: np.ndarray | None = None
    df_weights: np.ndarray | None = None
    scale_floor_mass: float = 0.0
    move_p: np.ndarray | None = None


def gap_posterior(g: np.ndarray, dt: np.ndarray, n_draws: int = N_DRAWS, lam2: float | None = None) -> GapPosterior:
    """Posterior of the gap's OU parameters from gaps ``g`` at spacings ``dt`` (months).

    Parameters
    ----------
    g
        Observed gaps on the working scale, at least 3.
    dt
        ``len(g) - 1`` positive spacings in months.
    n_draws
        Number of joint draws.
    lam2
        Variance scale of the theta prior in months (default: the span ``sum(dt)``).
    """
    g = np.asarray(g, dtype=float)
    dt = np.asarray(dt, dtype=float)
    n = len(dt)
    grid = np.exp(np.linspace(math.log(KAPPA_MIN), math.log(KAPPA_MAX), _GRID))
    lam2 = float(np.sum(dt)) if lam2 is None else float(lam2)
    _, v, _, _, mu, prec, q = _conjugate_terms(g, dt, grid, lam2)
    log_ml = (
        -0.5 * np.sum(np.log(v), axis=1)
        - 0.5 * np.log(lam2 * prec)
        - 0.5 * n * np.log(0.5 * q)
        + math.lgamma(0.5 * n)
    )
    # the grid is uniform in log kappa, so the log-uniform prior is a constant weight per cell
    wts = np.exp(log_ml - np.max(log_ml))
    wts /= wts.sum()
    rng = np.random.default_rng(_SEED)
    idx = rng.choice(_GRID, size=n_draws, p=wts)
    step = math.log(grid[1] / grid[0])
    kappa = np.clip(grid[idx] * np.exp(rng.uniform(-0.5 * step, 0.5 * step, n_draws)), KAPPA_MIN, KAPPA_MAX)
    s2 = 0.5 * q[idx] / rng.gamma(0.5 * n, 1.0, n_draws)
    theta = mu[idx] + np.sqrt(s2 / prec[idx]) * rng.standard_normal(n_draws)
    return GapPosterior(grid, wts, kappa, theta, np.sqrt(s2))


#: Grid of the move probability's posterior (cell midpoints of [0, 1]).
_P_GRID = 2_000
_MLE_KAPPA_MIN = 1e-4  # per month: the MLE's search range; below this the gap is a random walk


def moved(g: np.ndarray) -> np.ndarray:
    """Which transitions of ``g`` change it: ``|diff| > 1e-12`` times the gaps' magnitude (a gap
    between two running bests is exactly unchanged in a month in which neither best changes)."""
    g = np.asarray(g, dtype=float)
    return np.asarray(np.abs(np.diff(g)) > 1e-12 * max(1.0, float(np.max(np.abs(g)))))


def gap_posterior_moves(g: np.ndarray, dt: np.ndarray, n_draws: int = N_DRAWS) -> GapPosterior:
    """Posterior of an intermittent OU gap: the engine's ``gap_move_probability`` model.

    A latent gap ``X`` is the OU process of :func:`gap_posterior`; the observed gap takes the
    value of ``X`` in the months it moves, each month independently with probability ``p``, and
    is exactly unchanged otherwise. Given the months of the moves, the observed gaps at the moves
    are ``X`` observed at those times (the OU is Markov), so the likelihood factorizes:

    * ``p``: a flat transition of ``dt`` months has probability ``(1 - p)^dt``, a moved one
      ``1 - (1 - p)^dt`` (exact: the months within it are not observed), with the uniform prior
      Beta(1, 1) chosen before any data; its posterior is integrated on a fine grid
      (``Beta(1 + moves, 1 + flat months)`` for monthly data);
    * ``(kappa, theta, sigma)``: the Gaussian OU posterior of :func:`gap_posterior` on the gaps at
      the first observation and at every move, with the OU time between moves (a move within a
      transition of several months is placed at its end: exact for monthly data), and the theta
      prior's scale the whole table's span.

    The first observation is taken as a move (when the gap last moved before it is not in the
    data). ``p`` is independent of the rest a posteriori, so its draws are independent of the
    others. Fewer than two moves leave sigma unidentified: ValueError.
    """
    g = np.asarray(g, dtype=float)
    dt = np.asarray(dt, dtype=float)
    mv = moved(g)
    if int(mv.sum()) < 2:
        raise ValueError(f"the gap moved in {int(mv.sum())} of {len(dt)} transitions: an intermittent gap needs at "
                         "least 2 moves to estimate its volatility")
    t = np.concatenate([[0.0], np.cumsum(dt)])
    keep = np.concatenate([[True], mv])
    base = gap_posterior(g[keep], np.diff(t[keep]), n_draws, lam2=float(t[-1]))
    pg = (np.arange(_P_GRID) + 0.5) / _P_GRID
    ll = np.sum(dt[~mv]) * np.log1p(-pg)
    for d in dt[mv]:
        ll = ll + np.log(-np.expm1(d * np.log1p(-pg)))
    w = np.exp(ll - np.max(ll))
    w /= w.sum()
    rng = np.random.default_rng(_SEED + 1)
    p = pg[rng.choice(_P_GRID, size=n_draws, p=w)] + rng.uniform(-0.5, 0.5, n_draws) / _P_GRID
    return GapPosterior(base.kappa_grid, base.weights, base.kappa, base.theta, base.sigma,
                        move_p=np.clip(p, 1e-9, 1.0 - 1e-12))


def _conjugate_terms(g: np.ndarray, dt: np.ndarray, grid: np.ndarray,
                     lam2: float | None = None) -> tuple[np.ndarray, ...]:
    """Per reversion node: a, v, y, b of the regression, and the Gaussian posterior's mean and
    precision of theta (in units of 1/sigma^2; theta's prior has variance scale ``lam2``
    months, default the span) and residual sum of squares q (a sum of squares: no
    cancellation)."""
    kdt = np.outer(grid, dt)
    a = np.exp(-kdt)
    v = -np.expm1(-2.0 * kdt) / (2.0 * grid[:, None])
    w = 1.0 / v
    y = g[1:] - a * g[:-1]
    b = 1.0 - a
    m0 = float(g[0])
    lam2 = float(np.sum(dt)) if lam2 is None else float(lam2)
    prec = np.sum(w * b * b, axis=1) + 1.0 / lam2
    mu = (np.sum(w * b * y, axis=1) + m0 / lam2) / prec
    resid = y - mu[:, None] * b
    q = np.sum(w * resid * resid, axis=1) + (mu - m0) ** 2 / lam2
    return a, v, y, b, mu, prec, q


def gap_posterior_t(
    g: np.ndarray, dt: np.ndarray, n_draws: int = N_DRAWS, df_grid: tuple[float, ...] = DF_GRID
) -> GapPosterior:
    """Posterior of the gap's OU parameters with Student-t innovations, and of their degrees of freedom.

    The same model and priors as :func:`gap_posterior`, except that each transition's innovation
    is Student t with ``nu`` degrees of freedom and scale ``sigma sqrt(v_i)`` (exact for monthly
    steps, the engine's law; for a longer step the sum of monthly t innovations is approximated by
    one t with the step's OU variance), and ``nu`` has the uniform prior on ``df_grid``. No closed
    form remains, so for each ``nu`` and each of ``_T_KAPPA`` reversion nodes the posterior of
    (theta, log sigma) is integrated on a grid placed around that node's Gaussian posterior
    (theta within +-6 conditional standard deviations, sigma from e^-4 to e^1 times the Gaussian
    residual scale: heavy tails shrink the scale). Draws pick a cell by its mass and a point
    uniformly within it (log kappa, theta, log sigma).

    A gap that moves in steps (many transitions with no change, as the running-best ECI) makes
    the t likelihood unbounded as sigma -> 0 (each quiet month gains 1 / sigma); then the grid's
    floor, e^-4 times the Gaussian residual scale, is the prior's lower bound on sigma in effect
    (``scale_floor_mass`` says how much mass sits there; the fit reports it in its notes).
    """
    g = np.asarray(g, dtype=float)
    dt = np.asarray(dt, dtype=float)
    n = len(dt)
    grid = np.exp(np.linspace(math.log(KAPPA_MIN), math.log(KAPPA_MAX), _T_KAPPA))
    a, v, y, b, mu, prec, q = _conjugate_terms(g, dt, grid)
    m0, lam2 = float(g[0]), float(np.sum(dt))
    u = np.linspace(-_T_SPAN, _T_SPAN, _T_THETA)
    ls = np.linspace(_LS_LO, _LS_HI, _T_SIGMA)
    dls = ls[1] - ls[0]
    df = np.asarray(df_grid, dtype=float)
    nd = len(df)
    log_mass = np.empty((nd, _T_KAPPA, _T_THETA, _T_SIGMA))
    thetas = np.empty((_T_KAPPA, _T_THETA))
    log_sigmas = np.empty((_T_KAPPA, _T_SIGMA))
    const = np.array([math.lgamma(0.5 * (d + 1.0)) - math.lgamma(0.5 * d) - 0.5 * math.log(d * math.pi) for d in df])
    for k in range(_T_KAPPA):
        sd = math.sqrt(q[k] / n / prec[k])
        th = mu[k] + sd * u
        lsig = 0.5 * math.log(q[k] / n) + ls
        thetas[k], log_sigmas[k] = th, lsig
        s2 = np.exp(2.0 * lsig)
        # standardized squared residuals r^2 / (sigma^2 v), shape (theta, sigma, transition)
        r = y[k][None, :] - th[:, None] * b[k][None, :]
        z2 = (r * r / v[k][None, :])[:, None, :] / s2[None, :, None]
        base = -n * lsig[None, :] - 0.5 * float(np.sum(np.log(v[k])))
        # prior: theta | sigma ~ N(m0, sigma^2 lam2), uniform in log sigma; cell volume sd dtheta_unit dls
        lp = (-0.5 * math.log(2.0 * math.pi * lam2) - lsig[None, :]
              - 0.5 * (th[:, None] - m0) ** 2 / (lam2 * s2[None, :]))
        vol = math.log(sd * (u[1] - u[0]) * dls)
        for j, d in enumerate(df):
            ll = n * const[j] + base - 0.5 * (d + 1.0) * np.sum(np.log1p(z2 / d), axis=2)
            log_mass[j, k] = ll + lp + vol
    log_mass -= np.max(log_mass)
    mass = np.exp(log_mass)
    mass /= mass.sum()
    rng = np.random.default_rng(_SEED)
    flat = rng.choice(mass.size, size=n_draws, p=mass.ravel())
    jd, kk, it, isg = np.unravel_index(flat, mass.shape)
    step = math.log(grid[1] / grid[0])
    kappa = np.clip(grid[kk] * np.exp(rng.uniform(-0.5 * step, 0.5 * step, n_draws)), KAPPA_MIN, KAPPA_MAX)
    dth = np.sqrt(q / n / prec) * (u[1] - u[0])
    theta = thetas[kk, it] + dth[kk] * rng.uniform(-0.5, 0.5, n_draws)
    sigma = np.exp(log_sigmas[kk, isg] + dls * rng.uniform(-0.5, 0.5, n_draws))
    kw = mass.sum(axis=(0, 2, 3))
    floor = float(mass[..., ls < _LS_LO + 0.25].sum())
    return GapPosterior(grid, kw, kappa, theta, sigma, df[jd], mass.sum(axis=(1, 2, 3)), floor)


# --- the OU likelihood at irregular times --------------------------------------------------


def ou_terms(kappa: float, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a = exp(-kappa dt) and v = (1 - a^2) / (2 kappa) (the transition variance per unit sigma^2)."""
    a = np.exp(-kappa * dt)
    v = -np.expm1(-2.0 * kappa * dt) / (2.0 * kappa)
    return a, v


def _ou_profile(kappa: float, g: np.ndarray, dt: np.ndarray) -> tuple[float, float, float]:
    """Profile log-likelihood in kappa (theta and sigma^2 at their conditional MLEs)."""
    a, v = ou_terms(kappa, dt)
    y = g[1:] - a * g[:-1]
    b = 1.0 - a
    w = 1.0 / v
    theta = float(np.sum(w * b * y) / np.sum(w * b * b))
    r = y - theta * b
    s2 = float(np.mean(w * r * r))
    n = len(y)
    ll = -0.5 * n * (math.log(2 * math.pi * s2) + 1.0) - 0.5 * float(np.sum(np.log(v)))
    return ll, theta, s2


def fit_ou(g: np.ndarray, dt: np.ndarray) -> tuple[float, float, float, float]:
    """MLE of (kappa per month, theta, sigma per sqrt(month)) and the log-likelihood."""
    grid = np.exp(np.linspace(math.log(_MLE_KAPPA_MIN), math.log(KAPPA_MAX), 121))
    lls = np.array([_ou_profile(k, g, dt)[0] for k in grid])
    i = int(np.argmax(lls))
    lo = math.log(grid[max(i - 1, 0)])
    hi = math.log(grid[min(i + 1, len(grid) - 1)])
    # golden-section search on log kappa between the grid neighbours of the best point
    phi = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = hi - phi * (hi - lo), lo + phi * (hi - lo)
    fc, fd = _ou_profile(math.exp(c), g, dt)[0], _ou_profile(math.exp(d), g, dt)[0]
    for _ in range(80):
        if fc > fd:
            hi, d, fd = d, c, fc
            c = hi - phi * (hi - lo)
            fc = _ou_profile(math.exp(c), g, dt)[0]
        else:
            lo, c, fc = c, d, fd
            d = lo + phi * (hi - lo)
            fd = _ou_profile(math.exp(d), g, dt)[0]
    kappa = math.exp((lo + hi) / 2.0)
    ll, theta, s2 = _ou_profile(kappa, g, dt)
    return kappa, theta, math.sqrt(s2), ll


def normal_scores_correlation(*columns: np.ndarray) -> np.ndarray:
    """Correlation of the normal scores of the columns' ranks: the matrix of a Gaussian copula
    with these margins (shrunk by 0.1% toward the identity so it is positive definite)."""
    from ..priors import normal

    x = np.column_stack(columns)
    n = x.shape[0]
    ranks = np.argsort(np.argsort(x, axis=0, kind="stable"), axis=0, kind="stable") + 1.0
    z = np.asarray(normal(0.0, 1.0).ppf((ranks / (n + 1.0)).ravel()), dtype=float).reshape(ranks.shape)
    c = np.corrcoef(z, rowvar=False)
    c = 0.999 * 0.5 * (c + c.T) + 0.001 * np.eye(len(c))
    np.fill_diagonal(c, 1.0)
    return c
