"""Scenario files in TOML: load and validate (every problem at once), resolve ``extends``, save.

A scenario file holds everything a run needs::

    name = "baseline"                    # optional; default: the file name without .toml
    description = "..."                  # optional
    extends = "base.toml"                # optional; path relative to this file
    start = "2026-02"                    # first month of the grid
    horizon = "2030-12"                  # last month
    seed = 7                             # seed of the counter-based generator
    paths = 200000                       # default path count (``aicast run --paths`` overrides)

    [models.frontier]                    # one table per model; the table name is the model name
    kind = "price_decline"               # a key of aicast.models.MODEL_CLASSES
    start_price = 10.0                   # a number ...
    annual_decline = {to = [3, 30]}      # ... or a prior
    volatility = {lognormal = {mu = -1.2, sigma = 0.3}}

    [[correlations]]                     # Gaussian copula groups, one table each
    params = ["frontier.annual_decline", "mid.annual_decline"]
    correlation = 0.8                    # two members; or matrix = [[1, 0.8], [0.8, 1]]

    [data_as_of]                         # optional: how old the data behind the numbers are
    "frontier: price trend fit" = "2025-02"   # source = "YYYY-MM" or "YYYY-MM-DD"

    [outputs]
    quantiles = [0.05, 0.5, 0.95]        # computed besides the default levels
    events = ["frontier.price < 1", "frontier.price < 1 by 2027-12"]
    series = ["frontier.price"]          # fan charts to draw (default: every series)
    keep_paths = false                   # also write every path (NetCDF)
    plots = true                         # write fan-chart PNGs

The package is split along its seams: :mod:`~aicast.scenario_file.reading` (the checker that
collects problems, TOML reading, ``extends``), :mod:`~aicast.scenario_file.prior_toml` (priors
to and from TOML), :mod:`~aicast.scenario_file.correlations` (``[[correlations]]``),
:mod:`~aicast.scenario_file.build` (a Scenario from a checked document) and
:mod:`~aicast.scenario_file.writing` (:func:`dumps`, :func:`scenario_hash`).

The keys a model table accepts are the parameters of its Python class's ``__init__`` (besides
``name``), so a model added to :data:`aicast.models.MODEL_CLASSES` works in files without any
change here. A string value is passed as is: a link to another model in the form its class
accepts (``price = "frontier"`` for IncidentGrowth; ``"frontier"`` or ``"frontier.price"`` for
TokenDemand's ``price`` and SelfHosting's ``api_price``, which also takes a number or a prior: a
constant price; ``volume_per_month = "demand"`` for a TokenDemand's tokens), or an option such as LeaderboardGap's ``scale = "percent"``. A table
with a prior key becomes a :class:`~aicast.priors.Prior`. A parameter that may be None in
Python (IncidentGrowth's ``dispersion``, ``saturation``) is left out of the file for None.
IncidentGrowth's categories are one sub-table each::

    [models.aiid.categories.misuse]
    share = 0.3                          # a number; the shares sum to 1
    relative_growth = {to = [1.0, 1.5]}  # a number or a prior: moves the share, not the total

(or ``categories = {misuse = [0.3, {to = [1.0, 1.5]}], ...}``). In ``[[correlations]]`` a
category's growth is ``"aiid.categories.misuse.relative_growth"``. Models whose constructor
arguments are not kept under their own names are written by ``_ARG_WRITERS``; tables that need
checks beyond their parameters' types (categories) are checked by ``_MODEL_CHECKS``.

Priors
------
``3.5``  a point value; ``{point = 3.5}`` the same.
``{to = [3, 30]}``, ``{to = [3, 30], credibility = 0.8}``  from a central credible interval.
``{normal = {mu = 0, sigma = 1}}`` (or ``{normal = [0, 1]}``), likewise ``lognormal``
(mu, sigma), ``uniform`` (lo, hi), ``triangular`` (lo, mode, hi), ``pert`` (lo, mode, hi,
lam = 4), ``beta`` (a, b), ``gamma`` (shape, scale = 1), ``student_t`` (df, loc = 0, scale = 1).
``{truncate = <prior>, lo = 0, hi = inf}``  a prior conditioned to [lo, hi].
``{mixture = [<prior>, ...], weights = [...]}``  a mixture (weights default to equal).
``{empirical = [v1, v2, ...]}``  resample the given values.
``{data = "api_prices_2026-07", column = "blended_per_mtok", where = {model = [...]},
stat = "geomean"}``  a number computed from a shipped data table (stat: ``value`` (exactly
one row), ``mean``, ``geomean``, ``median``, ``min``, ``max``); the table's hash goes into
the run manifest and the resolved number into the saved scenario.

Files are UTF-8 (a leading byte order mark is ignored), at most 1 MiB, nested at most 48 tables
or arrays deep. Every problem is collected (the first 200 are kept, the rest counted) and
:class:`ScenarioFileError` shows the first 20; a problem in a file that the loaded one extends
names both (``base.toml (extended by child.toml): key: ...``).

``extends``: the file's tables are merged over the parent's, key by key: a model table
overrides only the parameters it names, ``outputs`` only the keys it names; ``correlations``
and every other key replace the parent's value (a model's ``categories`` too: it is one
parameter). A model table ``{remove = true}`` drops an inherited model.
"""

from __future__ import annotations

from .build import Outputs, load_scenario, validate_files
from .prior_toml import PRIOR_FAMILIES, prior_from_toml, prior_to_toml
from .reading import Problem, ScenarioFileError
from .writing import dumps, scenario_hash

__all__ = [
    "PRIOR_FAMILIES",
    "Outputs",
    "Problem",
    "ScenarioFileError",
    "dumps",
    "load_scenario",
    "prior_from_toml",
    "prior_to_toml",
    "scenario_hash",
    "validate_files",
]
