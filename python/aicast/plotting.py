"""Plots of a Result with matplotlib: fan charts and probability curves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .result import Result

__all__ = ["PlotAccessor"]


class PlotAccessor:
    """``result.plot``: fan charts and event-probability curves."""

    def __init__(self, result: Result) -> None:
        self._r = result

    def fan(
        self,
        series: str,
        *,
        bands: Sequence[tuple[float, float]] = ((0.05, 0.95), (0.25, 0.75)),
        ax: Axes | None = None,
        log: bool | None = None,
        color: str = "C0",
        label: str | None = None,
        title: str | None = None,
        ylabel: str | None = None,
    ) -> Axes:
        """Fan chart: the median and shaded central bands of ``series`` per month.

        ``log=None`` picks a log scale when the series is positive and spans more than a
        factor of 20.
        """
        import matplotlib.pyplot as plt

        levels = sorted({q for band in bands for q in band} | {0.5})
        q = self._r.quantiles(series, levels)
        x = q.index.to_timestamp()
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        alphas = np.linspace(0.18, 0.38, len(bands))
        for (lo, hi), a in zip(sorted(bands, key=lambda b: b[1] - b[0], reverse=True), alphas):
            band = f"{round(100 * (hi - lo))}% interval"
            ax.fill_between(x, q[lo], q[hi], color=color, alpha=a, lw=0,
                            label=band if label is None else f"{series} {band}")
        ax.plot(x, q[0.5], color=color, lw=2, label=label or "median")
        values = q.to_numpy()
        if log is None:
            positive = bool(np.all(values > 0))
            finite = values[np.isfinite(values)]  # +inf: e.g. a break-even volume that does not exist
            log = positive and finite.size > 0 and finite.max() / finite.min() > 20
        if log:
            ax.set_yscale("log")
        ax.set_title(title or f"{series}: {self._r.n_paths:,} paths")
        ax.set_ylabel(ylabel or series)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="best", frameon=False)
        return ax

    def prob(self, event: str, *, ax: Axes | None = None, color: str = "C1", label: str | None = None) -> Axes:
        """Probability that ``event`` has happened by each month, with a 95% Monte Carlo band."""
        import matplotlib.pyplot as plt

        df: Any = self._r.prob(event)
        x = df.index.to_timestamp()
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        ax.plot(x, df["p"], color=color, lw=2, label=label or f"P({event})")
        ax.fill_between(x, (df["p"] - 1.96 * df["se"]).clip(0, 1), (df["p"] + 1.96 * df["se"]).clip(0, 1),
                        color=color, alpha=0.25, lw=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability (by month)")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", frameon=False)
        return ax
