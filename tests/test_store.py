"""Result folders and the command line: aicast run FILE... / validate / show, manifests,
bit-for-bit re-runs, safe writes (no overwrite without --force, nothing partial after a kill)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aicast as ac
from aicast import data
from aicast.cli import main
from aicast.scenario_file import load_scenario, scenario_hash
from aicast.store import read_manifest, run_to_folder, write_result

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
PATHS = 20_000


def _raw_equal(a: ac.Result, b: ac.Result) -> None:
    for k in ("quantiles", "mean", "sd", "first_hit", "holds", "levels"):
        np.testing.assert_array_equal(a._raw[k], b._raw[k], err_msg=k)


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    assert main(["run", str(BASELINE), "--paths", str(PATHS), "--out", str(out), "--no-progress"]) == 0
    return out / "baseline"


def test_run_writes_a_complete_folder(baseline_dir):
    names = sorted(p.name for p in baseline_dir.iterdir())
    fans = [f"fan_{t}_{k}.price.png" for t in ("frontier", "mid", "open") for k in ("capability", "list")]
    assert names == sorted(["events.parquet", *fans, "manifest.json", "moments.parquet", "quantiles.parquet",
                            "report.html", "scenario.toml"])
    m = json.loads((baseline_dir / "manifest.json").read_text())
    assert m["complete"] is True and m["aicast_version"] == ac.__version__
    assert m["engine_build"] == dict(ac._engine.build_info())
    assert "-ffp-contract=off" in m["engine_build"]["flags"]
    assert m["seed"] == 0 and m["paths"] == PATHS
    text = (baseline_dir / "scenario.toml").read_text()
    assert m["scenario"]["toml"] == text and m["scenario"]["sha256"] == scenario_hash(text)
    assert m["data_tables"] == {"api_prices_2026-07": data.table_hash("api_prices_2026-07")}
    assert m["data_as_of"] == {"api_prices_2026-07": "2026-07", "capability prices (prices_epoch, Epoch AI)": "2025-02",
                               "tier start prices (api_prices_2026-07, LiteLLM)": "2026-07",
                               "flagship list prices (flagship_prices)": "2026-07"}
    assert m["events"] == [["frontier_capability.price", "<", 1.0], ["mid_capability.price", "<", 0.2],
                           ["open_capability.price", "<", 0.1], ["frontier_list.price", ">", 15.0]]
    assert {"engine_seconds", "run_seconds", "write_seconds", "started_utc", "finished_utc"} <= set(m["timings"])
    assert m["platform"]["python"] and m["platform"]["cpu_count"] >= 1
    q = pd.read_parquet(baseline_dir / "quantiles.parquet")
    assert list(q.columns) == ["series", "month", "quantile", "value"]
    assert len(q) == 6 * 54 * len(m["levels"])  # 2026-07 to 2030-12
    ev = pd.read_parquet(baseline_dir / "events.parquet")
    assert ev["first_hit"].dtype == np.int64 and (ev["p"].between(0, 1)).all()


def test_load_gives_the_numbers_of_a_direct_run(baseline_dir):
    res = ac.load(baseline_dir)
    sc = load_scenario(BASELINE)
    direct = sc.run(paths=PATHS, progress=False, events=[e for e, _ in sc.outputs.parsed_events()],
                    quantiles=sc.outputs.quantiles)
    _raw_equal(res, direct)
    ev = "frontier_capability.price < 1"
    assert res.prob(ev, by="2027-12").p == direct.prob(ev, by="2027-12").p
    ev = "open_capability.price < 0.1"
    assert res.hitting_time(ev).never == direct.hitting_time(ev).never
    # a level or event not stored is replayed from the stored scenario and seed
    pd.testing.assert_frame_equal(res.quantiles("mid_list.price", [0.3]), direct.quantiles("mid_list.price", [0.3]))
    p = res.prob("open_capability.price < 0.05", by="2030-12")
    assert p.p == direct.prob("open_capability.price < 0.05", by="2030-12").p


def test_rerun_of_a_manifest_is_bit_for_bit(baseline_dir, tmp_path):
    stored = ac.load(baseline_dir)
    again = ac.rerun(baseline_dir / "manifest.json", threads=1)
    _raw_equal(stored, again)
    # from the command line: a new folder with identical tables
    assert main(["run", str(baseline_dir / "manifest.json"), "--out", str(tmp_path), "--no-plots",
                 "--no-progress", "--threads", "1"]) == 0
    for f in ("quantiles.parquet", "moments.parquet", "events.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(baseline_dir / f), pd.read_parquet(tmp_path / "baseline" / f),
                                      check_exact=True)
    assert (tmp_path / "baseline" / "scenario.toml").read_text() == (baseline_dir / "scenario.toml").read_text()


def test_seed_and_paths_options_override_the_file(tmp_path):
    assert main(["run", str(BASELINE), "--paths", "3000", "--seed", "9", "--out", str(tmp_path), "--no-plots",
                 "--no-progress"]) == 0
    m = read_manifest(tmp_path / "baseline")
    assert (m["seed"], m["paths"]) == (9, 3000)
    assert "seed = 9" in m["scenario"]["toml"]
    res = ac.load(tmp_path / "baseline")
    sc = load_scenario(BASELINE)
    sc.seed = 9
    _raw_equal(res, sc.run(paths=3000, progress=False, events=[e for e, _ in sc.outputs.parsed_events()],
                           quantiles=sc.outputs.quantiles))


def test_existing_folder_needs_force(tmp_path, capsys):
    args = ["run", str(BASELINE), "--paths", "2000", "--out", str(tmp_path), "--no-plots", "--no-progress"]
    assert main(args) == 0
    before = (tmp_path / "baseline" / "manifest.json").read_bytes()
    assert main(args) == 4
    assert "exists; use --force" in capsys.readouterr().err
    assert (tmp_path / "baseline" / "manifest.json").read_bytes() == before
    assert main([*args[:-2], "--seed", "5", "--force", "--no-progress"]) == 0
    assert read_manifest(tmp_path / "baseline")["seed"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]  # no temporary or old folders left
    res = ac.load(tmp_path / "baseline")
    with pytest.raises(FileExistsError, match="exists; use --force"):
        write_result(res, tmp_path / "baseline")


def test_one_failing_file_does_not_lose_the_others(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('start = "2026-02"\nhorizon = "2030-12"\n[models.x]\nkind = "price_decline"\nstart_price = "ten"\n')
    war = ROOT / "scenarios" / "price-war.toml"
    out = tmp_path / "out"
    code = main(["run", str(BASELINE), str(bad), str(war), "--paths", "2000", "--out", str(out), "--no-plots",
                 "--no-progress"])
    assert code == 3
    err = capsys.readouterr().err
    assert "bad.toml: models.x.start_price: must be a number or a prior table" in err
    assert "models.x.annual_decline: is required" in err
    assert "2 of 3 runs written" in err
    assert ac.load(out / "baseline").n_paths == 2000 and ac.load(out / "price-war").n_paths == 2000
    assert not (out / "bad").exists()
    # two files with one name in a batch: the second is refused, even with --force
    code = main(["run", str(BASELINE), str(BASELINE), "--paths", "1000", "--out", str(tmp_path / "dup"), "--no-plots",
                 "--no-progress", "--force"])
    assert code == 1
    assert "two scenarios in this batch are named 'baseline'" in capsys.readouterr().err
    assert ac.load(tmp_path / "dup" / "baseline").n_paths == 1000


def test_run_a_folder_of_scenario_files(tmp_path, capsys):
    code = main(["run", str(ROOT / "scenarios"), "--paths", "1000", "--out", str(tmp_path), "--no-plots",
                 "--no-progress"])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    n = len(list((ROOT / "scenarios").glob("*.toml")))
    assert f"{n} of {n} runs written" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(empty), "--out", str(tmp_path / "x")]) == 3
    assert "holds no scenario files" in capsys.readouterr().err


def test_load_rejects_incomplete_folders(baseline_dir, tmp_path):
    def copy(name: str) -> Path:
        return Path(shutil.copytree(baseline_dir, tmp_path / name))

    no_manifest = copy("no_manifest")
    (no_manifest / "manifest.json").unlink()
    with pytest.raises(ValueError, match="no manifest.json"):
        ac.load(no_manifest)
    truncated = copy("truncated")
    raw = (truncated / "quantiles.parquet").read_bytes()
    (truncated / "quantiles.parquet").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="quantiles.parquet changed since it was written"):
        ac.load(truncated)
    missing = copy("missing")
    (missing / "events.parquet").unlink()
    with pytest.raises(ValueError, match="events.parquet is missing"):
        ac.load(missing)
    unfinished = copy("unfinished")
    m = json.loads((unfinished / "manifest.json").read_text())
    m["complete"] = False
    (unfinished / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ValueError, match="not marked complete"):
        ac.load(unfinished)
    half_manifest = copy("half_manifest")
    text = (half_manifest / "manifest.json").read_text()
    (half_manifest / "manifest.json").write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="unreadable manifest.json"):
        ac.load(half_manifest)
    with pytest.raises(ValueError, match="is not a folder"):
        ac.load(tmp_path / "nothing-here")


def test_keep_paths_writes_netcdf_that_loads_back(tmp_path):
    pytest.importorskip("scipy")
    sc = load_scenario(ROOT / "scenarios" / "price-war.toml")
    run_to_folder(sc, tmp_path / "war", paths=1500, keep_paths=True, plots=False)
    assert "paths.nc" in read_manifest(tmp_path / "war")["files"]
    res = ac.load(tmp_path / "war")
    direct = sc.run(paths=1500, keep_paths=True, progress=False)
    for s in direct.series:
        np.testing.assert_array_equal(res.paths(s), direct.paths(s))


def test_validate_and_show(baseline_dir, tmp_path, capsys):
    files = [str(p) for p in sorted((ROOT / "scenarios").glob("*.toml"))]
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: ") == len(files)
    bad = tmp_path / "bad.toml"
    bad.write_text('start = "2026-02"\nhorizon = "2030-12"\nseed = 1.5\n')
    assert main(["validate", files[0], str(bad)]) == 3
    err = capsys.readouterr().err
    assert "bad.toml: seed: must be a whole number, got number 1.5" in err
    assert "bad.toml: models: needs at least one model table" in err
    assert main(["validate", str(tmp_path / "missing.toml")]) == 3
    assert "missing.toml: cannot read the file: No such file or directory" in capsys.readouterr().err
    assert main(["show", str(baseline_dir)]) == 0
    out = capsys.readouterr().out
    assert "scenario 'baseline'" in out and "20,000 paths" in out
    assert "P(frontier_capability.price < 1 by 2027-12) = " in out and "HittingTime(open_capability.price < 0.1" in out
    assert "frontier_list.price: quantiles at each year's last month" in out
    assert main(["show", str(tmp_path)]) == 3
    assert "not a complete aicast result" in capsys.readouterr().err


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for line in ("0    every command succeeded", "3    invalid input", "4    an output folder exists", "130  interrupted",
                 "143  terminated"):
        assert line in text
    assert "--force" in text and "--threads" in text
    with pytest.raises(SystemExit) as info:
        main(["run", "--paths", "-3"])
    assert info.value.code == 2


def test_run_without_file_runs_the_default_scenario(tmp_path, capsys):
    assert main(["run", "--paths", "2000", "--out", str(tmp_path), "--no-progress"]) == 0
    assert (tmp_path / "default_fan.png").is_file()
    assert "P(frontier_capability.price < 1 by 2027-12)" in capsys.readouterr().out


# --- interrupting a batch -------------------------------------------------------------------


def _batch_files(tmp_path: Path) -> list[Path]:
    """A quick first scenario, then two slow ones (millions of paths)."""
    files = []
    for name, paths in (("first", 2000), ("slow1", 3_000_000), ("slow2", 3_000_000)):
        text = (ROOT / "scenarios" / "baseline.toml").read_text()
        text = text.replace('name = "baseline"', f'name = "{name}"').replace("paths = 200000", f"paths = {paths}")
        text = text.replace("plots = true", "plots = false")
        p = tmp_path / f"{name}.toml"
        p.write_text(text)
        files.append(p)
    return files


def _start_batch(tmp_path: Path, out: Path) -> subprocess.Popen:
    files = _batch_files(tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # the child installs Python's Ctrl-C handler itself: a child of a background job inherits
    # SIGINT ignored, and Python then leaves it ignored
    start = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
             "from aicast.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.Popen(
        [sys.executable, "-c", start, "run", *map(str, files), "--out", str(out), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"batch ended early: {proc.communicate()}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            proc.communicate()
            raise AssertionError("the first result never appeared")
        time.sleep(0.01)


def _wait_for_second_run(out: Path, proc: subprocess.Popen) -> None:
    """Until the second run has made its temporary folder (it then runs for seconds)."""
    t0 = time.monotonic()
    while not list(out.glob(".slow1.tmp-*/scenario.toml")):
        if proc.poll() is not None or time.monotonic() - t0 > 60:
            proc.kill()
            raise AssertionError(f"the second run never started: {proc.communicate()}")
        time.sleep(0.01)
    time.sleep(0.2)


def _check_after_interrupt(out: Path) -> None:
    assert ac.load(out / "first").n_paths == 2000
    for d in out.iterdir():
        if d.name == "first":
            continue
        try:
            res = ac.load(d)
        except ValueError as e:
            assert "not a complete aicast result" in str(e)
            assert d.name.startswith("."), d  # only hidden temporary folders may be partial
        else:  # a run that finished before the signal is complete and right
            assert d.name in ("slow1", "slow2") and res.n_paths == 3_000_000


def test_killed_batch_leaves_completed_results_and_nothing_partial(tmp_path):
    out = tmp_path / "out"
    proc = _start_batch(tmp_path, out)
    _wait_for(out / "first", proc)
    _wait_for_second_run(out, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    leftovers = [d for d in out.iterdir() if d.name.startswith(".slow1.tmp-")]
    assert leftovers, sorted(p.name for p in out.iterdir())  # the killed run's temporary folder
    assert (leftovers[0] / "scenario.toml").is_file()
    _check_after_interrupt(out)
    # the next run of that scenario cleans the dead run's temporary folder
    rerun = tmp_path / "slow1.toml"
    assert main(["run", str(rerun), "--paths", "1000", "--out", str(out), "--no-progress"]) == 0
    assert not [d for d in out.iterdir() if d.name.startswith(".slow1.tmp-")]
    assert ac.load(out / "slow1").n_paths == 1000


@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGINT, 130, b"interrupted"),
                                                     (signal.SIGTERM, 143, b"terminated")])
def test_ctrl_c_or_sigterm_stops_the_batch_cleanly(tmp_path, sig, code, word):
    out = tmp_path / "out"
    proc = _start_batch(tmp_path, out)
    _wait_for(out / "first", proc)
    _wait_for_second_run(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)  # generous: a loaded 2-core machine is slow to exit
    assert proc.returncode == code, err
    assert word in err
    assert sorted(d.name for d in out.iterdir()) == ["first"]  # the interrupted run removed its temporary folder
    _check_after_interrupt(out)


def test_write_result_of_a_python_scenario(tmp_path):
    sc = ac.Scenario(start="2026-02", horizon="2027-06", seed=4)
    sc.add(ac.PriceDecline("tier", start_price=3.0, annual_decline=ac.to(2, 20), volatility=ac.to(0.1, 0.4)))
    res = sc.run(paths=5000, progress=False, events=["tier.price < 0.5"], quantiles=[0.3])
    write_result(res, tmp_path / "py", plots=True)
    back = ac.load(tmp_path / "py")
    _raw_equal(res, back)
    assert back.series == ["tier.price"] and (tmp_path / "py" / "fan_tier.price.png").is_file()
    assert back.hitting_time("tier.price < 0.5").never == res.hitting_time("tier.price < 0.5").never
