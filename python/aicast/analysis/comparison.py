"""Scenario comparison on common random numbers: a variant against its base, path by path.

Both scenarios run with the base's seed. Streams are keyed by seed, model name, parameter
name and path, so a path of the variant sees the same noise and the same draws of every
unchanged prior as the same path of the base: the difference of the two is sharp (its Monte
Carlo standard error is far below that of two independent runs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import style
from .._checks import _check_positive_int
from .._months import month_index
from ._paths import event_hits, kept_paths

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..scenario import Scenario

__all__ = ["Comparison", "compare"]

_MAX_KEPT_BYTES = 2.0 * 2**30
_DELTA_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Comparison:
    """Paths of a base and a variant on the same random streams (see :func:`compare`)."""

    base: Scenario
    variant: Scenario
    paths: int
    values: dict[str, tuple[np.ndarray, np.ndarray]] = field(repr=False)

    @property
    def months(self) -> pd.PeriodIndex:
        return self.base.months

    def _pair(self, series: str) -> tuple[np.ndarray, np.ndarray]:
        if series not in self.values:
            raise ValueError(f"series {series!r} was not compared (compared: {', '.join(self.values)})")
        return self.values[series]

    def difference(self, series: str, q: Sequence[float] = _DELTA_LEVELS) -> pd.DataFrame:
        """Per month: the mean of ``variant - base`` over paths with its Monte Carlo s.e. on common
        random numbers, the s.e. two independent runs of the same size would have, and the
        quantiles of the per-path difference."""
        a, b = self._pair(series)
        return _table(b - a, a, b, q, self.months)

    def ratio(self, series: str, q: Sequence[float] = _DELTA_LEVELS) -> pd.DataFrame:
        """As :meth:`difference`, for ``variant / base`` per path (for positive series such as prices)."""
        a, b = self._pair(series)
        if np.any(a <= 0):
            raise ValueError(f"ratio needs a positive base series; {series!r} has values <= 0")
        r = b / a
        return _table(r, None, None, q, self.months)

    def prob(self, event: str | Sequence[Any], by: Any) -> pd.Series:
        """P(event by ``by``) in both scenarios, their difference and its s.e. (paired, and as if
        the runs were independent)."""
        series = event.split()[0] if isinstance(event, str) else str(tuple(event)[0])
        a, b = self._pair(series)
        m = month_index(self.base.start, by, "by", a.shape[1])
        ha, hb = event_hits(a[:, : m + 1], event)[:, -1], event_hits(b[:, : m + 1], event)[:, -1]
        n = self.paths
        pa, pb = float(ha.mean()), float(hb.mean())
        d = hb.astype(np.float64) - ha
        return pd.Series({
            "base": pa, "variant": pb, "difference": pb - pa,
            "se": float(d.std(ddof=1) / np.sqrt(n)),
            "se_independent": float(np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / n)),
        }, name=f"P({event if isinstance(event, str) else ' '.join(map(str, event))} by {self.months[m]})")

    def plot_delta(self, series: str, *, ratio: bool = False, ax: Axes | None = None, color: str = "C3") -> Axes:
        """Delta fan chart: quantiles of the per-path difference (or ratio) and its mean with a 95% band."""
        import matplotlib.pyplot as plt

        df = self.ratio(series) if ratio else self.difference(series)
        x = df.index.to_timestamp()
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        ax.fill_between(x, df["q0.05"], df["q0.95"], color=color, alpha=0.18, lw=0, label="90% of paths")
        ax.fill_between(x, df["q0.25"], df["q0.75"], color=color, alpha=0.35, lw=0, label="50% of paths")
        ax.plot(x, df["q0.5"], color=color, lw=2, label="median path")
        ax.plot(x, df["mean"], color="k", lw=1, ls="--", label="mean (95% MC band)")
        ax.fill_between(x, df["mean"] - 1.96 * df["se"], df["mean"] + 1.96 * df["se"], color="k", alpha=0.3, lw=0)
        ax.axhline(1.0 if ratio else 0.0, color="grey", lw=0.8)
        if ratio and bool(np.all(df[["q0.05", "q0.95"]].to_numpy() > 0)):
            ax.set_yscale("log")
        what = "variant / base" if ratio else "variant - base"
        ax.set_title(f"{series}: {what}, same streams, {self.paths:,} paths\n{style.as_of_text(self.data_as_of)}")
        ax.set_ylabel(f"{series} ({what})")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", frameon=False)
        return ax

    @property
    def data_as_of(self) -> dict[str, str]:
        """How old the data behind both scenarios are (:attr:`aicast.Scenario.data_as_of`, merged)."""
        return {**self.base.data_as_of, **self.variant.data_as_of}

    def __repr__(self) -> str:
        return (f"Comparison({len(self.values)} series, {self.paths:,} paths on common random numbers, "
                f"{self.months[0]} to {self.months[-1]}, {style.as_of_text(self.data_as_of)})")


def _table(d: np.ndarray, a: np.ndarray | None, b: np.ndarray | None, q: Sequence[float],
           months: pd.PeriodIndex) -> pd.DataFrame:
    n = d.shape[0]
    out = {"mean": d.mean(axis=0), "se": d.std(axis=0, ddof=1) / np.sqrt(n)}
    if a is not None and b is not None:
        out["se_independent"] = np.sqrt((a.var(axis=0, ddof=1) + b.var(axis=0, ddof=1)) / n)
    qs = np.quantile(d, list(q), axis=0)
    for lvl, row in zip(q, qs):
        out[f"q{lvl:g}"] = row
    return pd.DataFrame(out, index=months)


def compare(
    base: Scenario,
    variant: Scenario,
    paths: int = 100_000,
    *,
    series: Iterable[str] | None = None,
    threads: int | None = None,
) -> Comparison:
    """Run ``base`` and ``variant`` on common random numbers and compare them path by path.

    Parameters
    ----------
    base, variant
        Scenarios on the same monthly grid. The variant runs with the base's seed; its models
        keep the streams of the base's models of the same name (a changed prior redraws only
        its own parameter).
    paths
        Paths of each scenario.
    series
        Series to compare (default: every series both scenarios publish).
    threads
        Worker threads (results do not depend on it).

    Returns
    -------
    Comparison
        ``.difference(series)``, ``.ratio(series)``, ``.prob(event, by)``, ``.plot_delta(series)``.

    Raises
    ------
    ValueError
        For scenarios on different grids, unknown series, or more paths than memory allows.

    Examples
    --------
    >>> import aicast as ac
    >>> def sc(jump):
    ...     return ac.Scenario("2026-02", "2027-12", seed=1).add(ac.PriceDecline(
    ...         "frontier", start_price=5.0, annual_decline=ac.to(3, 30), volatility=0.3,
    ...         jump_rate=0.5, jump_log_size=jump))
    >>> cmp = ac.compare(sc(-0.5), sc(-0.4), paths=5_000)
    >>> d = cmp.difference("frontier.price")
    >>> bool((d["se"] < d["se_independent"]).iloc[-1])
    True
    """
    paths = _check_positive_int(paths, "paths")
    if (base.start, base.horizon) != (variant.start, variant.horizon):
        raise ValueError(f"base and variant must share a grid, got {base.start}..{base.horizon} and "
                         f"{variant.start}..{variant.horizon}")
    common = [s for s in base.series if s in set(variant.series)]
    chosen = common if series is None else list(series)
    if not chosen:
        raise ValueError("base and variant publish no series in common")
    bad = [s for s in chosen if s not in common]
    if bad:
        raise ValueError(f"series {', '.join(map(repr, bad))} not in both scenarios (common: {', '.join(common)})")
    need = 16.0 * paths * base.n_months * len(chosen)
    if need > _MAX_KEPT_BYTES:
        raise ValueError(f"comparing {len(chosen)} series over {paths:,} paths keeps {need / 2**30:.1f} GiB of paths; "
                         f"pass series=[...] or fewer paths")
    v = variant._snapshot()
    v.seed = base.seed
    a = kept_paths(base, chosen, paths, threads=threads)
    b = kept_paths(v, chosen, paths, threads=threads)
    return Comparison(base._snapshot(), v, paths, {s: (a[s], b[s]) for s in chosen})
