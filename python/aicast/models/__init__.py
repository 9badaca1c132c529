"""The model families, one module each; every model is a C++ component with a Python class.

- :mod:`~aicast.models.price`: :class:`PriceDecline` (price of a fixed capability level), :class:`TierListPrice` (a tier's list price)
- :mod:`~aicast.models.leaderboard`: :class:`LeaderboardGap` and :func:`convergence_table`
- :mod:`~aicast.models.incidents`: :class:`IncidentGrowth`
- :mod:`~aicast.models.self_hosting`: :class:`SelfHosting`, :class:`TokenDemand` and their helpers
- :mod:`~aicast.models.workload`: :class:`Workload` (effective price of a token mix with prompt caching)

Defining a subclass of :class:`Model` registers it in :data:`MODEL_CLASSES` under its engine
kind, which is how scenario files find it.
"""

from __future__ import annotations

from ._base import MODEL_CLASSES, Model, dated, model_class
from .incidents import IncidentGrowth
from .leaderboard import LeaderboardGap, convergence_table
from .price import PriceDecline, TierListPrice
from .self_hosting import SelfHosting, TokenDemand
from .workload import Workload

__all__ = [
    "IncidentGrowth",
    "LeaderboardGap",
    "MODEL_CLASSES",
    "Model",
    "PriceDecline",
    "TierListPrice",
    "SelfHosting",
    "TokenDemand",
    "Workload",
    "convergence_table",
    "dated",
    "model_class",
]
