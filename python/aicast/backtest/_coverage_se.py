"""Standard errors of a backtest's interval coverage that respect the dependence of its scores.

The scores of a rolling-origin backtest are far from independent: the months of one cut share
one fit, and consecutive cuts forecast overlapping target months. A binomial standard error
``sqrt(p (1 - p) / n)`` over all scores treats them as independent and is too small. Here:

* :func:`coverage_se` over all cuts: a **moving-block bootstrap over cuts**. The cuts, in time
  order, are cut into blocks of ``block`` consecutive cuts (default :func:`default_block`: as
  many cuts as the longest lead time scored spans, so that cuts forecasting overlapping months
  tend to be drawn together). ``ceil(C / block)`` block starts are drawn uniformly from the
  ``C - block + 1`` possible ones and the blocks concatenated, the last one truncated, to ``C``
  cuts; every score of a drawn cut (all its months, all keys after ``Backtest.combine``) moves
  with it. The replicate's coverage is the share of its scores covered (cuts weighted by their
  number of scores, as the point estimate is). The SE is the standard deviation of
  :data:`REPLICATES` replicates drawn from a fixed seed (:data:`SEED`, never the forecast's): the
  same numbers at every call. Like every block bootstrap it estimates the long-run variance with
  a Bartlett-type window of width ``block`` about the sample's own mean, so it is biased low,
  and much so when the cuts are few: on thresholded AR(1) hits (latent lag-1 correlation 0.5;
  ``tests/test_backtest_se.py``, exact expectations) its variance is 0.86-0.88 of the true one
  with 240 cuts and blocks of 12, but 0.47-0.50 with 18 cuts and blocks of 6 (the rolling
  leaderboard backtests): there the SE is about 0.7 of the true one, likely to understate the
  uncertainty by about a third.
* One cut: the dependence of a cut's scores cannot be estimated from that cut alone (the
  autocovariances of one series about its own mean sum to zero), so the SE is NaN.
* Per cut (``by_cut=True``): the binomial SE with an effective number of scores,
  ``Var = (1 / n_c^2) sum_{i, j in cut} gamma(|lead_i - lead_j|)``, where ``gamma(k)`` is the
  autocovariance of the hits at a lead-time distance of ``k`` months, pooled over the scores of
  the same cut in *all* cuts and centred on the forecaster's pooled coverage ``p``
  (``gamma(0) = p (1 - p)``). Clipped to ``[p (1 - p) / n_c, p (1 - p)]`` (an effective number of
  scores between 1 and ``n_c``). It is the SE of one cut's coverage under the rate and dependence
  of all cuts. NaN with a single cut.

Pure NumPy and pandas; nothing here imports the rest of aicast.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["REPLICATES", "SEED", "coverage_se", "default_block"]

#: Bootstrap replicates per standard error (relative Monte Carlo error about 1 / sqrt(2 R): 1.6%).
REPLICATES = 2000
#: Seed of the bootstrap's own generator (independent of the forecast's seed).
SEED = 20261130

_HITS = ("in_50", "in_90")


def _ordinals(col: pd.Series, name: str) -> np.ndarray:
    try:
        return np.asarray(pd.PeriodIndex(col, freq="M").asi8, dtype=np.int64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"scores column {name!r} must hold months, got {col.iloc[:3].tolist()!r}") from e


def default_block(cuts: np.ndarray, leads: np.ndarray) -> int:
    """Block length (in cuts) of the bootstrap: the cuts spanned by the longest lead time scored.

    ``ceil(max lead / cut spacing)``, with the spacing the median number of months between
    consecutive cuts (monthly cuts: the horizon in months), at least 1 and at most half the
    number of cuts (so that at least two blocks are drawn).

    Parameters
    ----------
    cuts
        The distinct cut months as integer month ordinals.
    leads
        Lead time of every score in months (``month - cut``).
    """
    u = np.unique(cuts)
    if len(u) < 2:
        return 1
    spacing = max(1.0, float(np.median(np.diff(u))))
    longest = int(leads.max()) if len(leads) else 1
    return max(1, min(math.ceil(longest / spacing), len(u) // 2))


def _bootstrap(n: np.ndarray, hits: np.ndarray, block: int) -> np.ndarray:
    """SE of sum(hits) / sum(n) over cuts in time order; ``hits`` is (levels, cuts)."""
    c = len(n)
    b = max(1, min(block, c))
    nb = -(-c // b)
    lens = np.full(nb, b)
    lens[-1] = c - (nb - 1) * b
    starts = np.random.default_rng(SEED).integers(0, c - b + 1, size=(REPLICATES, nb))
    ends = starts + lens
    cum_n = np.concatenate([[0.0], np.cumsum(n, dtype=float)])
    tot_n = (cum_n[ends] - cum_n[starts]).sum(axis=1)
    cum_h = np.concatenate([np.zeros((hits.shape[0], 1)), np.cumsum(hits, axis=1, dtype=float)], axis=1)
    tot_h = (cum_h[:, ends] - cum_h[:, starts]).sum(axis=2)  # (levels, replicates)
    return np.asarray((tot_h / tot_n).std(axis=1, ddof=1))


def _per_cut(cut_idx: np.ndarray, leads: np.ndarray, hits: np.ndarray, n_cuts: int) -> np.ndarray:
    """Per-cut SEs (levels, cuts) from the lead-distance autocovariances pooled over cuts."""
    lead0 = leads - leads.min()
    n_leads = int(lead0.max()) + 1
    dist = np.abs(np.arange(n_leads)[:, None] - np.arange(n_leads)[None, :])
    counts = np.zeros((n_cuts, n_leads))
    np.add.at(counts, (cut_idx, lead0), 1.0)
    n_c = counts.sum(axis=1)
    # ordered pairs of distinct scores of one cut, by the leads of the two
    pair_n = counts[:, :, None] * counts[:, None, :] - np.einsum("ci,ij->cij", counts, np.eye(n_leads))
    out = np.empty((hits.shape[0], n_cuts))
    for lvl, h in enumerate(hits):
        p = h.mean()
        gamma0 = p * (1.0 - p)
        r = h - p
        s = np.zeros((n_cuts, n_leads))
        q = np.zeros((n_cuts, n_leads))
        np.add.at(s, (cut_idx, lead0), r)
        np.add.at(q, (cut_idx, lead0), r * r)
        pair_r = s[:, :, None] * s[:, None, :] - np.einsum("ci,ij->cij", q, np.eye(n_leads))
        num = np.bincount(dist.ravel(), pair_r.sum(axis=0).ravel(), minlength=n_leads)
        den = np.bincount(dist.ravel(), pair_n.sum(axis=0).ravel(), minlength=n_leads)
        gamma = np.divide(num, den, out=np.zeros(n_leads), where=den > 0)
        gamma = np.clip(gamma, -gamma0, gamma0)
        var = (n_c * gamma0 + (pair_n * gamma[dist]).sum(axis=(1, 2))) / n_c**2
        out[lvl] = np.sqrt(np.clip(var, gamma0 / n_c, gamma0))
    return out


def coverage_se(scores: pd.DataFrame, by_cut: bool = False, block: int | None = None) -> pd.DataFrame:
    """Standard errors of the 50% and 90% coverage per forecaster (and per cut with ``by_cut``).

    Parameters
    ----------
    scores
        A :attr:`Backtest.scores` table: ``cut``, ``month``, ``forecaster``, ``in_50``, ``in_90``.
    by_cut
        One row per (cut, forecaster), from the pooled lead-distance autocovariances (see the
        module's docstring), instead of one per forecaster from the block bootstrap.
    block
        Block length in cuts; ``None``: :func:`default_block`.

    Returns
    -------
    pandas.DataFrame
        Columns ``coverage_50_se`` and ``coverage_90_se``, indexed like ``Backtest.summary``;
        NaN where only one cut was scored.
    """
    cuts = _ordinals(scores["cut"], "cut")
    leads = _ordinals(scores["month"], "month") - cuts
    n_cuts = len(np.unique(cuts))
    if block is None:
        block = default_block(cuts, leads)
    elif n_cuts >= 2 and block > max(1, n_cuts // 2):
        raise ValueError(f"block must be at most half the number of cuts ({n_cuts // 2} of {n_cuts}), got {block}")
    rows: dict[Any, np.ndarray] = {}
    for f, idx in scores.groupby("forecaster", sort=False).indices.items():
        uniq, inv = np.unique(cuts[idx], return_inverse=True)
        hits = np.stack([scores[c].to_numpy(dtype=float)[idx] for c in _HITS])
        if by_cut:
            se = (np.full((len(_HITS), len(uniq)), np.nan) if len(uniq) < 2
                  else _per_cut(inv, leads[idx], hits, len(uniq)))
            labels = pd.PeriodIndex.from_ordinals(uniq, freq="M")
            for j, c in enumerate(labels):
                rows[(c, f)] = se[:, j]
        else:
            n = np.bincount(inv, minlength=len(uniq)).astype(float)
            h = np.stack([np.bincount(inv, weights=x, minlength=len(uniq)) for x in hits])
            rows[f] = np.full(len(_HITS), np.nan) if len(uniq) < 2 else _bootstrap(n, h, block)
    names = ["cut", "forecaster"] if by_cut else ["forecaster"]
    index = pd.MultiIndex.from_tuples(list(rows), names=names) if by_cut else pd.Index(list(rows), name=names[0])
    return pd.DataFrame(np.array(list(rows.values())).reshape(len(rows), len(_HITS)), index=index,
                        columns=[f"coverage_{c[3:]}_se" for c in _HITS])
