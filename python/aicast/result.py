"""Result of a run: quantiles, means, event probabilities and hitting times per series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _engine, style
from ._months import month_index
from .events import Event, _levels, parse_event
from .plotting import PlotAccessor

if TYPE_CHECKING:
    import xarray

    from .scenario import Scenario

__all__ = ["EventProbability", "HittingTime", "Result"]


@dataclass(frozen=True)
class EventProbability:
    """Probability of an event with its Monte Carlo standard error.

    Attributes
    ----------
    p, se
        The probability and its Monte Carlo standard error, ``sqrt(p (1 - p) / paths)``.
    event
        The event, ``"frontier.price < 0.5"``.
    by
        The month.
    paths
        Number of paths it was counted over.
    when
        ``"by"``: the event has happened by the month (first passage, :meth:`Result.prob`);
        ``"in"``: the condition holds in the month (:meth:`Result.prob_at`).
    """

    p: float
    se: float
    event: str
    by: pd.Period
    paths: int
    when: str = "by"

    def __float__(self) -> float:
        return self.p

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """Normal-approximation confidence interval of the Monte Carlo estimate."""
        return (max(0.0, self.p - z * self.se), min(1.0, self.p + z * self.se))

    def __repr__(self) -> str:
        return f"P({self.event} {self.when} {self.by}) = {self.p:.4f} ± {self.se:.4f} (MC s.e., {self.paths:,} paths)"

    def _repr_html_(self) -> str:
        lo, hi = self.interval()
        return (
            f"<b>P</b>(<code>{_html(self.event)}</code> {self.when} {self.by}) = <b>{self.p:.4f}</b> "
            f"&plusmn; {self.se:.4f} <small>(Monte Carlo s.e.; 95% interval {lo:.4f} to {hi:.4f}; "
            f"{self.paths:,} paths)</small>"
        )


def _html(text: object) -> str:
    import html

    return html.escape(str(text))


@dataclass(frozen=True)
class HittingTime:
    """Distribution of the first month an event happens (first passage).

    Attributes
    ----------
    pmf
        Probability that the event first happens in each month.
    never
        Probability that it does not happen by the horizon.
    """

    event: str
    pmf: pd.Series
    never: float
    paths: int

    @property
    def cdf(self) -> pd.Series:
        """Probability that the event has happened by each month."""
        return self.pmf.cumsum().rename("cdf")

    def quantile(self, q: float) -> pd.Period | None:
        """First month by which the event has happened with probability ``q`` (None if never)."""
        if not 0.0 < q <= 1.0:
            raise ValueError(f"q must be in (0, 1], got {q!r}")
        cdf = self.cdf.to_numpy()
        idx = np.searchsorted(cdf, q - 1e-12, side="left")
        return None if idx >= len(cdf) else self.pmf.index[idx]

    @property
    def median(self) -> pd.Period | None:
        """Month by which the event has happened with probability 1/2 (None if not by the horizon)."""
        return self.quantile(0.5)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"pmf": self.pmf, "cdf": self.cdf})

    def _when(self, q: float) -> str:
        m = self.quantile(q)
        return str(m) if m is not None else "after the horizon"

    def __repr__(self) -> str:
        return (
            f"HittingTime({self.event}: median {self._when(0.5)}, quartiles {self._when(0.25)} to "
            f"{self._when(0.75)}, P(by {self.pmf.index[-1]}) = {1 - self.never:.4f}, {self.paths:,} paths)"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{int(100 * q)}%</td><td>{self._when(q)}</td></tr>" for q in (0.1, 0.25, 0.5, 0.75, 0.9)
        )
        return (
            f"<b>HittingTime</b> of <code>{_html(self.event)}</code>: P(by {self.pmf.index[-1]}) = "
            f"{1 - self.never:.4f} ({self.paths:,} paths)"
            f"<table><tr><th>probability</th><th>happened by</th></tr>{rows}</table>"
        )


class Result:
    """Summaries of one run. Built by :meth:`Scenario.run`.

    Quantiles at :data:`DEFAULT_QUANTILES` and any requested levels, means and standard
    deviations are exact over all paths. Events requested in the run are counted path by
    path; any other event or quantile level is computed by replaying the same paths (same
    seed, counter-based generator), which gives the numbers the first run would have given.
    """

    def __init__(
        self,
        scenario: Scenario,
        core: _engine.Scenario,
        raw: dict[str, Any],
        settings: dict[str, Any],
        events: list[Event],
    ) -> None:
        self.scenario = scenario
        self._core = core
        self._raw = raw
        self._settings = settings
        self.series: list[str] = list(raw["series"])
        self.n_paths: int = int(raw["paths"])
        self.seed: int = scenario.seed
        self.months: pd.PeriodIndex = scenario.months
        self.seconds: float = float(raw["seconds"])
        self.threads: int = int(raw["threads"])
        self._levels: list[float] = [float(q) for q in raw["levels"]]
        self._quantiles: dict[float, np.ndarray] = {}
        self._add_quantiles(raw)
        self._events: dict[Event, tuple[np.ndarray, np.ndarray]] = {}
        self._add_events(events, raw)

    # --- bookkeeping ----------------------------------------------------------------------
    def _add_quantiles(self, raw: dict[str, Any]) -> None:
        for j, q in enumerate(raw["levels"]):
            self._quantiles[float(q)] = raw["quantiles"][:, j, :]

    def _add_events(self, events: list[Event], raw: dict[str, Any]) -> None:
        for k, ev in enumerate(events):
            self._events[ev] = (raw["first_hit"][k], raw["holds"][k])

    def _replay(self, levels: Sequence[float] = (), events: Sequence[Event] = ()) -> None:
        s = self._settings
        raw = _engine.run(
            self._core, self.seed, s["paths"], s["threads"], s["chunk_size"], list(levels), False,
            list(events), s["memory_limit"], None,
        )
        self._add_quantiles(raw)
        self._add_events(list(events), raw)

    def _series_index(self, series: str) -> int:
        if not isinstance(series, str):
            raise TypeError(f"series must be a string, got {type(series).__name__} {series!r}")
        try:
            return self.series.index(series)
        except ValueError:
            raise ValueError(f"unknown series {series!r} (series: {', '.join(self.series)})") from None

    def _event(self, ev: Event) -> tuple[np.ndarray, np.ndarray]:
        self._series_index(ev[0])
        if ev not in self._events:
            self._replay(events=[ev])
        return self._events[ev]

    # --- summaries ------------------------------------------------------------------------
    def quantiles(self, series: str, q: Any = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Quantiles of ``series`` per month: a DataFrame indexed by month, one column per level."""
        i = self._series_index(series)
        levels = [float(x) for x in np.atleast_1d(np.asarray(q, dtype=float))]
        wanted = _levels(levels)
        missing = [x for x in levels if x not in self._quantiles]
        if missing:
            self._replay(levels=[x for x in wanted if x in missing])
        data = {x: self._quantiles[x][i] for x in levels}
        df = pd.DataFrame(data, index=self.months)
        df.columns.name = "quantile"
        return df

    def mean(self, series: str) -> pd.Series:
        """Mean of ``series`` per month over all paths."""
        i = self._series_index(series)
        return pd.Series(self._raw["mean"][i], index=self.months, name=f"{series} mean")

    def std(self, series: str) -> pd.Series:
        """Standard deviation of ``series`` per month over all paths."""
        i = self._series_index(series)
        return pd.Series(self._raw["sd"][i], index=self.months, name=f"{series} std")

    def paths(self, series: str) -> np.ndarray:
        """Every path of ``series``: an array of shape (paths, months). Needs ``keep_paths=True``."""
        i = self._series_index(series)
        if "paths_data" not in self._raw:
            raise ValueError("paths were not kept: run with keep_paths=True to get them")
        return self._raw["paths_data"][i]

    def prob(
        self, event: str, op: str | None = None, value: float | None = None, *, by: Any = None
    ) -> EventProbability | pd.DataFrame:
        """Probability that an event has happened by a month (first passage up to ``by``).

        Parameters
        ----------
        event
            ``"frontier.price < 0.5"``, or a series name with ``op`` and ``value``.
        by
            A month (``"2028-12"``): returns an :class:`EventProbability`. Omitted: a
            DataFrame with the probability ``p`` and its standard error ``se`` by each month.

        Examples
        --------
        >>> res.prob("frontier.price < 0.5", by="2028-12")  # doctest: +SKIP
        P(frontier.price < 0.5 by 2028-12) = 0.7312 ± 0.0014 (MC s.e., 100,000 paths)
        """
        ev = parse_event(event, op, value)
        first, _ = self._event(ev)
        n = self.n_paths
        cum = np.cumsum(first[:-1]) / n
        se = np.sqrt(cum * (1.0 - cum) / n)
        text = f"{ev[0]} {ev[1]} {ev[2]:g}"
        if by is None:
            return pd.DataFrame({"p": cum, "se": se}, index=self.months)
        m = month_index(self.months[0], by, "by", len(self.months))
        return EventProbability(float(cum[m]), float(se[m]), text, self.months[m], n)

    def prob_at(self, event: str, op: str | None = None, value: float | None = None, *, at: Any = None) -> Any:
        """Probability that the condition holds in a month (not first passage), with its s.e."""
        ev = parse_event(event, op, value)
        _, holds = self._event(ev)
        n = self.n_paths
        p = holds / n
        se = np.sqrt(p * (1.0 - p) / n)
        text = f"{ev[0]} {ev[1]} {ev[2]:g}"
        if at is None:
            return pd.DataFrame({"p": p, "se": se}, index=self.months)
        m = month_index(self.months[0], at, "at", len(self.months))
        return EventProbability(float(p[m]), float(se[m]), text, self.months[m], n, when="in")

    def hitting_time(self, event: str, op: str | None = None, value: float | None = None) -> HittingTime:
        """Distribution of the first month the event happens."""
        ev = parse_event(event, op, value)
        first, _ = self._event(ev)
        n = self.n_paths
        pmf = pd.Series(first[:-1] / n, index=self.months, name="pmf")
        return HittingTime(f"{ev[0]} {ev[1]} {ev[2]:g}", pmf, float(first[-1] / n), n)

    def table(self, series: str, q: Any = (0.05, 0.5, 0.95), freq: str = "Y") -> pd.DataFrame:
        """Quantiles at the last month of each year (``freq="Y"``) or quarter (``"Q"``) on the grid."""
        df = self.quantiles(series, q)
        if freq not in ("Y", "Q"):
            raise ValueError(f"freq must be 'Y' or 'Q', got {freq!r}")
        key = df.index.year if freq == "Y" else df.index.asfreq("Q")
        out = df.groupby(key).tail(1)
        out.index = out.index.year if freq == "Y" else out.index.asfreq("Q")
        out.index.name = "year" if freq == "Y" else "quarter"
        return out

    def summary(self) -> pd.DataFrame:
        """One row per series: start and final-month median and 90% interval, the mean, and a note.

        The mean of a heavy-tailed series (a price with lognormal uncertainty) can lie above its
        95% quantile: a few paths far out carry it. The ``note`` column says so when it happens;
        read the median and the interval, not the mean.
        """
        rows = []
        for s in self.series:
            q = self.quantiles(s, (0.05, 0.5, 0.95))
            mean = float(self.mean(s).iloc[-1])
            note = ""
            if mean > q.iloc[-1, 2]:
                note = "mean above the 95% quantile: heavy right tail (a few extreme paths); use the median"
            elif mean < q.iloc[-1, 0]:
                note = "mean below the 5% quantile: heavy left tail (a few extreme paths); use the median"
            rows.append(
                {
                    "series": s,
                    "start median": q.iloc[0, 1],
                    "final 5%": q.iloc[-1, 0],
                    "final median": q.iloc[-1, 1],
                    "final 95%": q.iloc[-1, 2],
                    "final mean": mean,
                    "note": note,
                }
            )
        return pd.DataFrame(rows).set_index("series")

    def to_xarray(self) -> xarray.Dataset:
        """All summaries as an :class:`xarray.Dataset` (dims: series, quantile, month; path if kept)."""
        import xarray as xr

        levels = sorted(self._quantiles)
        q = np.stack([self._quantiles[x] for x in levels], axis=1)
        time = self.months.to_timestamp()
        ds = xr.Dataset(
            {
                "quantiles": (("series", "quantile", "month"), q),
                "mean": (("series", "month"), self._raw["mean"]),
                "std": (("series", "month"), self._raw["sd"]),
            },
            coords={"series": self.series, "quantile": levels, "month": time},
            attrs={"seed": self.seed, "paths": self.n_paths, "aicast_version": _engine.__version__},
        )
        if "paths_data" in self._raw:
            ds["paths"] = (("series", "path", "month"), self._raw["paths_data"])
        return ds

    @property
    def plot(self) -> PlotAccessor:
        """Plots: ``result.plot.fan("frontier.price")``."""
        return PlotAccessor(self)

    @property
    def data_as_of(self) -> dict[str, str]:
        """How old the data behind this result are (see :attr:`Scenario.data_as_of`)."""
        return self.scenario.data_as_of

    def __repr__(self) -> str:
        name = f"{self.scenario.name!r}: " if self.scenario.name else ""
        return (
            f"<aicast.Result {name}{len(self.series)} series x {len(self.months)} months "
            f"({self.months[0]} to {self.months[-1]}), {self.n_paths:,} paths, seed {self.seed}, "
            f"{style.as_of_text(self.data_as_of)}, {self.seconds:.2f} s on {self.threads} threads>"
        )

    def _repr_html_(self) -> str:
        table = self.summary().to_html(float_format=lambda x: f"{x:.4g}")
        name = f"<code>{_html(self.scenario.name)}</code> " if self.scenario.name else ""
        return (
            f"<b>aicast.Result</b> {name}{self.n_paths:,} paths, {self.months[0]} to {self.months[-1]}, "
            f"seed {self.seed}, {_html(style.as_of_text(self.data_as_of))}, "
            f"{self.seconds:.2f} s on {self.threads} threads{table}"
        )
