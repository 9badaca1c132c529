"""The package type-checks: ``mypy python/aicast`` (settings in pyproject.toml) finds no issues.

mypy is a test dependency; the test is skipped only where it is missing (e.g. a bare install).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_clean():
    pytest.importorskip("mypy")
    if not (ROOT / "python" / "aicast").is_dir() or not (ROOT / "pyproject.toml").is_file():
        pytest.skip("needs the source tree")
    proc = subprocess.run([sys.executable, "-m", "mypy", "python/aicast"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout
