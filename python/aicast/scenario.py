"""Scenario: models on one monthly grid, sharing one seed; ``run`` returns a :class:`Result`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _engine
from ._checks import MAX_MONTHS, MAX_PATHS, MAX_THREADS, _check_memory_limit, _check_positive_int, _short
from ._months import AS_OF_DATE, parse_month
from ._progress import progress_bar
from .events import DEFAULT_QUANTILES, Event, _levels, parse_event
from .fit.price_pool import pool
from .fit.prices import PriceTrend
from .models import Model
from .priors import _check_seed
from .result import Result

__all__ = ["DEFAULT_QUANTILES", "Event", "Scenario", "parse_event"]

class Scenario:
    """Models on one monthly grid from ``start`` to ``horizon`` (both included), one seed.

    Parameters
    ----------
    start, horizon
        Months as ``"YYYY-MM"`` strings (or pandas Periods / dates).
    seed
        Seed of the counter-based generator: the same seed gives bit-identical results for
        any thread count and chunk size.

    Examples
    --------
    >>> import aicast as ac
    >>> sc = ac.Scenario(start="2026-02", horizon="2030-12", seed=7)
    >>> _ = sc.add(ac.PriceDecline("frontier", start_price=10.0, annual_decline=ac.to(3, 30)))
    >>> res = sc.run(paths=10_000, progress=False)
    >>> res.quantiles("frontier.price").shape
    (59, 5)
    """

    def __init__(self, start: Any = "2026-02", horizon: Any = "2030-12", seed: int = 0) -> None:
        self.start = parse_month(start, "start")
        self.horizon = parse_month(horizon, "horizon")
        if self.horizon < self.start:
            raise ValueError(f"horizon must not be before start, got start={self.start}, horizon={self.horizon}")
        if self.n_months > MAX_MONTHS:
            raise ValueError(f"horizon must be at most {MAX_MONTHS} months after start (1000 years), got "
                             f"start={self.start}, horizon={self.horizon} ({self.n_months} months)")
        self.seed = _check_seed(seed)
        self.models: list[Model] = []
        # set by scenario files (aicast.scenario_file); kept by to_toml
        self.name: str | None = None
        self.description: str = ""
        self.paths: int | None = None
        self.outputs: Any = None
        self.data_tables: dict[str, str] = {}
        self.source: str | None = None
        self._data_as_of: dict[str, str] | None = None  # None: the models' dates (Model.data_as_of)

    @classmethod
    def from_fits(
        cls,
        fits: Mapping[str, Any],
        start: Any = "2026-02",
        horizon: Any = "2030-12",
        seed: int = 0,
        *,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        **common: Any,
    ) -> Scenario:
        """A scenario whose models come from fits to data, not from numbers typed in by hand.

        Parameters
        ----------
        fits
            Model name -> a fit with a ``to_model(name, start=..., **params)`` method, e.g.
            :func:`aicast.fit.price_trend` (a :class:`~aicast.fit.PriceTrend`), or a list of
            price trends, pooled with :func:`aicast.fit.pool`.
        start, horizon, seed
            As for :class:`Scenario`. A price trend without a given ``start_price`` starts
            from the trend's value (with its uncertainty) in the ``start`` month.
        params
            Model name -> parameters that override the fitted priors of that model only
            (e.g. ``{"frontier": {"start_price": 5.4}}``).
        **common
            Parameters for every model (e.g. ``volatility``, ``floor``).

        Examples
        --------
        >>> import aicast as ac
        >>> tr = ac.fit.price_trend(ac.data.prices_epoch(), "mmlu", "GPT-3.5 Turbo")
        >>> sc = ac.Scenario.from_fits({"gpt35": tr}, start="2025-01", horizon="2026-12")
        >>> sc.series
        ['gpt35.price']
        """
        sc = cls(start=start, horizon=horizon, seed=seed)
        extra = dict(params or {})
        unknown = sorted(set(extra) - set(fits))
        if unknown:
            raise ValueError(f"params names models that have no fit: {', '.join(unknown)}")
        for name, f in fits.items():
            if isinstance(f, (list, tuple)) and all(isinstance(x, PriceTrend) for x in f):
                f = f[0] if len(f) == 1 else pool(f)
            if not hasattr(f, "to_model"):
                raise TypeError(f"fit for {name!r} has no to_model method: got {type(f).__name__}")
            kwargs = {**common, **dict(extra.get(name, {}))}
            sc.add(f.to_model(name, start=sc.start, **kwargs))
        return sc

    @property
    def data_as_of(self) -> dict[str, str]:
        """How old the data behind this scenario are: data source -> date of its snapshot.

        Filled from the shipped tables a scenario file reads (:attr:`data_tables`, dated by
        :func:`aicast.data.as_of`) and from the models built by a fit's ``model()``, which record
        the newest month their fit saw (:attr:`Model.data_as_of`, e.g. ``{"lb: leaderboard gap
        fit": "2025-08"}``). Setting it (``sc.data_as_of = {"api_prices_2026-07": "2026-07"}``)
        replaces the models' dates with yours, e.g. to name a newer observed start price; the
        tables' dates stay. Plots, reprs and reports print it ("data as of 2026-07"); empty
        means the inputs were typed in.
        """
        from .data import TABLES, as_of

        out = {t: as_of(t) for t in self.data_tables if t in TABLES}
        if self._data_as_of is None:
            for m in self.models:
                out.update(m.data_as_of)
        else:
            out.update(self._data_as_of)
        return out

    @data_as_of.setter
    def data_as_of(self, value: Mapping[str, str]) -> None:
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise TypeError(f"data_as_of must map source names to date strings, got {value!r}")
        for k, v in value.items():
            if not AS_OF_DATE.match(v):
                raise ValueError(f'data_as_of[{k!r}] must be a date "YYYY-MM" or "YYYY-MM-DD", got {v!r}')
        self._data_as_of = dict(value)

    @property
    def n_months(self) -> int:
        """Number of months on the grid (start and horizon included)."""
        return (self.horizon.year - self.start.year) * 12 + self.horizon.month - self.start.month + 1

    @property
    def months(self) -> pd.PeriodIndex:
        """The monthly grid."""
        return pd.period_range(self.start, self.horizon, freq="M", name="month")

    @property
    def series(self) -> list[str]:
        """Every series the models publish."""
        return [s for m in self.models for s in m.series]

    def add(self, *models: Model) -> Scenario:
        """Add models (returns the scenario, so calls can be chained)."""
        for model in models:
            if not isinstance(model, Model):
                raise TypeError(f"add expects models, got {type(model).__name__} {model!r}")
            if any(m.name == model.name for m in self.models):
                raise ValueError(f"a model named {model.name!r} is already in the scenario")
            self.models.append(model)
        return self

    def __getitem__(self, name: str) -> Model:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(f"no model named {name!r} (models: {', '.join(m.name for m in self.models)})")

    def _engine_scenario(self) -> _engine.Scenario:
        if not self.models:
            raise ValueError("the scenario has no models: add one with Scenario.add(...)")
        _check_link_cycles(self.models)
        for m in self.models:
            m._check_links(self.models)
        return _engine.Scenario([m._spec_on_grid(self.start) for m in self.models], self.n_months)

    def estimate_memory(self, paths: int, keep_paths: bool = False, threads: int | None = None) -> dict[str, Any]:
        """Bytes a run would need, by part, and what the machine has available."""
        paths = _check_positive_int(paths, "paths", MAX_PATHS)
        threads_n = 0 if threads is None else _check_positive_int(threads, "threads", MAX_THREADS)
        return _engine.estimate_memory(
            self._engine_scenario(), paths, threads_n, list(DEFAULT_QUANTILES), bool(keep_paths), 0
        )

    def run(
        self,
        paths: int = 100_000,
        *,
        threads: int | None = None,
        keep_paths: bool = False,
        progress: bool = True,
        events: Iterable[str | Sequence[Any]] = (),
        quantiles: Iterable[float] = (),
        chunk_size: int = 1024,
        memory_limit: float | None = None,
        client: Any = None,
        blocks: int | None = None,
    ) -> Result:
        """Simulate ``paths`` paths and summarize them.

        Parameters
        ----------
        paths
            Number of Monte Carlo paths.
        threads
            Worker threads (default: all cores). Results do not depend on it.
        keep_paths
            Keep every path of every series (memory: 8 bytes x paths x months x series).
        progress
            Show a progress bar on runs longer than half a second.
        events
            Events whose probabilities and hitting times to compute in this run, e.g.
            ``"frontier.price < 0.5"``. Others are computed on request by replaying the same
            paths (same seed), which costs another run.
        quantiles
            Quantile levels to compute besides :data:`DEFAULT_QUANTILES`.
        chunk_size
            Paths per block of work. Results do not depend on it.
        memory_limit
            Refuse runs needing more bytes than this (default: 90% of available memory).
        client, blocks
            Split the run into ``blocks`` blocks of paths, run as tasks on the Dask workers of
            ``client`` (a ``dask.distributed.Client``; ``pip install "aicast[dask]"``), or here
            one after the other with ``client=None`` and ``blocks`` given. The result equals the
            one-process run bit for bit (quantiles, means, standard deviations, event
            probabilities, hitting times); see :func:`aicast.run_distributed`, which this calls.
            ``blocks`` is at most ``paths / 2048`` rounded up (blocks start at multiples of 2048
            paths; default: one per worker, at most a million paths each). Not with
            ``keep_paths``; ``progress``, ``chunk_size`` and ``memory_limit`` do not apply.

        Returns
        -------
        Result

        Raises
        ------
        ValueError
            For a bad argument (``paths`` above 2**32 - 1, ``threads`` above 4096, a quantile
            level outside [0, 1], ``memory_limit`` not a positive number), a link to a missing
            model, a cycle of links, or a run too large for memory, before any simulation starts.
        TypeError
            For an argument of the wrong type (``quantiles`` and ``events`` are lists; a lone
            string or number is refused rather than iterated over).
        KeyboardInterrupt
            When interrupted (Ctrl-C stops a run within about a second).
        """
        paths = _check_positive_int(paths, "paths", MAX_PATHS)
        threads_n = 0 if threads is None else _check_positive_int(threads, "threads", MAX_THREADS)
        chunk = _check_positive_int(chunk_size, "chunk_size", MAX_PATHS)
        for flag, v in (("keep_paths", keep_paths), ("progress", progress)):
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"{flag} must be True or False, got {type(v).__name__} {_short(v)}")
        levels = _levels(_sequence(quantiles, "quantiles", "[0.05, 0.95]"))
        evs = [parse_event(e) for e in _sequence(events, "events", "['frontier.price < 1']")]
        limit = _check_memory_limit(memory_limit)
        if client is not None or blocks is not None:
            if keep_paths:
                raise ValueError("keep_paths=True cannot be used with client= or blocks= (a split run keeps "
                                 "no paths); run without keep_paths, or in one process")
            from .analysis.distributed import run_distributed  # function level: analysis sits above scenario

            return run_distributed(self, paths, client=client, blocks=blocks, events=evs,
                                   quantiles=levels, threads=threads)
        core = self._engine_scenario()
        settings = dict(paths=paths, threads=threads_n, chunk_size=chunk, memory_limit=limit)
        callback, bar = progress_bar(progress, desc="aicast run")
        try:
            raw = _engine.run(
                core, self.seed, paths, threads_n, chunk, levels, bool(keep_paths), evs, limit, callback
            )
        finally:
            if bar is not None:
                bar.close()
        return Result(self._snapshot(), core, raw, settings, evs)

    def _snapshot(self) -> Scenario:
        """A copy that later changes to this scenario do not affect (used for replays)."""
        s = Scenario(self.start, self.horizon, self.seed)
        s.models = list(self.models)
        for k in ("name", "description", "paths", "outputs", "data_tables", "source"):
            setattr(s, k, getattr(self, k))
        s._data_as_of = None if self._data_as_of is None else dict(self._data_as_of)
        return s

    def to_toml(self, path: Any = None) -> str:
        """The scenario as a TOML scenario file (see :mod:`aicast.scenario_file`); writes it to ``path`` if given.

        :meth:`from_toml` on the text rebuilds the same scenario exactly (every prior bit for
        bit, correlation groups, links), so a run gives identical numbers.
        """
        from pathlib import Path

        from .scenario_file import dumps

        text = dumps(self)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_toml(cls, path: Any = None, *, text: str | None = None) -> Scenario:
        """A scenario from a TOML file (or ``text``), validated as a whole.

        Raises
        ------
        aicast.ScenarioFileError
            A ValueError listing every problem with its file, key path and value.
        """
        from .scenario_file import load_scenario

        return load_scenario(path, text=text)

    def correlations(self) -> list[tuple[list[str], Any]]:
        """Groups of correlated parameters, ``[(["frontier.annual_decline", ...], matrix), ...]``."""
        from .priors import correlation_groups

        return correlation_groups({f"{m.name}.{k}": p for m in self.models for k, p in m.params.items()})

    def _correlation_lines(self) -> list[str]:
        out = []
        for names, c in self.correlations():
            pairs = [f"{names[i]} ~ {names[j]}: {c[i, j]:.3g}" for i in range(len(names))
                     for j in range(i + 1, len(names))]
            out.append("; ".join(pairs))
        return out

    def __repr__(self) -> str:
        from .style import as_of_text

        models = ", ".join(f"{type(m).__name__}({m.name!r})" for m in self.models)
        name = f"name={self.name!r}, " if self.name else ""
        corr = "".join(f", correlated: {line}" for line in self._correlation_lines())
        return (f"Scenario({name}start='{self.start}', horizon='{self.horizon}', seed={self.seed}, "
                f"models=[{models}]{corr}; {as_of_text(self.data_as_of)})")

    def _repr_html_(self) -> str:
        import html

        from .style import as_of_text

        items = "".join(f"<li>{m._repr_html_()}</li>" for m in self.models)
        corr = "".join(f"<li>{html.escape(line)}</li>" for line in self._correlation_lines())
        name = f"<code>{html.escape(self.name)}</code> " if self.name else ""
        return (
            f"<b>Scenario</b> {name}{self.start} &rarr; {self.horizon} ({self.n_months} months), "
            f"seed {self.seed}, {html.escape(as_of_text(self.data_as_of))}<ul>{items}</ul>"
            + (f"Correlated parameters (Gaussian copula):<ul>{corr}</ul>" if corr else "")
        )


def _sequence(x: Any, field: str, example: str) -> list[Any]:
    """``x`` as a list; a lone string or number is an error naming ``field`` (not iterated over)."""
    if isinstance(x, (str, bytes, int, float, Mapping)) or not isinstance(x, Iterable):
        raise TypeError(f"{field} must be a list, e.g. {field}={example}, got {type(x).__name__} {_short(x)}")
    return list(x)


def _check_link_cycles(models: Sequence[Model]) -> None:
    """A ValueError listing the models of a cycle of links (``a -> b -> a``), before the engine sees it."""
    owner = {s: m.name for m in models for s in m.series}
    needs = {m.name: [owner[t] for t in m.links.values() if t in owner] for m in models}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in needs:
        if state.get(root):
            continue
        path, stack = [root], [iter(needs[root])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                cycle = [*path[path.index(nxt):], nxt]
                raise ValueError(f"models link to each other in a cycle: {' -> '.join(cycle)} "
                                 "(each reads a series of the next); break the cycle")
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(needs[nxt]))
