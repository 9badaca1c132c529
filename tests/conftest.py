"""Shared fixtures. Every statistical test uses a fixed seed, so results never flake; the
tolerances are still derived from the sample size (a few standard errors)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _poisson_chisquare(x, mu, bins=60):
    """Chi-square p-value of Poisson(mu) draws x on bins of about equal probability (SciPy's pmf)."""
    from scipy import stats

    edges = np.unique(stats.poisson.ppf(np.linspace(0, 1, bins + 1)[1:-1], mu))
    observed = np.bincount(np.searchsorted(edges, x, side="right"), minlength=edges.size + 1)
    cdf = np.concatenate([[0.0], stats.poisson.cdf(edges - 1, mu), [1.0]])
    return stats.chisquare(observed, np.diff(cdf) * len(x)).pvalue


@pytest.fixture
def poisson_chisquare():
    """The chi-square goodness-of-fit p-value of draws against Poisson(mu): f(x, mu) -> p."""
    return _poisson_chisquare


def _doctests(*objects):
    """(failures, tries) of the docstring examples of modules or functions, run with ELLIPSIS."""
    import doctest

    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for obj in objects:
        for test in doctest.DocTestFinder().find(obj, getattr(obj, "__name__", None), globs={}):
            runner.run(test)
    return runner.failures, runner.tries


@pytest.fixture
def doctests():
    """Runs the docstring examples of modules or functions: f(*objects) -> (failures, tries)."""
    return _doctests
