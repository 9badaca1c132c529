"""Shared fixtures. Every statistical test uses a fixed seed, so results never flake; the
tolerances are still derived from the sample size (a few standard errors)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
