"""The aicast command."""

from __future__ import annotations

import pytest

from aicast.cli import main


def test_run_default_scenario(tmp_path, capsys):
    assert main(["run", "--paths", "20000", "--out", str(tmp_path), "--no-progress", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for s in ("frontier_capability.price", "mid_capability.price", "open_capability.price", "frontier_list.price",
              "mid_list.price", "open_list.price", "P(frontier_capability.price < 1 by 2027-12)", "HittingTime",
              "(a) Price of TODAY'S capability", "(b) List price of the BEST MODEL",
              "Data as of: capability prices (prices_epoch, Epoch AI) 2025-02", "data as of 2026-07"):
        assert s in out
    png = tmp_path / "default_fan.png"
    assert png.stat().st_size > 10_000


def test_usage_errors(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as e:
        main(["run", "--paths", "-5"])
    assert e.value.code == 2
    assert "expected a positive number, got -5" in capsys.readouterr().err
