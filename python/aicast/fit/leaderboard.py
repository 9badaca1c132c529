"""Fit the leaderboard-gap model to a table of best closed and best open scores over time.

The closed frontier's trend and volatility come from the increments of the best closed
score (a Brownian motion with drift observed at irregular times); the gap's reversion,
equilibrium and volatility come from the exact Gaussian likelihood of an Ornstein-Uhlenbeck
process observed at irregular times (the exact discretisation, so missing months and uneven
snapshot spacing need no interpolation). Parameter uncertainty is returned as priors ready
to plug into :class:`aicast.LeaderboardGap`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..models import LeaderboardGap
from ..priors import Prior, correlate, lognormal, normal, student_t, truncate

__all__ = ["LeaderboardGapFit", "leaderboard_gap"]

#: Fewest observations (rows with both scores) the fitter accepts: 3 gap parameters and 2
#: frontier parameters need at least a few transitions more than that to say anything.
MIN_POINTS = 6

_DAYS_PER_MONTH = 365.25 / 12.0
_KAPPA_MIN = 1e-4  # per month: below this the gap is a random walk over any realistic span
_KAPPA_MAX = 20.0  # per month: above this successive gaps are independent
_Z90 = 1.6448536269514722
_CHI2_90 = 2.705543454095404  # 90% quantile of chi-square with 1 degree of freedom


@dataclass
class LeaderboardGapFit:
    """Result of :func:`leaderboard_gap`: estimates, their uncertainty, and priors for the model.

    Attributes
    ----------
    priors
        ``closed_drift_per_month``, ``closed_volatility``, ``gap_reversion``,
        ``equilibrium_gap``, ``gap_volatility``, ``innovation_correlation`` as priors describing the estimation
        uncertainty (the three gap priors are correlated through a Gaussian copula with the
        correlation of their estimates). Plug them into :class:`aicast.LeaderboardGap`, or
        call :meth:`model`.
    estimates
        One row per parameter: point estimate, standard error, and a 90% interval (the
        5% and 95% quantiles of its prior), in the model's units, plus the gap half-life.
    closed_start, gap_start
        The last observed best closed score and gap (start values of a forecast).
    last_month
        The month of the last observation: start a forecast there.
    correlation
        Correlation of the estimates of (log gap_reversion, equilibrium_gap, log gap_volatility).
    notes
        Caveats found while fitting (e.g. a reversion at the edge of the searched range).
    """

    priors: dict[str, Prior]
    estimates: pd.DataFrame
    closed_start: float
    gap_start: float
    last_month: pd.Period
    scale: str
    n_obs: int
    span_months: float
    loglik: float
    correlation: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def model(self, name: str = "lb", **overrides: Any) -> LeaderboardGap:
        """A :class:`~aicast.LeaderboardGap` starting from the last observation with the fitted priors.

        Keyword arguments override any parameter (e.g. ``gap_volatility=0`` for a mean forecast).
        """
        params: dict[str, Any] = {
            "closed_start": self.closed_start,
            "gap_start": self.gap_start,
            **self.priors,
            "scale": self.scale,
        }
        params.update(overrides)
        return LeaderboardGap(name, **params)

    def __repr__(self) -> str:
        return (
            f"LeaderboardGapFit({self.n_obs} observations over {self.span_months:.1f} months to "
            f"{self.last_month}, scale={self.scale!r})\n{self.estimates.to_string(float_format=lambda x: f'{x:.4g}')}"
            + "".join(f"\nnote: {n}" for n in self.notes)
        )


def _months(values: pd.Series, column: str) -> np.ndarray:
    """Times in months (float) from 'YYYY-MM' strings, Periods or dates."""
    if isinstance(values.dtype, pd.PeriodDtype):
        p = pd.PeriodIndex(values).asfreq("M")
        return np.asarray(p.year * 12 + p.month - 1, dtype=float)
    if pd.api.types.is_datetime64_any_dtype(values):
        ns = values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        return ns / 86_400e9 / _DAYS_PER_MONTH
    try:
        if all(isinstance(v, str) and len(v) == 7 for v in values):
            p = pd.PeriodIndex(list(values), freq="M")
            return np.asarray(p.year * 12 + p.month - 1, dtype=float)
        ts = pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError) as e:
        raise ValueError(f"column {column!r} must hold months 'YYYY-MM' or dates: {e}") from None
    ns = ts.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return ns / 86_400e9 / _DAYS_PER_MONTH


def _last_month(v: Any) -> pd.Period:
    if isinstance(v, pd.Period):
        return v.asfreq("M")
    return pd.Period(v, freq="M")


# --- the OU likelihood at irregular times --------------------------------------------------


def _ou_terms(kappa: float, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a = exp(-kappa dt) and v = (1 - a^2) / (2 kappa) (the transition variance per unit sigma^2)."""
    a = np.exp(-kappa * dt)
    v = -np.expm1(-2.0 * kappa * dt) / (2.0 * kappa)
    return a, v


def _ou_profile(kappa: float, g: np.ndarray, dt: np.ndarray) -> tuple[float, float, float]:
    """Profile log-likelihood in kappa (theta and sigma^2 at their conditional MLEs)."""
    a, v = _ou_terms(kappa, dt)
    y = g[1:] - a * g[:-1]
    b = 1.0 - a
    w = 1.0 / v
    theta = float(np.sum(w * b * y) / np.sum(w * b * b))
    r = y - theta * b
    s2 = float(np.mean(w * r * r))
    n = len(y)
    ll = -0.5 * n * (math.log(2 * math.pi * s2) + 1.0) - 0.5 * float(np.sum(np.log(v)))
    return ll, theta, s2


def _ou_loglik(p: np.ndarray, g: np.ndarray, dt: np.ndarray) -> float:
    """Exact log-likelihood of (log kappa, theta, log sigma), conditional on the first gap."""
    kappa, theta, sigma = math.exp(p[0]), p[1], math.exp(p[2])
    a, v = _ou_terms(kappa, dt)
    var = sigma * sigma * v
    r = g[1:] - theta - a * (g[:-1] - theta)
    return float(-0.5 * np.sum(np.log(2 * math.pi * var) + r * r / var))


def _hessian(f: Any, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Central finite-difference Hessian of a scalar function."""
    k = len(x)
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i] = h[i]
            ej[j] = h[j]
            v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
            out[i, j] = out[j, i] = v
    return out


def _fit_ou(g: np.ndarray, dt: np.ndarray) -> tuple[float, float, float, float]:
    """MLE of (kappa per month, theta, sigma per sqrt(month)) and the log-likelihood."""
    grid = np.exp(np.linspace(math.log(_KAPPA_MIN), math.log(_KAPPA_MAX), 121))
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


def _root(f: Any, inside: float, outside: float, iters: int = 60) -> float:
    """Bisection for f(x) = 0 between a point where f > 0 and one where f <= 0."""
    for _ in range(iters):
        mid = 0.5 * (inside + outside)
        if f(mid) > 0:
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)


def _kappa_interval(g: np.ndarray, dt: np.ndarray, kappa: float, ll: float, crit: float) -> tuple[float, float]:
    """Profile-likelihood interval of kappa: {k : 2 (ll - l_p(k)) <= crit}, clipped to the search range."""

    def f(log_k: float) -> float:
        return _ou_profile(math.exp(log_k), g, dt)[0] - (ll - crit / 2.0)

    lk = math.log(kappa)
    lo_end, hi_end = math.log(_KAPPA_MIN), math.log(_KAPPA_MAX)
    lo = lo_end if f(lo_end) > 0 else _root(f, lk, lo_end)
    hi = hi_end if f(hi_end) > 0 else _root(f, lk, hi_end)
    return math.exp(lo), math.exp(hi)


def _theta_interval(
    g: np.ndarray, dt: np.ndarray, k_lo: float, k_hi: float, theta: float, se: float, ll: float, crit: float
) -> tuple[float, float]:
    """Profile-likelihood interval of theta, maximising over kappa (on a fine grid) and sigma.

    For fixed kappa, sigma^2(theta) = mean(w (y - theta b)^2) is a quadratic in theta, so the
    profile over a kappa grid costs one vector operation per theta.
    """
    ks = np.exp(np.linspace(math.log(max(k_lo / 4, _KAPPA_MIN)), math.log(min(k_hi * 4, _KAPPA_MAX)), 400))
    a = np.exp(-np.outer(ks, dt))
    v = -np.expm1(-2.0 * np.outer(ks, dt)) / (2.0 * ks[:, None])
    w = 1.0 / v
    y = g[1:] - a * g[:-1]
    b = 1.0 - a
    qa, qb, qc = np.mean(w * y * y, axis=1), np.mean(w * y * b, axis=1), np.mean(w * b * b, axis=1)
    n = len(dt)
    const = -0.5 * n * (math.log(2 * math.pi) + 1.0) - 0.5 * np.sum(np.log(v), axis=1)

    def f(th: float) -> float:
        s2 = np.maximum(qa - 2 * th * qb + th * th * qc, 1e-300)
        return float(np.max(const - 0.5 * n * np.log(s2))) - (ll - crit / 2.0)

    out = []
    for sign in (-1.0, 1.0):
        step = 3.0 * se
        far = theta + sign * step
        for _ in range(40):  # widen until outside (unbounded when kappa may be ~0)
            if f(far) <= 0:
                break
            step *= 2.0
            far = theta + sign * step
        out.append(_root(f, theta, far))
    return out[0], out[1]


def _chi2_ppf(z: float, df: int) -> float:
    """Chi-square quantile at the normal quantile z, by the Wilson-Hilferty approximation."""
    h = 2.0 / (9.0 * df)
    return df * (1.0 - h + z * math.sqrt(h)) ** 3


# --- the public fitter ---------------------------------------------------------------------



def resolve_columns(table: pd.DataFrame, time: str | None, closed: str, open: str) -> str:
    """The time column (given, or the first of month / snapshot / date), after checking that it
    and the closed and open score columns exist; errors name the column and list the table's."""
    if time is None:
        time = next((c for c in ("month", "snapshot", "date") if c in table.columns), None)
        if time is None:
            raise ValueError(
                "table has no time column: name it with time=... (looked for 'month', 'snapshot', 'date'); "
                f"columns: {', '.join(map(str, table.columns))}"
            )
    for col in (time, closed, open):
        if col not in table.columns:
            raise ValueError(f"table has no column {col!r}; columns: {', '.join(map(str, table.columns))}")
    return time

def leaderboard_gap(
    table: pd.DataFrame,
    *,
    closed: str = "best_closed",
    open: str = "best_open",  # noqa: A002 - the column is called that
    time: str | None = None,
    scale: str = "elo",
) -> LeaderboardGapFit:
    """Estimate the leaderboard-gap model from best closed and best open scores over time.

    The best closed score ``C`` is taken as an observation of the model's latent frontier
    score ``L`` (leaderboard ratings are re-estimated at every snapshot and can fall), a
    Brownian motion with drift: with increments ``dC_i`` over ``dt_i`` months, the drift is
    ``sum dC / sum dt`` (standard error ``sigma / sqrt(sum dt)``) and the variance per month
    ``sum (dC_i - drift dt_i)^2 / dt_i / (n - 2)`` (a Student-t interval for the drift, a
    chi-square one for the volatility). The gap ``G = C - O`` is an
    Ornstein-Uhlenbeck process observed at irregular times, with transition

        G_{i+1} = theta + (G_i - theta) a_i + eps_i,   a_i = exp(-kappa dt_i),
        Var eps_i = sigma^2 (1 - a_i^2) / (2 kappa),

    fitted by exact maximum likelihood (profiled over kappa, then refined). The 90% intervals
    of kappa and theta are profile-likelihood intervals (Wald intervals undercover in short
    samples, where the MLE of kappa is biased upwards); standard errors and the correlation of
    the three gap estimates come from the observed information (finite-difference Hessian) in
    (log kappa, theta, log sigma). ``innovation_correlation`` is the correlation of the
    standardized frontier and gap innovations, with a Fisher-z interval. Uneven spacing and
    missing months enter through ``dt_i``.

    Parameters
    ----------
    table
        One row per observation, sorted by time, e.g. ``aicast.data.load("arena_best_monthly")``
        or ``"arena_best_snapshots"`` or ``"eci_best_monthly"``. Rows missing either score
        are dropped.
    closed, open
        Columns of the best closed and best open score.
    time
        Column of the observation time: months ``'YYYY-MM'``, Periods or dates. Default: the
        first of ``month``, ``snapshot``, ``date`` present.
    scale
        ``"elo"``, or ``"percent"`` for a bounded score in (0, 100), fitted in logit space.

    Returns
    -------
    LeaderboardGapFit
        Estimates with standard errors, and priors for :class:`~aicast.LeaderboardGap`
        (``fit.model("lb")`` builds one starting from the last observation).

    Raises
    ------
    ValueError
        If a column is missing, times are unsorted or duplicated, there are fewer than
        ``MIN_POINTS`` usable rows, percent scores are outside (0, 100), or the closed score
        does not rise over the table.

    Examples
    --------
    >>> import aicast as ac
    >>> fit = ac.fit.leaderboard_gap(ac.data.load("arena_best_monthly"))
    >>> fit.last_month
    Period('2025-08', 'M')
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if scale not in ("elo", "percent"):
        raise ValueError(f"scale must be 'elo' or 'percent', got {scale!r}")
    time = resolve_columns(table, time, closed, open)
    t_all = _months(table[time], time)
    if np.any(np.isnan(t_all)):
        raise ValueError(f"column {time!r} has missing times")
    steps = np.diff(t_all)
    if np.any(steps == 0):
        k = int(np.flatnonzero(steps == 0)[0])
        raise ValueError(f"table has duplicate times in {time!r}: {table[time].iloc[k + 1]} appears twice")
    if np.any(steps < 0):
        k = int(np.flatnonzero(steps < 0)[0])
        raise ValueError(
            f"table must be sorted by {time!r}: {table[time].iloc[k + 1]} comes after {table[time].iloc[k]}"
        )
    c_all = pd.to_numeric(table[closed], errors="coerce").to_numpy(dtype=float)
    o_all = pd.to_numeric(table[open], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(c_all) & np.isfinite(o_all)
    n = int(keep.sum())
    if n < MIN_POINTS:
        raise ValueError(
            f"too few points to fit: need at least {MIN_POINTS} rows with both {closed!r} and {open!r}, got {n}"
        )
    t, c, o = t_all[keep], c_all[keep], o_all[keep]
    last_raw = table[time].to_numpy()[keep][-1]
    if scale == "percent":
        bad = (c <= 0) | (c >= 100) | (o <= 0) | (o >= 100)
        if np.any(bad):
            raise ValueError(
                f"scale 'percent' needs scores in (0, 100), got {float(np.r_[c, o][np.r_[bad, bad]][0])!r}"
            )
        xc, xo = np.log(c / (100 - c)), np.log(o / (100 - o))
    else:
        xc, xo = c, o
    dt = np.diff(t)
    span = float(t[-1] - t[0])

    notes: list[str] = []

    # --- closed frontier: Brownian motion with drift at irregular times ---
    dc = np.diff(xc)
    drift = float(dc.sum() / dt.sum())
    var_m = float(np.sum((dc - drift * dt) ** 2 / dt) / (n - 2))
    if not var_m > 0:
        raise ValueError("the closed score rises exactly linearly: its volatility cannot be estimated")
    sd_m = math.sqrt(var_m)
    drift_se = sd_m / math.sqrt(dt.sum())
    # the model needs a rising frontier: the drift prior is truncated at 0, which needs some mass there
    if drift < -3.0 * drift_se:
        raise ValueError(
            f"the closed score falls over the table (drift estimate {drift:.4g} per month, s.e. "
            f"{drift_se:.3g}); the model needs a rising frontier"
        )
    df = n - 2  # degrees of freedom of the variance estimate (n - 1 increments, one mean)
    closed_vol = sd_m * math.sqrt(12.0)
    # exact interval of a normal variance, df s^2 / chi2, as a lognormal with the same 90% interval
    v_lo, v_hi = df / _chi2_ppf(_Z90, df), df / _chi2_ppf(-_Z90, df)
    cv_mu = math.log(closed_vol) + 0.25 * (math.log(v_lo) + math.log(v_hi))
    cv_sigma = 0.25 * (math.log(v_hi) - math.log(v_lo)) / _Z90

    # --- gap: Ornstein-Uhlenbeck at irregular times ---
    g = xc - xo
    if np.ptp(g) <= 1e-12 * max(1.0, float(np.max(np.abs(g)))):
        raise ValueError("the gap is constant over the table: its dynamics cannot be estimated")
    kappa, theta, sigma, ll = _fit_ou(g, dt)
    if kappa < 1.01 * _KAPPA_MIN:
        notes.append(
            f"the gap shows no mean reversion over the table (reversion at the lower edge of the "
            f"searched range, {12 * _KAPPA_MIN:g} per year), so equilibrium_gap is not identified; "
            "consider a random-walk gap (gap_reversion=0) or a different period"
        )
    elif kappa > 0.99 * _KAPPA_MAX:
        notes.append(
            "the gap reverts faster than the observation spacing resolves (reversion at the upper "
            "edge of the searched range): successive gaps look independent"
        )
    p_hat = np.array([math.log(kappa), theta, math.log(sigma)])
    h = np.array([1e-4, 1e-4 * max(1.0, abs(theta)), 1e-4])
    hess = _hessian(lambda p: _ou_loglik(p, g, dt), p_hat, h)
    try:
        cov = np.linalg.inv(-hess)
        ok = bool(np.all(np.linalg.eigvalsh(cov) > 0))
    except np.linalg.LinAlgError:
        ok = False
    if ok:
        se = np.sqrt(np.diag(cov))
        corr = np.clip(cov / np.outer(se, se), -1.0, 1.0)
        corr = 0.5 * (corr + corr.T)
        np.fill_diagonal(corr, 1.0)
    else:
        # typically kappa at the edge of its range (a random-walk gap, or independent months):
        # the curvature says nothing there; the profile intervals below still hold, sigma gets
        # its large-sample s.e. and the priors are left uncorrelated
        se = np.array([np.nan, np.nan, 1.0 / math.sqrt(2.0 * len(dt))])
        corr = np.eye(3)
        notes.append(
            "the likelihood's curvature is not informative at the estimate: the s.e. of "
            "gap_reversion and equilibrium_gap are undefined (NaN); their intervals come from the "
            "profile likelihood, and the gap priors are uncorrelated"
        )
    # Wald intervals of kappa and theta undercover in short samples (the MLE of kappa is biased
    # upwards); profile-likelihood intervals keep close to nominal coverage (tests/test_fit_leaderboard.py)
    k_lo, k_hi = _kappa_interval(g, dt, kappa, ll, _CHI2_90)
    th_lo, th_hi = _theta_interval(g, dt, k_lo, k_hi, theta, float(se[1]) if ok else float(np.std(g)), ll, _CHI2_90)

    # correlation of the standardized innovations of the frontier and of the gap (at the MLE),
    # with a Fisher-z interval
    a_i, v_i = _ou_terms(kappa, dt)
    r_c = (dc - drift * dt) / np.sqrt(dt)
    r_g = (g[1:] - theta - a_i * (g[:-1] - theta)) / np.sqrt(v_i)
    rho = float(np.corrcoef(r_c, r_g)[0, 1])
    n_tr = len(dt)
    z_half = _Z90 / math.sqrt(max(n_tr - 3, 1))
    rho_lo, rho_hi = math.tanh(math.atanh(rho) - z_half), math.tanh(math.atanh(rho) + z_half)
    rho_se = (1.0 - rho * rho) / math.sqrt(max(n_tr - 3, 1))

    rev_year = kappa * 12.0
    gap_vol = sigma * math.sqrt(12.0)
    gap_priors = [
        # lognormal / normal whose 90% intervals are the profile-likelihood intervals
        lognormal(0.5 * math.log(144.0 * k_lo * k_hi), 0.5 * math.log(k_hi / k_lo) / _Z90),
        normal(0.5 * (th_lo + th_hi), 0.5 * (th_hi - th_lo) / _Z90),
        lognormal(math.log(gap_vol), float(se[2])),
    ]
    if ok:
        gap_priors = list(correlate(gap_priors, correlation=corr))
    priors: dict[str, Prior] = {
        "closed_drift_per_month": truncate(student_t(df, drift, drift_se), 0.0, math.inf),
        "closed_volatility": lognormal(cv_mu, cv_sigma),
        "gap_reversion": gap_priors[0],
        "equilibrium_gap": gap_priors[1],
        "gap_volatility": gap_priors[2],
        "innovation_correlation": truncate(
            normal(0.5 * (rho_lo + rho_hi), 0.5 * (rho_hi - rho_lo) / _Z90), -1.0, 1.0
        ),
    }

    def row(est: float, err: float, prior: Prior) -> dict[str, float]:
        lo, hi = prior.marginal().interval(0.9)
        return {"estimate": est, "se": err, "lo90": lo, "hi90": hi}

    rows = {
        "closed_drift_per_month": row(drift, drift_se, priors["closed_drift_per_month"]),
        "closed_volatility": row(closed_vol, closed_vol / math.sqrt(2.0 * df), priors["closed_volatility"]),
        "gap_reversion": row(rev_year, rev_year * se[0], priors["gap_reversion"]),
        "equilibrium_gap": row(theta, float(se[1]), priors["equilibrium_gap"]),
        "gap_volatility": row(gap_vol, gap_vol * se[2], priors["gap_volatility"]),
        "innovation_correlation": row(rho, rho_se, priors["innovation_correlation"]),
    }
    lo_r, hi_r = rows["gap_reversion"]["lo90"], rows["gap_reversion"]["hi90"]
    rows["gap_half_life_years"] = {
        "estimate": math.log(2) / rev_year,
        "se": math.log(2) / rev_year * se[0],
        "lo90": math.log(2) / hi_r,
        "hi90": math.log(2) / lo_r,
    }
    estimates = pd.DataFrame.from_dict(rows, orient="index")
    estimates.index.name = "parameter"
    return LeaderboardGapFit(
        priors=priors,
        estimates=estimates,
        closed_start=float(c[-1]),
        gap_start=float(c[-1] - o[-1]),
        last_month=_last_month(last_raw),
        scale=scale,
        n_obs=n,
        span_months=span,
        loglik=ll,
        correlation=corr,
        notes=notes,
    )
