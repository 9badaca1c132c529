"""Sweeps: a grid or a Latin hypercube of variants; locally, on Dask, resumed, with a worker killed."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import aicast as ac
from aicast.analysis.sweeps import latin_hypercube, with_params

GRID = {"frontier.annual_decline": [3.0, 10.0, 30.0], "frontier.volatility": [0.2, 0.5]}


def base() -> ac.Scenario:
    return ac.Scenario("2026-02", "2027-12", seed=5).add(
        ac.PriceDecline("frontier", start_price=ac.to(4, 6), annual_decline=ac.to(3, 30), volatility=ac.to(0.2, 0.6)))


def test_grid_sweep_is_one_tidy_table_of_independent_runs():
    df = ac.sweep(base(), GRID, paths=4000, events=["frontier.price < 1"])
    assert len(df) == 6 and df.index.name == "variant"
    assert list(df.columns[:2]) == list(GRID)
    row = df.iloc[4]
    res = with_params(base(), {"frontier.annual_decline": 30.0, "frontier.volatility": 0.2}).run(
        paths=4000, progress=False)
    assert row["frontier.price:mean"] == res.mean("frontier.price").iloc[-1]
    assert row["frontier.price:mean_se"] == pytest.approx(res.std("frontier.price").iloc[-1] / np.sqrt(4000))
    assert row["P(frontier.price < 1)"] == float(res.prob("frontier.price < 1", by="2027-12").p)
    # faster decline: cheaper at the horizon, on the same streams
    means = df.groupby("frontier.volatility")["frontier.price:mean"].apply(list)
    assert all(np.all(np.diff(v) < 0) for v in means)
    assert df.attrs["data_as_of"] == {}  # typed-in priors; a base from data carries its dates:
    dated = base()
    dated.data_as_of = {"my prices": "2026-07"}
    assert ac.sweep(dated, {"frontier.volatility": [0.2]}, paths=100).attrs["data_as_of"] == {"my prices": "2026-07"}


def test_latin_hypercube_has_one_point_per_stratum():
    lh = latin_hypercube({"a": (0.0, 1.0), "b": (10.0, 20.0)}, 50, seed=3)
    for col, (lo, hi) in {"a": (0, 1), "b": (10, 20)}.items():
        strata = np.floor((lh[col] - lo) / (hi - lo) * 50).astype(int)
        assert sorted(strata) == list(range(50))
    df = ac.sweep(base(), samples=4, ranges={"frontier.volatility": (0.1, 0.6)}, paths=500)
    assert len(df) == 4 and df["frontier.volatility"].between(0.1, 0.6).all()


def test_sweep_errors_before_any_run():
    with pytest.raises(ValueError, match="either grid"):
        ac.sweep(base(), paths=100)
    with pytest.raises(ValueError, match="no parameter 'nope'"):
        ac.sweep(base(), {"frontier.nope": [1]}, paths=100)
    with pytest.raises(ValueError, match="no model named"):
        ac.sweep(base(), {"mid.volatility": [1]}, paths=100)
    with pytest.raises(ValueError, match="volatility"):
        ac.sweep(base(), {"frontier.volatility": [-1.0]}, paths=100)
    with pytest.raises(ValueError, match="ranges"):
        ac.sweep(base(), samples=3, paths=100)


def test_an_interrupted_sweep_resumes_from_what_it_wrote(tmp_path, monkeypatch):
    import aicast.analysis.sweeps as sweep_module

    calls = []
    real = sweep_module._row

    def flaky(*args, **kwargs):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "_row", flaky)
    with pytest.raises(KeyboardInterrupt):
        ac.sweep(base(), GRID, paths=1000, out=tmp_path)
    assert len(list((tmp_path / "rows").glob("*.json"))) == 3
    monkeypatch.setattr(sweep_module, "_row", real)
    ran = []
    monkeypatch.setattr(sweep_module, "_row", lambda *a, **k: ran.append(a[1]) or real(*a, **k))
    resumed = ac.sweep(base(), GRID, paths=1000, out=tmp_path)
    assert len(ran) == 3  # only the missing rows ran
    pd.testing.assert_frame_equal(resumed, ac.sweep(base(), GRID, paths=1000))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["kind"] == "aicast sweep" and len(manifest["variants"]) == 6
    with pytest.raises(ValueError, match="different sweep"):
        ac.sweep(base(), GRID, paths=999, out=tmp_path)


@pytest.mark.slow
def test_dask_sweep_equals_the_local_table_even_when_a_worker_is_killed(tmp_path):
    distributed = pytest.importorskip("distributed")
    local = ac.sweep(base(), GRID, paths=3000)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1", silence_logs=50) as cluster, distributed.Client(cluster) as client:
        remote = ac.sweep(base(), GRID, paths=3000, client=client)
        pd.testing.assert_frame_equal(remote, local)
        # again, killing a worker process once the first rows are in
        pids = list(client.run(os.getpid).values())
        out: dict[str, pd.DataFrame] = {}
        big = {"frontier.annual_decline": list(np.linspace(3, 30, 8)), "frontier.volatility": [0.2, 0.5]}
        t = threading.Thread(target=lambda: out.update(df=ac.sweep(base(), big, paths=20_000, client=client,
                                                                   out=tmp_path)))
        t.start()
        deadline = time.time() + 60
        while not list((tmp_path / "rows").glob("*.json")) and time.time() < deadline:
            time.sleep(0.05)
        os.kill(pids[0], signal.SIGKILL)
        t.join(timeout=120)
        assert not t.is_alive()
        # one run split across the two workers equals the one-process run bit for bit
        from aicast.analysis.distributed import run_blocks

        split = run_blocks(split_scenario(), 4000, blocks=2, events=["frontier.price < 1"], client=client)
        assert_split_equals_whole(split, split_scenario(), 4000, ["frontier.price < 1"])
    df = out["df"]
    assert len(df) == 16 and df.index.is_unique and len(list((tmp_path / "rows").glob("*.json"))) == 16
    pd.testing.assert_frame_equal(df, ac.sweep(base(), big, paths=20_000))


def split_scenario() -> ac.Scenario:
    return base().add(ac.IncidentGrowth("aiid", base_per_month=30, annual_growth=ac.to(1.3, 2.0), dispersion=20))


def assert_split_equals_whole(split: dict, sc: ac.Scenario, paths: int, events: list) -> None:
    from aicast import _engine

    parsed = [(e.split()[0], e.split()[1], float(e.split()[2])) for e in events]
    raw = _engine.run(sc._engine_scenario(), sc.seed, paths, 0, 1024, list(ac.DEFAULT_QUANTILES), False, parsed)
    # quantiles (prices and discrete counts), event counts and hitting times: bit for bit
    np.testing.assert_array_equal(split["quantiles"], raw["quantiles"])
    np.testing.assert_array_equal(split["holds"], raw["holds"])
    np.testing.assert_array_equal(split["first_hit"], raw["first_hit"])
    # moments too: exact sums over chunks of 2048 paths, merged exactly
    np.testing.assert_array_equal(split["mean"], raw["mean"])
    np.testing.assert_array_equal(split["sd"], raw["sd"])


def test_a_run_split_into_blocks_equals_the_whole_run():
    from aicast.analysis.distributed import block_bounds, run_blocks

    sc = split_scenario()
    events = ["frontier.price < 1", "aiid.count > 60"]
    split = run_blocks(sc, 5001, blocks=3, events=events)
    assert_split_equals_whole(split, sc, 5001, events)
    whole = sc.run(paths=5001, progress=False, events=events)
    assert whole.prob("frontier.price < 1")["p"].iloc[-1] == split["first_hit"][0, :-1].sum() / 5001
    # blocks start at multiples of 2048 paths
    assert block_bounds(5001, 3) == [(0, 2048), (2048, 4096), (4096, 5001)]
    assert block_bounds(20_000, 3) == [(0, 6144), (6144, 12288), (12288, 20_000)]
    assert block_bounds(10, 1) == [(0, 10)]
    with pytest.raises(ValueError, match=r"blocks must be at most paths / 2048 rounded up \(2 for 4000 paths"):
        block_bounds(4000, 3)


def test_cli_sweep_writes_a_result_folder_and_resumes(tmp_path, capsys):
    from aicast.cli import main

    f = tmp_path / "base.toml"
    base().to_toml(f)
    argv = ["sweep", str(f), "--grid", "frontier.volatility=0.2,0.5", "--paths", "500", "--out", str(tmp_path / "out"),
            "--event", "frontier.price < 1"]
    assert main(argv) == 0
    folder = next((tmp_path / "out").iterdir())
    table = pd.read_csv(folder / "table.csv", index_col="variant")
    assert len(table) == 2 and "P(frontier.price < 1)" in table.columns
    assert json.loads((folder / "manifest.json").read_text())["paths"] == 500
    assert main(argv) == 0  # everything written already: resumes with nothing to run
    pd.testing.assert_frame_equal(pd.read_csv(folder / "table.csv", index_col="variant"), table)
    assert main(["sweep", str(f), "--grid", "frontier.nope=1", "--out", str(tmp_path / "o2")]) == 1
    assert "no parameter 'nope'" in capsys.readouterr().err


def test_run_distributed_returns_the_result_of_the_one_process_run():
    from aicast.analysis.distributed import run_distributed

    sc = split_scenario()
    whole = sc.run(paths=3000, progress=False, events=["frontier.price < 1"])
    res = run_distributed(sc, 3000, block_paths=1000, events=["frontier.price < 1"])
    pd.testing.assert_frame_equal(res.quantiles("aiid.count", ac.DEFAULT_QUANTILES),
                                  whole.quantiles("aiid.count", ac.DEFAULT_QUANTILES))
    pd.testing.assert_frame_equal(res.prob("frontier.price < 1"), whole.prob("frontier.price < 1"))
    assert res.hitting_time("frontier.price < 1").median == whole.hitting_time("frontier.price < 1").median
    pd.testing.assert_series_equal(res.mean("frontier.price"), whole.mean("frontier.price"))
    pd.testing.assert_series_equal(res.std("aiid.count"), whole.std("aiid.count"))


def test_default_blocks_bound_a_workers_memory():
    """By default a block keeps at most BLOCK_BYTES of paths (8 bytes per path, series and month),
    in whole chunks; a scenario too wide for one chunk still gets one chunk per block."""
    from aicast.analysis.distributed import BLOCK_BYTES, CHUNK, default_block_paths

    from aicast.defaults import default_scenario

    sc = default_scenario()
    b = default_block_paths(sc)
    per_path = 8 * len(sc.series) * sc.n_months
    assert b % CHUNK == 0 and b * per_path <= BLOCK_BYTES < (b + CHUNK) * per_path
    wide = ac.Scenario(start="2026-01", horizon="2126-12", seed=1).add(
        *[ac.PriceDecline(f"p{i}", start_price=1.0, annual_decline=2.0) for i in range(60)])
    assert default_block_paths(wide) == CHUNK
