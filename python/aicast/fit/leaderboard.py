"""Fit the leaderboard-gap model to a table of best closed and best open scores over time.

The closed frontier's trend and volatility come from the increments of the best closed
score (a Brownian motion with drift observed at irregular times); the gap's reversion,
equilibrium and volatility come from the posterior of an Ornstein-Uhlenbeck process observed at
irregular times (exact transition, so missing months and uneven snapshot spacing need no
interpolation), with a reversion prior that leans toward a random walk when a short history
cannot identify the reversion (:mod:`aicast.fit._gap_posterior`). Parameter uncertainty is
returned as priors ready to plug into :class:`aicast.LeaderboardGap` (``fit.model(name, start)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._months import parse_month
from ..models import LeaderboardGap, dated
from ..priors import Prior, joint_empirical, lognormal, normal, point, student_t, truncate
from ._gap_posterior import (
    KAPPA_MIN,
    fit_ou,
    gap_posterior,
    gap_posterior_moves,
    gap_posterior_t,
    moved,
    normal_scores_correlation,
    ou_terms,
)

__all__ = ["LeaderboardGapFit", "leaderboard_gap"]

#: Fewest observations (rows with both scores) the fitter accepts: 3 gap parameters and 2
#: frontier parameters need at least a few transitions more than that to say anything.
MIN_POINTS = 6

_DAYS_PER_MONTH = 365.25 / 12.0
_Z90 = 1.6448536269514722
#: Parameters of :class:`~aicast.LeaderboardGap` that ``fit.model`` accepts as overrides.
MODEL_PARAMETERS = ("closed_start", "gap_start", "closed_drift_per_month", "closed_volatility", "gap_reversion",
                    "equilibrium_gap", "gap_volatility", "innovation_correlation", "gap_innovation_df",
                    "gap_move_probability", "gap_latent_offset")
#: Laws of the gap's moves :func:`leaderboard_gap` fits.
INNOVATIONS = ("gaussian", "student_t", "intermittent")
_START_SEED = 7_919  # fixed: the same fit and start give the same start priors


@dataclass
class LeaderboardGapFit:
    """Result of :func:`leaderboard_gap`: estimates, their uncertainty, and priors for the model.

    The fitted parameters as priors: :meth:`priors`; a model: :meth:`model`.

    Attributes
    ----------
    estimates
        One row per parameter, in the model's units: ``estimate`` (the posterior median for the
        gap parameters), ``se`` (posterior standard deviation), ``lo90`` / ``hi90`` (the 5% and
        95% quantiles of its prior) and ``mle`` (the exact-likelihood maximum), plus the gap
        half-life in years.
    closed_start, gap_start
        The last observed best closed score and gap.
    last_month
        The month of the last observation; forecasts start after it by default.
    correlation
        Rank (normal-scores) correlation of the posterior draws of (gap_reversion,
        equilibrium_gap, gap_volatility and the optional tail or move parameter): a summary; the
        priors carry the draws themselves.
    draws
        Joint posterior draws of ``gap_reversion`` (per year), ``equilibrium_gap``,
        ``gap_volatility`` (per sqrt(year); with Student-t innovations, their scale), and
        ``gap_innovation_df`` or ``gap_move_probability`` when the fit has them; the priors
        draw whole rows of this table.
    notes
        Caveats found while fitting (e.g. a reversion the data do not identify).
    months_since_move
        Months from the gap's last change to the last observation (``innovations="intermittent"``
        starts the model's latent gap from where it may have gone since).
    """

    _priors: dict[str, Prior] = field(repr=False)
    estimates: pd.DataFrame
    closed_start: float
    gap_start: float
    last_month: pd.Period
    scale: str
    n_obs: int
    span_months: float
    loglik: float
    correlation: np.ndarray = field(repr=False)
    draws: pd.DataFrame = field(repr=False)
    notes: list[str] = field(default_factory=list)
    months_since_move: float = 0.0

    def priors(self, start: Any = None) -> dict[str, Prior]:
        """The fitted parameters as priors, for :class:`~aicast.LeaderboardGap`.

        ``closed_drift_per_month`` (Student t, truncated at 0), ``closed_volatility``,
        ``gap_reversion``, ``equilibrium_gap``, ``gap_volatility``, ``gap_innovation_df`` (the
        joint posterior: each path draws one whole row of :attr:`draws`,
        :func:`~aicast.joint_empirical`) and
        ``innovation_correlation``. With ``start`` (a month on or after :attr:`last_month`) also
        ``closed_start`` and ``gap_start`` for a scenario starting then (see :meth:`model`).
        """
        if start is None:
            return dict(self._priors)
        p = self._start_month(start)
        h = (p - self.last_month).n
        if h == 0 and "gap_move_probability" not in self.draws:
            return {"closed_start": point(self.closed_start), "gap_start": point(self.gap_start), **self._priors}
        return self._start_priors(h)

    def _start_month(self, start: Any) -> pd.Period:
        p = self.last_month + 1 if start is None else parse_month(start, "start")
        if p < self.last_month:
            raise ValueError(
                f"LeaderboardGapFit: start must be on or after the last observation {self.last_month}, got {p}"
            )
        return p

    def model(self, name: str = "lb", start: Any = None, **overrides: Any) -> LeaderboardGap:
        """A :class:`~aicast.LeaderboardGap` for a scenario starting in month ``start``, with the fitted priors.

        Parameters
        ----------
        name
            Model name (prefix of its series).
        start
            First month of the scenario the model is added to (``"YYYY-MM"`` or a Period). Default:
            the month after the last observation. In :attr:`last_month` the start values are the
            observed scores; later, ``closed_start`` and ``gap_start`` are the forecast of that
            month from the last observation (drawn as whole rows with the parameters that produced
            them), so a scenario may start at any month on or after the data end.
        **overrides
            Replace any parameter (``closed_start``, ``gap_start``, ``closed_drift_per_month``,
            ``closed_volatility``, ``gap_reversion``, ``equilibrium_gap``, ``gap_volatility``,
            ``innovation_correlation``, ``gap_innovation_df``, ``gap_move_probability``,
            ``gap_latent_offset``) with a number or a prior, e.g.
            ``gap_volatility=0``, or ``gap_innovation_df=None`` for Gaussian innovations.

        Raises
        ------
        ValueError
            For a start before the last observation or an unknown parameter (the message lists
            the known ones).

        Examples
        --------
        >>> import aicast as ac
        >>> fit = ac.fit.leaderboard_gap(ac.data.load("arena_best_monthly"))
        >>> m = fit.model("lb", start="2026-01", gap_reversion=0)
        >>> m.series[:3]
        ['lb.closed', 'lb.open', 'lb.gap']
        """
        unknown = [k for k in overrides if k not in MODEL_PARAMETERS]
        if unknown:
            raise ValueError(
                f"LeaderboardGapFit.model: unknown parameter {unknown[0]!r}; parameters: {', '.join(MODEL_PARAMETERS)}"
            )
        params: dict[str, Any] = self.priors(self._start_month(start))
        params.update(overrides)
        return dated(LeaderboardGap(name, scale=self.scale, **params), "leaderboard gap fit", self.last_month)

    def _start_priors(self, h: int) -> dict[str, Prior]:
        """Priors of every parameter for a start ``h >= 1`` months after the last observation.

        Joint draws of the parameters (the gap's posterior draws, draws of the frontier's and the
        innovation correlation's priors) give joint draws of the latent frontier and the gap ``h``
        months on (the engine's monthly steps: exact OU and Brownian transitions, Student-t gap
        innovations with the row's degrees of freedom, correlated as the row's correlation); the
        parameters and the start values are then drawn together as whole rows
        of that table (:func:`~aicast.joint_empirical`), so each path starts from a start value
        that its own parameters produced.
        """
        d = self.draws
        n = len(d)
        kappa = d["gap_reversion"].to_numpy() / 12.0
        theta = d["equilibrium_gap"].to_numpy()
        sigma = d["gap_volatility"].to_numpy() / math.sqrt(12.0)
        drift = self._priors["closed_drift_per_month"].sample(n, seed=_START_SEED)
        cvol = self._priors["closed_volatility"].sample(n, seed=_START_SEED + 1)
        rho = self._priors["innovation_correlation"].sample(n, seed=_START_SEED + 2)
        fwd, back = _scale_maps(self.scale)
        xc0 = fwd(self.closed_start)
        xg0 = xc0 - fwd(self.closed_start - self.gap_start)
        rng = np.random.default_rng(_START_SEED)
        extra: list[tuple[str, np.ndarray]] = []
        if "gap_innovation_df" not in d and "gap_move_probability" not in d:
            z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
            xc = xc0 + drift * h + cvol * math.sqrt(h / 12.0) * z1
            a = np.exp(-kappa * h)
            v = -np.expm1(-2.0 * kappa * h) / (2.0 * kappa)
            xg = theta + (xg0 - theta) * a + sigma * np.sqrt(v) * (rho * z1 + np.sqrt(1.0 - rho * rho) * z2)
        else:
            # the engine's monthly steps: Gaussian frontier innovations, Student-t gap innovations
            # (a normal over the square root of a Gamma(nu / 2, rate nu / 2) precision), and a
            # published gap that takes the latent gap's value in the months it moves
            nu = d["gap_innovation_df"].to_numpy() if "gap_innovation_df" in d else np.full(n, math.inf)
            if "gap_innovation_df" in d:
                extra.append(("gap_innovation_df", nu))
            move_p = d["gap_move_probability"].to_numpy() if "gap_move_probability" in d else np.ones(n)
            if "gap_move_probability" in d:
                extra.append(("gap_move_probability", move_p))
            a = np.exp(-kappa)
            s_gap = sigma * np.sqrt(-np.expm1(-2.0 * kappa) / (2.0 * kappa))
            xc = np.full(n, float(xc0))
            xg = np.full(n, float(xg0))
            latent = xg.copy()
            moves = "gap_move_probability" in d
            if moves and self.months_since_move > 0:
                # the latent gap has run (unseen) since the gap last moved: its OU transition over those months
                k = self.months_since_move
                latent = theta + (xg - theta) * np.exp(-kappa * k) + sigma * np.sqrt(
                    -np.expm1(-2.0 * kappa * k) / (2.0 * kappa)) * rng.standard_normal(n)
            heavy = bool(np.any(np.isfinite(nu)))
            for _ in range(h):
                z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
                w = rng.gamma(0.5 * nu) / (0.5 * nu) if heavy else np.ones(n)
                xc = xc + drift + cvol * math.sqrt(1.0 / 12.0) * z1
                latent = theta + (latent - theta) * a + s_gap * (rho * z1 + np.sqrt(1.0 - rho * rho) * z2) / np.sqrt(w)
                if moves:
                    xg = np.where(rng.uniform(size=n) < move_p, latent, xg)
                else:
                    xg = latent
            if moves:
                extra.append(("gap_latent_offset", latent - xg))
        closed = back(xc)
        gap = closed - back(xc - xg)
        names = ["closed_drift_per_month", "closed_volatility", "innovation_correlation", "gap_reversion",
                 "equilibrium_gap", "gap_volatility", "closed_start", "gap_start"] + [k for k, _ in extra]
        cols = [drift, cvol, rho, d["gap_reversion"].to_numpy(), theta, d["gap_volatility"].to_numpy(), closed, gap]
        cols += [c for _, c in extra]
        out: dict[str, Prior] = {**self._priors}
        out.update(dict(zip(names, joint_empirical(np.column_stack(cols)))))
        if h == 0:  # the observed start values, exactly
            out.update(closed_start=point(self.closed_start), gap_start=point(self.gap_start))
        return out

    def __repr__(self) -> str:
        e = self.estimates
        return (
            f"LeaderboardGapFit({self.n_obs} observations to {self.last_month}, scale={self.scale!r}: gap "
            f"{self.gap_start:.4g} -> equilibrium {e.loc['equilibrium_gap', 'estimate']:.4g} "
            f"[{e.loc['equilibrium_gap', 'lo90']:.4g}, {e.loc['equilibrium_gap', 'hi90']:.4g}], half-life "
            f"{e.loc['gap_half_life_years', 'estimate']:.2g} years [{e.loc['gap_half_life_years', 'lo90']:.2g}, "
            f"{e.loc['gap_half_life_years', 'hi90']:.2g}])" + "".join(f"\nnote: {n}" for n in self.notes)
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{k}</td>" + "".join(f"<td>{r[c]:.4g}</td>" for c in ("estimate", "se", "lo90", "hi90", "mle")) + "</tr>"
            for k, r in self.estimates.iterrows()
        )
        notes = "".join(f"<li>{n}</li>" for n in self.notes)
        return (
            f"<b>LeaderboardGapFit</b>: {self.n_obs} observations over {self.span_months:.1f} months to "
            f"{self.last_month} (scale {self.scale}); last gap {self.gap_start:.4g}, last closed "
            f"{self.closed_start:.4g}<table><tr><th>parameter</th><th>estimate</th><th>s.e.</th>"
            f"<th>5%</th><th>95%</th><th>MLE</th></tr>{rows}</table>" + (f"<ul>{notes}</ul>" if notes else "")
        )


def _scale_maps(scale: str) -> tuple[Any, Any]:
    """Working-scale transform and its inverse: identity for Elo, logit of percent for ``"percent"``."""
    if scale == "percent":
        return (lambda p: np.log(np.asarray(p, dtype=float) / (100.0 - np.asarray(p, dtype=float))),
                lambda x: 100.0 / (1.0 + np.exp(-np.asarray(x, dtype=float))))
    return (lambda x: np.asarray(x, dtype=float)), (lambda x: np.asarray(x, dtype=float))


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
    innovations: str = "gaussian",
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

    observed at irregular times. By default (``innovations="gaussian"``) the innovations are
    Gaussian and its parameters (kappa per month, theta, sigma) get their joint posterior under a
    log-uniform prior on kappa (half-lives from a day to 58 years, so a short history that cannot
    tell a slow reversion from a random walk keeps the random walk in play), a normal prior on
    theta around the first observed gap with the spread a random walk covers over the table's
    span, and the reference prior 1/sigma^2 on sigma^2 (:func:`aicast.fit._gap_posterior.gap_posterior`: a grid in
    kappa, the rest conjugate). With ``innovations="student_t"`` the gap's innovations are
    Student t (scale ``sigma sqrt(v_i)``, ``nu`` degrees of freedom: a few large jumps among quiet
    months), with a uniform prior on ``nu`` over (2.5, 5, 10, 30, 100)
    (:func:`~aicast.fit._gap_posterior.gap_posterior_t`); with ``"intermittent"`` the gap moves
    only in some months (see ``innovations`` below). The priors are that joint posterior: its
    draws, each path taking one whole row (:func:`~aicast.joint_empirical`); the estimates table
    also gives the maximum-likelihood estimates of the Gaussian model (``mle``).
    ``innovation_correlation`` is the correlation of the
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
    innovations
        ``"gaussian"`` (default), ``"student_t"`` (heavy-tailed gap innovations,
        :func:`~aicast.fit._gap_posterior.gap_posterior_t`) or ``"intermittent"``: a gap between
        two running bests, exactly flat in the months neither best changes, moving in each month
        with probability ``gap_move_probability`` (uniform prior) to the value of a latent OU gap
        (:func:`~aicast.fit._gap_posterior.gap_posterior_moves`; needs 2 moves; the model's latent
        gap starts from where it may have gone since the last move, ``gap_latent_offset``).

    Returns
    -------
    LeaderboardGapFit
        Estimates with standard errors, and priors for :class:`~aicast.LeaderboardGap`
        (``fit.model("lb")`` builds one for a scenario starting the month after the data end;
        ``fit.model("lb", start=...)`` for any later month).

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
    if innovations not in INNOVATIONS:
        raise ValueError(f"innovations must be one of {', '.join(map(repr, INNOVATIONS))}, got {innovations!r}")
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
    kappa_mle, theta_mle, sigma_mle, ll = fit_ou(g, dt)
    if innovations == "intermittent":
        try:
            post = gap_posterior_moves(g, dt)
        except ValueError as e:
            raise ValueError(f"innovations='intermittent': {e}") from None
    else:
        post = gap_posterior_t(g, dt) if innovations == "student_t" else gap_posterior(g, dt)
    rev = post.kappa * 12.0
    gvol = post.sigma * math.sqrt(12.0)
    kappa_med, theta_med = float(np.median(post.kappa)), float(np.median(post.theta))
    p_slow = float(np.mean(post.kappa < 10.0 * KAPPA_MIN))
    half_life = math.log(2.0) / rev
    if p_slow > 0.5:
        notes.append(
            f"the gap shows no mean reversion over the table (posterior median reversion "
            f"{12 * kappa_med:.2g} per year): the forecast is close to a random walk and "
            "equilibrium_gap is barely identified"
        )
    elif float(np.quantile(post.kappa, 0.95)) / float(np.quantile(post.kappa, 0.05)) > 100.0:
        notes.append(
            f"the reversion is weakly identified (90% interval of the half-life "
            f"{np.quantile(half_life, 0.05):.2g} to {np.quantile(half_life, 0.95):.2g} years): the "
            "forecast mixes a mean-reverting gap with a near random walk"
        )
    tail_cols = [] if post.df is None else [post.df]
    if post.move_p is not None:
        tail_cols.append(post.move_p)
    if post.scale_floor_mass > 0.05:
        notes.append(
            f"the gap moves in steps (many months without change): {100 * post.scale_floor_mass:.0f}% of the "
            "posterior's innovation scale sits at the grid's floor (e^-4 times the Gaussian residual scale), "
            "which bounds it there in effect"
        )
    corr = normal_scores_correlation(rev, post.theta, gvol, *tail_cols)
    gap_priors = joint_empirical(np.column_stack([rev, post.theta, gvol, *tail_cols]))

    # correlation of the standardized innovations of the frontier and of the gap (at the posterior
    # medians), with a Fisher-z interval; an intermittent gap over the spans between its moves
    at = np.flatnonzero(np.r_[True, moved(g)]) if innovations == "intermittent" else np.arange(n)
    t_m, xc_m, g_m = t[at], xc[at], g[at]
    dt_m = np.diff(t_m)
    a_i, v_i = ou_terms(kappa_med, dt_m)
    r_c = (np.diff(xc_m) - drift * dt_m) / np.sqrt(dt_m)
    r_g = (g_m[1:] - theta_med - a_i * (g_m[:-1] - theta_med)) / np.sqrt(v_i)
    rho = float(np.clip(np.corrcoef(r_c, r_g)[0, 1], -0.99, 0.99))  # +-1 from 3 moves
    n_tr = len(dt_m)
    z_half = _Z90 / math.sqrt(max(n_tr - 3, 1))
    rho_lo, rho_hi = math.tanh(math.atanh(rho) - z_half), math.tanh(math.atanh(rho) + z_half)
    rho_se = (1.0 - rho * rho) / math.sqrt(max(n_tr - 3, 1))

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

    def row(est: float, err: float, prior: Prior, mle: float) -> dict[str, float]:
        lo, hi = prior.marginal().interval(0.9)
        return {"estimate": est, "se": err, "lo90": lo, "hi90": hi, "mle": mle}

    def post_row(x: np.ndarray, prior: Prior, mle: float) -> dict[str, float]:
        return row(float(np.median(x)), float(np.std(x)), prior, mle)

    rows = {
        "closed_drift_per_month": row(drift, drift_se, priors["closed_drift_per_month"], drift),
        "closed_volatility": row(closed_vol, closed_vol / math.sqrt(2.0 * df), priors["closed_volatility"], closed_vol),
        "gap_reversion": post_row(rev, priors["gap_reversion"], 12.0 * kappa_mle),
        "equilibrium_gap": post_row(post.theta, priors["equilibrium_gap"], theta_mle),
        "gap_volatility": post_row(gvol, priors["gap_volatility"], math.sqrt(12.0) * sigma_mle),
        "innovation_correlation": row(rho, rho_se, priors["innovation_correlation"], rho),
    }
    if post.df is not None:
        priors["gap_innovation_df"] = gap_priors[3]
        rows["gap_innovation_df"] = post_row(post.df, priors["gap_innovation_df"], math.nan)
    if post.move_p is not None:
        priors["gap_move_probability"] = gap_priors[3]
        rows["gap_move_probability"] = post_row(post.move_p, priors["gap_move_probability"], float(np.mean(moved(g))))
    hl_lo, hl_med, hl_hi = np.quantile(half_life, [0.05, 0.5, 0.95])
    rows["gap_half_life_years"] = {"estimate": float(hl_med), "se": float(np.std(half_life)), "lo90": float(hl_lo),
                                   "hi90": float(hl_hi), "mle": math.log(2.0) / (12.0 * kappa_mle)}
    estimates = pd.DataFrame.from_dict(rows, orient="index")
    estimates.index.name = "parameter"
    draws = pd.DataFrame({"gap_reversion": rev, "equilibrium_gap": post.theta, "gap_volatility": gvol})
    if post.df is not None:
        draws["gap_innovation_df"] = post.df
    if post.move_p is not None:
        draws["gap_move_probability"] = post.move_p
    return LeaderboardGapFit(
        _priors=priors,
        estimates=estimates,
        closed_start=float(c[-1]),
        gap_start=float(c[-1] - o[-1]),
        last_month=_last_month(last_raw),
        scale=scale,
        n_obs=n,
        span_months=span,
        loglik=ll,
        correlation=corr,
        draws=draws,
        notes=notes,
        months_since_move=float(t[-1] - t[np.flatnonzero(np.r_[True, moved(g)])[-1]]),
    )
