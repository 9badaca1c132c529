"""Analysis built on runs: common-random-numbers comparison, Sobol sensitivity, sweeps and
runs split across Dask workers.

Streams are keyed by seed, model name, parameter name and path, so a variant shares every
stream it can with its base, and any block of paths can be run anywhere.
"""

from __future__ import annotations

from .comparison import Comparison, compare
from .distributed import run_distributed
from .sobol_analysis import SobolResult, sensitivity, sobol
from .sweeps import sweep

__all__ = ["Comparison", "SobolResult", "compare", "run_distributed", "sensitivity", "sobol", "sweep"]
