"""Leaderboard convergence: when the best open-weights model catches the closed frontier.

The model lives in the C++ engine (kind ``"leaderboard_gap"``); this module describes its
inputs and adds the summaries users ask for (when does the open model pass a score, when
does the gap fall under a level).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..priors import Prior
from ._base import Model

if TYPE_CHECKING:
    from ..result import Result

__all__ = ["LeaderboardGap", "convergence_table"]

_SCALES = ("elo", "percent")


class LeaderboardGap(Model):
    """Best closed (frontier) and best open-weights score on a leaderboard, and the gap.

    On the working scale ``x`` (the score for ``scale="elo"``, ``logit(score / 100)`` for
    ``scale="percent"``), with ``m`` months and ``t = m / 12`` years since the start::

        L(m+1) = L(m) + closed_drift_per_month + closed_volatility sqrt(1/12) Z1
        C(m)   = max(L(0), ..., L(m))                  # closed frontier: never decreases
        dG     = gap_reversion (equilibrium_gap - G) dt + gap_volatility dW
        O(m)   = C(m) - G(m)                           # best open score

    where each month's gap innovation has correlation ``innovation_correlation`` with ``Z1``.
    With ``gap_innovation_df=nu`` the gap's monthly innovations are Student t with ``nu``
    degrees of freedom (scale ``gap_volatility``; a normal scale mixture, one exact
    ``Gamma(nu / 2, rate nu / 2)`` precision per path and month), so a few large jumps of the
    gap can sit beside many quiet months; without it they are Gaussian. With
    ``gap_move_probability=p`` the published gap is intermittent, as the gap between two running
    bests is: each month it takes the OU gap's value with probability ``p`` (one uniform per path
    and month on its own stream) and otherwise stays exactly unchanged, so a move is the OU
    transition over the months since the last move; without it the gap moves every month.
    ``gap_latent_offset`` (with ``gap_move_probability``; working scale) starts the latent OU gap
    that far from ``gap_start``: where it may have gone since the gap last moved.

    The frontier ``C`` is the running maximum of a latent score ``L`` (the best model so far
    cannot get worse), so it never decreases on any path. The gap ``G = C - O`` is an
    Ornstein-Uhlenbeck process stepped with its exact monthly transition; with
    ``gap_reversion=0`` it is a Brownian motion. Every parameter is drawn once per path from
    its prior (parameter uncertainty), then each path draws its own noise.

    Series: ``<name>.closed``, ``<name>.open``, ``<name>.gap`` (closed - open on the
    published scale), ``<name>.lag_months`` (``G / closed_drift_per_month``: how many months
    of trend frontier progress the open model is behind) and ``<name>.closed_latent`` (``L``).

    Parameters
    ----------
    name
        Model name, the prefix of its series.
    closed_start
        Best closed score in the start month (percent in (0, 100) for ``scale="percent"``).
    gap_start
        ``closed - open`` in the start month (points; percentage points for ``"percent"``).
    closed_drift_per_month
        Trend progress of the latent frontier per month (> 0; working-scale units).
    closed_volatility
        Annualized standard deviation of the latent frontier (>= 0; units per sqrt(year)).
    gap_reversion
        Rate (per year) at which the gap returns to ``equilibrium_gap`` (>= 0; half-life
        ``ln 2 / gap_reversion`` years; 0 makes the gap a random walk).
    equilibrium_gap
        Long-run mean of the gap (working-scale units; may be negative: open ahead).
    gap_volatility
        Annualized standard deviation of the gap's innovations (>= 0).
    innovation_correlation
        Correlation in [-1, 1] of the monthly innovations of the latent frontier and of the
        gap. Positive when a closed release that lifts the frontier also widens the gap (about
        0.5 on the Arena history, 0.7 on the Epoch Capabilities Index); it makes the open score
        smoother than the frontier.
    scale
        ``"elo"`` (unbounded, Arena-like ratings) or ``"percent"`` (a bounded benchmark score
        modelled in logit space so it saturates below 100; then drift, volatilities and
        ``equilibrium_gap`` are in logit units, while start values and outputs are percent).

    Raises
    ------
    ValueError
        For a parameter outside its support (the message names it and the value), or an
        unknown scale.

    Examples
    --------
    >>> import aicast as ac
    >>> lb = ac.LeaderboardGap("lb", closed_start=1470, gap_start=36, closed_drift_per_month=6,
    ...                        closed_volatility=25, gap_reversion=1.5, equilibrium_gap=30,
    ...                        gap_volatility=60)
    >>> lb.series
    ['lb.closed', 'lb.open', 'lb.gap', 'lb.lag_months', 'lb.closed_latent']
    """

    kind = "leaderboard_gap"

    def __init__(
        self,
        name: str,
        closed_start: Prior | float,
        gap_start: Prior | float,
        closed_drift_per_month: Prior | float,
        closed_volatility: Prior | float = 0.0,
        gap_reversion: Prior | float = 0.0,
        equilibrium_gap: Prior | float = 0.0,
        gap_volatility: Prior | float = 0.0,
        innovation_correlation: Prior | float = 0.0,
        scale: str = "elo",
        gap_innovation_df: Prior | float | None = None,
        gap_move_probability: Prior | float | None = None,
        gap_latent_offset: Prior | float | None = None,
    ) -> None:
        if scale not in _SCALES:
            raise ValueError(f"leaderboard_gap '{name}': scale must be 'elo' or 'percent', got {scale!r}")
        self.scale = scale
        tails: dict[str, Prior | float] = {}
        if gap_innovation_df is not None and not (
            isinstance(gap_innovation_df, (int, float)) and math.isinf(gap_innovation_df) and gap_innovation_df > 0
        ):
            tails["gap_innovation_df"] = gap_innovation_df
        if gap_move_probability is not None:
            tails["gap_move_probability"] = gap_move_probability
        if gap_latent_offset is not None:
            tails["gap_latent_offset"] = gap_latent_offset
        super().__init__(
            name,
            {
                "closed_start": closed_start,
                "gap_start": gap_start,
                "closed_drift_per_month": closed_drift_per_month,
                "closed_volatility": closed_volatility,
                "gap_reversion": gap_reversion,
                "equilibrium_gap": equilibrium_gap,
                "gap_volatility": gap_volatility,
                "innovation_correlation": innovation_correlation,
                **tails,
            },
            labels=[scale],
        )

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, scale={self.scale!r})"


def convergence_table(
    result: Result,
    name: str,
    open_thresholds: Any = (),
    gap_levels: Any = (),
    *,
    by: Any = None,
) -> pd.DataFrame:
    """Answers to "when does the open model get there?" from one run, one row per question.

    For each ``t`` in ``open_thresholds`` the event is ``<name>.open >= t``; for each ``g``
    in ``gap_levels`` it is ``<name>.gap < g``. Each row gives the probability that the event
    has happened by ``by`` (default: the horizon) with its Monte Carlo standard error, and
    the months by which it has happened with probability 10%, 50% and 90% (first passage;
    missing when not reached by the horizon).

    Parameters
    ----------
    result
        A :class:`~aicast.Result` of a scenario holding a :class:`LeaderboardGap` named ``name``.
    open_thresholds, gap_levels
        Scores for the open model to reach, and gap levels to fall under.
    by
        Month for the probability column (default: the last month of the run).

    Returns
    -------
    pandas.DataFrame
        Indexed by event, with columns ``p``, ``se``, ``q10``, ``median``, ``q90``.
    """
    events = [f"{name}.open >= {float(t):g}" for t in open_thresholds]
    events += [f"{name}.gap < {float(g):g}" for g in gap_levels]
    if not events:
        raise ValueError("convergence_table: give at least one open threshold or gap level")
    month = result.months[-1] if by is None else by
    rows = []
    for ev in events:
        p = result.prob(ev, by=month)
        ht = result.hitting_time(ev)
        rows.append(
            {
                "event": ev,
                "p": p.p,
                "se": p.se,
                "q10": ht.quantile(0.1),
                "median": ht.quantile(0.5),
                "q90": ht.quantile(0.9),
            }
        )
    df = pd.DataFrame(rows).set_index("event")
    df.attrs["by"] = str(pd.Period(month, freq="M"))
    return df
