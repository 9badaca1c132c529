"""Bradley-Terry ratings from pairwise battles, and a best-open / best-closed table from them.

This is the method Chatbot Arena publishes for its leaderboard: a logistic model of who wins
each battle, fitted by maximum likelihood (in the C++ core, Newton's method with Eigen), with
bootstrap intervals from resampled battles. With your own battle records it builds the kind
of table :func:`aicast.fit.leaderboard_gap` fits.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from .. import _engine

__all__ = ["bradley_terry", "leaderboard_table"]

_SCORES = {"model_a": 1.0, "model_b": 0.0}


def _scores(winner: pd.Series) -> np.ndarray:
    w = winner.astype(str)
    out = w.map(_SCORES)
    ties = w.str.startswith("tie")
    out[ties] = 0.5
    bad = out.isna()
    if bad.any():
        raise ValueError(
            f"winner must be 'model_a', 'model_b' or start with 'tie', got {w[bad].iloc[0]!r}"
        )
    return out.to_numpy(dtype=float)


def bradley_terry(
    battles: pd.DataFrame,
    *,
    model_a: str = "model_a",
    model_b: str = "model_b",
    winner: str = "winner",
    ridge: float = 0.0,
    base: float = 1000.0,
    bootstrap: int = 0,
    seed: int = 0,
    threads: int | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Bradley-Terry ratings on the Elo scale, with standard errors and intervals.

    ``P(i beats j) = 1 / (1 + 10^(-(r_i - r_j) / 400))``; a tie counts as half a win for each
    side; the ratings average ``base``.

    Parameters
    ----------
    battles
        One row per battle with the two models and the outcome, as in Chatbot Arena's public
        battle files: ``winner`` is ``"model_a"``, ``"model_b"`` or ``"tie"`` (any value
        starting with "tie", e.g. ``"tie (bothbad)"``).
    ridge
        Strength of a normal prior on the log-odds strengths (sd ``1/sqrt(ridge)``); 0 gives
        the maximum-likelihood ratings, which exist only if no group of models wins (or
        loses) every battle against the rest.
    bootstrap
        Number of bootstrap replicates (battles resampled with replacement). With 0, intervals
        are normal ``rating +- z se``; otherwise they are bootstrap percentiles.
    seed, threads
        The bootstrap's seed (counter-based: the same replicates for any thread count) and
        threads (default: all cores).
    level
        Coverage of the interval columns ``lo`` and ``hi``.

    Returns
    -------
    pandas.DataFrame
        Indexed by model, sorted by rating: ``rating``, ``se``, ``lo``, ``hi``, ``battles``.
        ``attrs`` holds ``loglik``, ``iterations`` and, with a bootstrap, the replicates
        (``attrs["bootstrap"]``, replicates x models in the order of the index).

    Raises
    ------
    ValueError
        For a missing column, an unknown outcome, a model playing itself, fewer than two
        models, a battle graph that does not connect all models, or ratings without a
        finite maximum-likelihood value (then set ``ridge > 0``); messages name the models.

    Examples
    --------
    >>> import pandas as pd, aicast as ac
    >>> b = pd.DataFrame({"model_a": ["x", "y", "x", "z", "y", "z"],
    ...                   "model_b": ["y", "x", "z", "x", "z", "y"],
    ...                   "winner": ["model_a", "model_a", "model_a", "model_a", "tie", "model_b"]})
    >>> ac.fit.bradley_terry(b).index.tolist()
    ['y', 'x', 'z']
    """
    if not isinstance(battles, pd.DataFrame):
        raise TypeError(f"battles must be a pandas DataFrame, got {type(battles).__name__}")
    for col in (model_a, model_b, winner):
        if col not in battles.columns:
            raise ValueError(f"battles has no column {col!r}; columns: {', '.join(map(str, battles.columns))}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    names = pd.Index(pd.unique(pd.concat([battles[model_a], battles[model_b]], ignore_index=True).astype(str)))
    ia = names.get_indexer(battles[model_a].astype(str)).astype(np.int64)
    ib = names.get_indexer(battles[model_b].astype(str)).astype(np.int64)
    score = _scores(battles[winner])
    try:
        raw = _engine.bradley_terry(ia, ib, score, len(names), float(ridge), float(base), int(bootstrap),
                                    int(seed), 0 if threads is None else int(threads))
    except ValueError as e:
        msg = re.sub(r"model #(\d+)", lambda m: f"model {names[int(m.group(1))]!r}", str(e))
        raise ValueError(msg) from None
    ratings, se = raw["ratings"], raw["se"]
    alpha = (1.0 - level) / 2.0
    if bootstrap > 0:
        lo, hi = np.quantile(raw["boot"], [alpha, 1.0 - alpha], axis=0)
    else:
        from statistics import NormalDist

        z = NormalDist().inv_cdf(1.0 - alpha)
        lo, hi = ratings - z * se, ratings + z * se
    df = pd.DataFrame({"rating": ratings, "se": se, "lo": lo, "hi": hi, "battles": raw["battles"]},
                      index=pd.Index(names, name="model"))
    order = np.argsort(-ratings, kind="stable")
    df = df.iloc[order]
    df.attrs.update({"loglik": float(raw["loglik"]), "iterations": int(raw["iterations"])})
    if bootstrap > 0:
        df.attrs["bootstrap"] = raw["boot"][:, order]
    return df


def leaderboard_table(
    battles: pd.DataFrame,
    open_models: Collection[str],
    *,
    time: str = "tstamp",
    model_a: str = "model_a",
    model_b: str = "model_b",
    winner: str = "winner",
    ridge: float = 0.0,
) -> pd.DataFrame:
    """Best closed and best open Bradley-Terry rating at the end of each month.

    Ratings are refitted each month on all battles up to the end of that month (as a
    leaderboard snapshot would be); months before both an open and a closed model have
    battles are skipped. The result has the columns :func:`aicast.fit.leaderboard_gap` reads.

    Parameters
    ----------
    battles
        Battles with a time column (dates, or seconds since the epoch as Arena's ``tstamp``).
    open_models
        Names of the open-weights models; every other model counts as closed.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``best_closed``, ``best_closed_model``, ``best_open``, ``best_open_model``,
        ``gap``, ``n_models``.
    """
    if time not in battles.columns:
        raise ValueError(f"battles has no column {time!r}; columns: {', '.join(map(str, battles.columns))}")
    t = battles[time]
    when = pd.to_datetime(t, unit="s") if pd.api.types.is_numeric_dtype(t) else pd.to_datetime(t)
    month = when.dt.to_period("M")
    order = np.argsort(month.to_numpy(), kind="stable")
    battles, month = battles.iloc[order], month.iloc[order]
    open_set = {str(m) for m in open_models}
    rows: list[dict[str, Any]] = []
    for m in pd.unique(month):
        upto = battles[(month <= m).to_numpy()]
        models = pd.unique(pd.concat([upto[model_a], upto[model_b]]).astype(str))
        is_open = np.array([x in open_set for x in models])
        if is_open.all() or not is_open.any():
            continue
        r = bradley_terry(upto, model_a=model_a, model_b=model_b, winner=winner, ridge=ridge)
        op = r[r.index.isin(open_set)]
        cl = r[~r.index.isin(open_set)]
        rows.append({
            "month": str(m),
            "best_closed": float(cl["rating"].iloc[0]),
            "best_closed_model": cl.index[0],
            "best_open": float(op["rating"].iloc[0]),
            "best_open_model": op.index[0],
            "gap": float(cl["rating"].iloc[0] - op["rating"].iloc[0]),
            "n_models": len(r),
        })
    return pd.DataFrame(rows)
