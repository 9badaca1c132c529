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
CRPS is the absolute error; their intervals have zero width).

Adapters: ``"price_decline"`` (alias ``"price"``) here; ``"leaderboard_gap"`` (alias
``"leaderboard"``) and ``"incident_growth"`` (alias ``"incidents"``) in
:mod:`aicast.backtest_models`, one decorated function each. (``aicast.backtest`` is the
function; import the rest of this module by name:
``from aicast.backtest import register_adapter, BacktestSetup``.)

Examples
--------
>>> import aicast as ac
>>> bt = ac.backtest("price", ac.data.prices_epoch(), cut="2024-06", score="mmlu",
...                  threshold=64.8, paths=2_000)
>>> list(bt.summary().index)
['model', 'last value', 'trend']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import scores
from ._months import parse_month
from .models import Model
from .scenario import Scenario

__all__ = [
    "ADAPTERS",
    "COVERAGE_LEVELS",
    "PINBALL_LEVELS",
    "Backtest",
    "BacktestSetup",
    "CutError",
    "backtest",
    "register_adapter",
    "rolling_cuts",
    "split_at_cut",
]

#: Quantile levels of the pinball loss (averaged over them).
PINBALL_LEVELS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)

#: Interval levels whose coverage is reported.
COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.9)


@dataclass
class BacktestSetup:
    """What an adapter hands the harness for one cut.

    Attributes
    ----------
    models
        Models fitted on data up to the cut, ready for a scenario starting in the cut month.
    series
        The series to compare with the observations, e.g. ``"tier.price"``.
    observations
        One row per later observation: ``month`` (a monthly Period after the cut), ``value``
        (on the series' natural scale) and ``label`` (what was observed, e.g. a model name).
    baselines
        Name -> point forecast of each observation (natural scale, same order).
    scale
        Function applied to forecasts and observations before scoring (``np.log`` for
        prices, whose errors are relative), or None.
    fit
        The fitted object (shown in reports).
    transform
        Function turning the engine's sample of the series, an array ``(n_obs, paths)`` on the
        natural scale, into the forecast of what is observed (e.g. thinning complete incident
        counts to the share an export already holds), or None. Applied before ``scale``.
    """

    models: list[Model]
    series: str
    observations: pd.DataFrame
    baselines: dict[str, np.ndarray] = field(default_factory=dict)
    scale: Callable[[np.ndarray], np.ndarray] | None = None
    fit: Any = None
    transform: Callable[[np.ndarray], np.ndarray] | None = None


Adapter = Callable[..., BacktestSetup]


class CutError(ValueError):
    """A cut that cannot be backtested: outside the data, too little data before it, or none after.

    Adapters raise it for problems of one cut, so a rolling backtest with ``skip=True`` can
    pass over that cut; any other ValueError (a bad option) always propagates.
    """

#: Backtest adapters by model kind (and alias).
ADAPTERS: dict[str, Adapter] = {}


def register_adapter(kind: str, *aliases: str) -> Callable[[Adapter], Adapter]:
    """Register ``adapter(table, cut, **options) -> BacktestSetup`` for a model kind.

    Examples
    --------
    >>> @register_adapter("my_kind")  # doctest: +SKIP
    ... def _my_adapter(table, cut, **options):
    ...     return BacktestSetup(models=[...], series="x.y", observations=...)
    """

    def deco(fn: Adapter) -> Adapter:
        for k in (kind, *aliases):
            ADAPTERS[k] = fn
        return fn

    return deco


def split_at_cut(table: pd.DataFrame, date_column: str, cut: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.Period]:
    """Rows up to the end of the cut month, rows after it, and the cut as a monthly Period.

    Raises
    ------
    ValueError
        If the table lacks ``date_column``; :class:`CutError` (a ValueError) if the cut is
        not inside the data range (no rows up to it, or none after it).
    """
    if date_column not in table.columns:
        raise ValueError(f"table has no {date_column!r} column (columns: {', '.join(map(str, table.columns))})")
    c = parse_month(cut, "cut")
    dates = pd.to_datetime(table[date_column])
    if dates.isna().all():
        raise ValueError(f"table column {date_column!r} has no dates")
    first, last = dates.min(), dates.max()
    end = c.end_time
    if not (first <= end and last > end):
        raise CutError(
            f"cut {c} lies outside the data range {first.to_period('M')} to {last.to_period('M')}: "
            f"a backtest needs data up to the cut and after it"
        )
    return table[dates <= end], table[dates > end], c


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
    """

    scores: pd.DataFrame
    fits: dict[Any, Any]
    model_kind: str
    paths: int
    seed: int
    skipped: dict[Any, str] = field(default_factory=dict)

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
        return cls(pd.concat(frames, ignore_index=True), fits, first.model_kind, first.paths, first.seed, skipped)

    def summary(self, by_cut: bool = False) -> pd.DataFrame:
        """Coverage of the 50% and 90% intervals, mean CRPS and pinball loss per forecaster."""
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

    def __repr__(self) -> str:
        cuts = ", ".join(str(c) for c in self.fits)
        skipped = f"; {len(self.skipped)} skipped" if self.skipped else ""
        return (f"<aicast.Backtest {self.model_kind}: cuts {cuts}{skipped}; {len(self.pit)} observations, "
                f"{self.paths:,} paths>")


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
        :func:`aicast.backtest_models.leaderboard_adapter` and
        :func:`aicast.backtest_models.incident_adapter`.

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
    return Backtest(scores=out, fits=fits, model_kind=model_kind, paths=paths, seed=seed, skipped=skipped)


# --- price adapter ----------------------------------------------------------------------------


@register_adapter("price_decline", "price")
def _price_adapter(
    table: pd.DataFrame,
    cut: pd.Period,
    *,
    score: str = "mmlu",
    threshold: float | str = 0.0,
    observe: str = "points",
    start: str = "trend",
    open_weights: bool | None = None,
    confidence: float = 0.9,
) -> BacktestSetup:
    """Price frontier at a capability threshold: Epoch-style trend fitted up to the cut."""
    from .fit.prices import _check_table, _score_column, _threshold_value, frontier, price_trend
    from .models import PriceDecline

    if observe not in ("points", "monthly"):
        raise ValueError(f"observe must be 'points' or 'monthly', got {observe!r}")
    if start not in ("trend", "last"):
        raise ValueError(f"start must be 'trend' or 'last', got {start!r}")
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    # Score column and threshold come from the whole table (a threshold model may be released
    # after the cut: its score is only a number); the fit sees the rows up to the cut only.
    col = _score_column(_check_table(table), score)
    thr, _ = _threshold_value(table, col, threshold)
    train, _, cut = split_at_cut(table, "release_date", cut)
    try:
        fit = price_trend(train, col, thr, open_weights=open_weights, confidence=confidence)
    except ValueError as e:  # too few frontier points before the cut
        raise CutError(f"cut {cut}: {e}") from None
    full = frontier(table, col, thr, open_weights=open_weights)
    after = full[full["release_date"] > cut.end_time]
    last_price = float(fit.frontier["price_per_mtok"].iloc[-1])
    if observe == "points":
        obs = pd.DataFrame(
            {
                "month": [pd.Timestamp(d).to_period("M") for d in after["release_date"]],
                "value": after["price_per_mtok"].to_numpy(dtype=float),
                "label": after["model"].to_numpy() if "model" in after else "",
            }
        )
    else:
        last_month = pd.Timestamp(full["release_date"].max()).to_period("M")
        end = pd.to_datetime(table["release_date"]).max().to_period("M")
        last_month = max(last_month, end)
        months = pd.period_range(cut + 1, last_month, freq="M")
        vals, labels = [], []
        for m in months:
            upto = full[full["release_date"] <= m.end_time]
            vals.append(float(upto["price_per_mtok"].iloc[-1]))
            labels.append(str(upto["model"].iloc[-1]) if "model" in upto else "")
        obs = pd.DataFrame({"month": list(months), "value": vals, "label": labels})
    priors = fit.priors(start=cut if start == "trend" else None)
    if start == "last":
        priors["start_price"] = last_price
    model = PriceDecline("tier", **priors)
    baselines = {
        "last value": np.full(len(obs), last_price),
        "trend": fit.price([m.start_time for m in obs["month"]]),
    }
    return BacktestSetup(models=[model], series="tier.price", observations=obs, baselines=baselines,
                         scale=np.log, fit=fit)


def rolling_cuts(first: Any, last: Any, every: int = 6) -> list[pd.Period]:
    """Cut months from ``first`` to ``last`` every ``every`` months (for rolling-origin backtests)."""
    a, b = parse_month(first, "first"), parse_month(last, "last")
    every = _check_int(every, "every")
    if b < a:
        raise ValueError(f"last must not be before first, got first={a}, last={b}")
    return list(pd.period_range(a, b, freq="M"))[::every]


# the leaderboard and incident adapters register themselves on import
from . import backtest_models as _backtest_models  # noqa: E402,F401
