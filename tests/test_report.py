"""report.html of a result folder: self-contained (no network, no other file), complete (scenario,
as-of dates, charts, events with standard errors, hitting times, manifest), listed in the
manifest, and shown by a real browser (headless Chromium) without errors and with every figure."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest
from browser_check import check_page_or_skip

import aicast as ac
from aicast.cli import main
from aicast.store import load, read_manifest, run_to_folder

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = """
name = "report-check"
description = "Self-hosting against a falling API price, and incidents"
start = "2026-02"
horizon = "2028-12"
seed = 11
paths = 2000

[models.api]
kind = "price_decline"
start_price = { data = "api_prices_2026-07", column = "blended_per_mtok", stat = "geomean", where = { model = ["gpt-5.1"] } }
annual_decline = { to = [2, 8] }
volatility = 0.3

[models.own]
kind = "self_hosting"
api_price = "api"
volume_per_month = 1e9
gpus = 2
gpu_price = 30000
staff_per_month = 10000
tokens_per_second_per_gpu = 1000
utilization = 0.5

[models.inc]
kind = "incident_growth"
base_per_month = 30
annual_growth = 1.4
dispersion = 5

[outputs]
events = ["own.savings > 0 by 2026-06", "api.price < 1"]
series = ["api.price", "own.break_even_volume", "inc.yearly"]
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    src = d / "report-check.toml"
    src.write_text(SCENARIO, encoding="utf-8")
    return run_to_folder(src, d / "out")


def _imgs(page: str) -> list[str]:
    return re.findall(r"<img [^>]*src='([^']*)'", page)


def test_report_is_written_listed_in_the_manifest_and_self_contained(folder):
    page = (folder / "report.html").read_text(encoding="utf-8")
    manifest = read_manifest(folder)  # checks every listed file's hash, the report's included
    assert "report.html" in manifest["files"]
    # self-contained: no scripts, no links or sources outside the page
    assert "<script" not in page
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:|//|file:)", page)
    imgs = _imgs(page)
    assert len(imgs) == 3  # the three series of [outputs]
    for src in imgs:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # the same bytes as the PNG files beside it
    assert base64.b64decode(imgs[0].split(",", 1)[1]) == (folder / "fan_api.price.png").read_bytes()


def test_report_holds_scenario_as_of_dates_events_with_standard_errors_and_hitting_times(folder):
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    res = load(folder)
    assert "aicast report: report-check" in page
    assert "Self-hosting against a falling API price, and incidents" in page
    assert "data as of 2026-07" in page and "api_prices_2026-07" in page
    assert res.data_as_of == {"api_prices_2026-07": "2026-07"}
    p = res.prob("own.savings > 0", by="2026-06")
    assert f"<td>{p.p:.4f}</td><td>{p.se:.4f}</td>" in page
    h = res.hitting_time("api.price < 1")
    assert f"<td>{h._when(0.5)}</td>" in page and f"<td>{1 - h.never:.4f}</td>" in page
    p_h = res.prob("api.price < 1", by="2028-12")  # no month given: by the horizon
    assert f"<td>2028-12</td><td>{p_h.p:.4f}</td>" in page
    assert "USD per million tokens" in page and "tokens a month" in page
    assert "&quot;seed&quot;: 11" in (folder / "report.html").read_text(encoding="utf-8")
    assert 'name = "report-check"' in page  # the scenario file


def test_charts_that_replay_events_do_not_change_what_the_files_hold(folder):
    # the break-even chart asks P(+inf) by replaying the paths; that event is not in the files
    manifest = read_manifest(folder)
    assert [e[0] for e in manifest["events"]] == ["own.savings", "api.price"]
    res = load(folder)
    assert len(res._events) == 2


def test_report_without_plots_says_so(tmp_path):
    src = tmp_path / "s.toml"
    src.write_text(SCENARIO, encoding="utf-8")
    out = run_to_folder(src, tmp_path / "out", plots=False)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert _imgs(page) == [] and "Charts were not drawn for this run" in page


def test_show_open_opens_the_report_in_the_browser(folder, monkeypatch, capsys):
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    assert main(["show", str(folder), "--open"]) == 0
    assert opened == [(folder / "report.html").resolve().as_uri()]
    assert "report-check" in capsys.readouterr().out


@pytest.mark.slow
def test_report_in_headless_chromium_has_no_errors_and_shows_every_figure(folder, tmp_path):
    page = check_page_or_skip(folder / "report.html")
    assert page.errors == []
    assert page.title == "aicast report: report-check"
    assert len(page.images) == 3 and page.broken_images == []
    assert all(i["width"] > 300 and i["height"] > 200 for i in page.images)
    assert page.screenshot[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "report.png").write_bytes(page.screenshot)


def test_prob_at_and_hitting_time_reprs(folder):
    res = load(folder)
    p = res.prob_at("api.price < 1", at="2027-06")
    assert repr(p).startswith("P(api.price < 1 in 2027-06) = ")
    assert "(in the month)" not in repr(p)
    assert repr(res.prob("api.price < 1", by="2027-06")).startswith("P(api.price < 1 by 2027-06) = ")
    assert "95% interval" in p._repr_html_()
    h = res.hitting_time("api.price < 1")
    assert re.match(r"HittingTime\(api.price < 1: median \S+, quartiles \S+ to .+, P\(by 2028-12\) = ", repr(h))
    assert "<table>" in h._repr_html_()
    r = repr(res)
    assert "'report-check'" in r and "data as of 2026-07" in r
    assert "data as of 2026-07" in res._repr_html_()


def test_data_as_of_is_checked_and_copied():
    sc = ac.Scenario()
    with pytest.raises(TypeError, match="data_as_of must map source names to date strings, got 3"):
        sc.data_as_of = 3  # type: ignore[assignment]
    with pytest.raises(ValueError, match=r"""data_as_of\['mine'\] must be a date "YYYY-MM" or "YYYY-MM-DD", got 'recent'"""):
        sc.data_as_of = {"mine": "recent"}
    sc.data_as_of = {"prices_epoch": "2025-03-13"}
    assert sc._snapshot().data_as_of == {"prices_epoch": "2025-03-13"}
    with pytest.raises(ValueError, match="unknown aicast data table 'nope'"):
        ac.data.as_of("nope")
    for t in ac.data.list_tables():
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", ac.data.as_of(t)), t


def test_every_listed_table_as_of_is_not_before_its_newest_row():
    for t in ac.data.list_tables():
        df = ac.data.load(t)
        cols = [c for c in ("snapshot", "release_date", "month") if c in df.columns]
        for c in cols:
            newest = str(df[c].max())[:10]
            assert newest[: len(ac.data.as_of(t))] <= ac.data.as_of(t), (t, c, newest)


def test_models_built_from_fits_say_how_old_their_data_are():
    """Every fit's model() records the newest month its fit saw; a scenario reports them (and a
    mapping set by hand replaces them); a fit that ends early says so."""
    arena = ac.data.arena_best_monthly()
    pe = ac.data.prices_epoch()
    trend = ac.fit.price_trend(pe, score="mmlu", threshold=43.9)
    models = [
        ac.fit.leaderboard_gap(arena).model("lb"),
        ac.fit.leaderboard_gap(arena[arena["month"] <= "2024-12"]).model("early"),
        ac.fit.incident_growth().model("aiid"),
        trend.model("gpt3"),
        ac.fit.pool([trend, ac.fit.price_trend(pe, score="mmlu", threshold=64.8)]).model("pooled", start_price=1.0),
        ac.fit.list_price(tier="mid").model("mid"),
    ]
    assert [m.data_as_of for m in models] == [
        {"lb: leaderboard gap fit": "2025-08"},
        {"early: leaderboard gap fit": "2024-12"},
        {"aiid: incident fit": "2025-03"},
        {"gpt3: price trend fit (mmlu >= 43.9)": trend.data_as_of},
        {"pooled: pooled price trend fit (2 thresholds)": trend.data_as_of},
        {"mid: list price fit (mid tier)": "2026-07"},
    ]
    assert trend.data_as_of == "2025-02"
    sc = ac.Scenario("2025-09", "2026-06").add(models[0], models[2])
    assert sc.data_as_of == {"lb: leaderboard gap fit": "2025-08", "aiid: incident fit": "2025-03"}
    res = sc.run(paths=500, progress=False)
    assert "data as of 2025-03 to 2025-08" in repr(res)
    assert ac.PriceDecline("typed", start_price=1.0, annual_decline=2.0).data_as_of == {}
    sc.data_as_of = {"my table": "2026-01"}
    assert sc.data_as_of == {"my table": "2026-01"} and sc._snapshot().data_as_of == {"my table": "2026-01"}


def test_comparisons_sensitivities_and_backtests_say_how_old_their_data_are():
    import matplotlib.pyplot as plt

    base = ac.Scenario.from_toml(ROOT / "scenarios" / "baseline.toml")
    variant = ac.Scenario.from_toml(ROOT / "scenarios" / "subsidy-end.toml")
    cmp = ac.compare(base, variant, paths=500, series=["frontier_capability.price"])
    assert cmp.data_as_of == {**base.data_as_of, **variant.data_as_of}
    assert repr(cmp).endswith("data as of 2025-02 to 2026-07)")
    assert cmp.plot_delta("frontier_capability.price").get_title().endswith("\ndata as of 2025-02 to 2026-07")
    s = ac.sensitivity(base, "frontier_capability.price", n=64, at="2027-12")
    assert s.data_as_of == base.data_as_of and repr(s).endswith("; data as of 2025-02 to 2026-07)")
    assert s.plot_tornado().get_title().endswith("\ndata as of 2025-02 to 2026-07")
    f = ac.sobol(lambda x: x["a"] * x["b"], {"a": ac.to(1, 3), "b": ac.normal(0, 1)}, n=64)
    assert f.data_as_of == {} and "data as of" not in repr(f)  # a function has no data
    plt.close("all")
    yearly = ac.data.aiid_yearly()
    bt = ac.backtest("incidents", yearly, cut="2022-12", horizon=12, paths=500)
    assert bt.data_as_of == {"aiid_yearly": "2025-03-28"}
    assert "data as of 2025-03-28" in repr(bt).splitlines()[0] and "data as of 2025-03-28" in bt._repr_html_()
    assert ac.Backtest.combine({"a": bt, "b": bt}).data_as_of == bt.data_as_of
    own = yearly.copy()
    own.attrs = {}
    assert ac.backtest("incidents", own, cut="2022-12", horizon=12, paths=500).data_as_of == {}
