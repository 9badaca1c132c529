"""The look of every aicast plot: one colour-blind-safe palette, units of series, date axes, titles.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies). Units come from the model that publishes a series (its kind and output),
so a chart's axis says "USD per million tokens" or "Elo", never just a series name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .scenario import Scenario

__all__ = ["PALETTE", "as_of_text", "color", "compact_number", "format_date_axis", "format_value_axis", "unit",
           "unit_label"]

#: Okabe-Ito colours (blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black).
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
)

#: Hatch and colour of regions where a series has no finite value (e.g. no break-even volume).
NONFINITE_COLOR = "#888888"

# Units by model kind and output name. Leaderboard series depend on the model's scale.
_UNITS: dict[str, dict[str, str]] = {
    "price_decline": {"price": "USD per million tokens"},
    "leaderboard_gap": {"closed": "Elo", "open": "Elo", "gap": "Elo points", "closed_latent": "Elo",
                        "lag_months": "months behind"},
    "incident_growth": {"count": "incidents a month", "yearly": "incidents, year to date",
                        "cumulative": "incidents, cumulative"},
    "self_hosting": {"self_host_cost": "USD a month", "api_cost": "USD a month", "savings": "USD a month",
                     "replica_cost": "USD a month", "staff_cost": "USD a month",
                     "break_even_volume": "tokens a month", "capacity": "tokens a month per replica"},
    "token_demand": {"tokens": "tokens a month", "spend": "USD a month"},
}
_PERCENT = {"closed": "score (%)", "open": "score (%)", "gap": "percentage points", "closed_latent": "score (%)"}


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def unit(scenario: Scenario | None, series: str) -> str:
    """The unit of ``series`` in ``scenario`` (``""`` if unknown).

    Parameters
    ----------
    scenario
        The scenario whose model publishes the series (``None``: guess from the output name).
    series
        A full series name, ``"<model>.<output>"``; an incident category count
        ``"<model>.<category>.count"`` is in incidents a month.

    Examples
    --------
    >>> import aicast as ac
    >>> sc = ac.Scenario().add(ac.PriceDecline("frontier", start_price=5.0, annual_decline=3.0))
    >>> unit(sc, "frontier.price")
    'USD per million tokens'
    """
    model_name, _, output = series.partition(".")
    output_last = output.rsplit(".", 1)[-1]
    kind = None
    scale = None
    if scenario is not None:
        for m in scenario.models:
            if m.name == model_name:
                kind = m.kind
                scale = getattr(m, "scale", None)
                break
    if kind == "leaderboard_gap" and scale == "percent" and output in _PERCENT:
        return _PERCENT[output]
    if kind is not None:
        return _UNITS.get(kind, {}).get(output, _UNITS.get(kind, {}).get(output_last, ""))
    for table in _UNITS.values():  # no scenario: the first kind that has this output
        if output in table:
            return table[output]
    return ""


def unit_label(scenario: Scenario | None, series: str) -> str:
    """``"frontier.price (USD per million tokens)"``; the bare name when the unit is unknown."""
    u = unit(scenario, series)
    return f"{series} ({u})" if u else series


def as_of_text(as_of: Mapping[str, str]) -> str:
    """``"data as of 2026-07"`` (one date) or ``"data as of 2025-03 to 2026-07"`` (several).

    ``as_of`` maps a data source (a shipped table) to the date of its snapshot; an empty
    mapping means no data source was recorded (inputs typed in, or models built from fits
    without setting :attr:`aicast.Scenario.data_as_of`), and the text says so.
    """
    dates = sorted(set(as_of.values()))
    if not dates:
        return "data as-of date not recorded"
    return f"data as of {dates[0]}" if len(dates) == 1 else f"data as of {dates[0]} to {dates[-1]}"


def format_date_axis(ax: Axes) -> None:
    """Month/year ticks that do not overlap: AutoDateLocator with a ConciseDateFormatter."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def compact_number(x: float, _pos: Any = None) -> str:
    """``1.5M``, ``20B``, ``-3k``: tick labels for large values (thousand, million, billion, trillion).

    Examples
    --------
    >>> compact_number(2.5e10), compact_number(-3000), compact_number(0.25)
    ('25B', '-3k', '0.25')
    """
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def format_value_axis(ax: Axes) -> None:
    """Large values on a linear y axis as ``25B`` rather than an offset ``1e10``."""
    import matplotlib.ticker as mticker

    if ax.get_yscale() != "linear":
        return
    lo, hi = ax.get_ylim()
    if max(abs(lo), abs(hi)) >= 1e4:
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(compact_number))


def join_units(units: Iterable[str]) -> str:
    """One axis label for the distinct units of several series, in order of appearance."""
    seen: list[str] = []
    for u in units:
        if u and u not in seen:
            seen.append(u)
    return " / ".join(seen)


def rc() -> Any:
    """Matplotlib settings of every aicast figure (used as ``plt.rc_context(rc())``)."""
    from cycler import cycler

    return {
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 11,
        "legend.frameon": False,
        "figure.dpi": 100,
        "savefig.bbox": "tight",
    }
