"""Backtests: fit on the data up to a cut, forecast the rest with the engine, score the forecast.

``backtest(model_kind, table, cut="2024-06")`` runs one *adapter* per cut. An adapter is one
function, registered for a model kind with :func:`register_adapter`, that turns
``(table, cut, **options)`` into a :class:`BacktestSetup`: the fitted models (fitted on rows
up to the end of the cut month only), the series to read, the later observations to compare
it with, point forecasts of naive baselines, and the scale on which to score (prices: log).
The harness does the rest for every kind alike: it runs the models from the cut month to the
last observation in the engine (``keep_paths=True``, so the forecast distribution is the
engine's own sample), and scores each observation with :mod:`aicast.scores`: PIT, whether it
fell inside the central 50% and 90% intervals, CRPS and the mean pinball loss over
:data:`PINBALL_LEVELS`. Baselines are point forecasts, scored by the same functions (their
CRPS is the absolute error; their intervals have zero width). :meth:`Backtest.summary` gives each
coverage a standard error from a moving-block bootstrap over cuts
(:mod:`aicast.backtest._coverage_se`), since the scores of one cut, and of neighbouring cuts,
are dependent.

Adapters, one module each: ``"price_decline"`` (alias ``"price"``) in
:mod:`aicast.backtest.price`, ``"leaderboard_gap"`` (alias ``"leaderboard"``) in
:mod:`aicast.backtest.leaderboard` and ``"incident_growth"`` (alias ``"incidents"``) in
:mod:`aicast.backtest.incidents`. (``aicast.backtest`` is the function; import the rest of the
package by name: ``from aicast.backtest import register_adapter, BacktestSetup``.)

Examples
--------
>>> import aicast as ac
>>> bt = ac.backtest("price", ac.data.prices_epoch(), cut="2024-06", score="mmlu",
...                  threshold=64.8, paths=2_000)
>>> list(bt.summary().index)
['model', 'last value', 'trend']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import scores, style
from .._months import parse_month
from ..data import TABLES, as_of
from ..scenario import Scenario
from ._coverage_se import coverage_se
from ._registry import ADAPTERS, CutError

__all__ = ["COVERAGE_LEVELS", "PINBALL_LEVELS", "Backtest", "backtest", "rolling_cuts"]

#: Quantile levels of the pinball loss (averaged over them).
PINBALL_LEVELS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)

#: Interval levels whose coverage is reported.
COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.9)


@dataclass
class Backtest:
    """Scores of a backtest over one or more cuts.

    Attributes
    ----------
    scores
        One row per (cut, observation, forecaster): ``cut``, ``month``, ``label``,
        ``observed``, ``forecaster`` (``"model"`` or a baseline), ``pit``, ``in_50``,
        ``in_90``, ``crps``, ``pinball``, and the forecast's ``median``, ``q05`` and ``q95``
        (natural scale).
    fits
        The fitted object of each cut.
    model_kind, paths, seed
        What was run.
    data_as_of
        How old the scored table is (a shipped table: ``{name: date of its snapshot}``; empty for a
        table of your own); the reprs print it.
    """

    scores: pd.DataFrame
    fits: dict[Any, Any]
    model_kind: str
    paths: int
    seed: int
    skipped: dict[Any, str] = field(default_factory=dict)
    data_as_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def combine(cls, backtests: Mapping[str, Backtest]) -> Backtest:
        """Pool backtests (e.g. one per capability threshold) into one; ``scores`` gains a ``key`` column.

        Raises
        ------
        ValueError
            If there is nothing to combine or the backtests are of different model kinds.
        """
        items = dict(backtests)
        if not items:
            raise ValueError("combine needs at least one backtest")
        kinds = {b.model_kind for b in items.values()}
        if len(kinds) > 1:
            raise ValueError(f"combine: backtests of different model kinds {sorted(kinds)}")
        frames = [b.scores.assign(key=k) for k, b in items.items()]
        fits = {(k, c): f for k, b in items.items() for c, f in b.fits.items()}
        skipped = {(k, c): r for k, b in items.items() for c, r in b.skipped.items()}
        first = next(iter(items.values()))
        dates = {k: v for b in items.values() for k, v in b.data_as_of.items()}
        return cls(pd.concat(frames, ignore_index=True), fits, first.model_kind, first.paths, first.seed, skipped, dates)

    def summary(self, by_cut: bool = False, *, block: int | None = None) -> pd.DataFrame:
        """Coverage of the 50% and 90% intervals with standard errors, mean CRPS and pinball loss.

        Parameters
        ----------
        by_cut
            One row per (cut, forecaster) instead of one per forecaster.
        block
            Block length, in cuts, of the bootstrap of the coverage's standard error (``None``:
            the cuts spanned by the longest lead time scored; monthly cuts: the horizon in months).

        Returns
        -------
        pandas.DataFrame
            ``n`` (scores), ``coverage_50`` and ``coverage_90`` (share of the observations inside
            the central 50% and 90% intervals) with their standard errors ``coverage_50_se`` and
            ``coverage_90_se``, ``crps``, ``pinball`` and ``mean_pit``. The scores of a backtest
            are dependent (one cut's months share one fit; consecutive cuts forecast overlapping
            months), so the SE is a moving-block bootstrap over cuts in time order: every score
            of a drawn cut (all its months and keys) moves with it (2,000 replicates from a fixed
            seed, never the forecast's: the same numbers at every call). With a single cut it is
            NaN (one cut cannot show how dependent its scores are); per cut (``by_cut=True``) it
            is a binomial SE with an effective number of scores from the autocovariance of the
            hits by lead-time distance, pooled over all cuts. Details and measured biases:
            :mod:`aicast.backtest._coverage_se`.

        Raises
        ------
        ValueError
            If ``block`` is not a positive integer.
        """
        if block is not None:
            block = _check_int(block, "block")
        keys = ["cut", "forecaster"] if by_cut else ["forecaster"]
        g = self.scores.groupby(keys, sort=False)
        out = pd.DataFrame(
            {
                "n": g.size(),
                "coverage_50": g["in_50"].mean(),
                "coverage_90": g["in_90"].mean(),
                "crps": g["crps"].mean(),
                "pinball": g["pinball"].mean(),
                "mean_pit": g["pit"].mean(),
            }
        )
        cols = ["coverage_50_se", "coverage_90_se"]
        se = (pd.DataFrame(np.nan, index=out.index, columns=cols) if self.scores.empty
              else coverage_se(self.scores, by_cut=by_cut, block=block).reindex(out.index))
        out.insert(2, "coverage_50_se", se["coverage_50_se"])
        out.insert(4, "coverage_90_se", se["coverage_90_se"])
        return out

    @property
    def pit(self) -> np.ndarray:
        """PIT values of the model's forecasts (all cuts)."""
        return self.scores.loc[self.scores["forecaster"] == "model", "pit"].to_numpy()

    def plot_pit(self, ax: Any = None, bins: int = 10, **kwargs: Any) -> Any:
        """Histogram of the model's PIT values with the uniform density a calibrated forecast gives."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        pit = self.pit
        ax.hist(pit, bins=bins, range=(0.0, 1.0), density=True, color=kwargs.pop("color", "C0"),
                edgecolor="white", **kwargs)
        ax.axhline(1.0, color="k", lw=1, ls="--", label="calibrated")
        ax.set_xlim(0, 1)
        ax.set_xlabel("PIT")
        ax.set_ylabel("density")
        ax.set_title(f"{self.model_kind}: PIT of {len(pit)} observations")
        ax.legend(loc="upper center")
        return ax

    def _as_of_text(self) -> str:
        return f", {style.as_of_text(self.data_as_of)}" if self.data_as_of else ""

    def _cuts_text(self) -> str:
        cuts = [str(c) for c in self.fits]
        text = ", ".join(cuts) if len(cuts) <= 4 else f"{len(cuts)} cuts, {cuts[0]} to {cuts[-1]}"
        return text + (f"; {len(self.skipped)} skipped" if self.skipped else "")

    def __repr__(self) -> str:
        head = (f"<aicast.Backtest {self.model_kind}: cuts {self._cuts_text()}; {len(self.pit)} observations, "
                f"{self.paths:,} paths{self._as_of_text()}")
        if self.scores.empty:
            return head + ">"
        s = self.summary()
        lines = [f"  {f}: 50% covers {r.coverage_50:.0%} ({_se_text(r.coverage_50_se)}), 90% covers "
                 f"{r.coverage_90:.0%} ({_se_text(r.coverage_90_se)}), CRPS {r.crps:.4g}, pinball {r.pinball:.4g}, "
                 f"mean PIT {r.mean_pit:.2f} (n={int(r.n)})" for f, r in s.iterrows()]
        return head + "\n" + "\n".join(lines) + ">"

    def _repr_html_(self) -> str:
        import html

        table = self.summary().to_html(float_format=lambda x: f"{x:.4g}") if not self.scores.empty else ""
        return (f"<b>aicast.Backtest</b> {html.escape(self.model_kind)}: cuts {html.escape(self._cuts_text())}; "
                f"{len(self.pit)} observations, {self.paths:,} paths{html.escape(self._as_of_text())} (coverage: share of observations inside "
                f"the central 50% / 90% intervals, with standard errors from a block bootstrap over cuts; CRPS and "
                f"pinball loss: lower is better){table}")


def _se_text(se: float) -> str:
    """A coverage's standard error in percentage points, or why there is none (one cut)."""
    return "SE n/a: one cut" if np.isnan(se) else f"SE {100 * se:.1f}"


def _score_point(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    q = np.repeat(x[:, None], len(PINBALL_LEVELS), axis=1)
    return {
        "pit": scores.pit_samples(x[:, None], y),
        "in_50": y == x,
        "in_90": y == x,
        "crps": scores.crps_samples(x[:, None], y),
        "pinball": scores.pinball_loss(q, PINBALL_LEVELS, y),
    }


def _score_samples(s: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {"pit": scores.pit_samples(s, y)}
    for c in COVERAGE_LEVELS:
        lo, hi = scores.interval(s, c)
        out[f"in_{round(c * 100)}"] = scores.coverage(lo, hi, y)[1]
    out["crps"] = scores.crps_samples(s, y)
    q = np.quantile(s, PINBALL_LEVELS, axis=1).T
    out["pinball"] = scores.pinball_loss(q, PINBALL_LEVELS, y)
    return out


def _check_int(x: Any, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x <= 0:
        raise ValueError(f"{name} must be a positive integer, got {x!r}")
    return int(x)


def backtest(
    model_kind: str,
    table: pd.DataFrame,
    cut: Any = "2024-06",
    *,
    paths: int = 20_000,
    seed: int = 0,
    threads: int | None = None,
    skip: bool = False,
    **options: Any,
) -> Backtest:
    """Fit on the data up to ``cut``, forecast the rest with the engine and score it.

    Parameters
    ----------
    model_kind
        A registered adapter: ``"price"`` / ``"price_decline"``, ``"leaderboard"`` /
        ``"leaderboard_gap"``, ``"incidents"`` / ``"incident_growth"`` (see :data:`ADAPTERS`).
    table
        The data (e.g. ``aicast.data.prices_epoch()``); the adapter says which columns.
    cut
        A month ``"YYYY-MM"`` (data up to its end are used for fitting) or several months
        for a rolling-origin backtest.
    paths, seed, threads
        Engine run of each cut's forecast (the forecast is the engine's sample of paths).
    skip
        In a rolling backtest, skip cuts that cannot be fitted or scored (too little data
        before or none after) and list them with the reason in :attr:`Backtest.skipped`,
        instead of raising. At least one cut must remain.
    **options
        Passed to the adapter. Price: ``score``, ``threshold``, ``observe``
        (``"points"``: the later frontier points; ``"monthly"``: the frontier price at every
        later month), ``start`` (``"trend"``: the fitted trend's price at the cut, with its
        uncertainty; ``"last"``: the last frontier price before the cut), ``open_weights``,
        ``confidence``. Leaderboard and incidents: see
        :func:`aicast.backtest.leaderboard_adapter` and
        :func:`aicast.backtest.incident_adapter`.

    Returns
    -------
    Backtest

    Raises
    ------
    ValueError
        For an unknown model kind, a cut outside the data range, or a cut with too little
        data before it to fit or none after it to score.
    """
    try:
        adapter = ADAPTERS[model_kind]
    except (KeyError, TypeError):
        raise ValueError(f"no backtest adapter for model kind {model_kind!r} (known: {', '.join(sorted(ADAPTERS))})") from None
    paths = _check_int(paths, "paths")
    cuts = [cut] if isinstance(cut, (str, pd.Period, pd.Timestamp)) else list(cut)
    if not cuts:
        raise ValueError("cut: give at least one month")
    rows: list[pd.DataFrame] = []
    fits: dict[Any, Any] = {}
    skipped: dict[Any, str] = {}
    for c in cuts:
        p = parse_month(c, "cut")
        try:
            setup = adapter(table, p, **options)
            if setup.observations.empty:
                raise CutError(f"cut {p}: no observations after the cut to score")
        except CutError as e:
            if not skip:
                raise
            skipped[p] = str(e)
            continue
        obs = setup.observations
        months = [parse_month(m, "observation month") for m in obs["month"]]
        if min(months) <= p:
            raise ValueError(f"cut {p}: observations must lie after the cut month, got {min(months)}")
        horizon = max(months)
        sc = Scenario(start=p, horizon=horizon, seed=seed)
        sc.add(*setup.models)
        res = sc.run(paths=paths, keep_paths=True, progress=False, threads=threads)
        idx = np.array([(m.year - p.year) * 12 + (m.month - p.month) for m in months])
        raw = res.paths(setup.series)[:, idx].T  # (n_obs, paths)
        if setup.transform is not None:
            raw = np.asarray(setup.transform(raw), dtype=float)
        f = setup.scale or (lambda a: a)
        y_nat = obs["value"].to_numpy(dtype=float)
        y = f(y_nat)
        q = np.quantile(raw, [0.05, 0.5, 0.95], axis=1)
        base = pd.DataFrame({"cut": p, "month": months, "label": obs.get("label", ""), "observed": y_nat})
        parts = [base.assign(forecaster="model", **_score_samples(f(raw), y), median=q[1], q05=q[0], q95=q[2])]
        for name, x in setup.baselines.items():
            xn = np.asarray(x, dtype=float)
            parts.append(base.assign(forecaster=name, **_score_point(f(xn), y), median=xn, q05=xn, q95=xn))
        rows.extend(parts)
        fits[p] = setup.fit
    if not rows:
        raise ValueError("no cut could be backtested: " + "; ".join(skipped.values()))
    out = pd.concat(rows, ignore_index=True)
    out["in_50"] = out["in_50"].astype(bool)
    out["in_90"] = out["in_90"].astype(bool)
    return Backtest(scores=out, fits=fits, model_kind=model_kind, paths=paths, seed=seed, skipped=skipped,
                    data_as_of=_table_as_of(table))


def _table_as_of(table: pd.DataFrame) -> dict[str, str]:
    """``{name: snapshot date}`` of a shipped table (``attrs["name"]``, set by :func:`aicast.data.load`)."""
    name = table.attrs.get("name") if hasattr(table, "attrs") else None
    return {name: as_of(name)} if isinstance(name, str) and name in TABLES else {}


def rolling_cuts(first: Any, last: Any, every: int = 6) -> list[pd.Period]:
    """Cut months from ``first`` to ``last`` every ``every`` months (for rolling-origin backtests)."""
    a, b = parse_month(first, "first"), parse_month(last, "last")
    every = _check_int(every, "every")
    if b < a:
        raise ValueError(f"last must not be before first, got first={a}, last={b}")
    return list(pd.period_range(a, b, freq="M"))[::every]
