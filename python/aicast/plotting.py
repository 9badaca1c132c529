"""Plots of a Result with matplotlib: fan charts, yearly bars and probability curves.

Every chart says what it shows and how old its data are: the y axis carries the unit of
the series (from :mod:`aicast.style`), the title the scenario's name, the number of paths
and the data's as-of date; months are labelled by a concise date formatter. A series
with months of +inf (a break-even volume that does not exist) is drawn with those months
marked and, on a figure of its own, a panel with the probability of +inf by month.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .result import Result

__all__ = ["PlotAccessor"]

# What a +inf value means, by output name (the text of the marked region and of the panel).
_NONFINITE_MEANING = {"break_even_volume": "no volume breaks even"}


def _band_name(lo: float, hi: float) -> str:
    return f"{round(100 * (hi - lo))}% interval"


class PlotAccessor:
    """``result.plot``: fan charts, yearly bars and event-probability curves.

    Each method draws on ``ax`` if given (so several series can share one chart) or on a
    new figure, and returns the axes.
    """

    def __init__(self, result: Result) -> None:
        self._r = result

    # --- shared pieces ----------------------------------------------------------------------
    def _title(self, what: str, user: str | None = None) -> str:
        """``"<scenario>: <what>"`` (or the user's title) over ``"<paths> paths, data as of <date>"``."""
        r = self._r
        first = user if user else f"{r.scenario.name or 'scenario'}: {what}"
        return f"{first}\n{r.n_paths:,} paths, {style.as_of_text(r.data_as_of)}"

    @staticmethod
    def _new_axes(ax: Axes | None, figsize: tuple[float, float], panel: bool = False) -> tuple[Axes, Axes | None]:
        import matplotlib.pyplot as plt

        if ax is not None:
            return ax, None
        if panel:
            _, (main, low) = plt.subplots(
                2, 1, figsize=(figsize[0], figsize[1] * 1.3), sharex=True,
                gridspec_kw={"height_ratios": [3, 1], "hspace": 0.08}, layout="constrained",
            )
            return main, low
        _, main = plt.subplots(figsize=figsize, layout="constrained")
        return main, None

    # --- fan chart --------------------------------------------------------------------------
    def fan(
        self,
        series: str,
        *,
        bands: Sequence[tuple[float, float]] = ((0.05, 0.95), (0.25, 0.75)),
        ax: Axes | None = None,
        log: bool | None = None,
        color: str | None = None,
        label: str | None = None,
        title: str | None = None,
        ylabel: str | None = None,
    ) -> Axes:
        """Fan chart: the median and shaded central bands of ``series`` per month.

        Parameters
        ----------
        series
            A series of the result, e.g. ``"frontier.price"``.
        bands
            Central intervals to shade, as (lower, upper) quantile levels.
        ax
            Draw on these axes (several calls on one ``ax`` make a comparison chart with one
            legend entry per series); default: a new figure.
        log
            Log scale; ``None`` picks it when the series is positive and spans more than a
            factor of 20.
        color
            Colour of the series; default: the next colour of :data:`aicast.style.PALETTE`.
        label
            Legend text of the series (default: the series name).
        title, ylabel
            Replace the first line of the title (scenario and series; the second line, paths
            and data as-of date, stays) and the y label (the unit of the series).

        Returns
        -------
        matplotlib.axes.Axes
            The chart's axes. A series with +inf months drawn on a new figure gets a second
            panel below (``ax.figure.axes[1]``) with the probability of +inf by month.
        """
        import matplotlib.pyplot as plt

        for lo, hi in bands:
            if not 0.0 <= lo < hi <= 1.0:
                raise ValueError(f"bands must be (lower, upper) quantile levels with 0 <= lower < upper <= 1, "
                                 f"got {(lo, hi)!r}")
        levels = sorted({q for band in bands for q in band} | {0.5})
        q = self._r.quantiles(series, levels)
        values = q.to_numpy()
        nonfinite = bool((~np.isfinite(values)).any())
        with plt.rc_context(style.rc()):
            ax, panel = self._new_axes(ax, (8, 4.5), panel=nonfinite)
            fans: list[dict[str, Any]] = getattr(ax, "_aicast_fans", [])
            ax._aicast_fans = fans  # type: ignore[attr-defined]  # the fans on this axes, for the legend
            c = color or style.color(len(fans))
            x = q.index.to_timestamp()
            finite = values[np.isfinite(values)]
            if log is None:
                log = ax.get_yscale() == "log" or (
                    bool(np.all(values > 0)) and finite.size > 0 and finite.max() / finite.min() > 20
                )
            if log:
                ax.set_yscale("log")
            ordered = sorted(bands, key=lambda b: b[1] - b[0], reverse=True)
            alphas = np.linspace(0.18, 0.38, len(ordered))
            patches = []
            for (lo, hi), a in zip(ordered, alphas, strict=True):
                ylo, yhi = q[lo].to_numpy(), q[hi].to_numpy()
                ok = np.isfinite(ylo) & np.isfinite(yhi)
                patches.append(ax.fill_between(x, np.where(ok, ylo, np.nan), np.where(ok, yhi, np.nan),
                                               color=c, alpha=float(a), lw=0, label=_band_name(lo, hi)))
            med = q[0.5].to_numpy()
            (line,) = ax.plot(x, np.where(np.isfinite(med), med, np.nan), color=c, lw=2, label="median")
            entry: dict[str, Any] = {"series": series, "label": label or series, "bands": ordered,
                                     "patches": patches, "line": line, "extra": []}
            fans.append(entry)
            if nonfinite:
                self._mark_nonfinite(ax, panel, series, q, ordered, c, entry)
            style.format_date_axis(ax)
            style.format_value_axis(ax)
            if panel is not None:
                style.format_date_axis(panel)
            ax.set_ylabel(ylabel or style.join_units(style.unit(self._r.scenario, f["series"]) for f in fans)
                          or series)
            names = [f["label"] for f in fans]
            ax.set_title(self._title(", ".join(names) if len(names) > 1 else style.unit_label(
                self._r.scenario, series), title))
            self._legend(ax, fans)
        return ax

    def _mark_nonfinite(self, ax: Axes, panel: Axes | None, series: str, q: pd.DataFrame,
                        bands: list[tuple[float, float]], c: str, entry: dict[str, Any]) -> None:
        """Show where ``series`` is +inf: hatched band tops, shaded months, a probability panel."""
        x = q.index.to_timestamp()
        meaning = _NONFINITE_MEANING.get(series.rsplit(".", 1)[-1], "value is +inf")
        if ax.get_yscale() == "log":
            bottom, top = ax.get_ylim() if ax.has_data() and np.isfinite(q.to_numpy()).any() else (1.0, 10.0)
        else:
            bottom, top = ax.get_ylim() if np.isfinite(q.to_numpy()).any() else (0.0, 1.0)
        ax.set_ylim(bottom, top)
        outer_lo, outer_hi = bands[0]
        med_inf = ~np.isfinite(q[0.5].to_numpy())
        up = ~np.isfinite(q[outer_hi].to_numpy()) & ~med_inf
        if up.any():
            lo = q[outer_lo].to_numpy()
            entry["extra"].append(ax.fill_between(
                x, np.where(np.isfinite(lo), lo, bottom), top, where=up, step="mid", facecolor="none",
                edgecolor=c, hatch="///", lw=0, label=f"{_band_name(outer_lo, outer_hi)} reaches +inf ({meaning})"))
        if med_inf.any():
            entry["extra"].append(ax.fill_between(
                x, 0, 1, where=med_inf, step="mid", transform=ax.get_xaxis_transform(),
                color=style.NONFINITE_COLOR, alpha=0.25, lw=0, label=f"median +inf: {meaning} on most paths"))
        if np.isfinite(q.to_numpy()).sum() == 0:
            ax.text(0.5, 0.5, f"+inf at every plotted quantile in every month ({meaning})",
                    transform=ax.transAxes, ha="center", va="center", wrap=True)
        if panel is not None:
            p = self._r.prob_at(series, ">", np.finfo(float).max)
            assert isinstance(p, pd.DataFrame)
            panel.plot(x, p["p"], color=style.NONFINITE_COLOR, lw=2, drawstyle="steps-mid")
            panel.set_ylim(0, 1)
            panel.set_ylabel("probability")
            panel.set_title(f"P({meaning}) in the month", fontsize=9)

    @staticmethod
    def _legend(ax: Axes, fans: list[dict[str, Any]]) -> None:
        from matplotlib.legend_handler import HandlerTuple

        extra = [(h, h.get_label()) for f in fans for h in f["extra"]]
        if len(fans) == 1:
            f = fans[0]
            handles = [f["line"], *reversed(f["patches"])]
            labels = [h.get_label() for h in handles]
            if f["label"] != f["series"]:
                labels = [f"{f['label']}: {t}" for t in labels]
            title = None
        else:
            handles = [(*f["patches"], f["line"]) for f in fans]
            labels = [f["label"] for f in fans]
            widths = sorted({_band_name(lo, hi).split("%")[0] for f in fans for lo, hi in f["bands"]}, key=int)
            title = f"median, {' and '.join(widths)}% intervals"
        handles += [h for h, _ in extra]
        labels += [t for _, t in extra]
        where: dict[str, Any] = {"loc": "best"}
        if extra:  # the marked +inf regions may fill the plot: a framed legend stays readable on them
            where = {"loc": "upper right", "frameon": True, "framealpha": 0.92, "edgecolor": "#cccccc"}
        ax.legend(handles, labels, title=title, handler_map={tuple: HandlerTuple(ndivide=None, pad=0)}, **where)

    # --- yearly bars ------------------------------------------------------------------------
    def yearly(
        self,
        series: str,
        *,
        interval: tuple[float, float] = (0.05, 0.95),
        ax: Axes | None = None,
        color: str | None = None,
        label: str | None = None,
        title: str | None = None,
        history: pd.Series | None = None,
        log: bool | None = None,
    ) -> Axes:
        """Bars of a year-to-date series' yearly totals (the value in each year's last month).

        For an incident model's ``<name>.yearly`` series each bar is the calendar year's total
        (median) with its ``interval`` as an error bar. A year the grid covers only partly
        (starting after January or ending before December) is hatched and says so.

        Parameters
        ----------
        series
            A year-to-date series, e.g. ``"aiid.yearly"``.
        interval
            (lower, upper) quantile levels of the error bars.
        history
            Observed yearly totals indexed by year, drawn as points.
        log
            Log scale; ``None`` picks it when the values (and history) span more than a
            factor of 20.
        """
        import matplotlib.pyplot as plt

        lo, hi = interval
        if not 0.0 <= lo < 0.5 < hi <= 1.0:
            raise ValueError(f"interval must be (lower, upper) levels around the median, got {interval!r}")
        q = self._r.quantiles(series, (lo, 0.5, hi))
        months = q.index
        last = q.groupby(months.year).tail(1)
        first_month = {y: m.month for y, m in zip(months.year[::-1], months[::-1], strict=True)}
        years = last.index.year.to_numpy()
        partial = [first_month[y] != 1 or m.month != 12 for y, m in zip(years, last.index, strict=True)]
        with plt.rc_context(style.rc()):
            ax, _ = self._new_axes(ax, (8, 4.5))
            c = color or style.color(0)
            med = last[0.5].to_numpy()
            err = np.vstack([med - last[lo].to_numpy(), last[hi].to_numpy() - med])
            bars = ax.bar(years, med, color=c, alpha=0.75, label=f"{label + ': ' if label else ''}median")
            for b, part in zip(bars, partial, strict=True):
                if part:
                    b.set_alpha(0.35)
                    b.set_hatch("//")
            from matplotlib.patches import Patch

            handles: list[Any] = [Patch(facecolor=c, alpha=0.75, label=f"{label + ': ' if label else ''}median")]
            if any(partial):
                handles.append(Patch(facecolor=c, alpha=0.35, hatch="//", label="part of a year"))
            handles.append(ax.errorbar(years, med, yerr=err, fmt="none", ecolor="black", capsize=4, lw=1.2,
                                       label=_band_name(lo, hi)))
            shown = [last[lo].to_numpy(), last[hi].to_numpy()]
            ticks = list(years)
            if history is not None:
                h = pd.Series(history).dropna()
                hx = np.asarray(h.index, dtype=int)
                handles += ax.plot(hx, h.to_numpy(), "o", color=style.color(3), label="reported")
                shown.append(h.to_numpy(dtype=float))
                ticks = sorted(set(ticks) | set(hx.tolist()))
            vals = np.concatenate(shown)
            vals = vals[np.isfinite(vals) & (vals > 0)]
            if log is None:
                log = vals.size > 0 and vals.max() / vals.min() > 20
            if log:
                ax.set_yscale("log")
            step = max(1, int(np.ceil(len(ticks) / 8)))  # at most about 8 labelled years
            labelled = ticks[::-1][::step][::-1]
            names = {y: f"{y}\n({months[months.year == y][0].strftime('%b')}-{m.strftime('%b')})" if part else str(y)
                     for y, m, part in zip(years, last.index, partial, strict=True)}
            ax.set_xticks(labelled)
            ax.set_xticklabels([names.get(y, str(y)) for y in labelled])
            ax.grid(False, axis="x")
            u = style.unit(self._r.scenario, series).replace(", year to date", " a year")
            ax.set_ylabel(u or series)
            ax.set_title(self._title(f"{series} ({u}), yearly totals" if u else series, title))
            ax.legend(handles=handles, loc="upper left")
        return ax

    # --- probability curves -----------------------------------------------------------------
    def prob(
        self,
        event: str,
        *,
        ax: Axes | None = None,
        color: str | None = None,
        label: str | None = None,
        title: str | None = None,
        in_month: bool = False,
    ) -> Axes:
        """Probability that ``event`` has happened by each month, with a 95% Monte Carlo band.

        ``in_month=True`` plots the probability that the condition holds in each month
        instead (not first passage).
        """
        import matplotlib.pyplot as plt

        df: Any = self._r.prob_at(event) if in_month else self._r.prob(event)
        x = df.index.to_timestamp()
        with plt.rc_context(style.rc()):
            ax, _ = self._new_axes(ax, (8, 4))
            n = len(ax.get_lines())
            c = color or style.color(n)
            when = "in the month" if in_month else "by the month"
            ax.plot(x, df["p"], color=c, lw=2, label=label or f"P({event}) {when}")
            ax.fill_between(x, (df["p"] - 1.96 * df["se"]).clip(0, 1), (df["p"] + 1.96 * df["se"]).clip(0, 1),
                            color=c, alpha=0.25, lw=0)
            ax.set_ylim(0, 1)
            ax.set_ylabel("probability")
            style.format_date_axis(ax)
            ax.set_title(self._title(f"P({event}) {when}", title))
            ax.legend(loc="best", title="band: 95% Monte Carlo interval")
        return ax

    def auto(self, series: str) -> Axes:
        """The chart a report draws for ``series``: yearly bars for a year-to-date series, else a fan."""
        if series.endswith(".yearly"):
            return self.yearly(series)
        return self.fan(series)
