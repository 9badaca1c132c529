"""Plots read from their figure objects, not pixels: units in labels, scenario and as-of date
in titles, legend texts, non-overlapping tick labels (by bounding boxes), and the marking of
+inf months. One test per plot kind."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import aicast as ac
from aicast import style


def _tick_labels_do_not_overlap(ax) -> None:
    """Visible tick labels of both axes do not overlap each other (window bounding boxes)."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for axis in (ax.xaxis, ax.yaxis):
        boxes = [t.get_window_extent(renderer) for t in axis.get_ticklabels()
                 if t.get_visible() and t.get_text()]
        assert boxes, f"no tick labels on {axis.axis_name}"
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                overlap = min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5
                assert not overlap, f"{axis.axis_name} tick labels overlap: {axis.get_ticklabels()[i]}, {b}"


def _texts_inside_figure(ax) -> None:
    """Titles, labels and annotations lie inside the figure (nothing cut off at the border)."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    fb = fig.bbox
    for t in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]:
        if not t.get_text():
            continue
        bb = t.get_window_extent(renderer)
        assert bb.x0 >= fb.x0 - 1 and bb.x1 <= fb.x1 + 1 and bb.y0 >= fb.y0 - 1 and bb.y1 <= fb.y1 + 1, t


def _legend_texts(ax) -> list[str]:
    leg = ax.get_legend()
    assert leg is not None
    return [t.get_text() for t in leg.get_texts()]


@pytest.fixture(scope="module")
def prices():
    sc = ac.Scenario(start="2026-02", horizon="2030-12", seed=1)
    for name, p in (("frontier", 8.0), ("mid", 1.0), ("open", 0.4)):
        sc.add(ac.PriceDecline(name, start_price=p, annual_decline=ac.to(2, 10), volatility=0.3))
    sc.name = "three tiers"
    sc.data_as_of = {"api_prices_2026-07": "2026-07"}
    return sc.run(paths=2_000, progress=False)


def test_fan_of_one_series_has_its_unit_scenario_as_of_date_and_band_legend(prices):
    ax = prices.plot.fan("frontier.price")
    assert ax.get_ylabel() == "USD per million tokens"
    title = ax.get_title()
    assert "three tiers" in title and "frontier.price (USD per million tokens)" in title
    assert "2,000 paths" in title and "data as of 2026-07" in title
    assert _legend_texts(ax) == ["median", "50% interval", "90% interval"]
    assert ax.get_yscale() == "log"  # 5%-95% spans far more than a factor of 20
    _tick_labels_do_not_overlap(ax)
    _texts_inside_figure(ax)
    # the median line is the median
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), prices.quantiles("frontier.price", [0.5])[0.5])


def test_fan_with_a_user_label_prefixes_every_legend_entry(prices):
    ax = prices.plot.fan("mid.price", label="mid tier", bands=((0.05, 0.95),))
    assert _legend_texts(ax) == ["mid tier: median", "mid tier: 90% interval"]


def test_a_user_title_keeps_the_paths_and_as_of_line(prices):
    ax = prices.plot.fan("mid.price", title="Mid tier")
    assert ax.get_title() == "Mid tier\n2,000 paths, data as of 2026-07"


def test_multi_series_fan_has_one_legend_entry_per_series_with_the_users_label_and_a_shared_unit(prices):
    _, ax = plt.subplots()
    for s in ("frontier", "mid", "open"):
        prices.plot.fan(f"{s}.price", ax=ax, label=f"{s} tier")
    assert _legend_texts(ax) == ["frontier tier", "mid tier", "open tier"]
    assert ax.get_legend().get_title().get_text() == "median, 50 and 90% intervals"
    assert ax.get_ylabel() == "USD per million tokens"  # not the last series' name
    assert "frontier tier, mid tier, open tier" in ax.get_title()
    colours = {tuple(ln.get_color()) if not isinstance(ln.get_color(), str) else ln.get_color()
               for ln in ax.get_lines()}
    assert colours == set(style.PALETTE[:3])  # three distinct palette colours
    _tick_labels_do_not_overlap(ax)


def test_fan_rejects_bad_bands(prices):
    with pytest.raises(ValueError, match=r"bands must be .* got \(0.9, 0.1\)"):
        prices.plot.fan("frontier.price", bands=((0.9, 0.1),))


@pytest.fixture(scope="module")
def break_even():
    """An API price falling from $2 below what a replica costs per token it serves: the break-even
    volume exists in the first months and is +inf (no volume breaks even) later on most paths."""
    sc = ac.Scenario(start="2026-01", horizon="2028-12", seed=3)
    sc.add(ac.PriceDecline("api", start_price=2.0, annual_decline=ac.to(2, 8), volatility=0.3))
    sc.add(ac.SelfHosting("own", api_price="api", volume_per_month=1e9, gpus=2, gpu_price=30_000,
                          depreciation_months=36, power_per_month=300, ops_per_month=500, staff_per_month=10_000,
                          tokens_per_second_per_gpu=1000, utilization=0.5))
    return sc.run(paths=2_000, progress=False)


def test_break_even_chart_marks_the_months_with_no_break_even_and_shows_their_probability(break_even):
    q = break_even.quantiles("own.break_even_volume", [0.05, 0.5, 0.95])
    med_inf = ~np.isfinite(q[0.5].to_numpy())
    assert 0 < med_inf.sum() < len(q)  # the case the chart must show: some months finite, some +inf
    ax = break_even.plot.fan("own.break_even_volume")
    assert ax.get_ylabel() == "tokens a month"
    legend = _legend_texts(ax)
    assert "median +inf: no volume breaks even on most paths" in legend
    assert "90% interval reaches +inf (no volume breaks even)" in legend
    # every legend entry has a visible artist: the bands are drawn where they are finite
    fig = ax.figure
    assert len(fig.axes) == 2
    panel = fig.axes[1]
    p = break_even.prob_at("own.break_even_volume", ">", np.finfo(float).max)
    np.testing.assert_allclose(panel.get_lines()[0].get_ydata(), p["p"])
    # where the median is +inf, more than half the paths have no break-even volume
    assert np.all(p["p"].to_numpy()[med_inf] >= 0.5)
    assert "P(no volume breaks even) in the month" == panel.get_title()
    _tick_labels_do_not_overlap(panel)
    _texts_inside_figure(ax)


def test_yearly_bars_are_year_totals_with_intervals_and_flag_partial_years():
    sc = ac.Scenario(start="2026-02", horizon="2028-12", seed=5)
    sc.add(ac.IncidentGrowth("aiid", base_per_month=30, annual_growth=1.5, dispersion=5))
    res = sc.run(paths=2_000, progress=False)
    hist = pd.Series([250.0, 320.0], index=[2024, 2025])
    ax = res.plot.yearly("aiid.yearly", history=hist)
    bars = ax.patches
    assert len(bars) == 3
    dec = res.quantiles("aiid.yearly", [0.05, 0.5, 0.95])
    dec = dec[dec.index.month == 12]
    np.testing.assert_array_equal([b.get_height() for b in bars], dec[0.5].to_numpy())
    assert bars[0].get_hatch() == "//" and bars[1].get_hatch() is None  # 2026 starts in February
    # history years are labelled too
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024", "2025", "2026\n(Feb-Dec)", "2027", "2028"]
    assert ax.get_ylabel() == "incidents a year"
    assert ax.get_yscale() == "linear"  # 250 to about 1,000: no need for a log scale
    assert _legend_texts(ax) == ["median", "part of a year", "90% interval", "reported"]
    assert ax.get_legend().legend_handles[0].get_hatch() is None  # the median's key is a plain bar
    assert "aiid.yearly (incidents a year), yearly totals" in ax.get_title()
    assert "data as-of date not recorded" in ax.get_title()  # no data tables: the title says so
    _tick_labels_do_not_overlap(ax)
    with pytest.raises(ValueError, match="interval must be"):
        res.plot.yearly("aiid.yearly", interval=(0.6, 0.9))
    long = pd.Series(np.geomspace(5, 300, 13), index=range(2012, 2025))
    ax = res.plot.yearly("aiid.yearly", history=long)
    assert ax.get_yscale() == "log"  # 5 to about 1,000
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) <= 9 and labels[-1] == "2028"  # every other year when there are many
    _tick_labels_do_not_overlap(ax)


def test_probability_curve_has_labels_and_a_readable_date_axis(prices):
    ax = prices.plot.prob("frontier.price < 1")
    assert ax.get_ylabel() == "probability"
    assert _legend_texts(ax) == ["P(frontier.price < 1) by the month"]
    assert ax.get_ylim() == (0.0, 1.0)
    df = prices.prob("frontier.price < 1")
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), df["p"])
    _tick_labels_do_not_overlap(ax)
    ax2 = prices.plot.prob("frontier.price < 1", in_month=True)
    assert _legend_texts(ax2) == ["P(frontier.price < 1) in the month"]


def test_units_follow_the_model_kind_and_scale():
    sc = ac.Scenario()
    sc.add(ac.LeaderboardGap("lb", closed_start=1450, gap_start=40, closed_drift_per_month=5))
    sc.add(ac.LeaderboardGap("mmlu", closed_start=90, gap_start=5, closed_drift_per_month=0.2, scale="percent"))
    sc.add(ac.IncidentGrowth("inc", base_per_month=30, annual_growth=1.3, dispersion=None))
    assert style.unit(sc, "lb.open") == "Elo"
    assert style.unit(sc, "lb.gap") == "Elo points"
    assert style.unit(sc, "mmlu.open") == "score (%)"
    assert style.unit(sc, "lb.lag_months") == "months behind"
    assert style.unit(sc, "inc.count") == "incidents a month"
    assert style.unit(sc, "inc.malicious_use.count") == "incidents a month"
    assert style.unit(None, "x.break_even_volume") == "tokens a month"
    assert style.unit(sc, "nobody.knows") == ""
    assert style.as_of_text({}) == "data as-of date not recorded"
    assert style.as_of_text({"a": "2025-03", "b": "2026-07"}) == "data as of 2025-03 to 2026-07"
