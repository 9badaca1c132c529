"""The aicast command."""

from __future__ import annotations

import pytest

from aicast.cli import main


def test_run_default_scenario(tmp_path, capsys):
    assert main(["run", "--paths", "20000", "--out", str(tmp_path), "--no-progress", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for s in ("frontier.price", "mid.price", "open.price", "P(frontier.price < 1 by 2027-12)", "HittingTime"):
        assert s in out
    png = tmp_path / "default_fan.png"
    assert png.stat().st_size > 10_000


def test_usage_errors(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as e:
        main(["run", "--paths", "-5"])
    assert e.value.code == 2
    assert "expected a positive number, got -5" in capsys.readouterr().err
