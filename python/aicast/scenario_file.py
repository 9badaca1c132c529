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

    [outputs]
    quantiles = [0.05, 0.5, 0.95]        # computed besides the default levels
    events = ["frontier.price < 1", "frontier.price < 1 by 2027-12"]
    series = ["frontier.price"]          # fan charts to draw (default: every series)
    keep_paths = false                   # also write every path (NetCDF)
    plots = true                         # write fan-chart PNGs

The keys a model table accepts are the parameters of its Python class's ``__init__`` (besides
``name``), so a model added to :data:`aicast.models.MODEL_CLASSES` works in files without any
change here. A string value is passed as is: a link to another model in the form its class
accepts (``price = "frontier"`` for IncidentGrowth; ``"frontier"`` or ``"frontier.price"`` for
TokenDemand's ``price`` and SelfHosting's ``api_price``; ``volume_per_month = "demand"`` for a
TokenDemand's tokens), or an option such as LeaderboardGap's ``scale = "percent"``. A table
with a prior key becomes a :class:`~aicast.priors.Prior`. A parameter that may be None in
Python (IncidentGrowth's ``dispersion``, ``saturation``) is left out of the file for None.
IncidentGrowth's categories are one sub-table each::

    [models.aiid.categories.misuse]
    share = 0.3                          # a number; the shares sum to 1
    annual_growth = {to = [1.5, 3.0]}    # a number or a prior

(or ``categories = {misuse = [0.3, {to = [1.5, 3.0]}], ...}``). In ``[[correlations]]`` a
category's growth is ``"aiid.categories.misuse.annual_growth"``. Models whose constructor
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

``extends``: the file's tables are merged over the parent's, key by key: a model table
overrides only the parameters it names, ``outputs`` only the keys it names; ``correlations``
and every other key replace the parent's value (a model's ``categories`` too: it is one
parameter). A model table ``{remove = true}`` drops an inherited model.
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsFloat, TypeGuard

import numpy as np
import numpy.typing as npt

from . import _engine
from . import priors as _p
from ._months import parse_month
from .models import MODEL_CLASSES, Model
from .priors import Prior

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "Outputs",
    "Problem",
    "ScenarioFileError",
    "dumps",
    "load_scenario",
    "prior_from_toml",
    "prior_to_toml",
    "validate_files",
]

_TOP_KEYS = ("extends", "name", "description", "start", "horizon", "seed", "paths", "models",
             "correlations", "outputs")
_OUTPUT_KEYS = ("quantiles", "events", "series", "keep_paths", "plots")
_CORR_KEYS = ("params", "correlation", "matrix")

#: Prior families written as ``{family = {param = value, ...}}``: parameter names and defaults.
PRIOR_FAMILIES: dict[str, tuple[tuple[str, float | None], ...]] = {
    "normal": (("mu", None), ("sigma", None)),
    "lognormal": (("mu", None), ("sigma", None)),
    "uniform": (("lo", None), ("hi", None)),
    "triangular": (("lo", None), ("mode", None), ("hi", None)),
    "pert": (("lo", None), ("mode", None), ("hi", None), ("lam", 4.0)),
    "beta": (("a", None), ("b", None)),
    "gamma": (("shape", None), ("scale", 1.0)),
    "student_t": (("df", None), ("loc", 0.0), ("scale", 1.0)),
}
_PRIOR_KEYS = ("point", "to", "truncate", "mixture", "empirical", "data", *PRIOR_FAMILIES)
_PRIOR_EXTRA = {"to": ("credibility",), "truncate": ("lo", "hi"), "mixture": ("weights",),
                "data": ("column", "where", "stat")}
_STATS = ("value", "mean", "geomean", "median", "min", "max")
_EVENT_BY = re.compile(r"^(.*\S)\s+by\s+(\S+)\s*$")


# --- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file: the file, the key path (``models.frontier.seed``) and what is wrong."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}" if self.key else f"{self.file}: {self.message}"


class ScenarioFileError(ValueError):
    """A scenario file is invalid; ``problems`` lists every problem found (file, key path, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = "1 problem" if n == 1 else f"{n} problems"
        super().__init__(f"{head} in scenario file:\n" + "\n".join(f"  {p}" for p in self.problems))


class _Checker:
    """Collects problems; ``origin`` maps key paths to the file that set them (for ``extends``)."""

    def __init__(self, origins: dict[str, str], default_file: str) -> None:
        self.problems: list[Problem] = []
        self.origins = origins
        self.default_file = default_file

    def file_of(self, key: str) -> str:
        cuts = [m.start() for m in re.finditer(r"[.\[]", key)] + [len(key)]
        for n in reversed(cuts):
            if key[:n] in self.origins:
                return self.origins[key[:n]]
        return self.default_file

    def error(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file_of(key), key, message))

    def unknown(self, key: str, name: str, allowed: Iterable[str], what: str = "key") -> None:
        allowed = list(allowed)
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(allowed)})"
        self.error(key, f"unknown {what} {name!r}{hint}")


def _join(*parts: str | int) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out = f"{out}.{p}" if out else p
    return out


def _describe(v: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "table"}
    return f"{names.get(type(v), type(v).__name__)} {_short(v)}"


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def _is_number(v: Any) -> TypeGuard[int | float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# --- reading and extends -------------------------------------------------------------------


def _read_toml(path: Path, text: str | None, chk: _Checker, key: str = "") -> dict[str, Any] | None:
    label = str(path)
    try:
        raw = path.read_text(encoding="utf-8") if text is None else text
    except OSError as e:
        chk.problems.append(Problem(label, key, f"cannot read the file: {e.strerror or e}"))
        return None
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        chk.problems.append(Problem(label, "", f"not valid TOML: {e}"))
        return None


def _merge(base: dict[str, Any], over: dict[str, Any], origins: dict[str, str], file: str) -> dict[str, Any]:
    """``over`` merged onto ``base`` (see the module docstring); records the origin of each key."""
    out = dict(base)
    for k, v in over.items():
        if k == "models" and isinstance(v, dict) and isinstance(base.get(k), dict):
            models = dict(base[k])
            for name, table in v.items():
                kp = f"models.{name}"
                if isinstance(table, dict) and table.get("remove") is True and len(table) == 1:
                    models.pop(name, None)
                    for o in [o for o in origins if o == kp or o.startswith(kp + ".")]:
                        del origins[o]
                    continue
                if isinstance(table, dict) and isinstance(models.get(name), dict):
                    # a changed kind starts the table afresh
                    if "kind" in table and table["kind"] != models[name].get("kind"):
                        models[name] = dict(table)
                        origins[kp] = file
                    else:
                        models[name] = {**models[name], **table}
                    for p in table:
                        origins[f"{kp}.{p}"] = file
                else:
                    models[name] = table
                    origins[kp] = file
            out[k] = models
        elif k == "outputs" and isinstance(v, dict) and isinstance(base.get(k), dict):
            out[k] = {**base[k], **v}
            for p in v:
                origins[f"outputs.{p}"] = file
        else:
            out[k] = v
            origins[k] = file
            for o in [o for o in origins if o.startswith(k + ".")]:
                origins[o] = file
    return out


def _load_doc(path: Path, text: str | None, chk: _Checker, stack: list[Path]) -> dict[str, Any] | None:
    doc = _read_toml(path, text, chk)
    if doc is None:
        return None
    label = str(path)
    for k in doc:
        chk.origins.setdefault(k, label)
    ext = doc.pop("extends", None)
    if ext is None:
        return doc
    if not isinstance(ext, str):
        chk.problems.append(Problem(label, "extends", f"must be a path (string), got {_describe(ext)}"))
        return None
    parent = (path.parent / ext).resolve()
    if parent in stack:
        chain = " -> ".join(p.name for p in [*stack, parent])
        chk.problems.append(Problem(label, "extends", f"cycle in extends: {chain}"))
        return None
    if not parent.is_file():
        chk.problems.append(Problem(label, "extends", f"no such file {ext!r} (looked for {parent})"))
        return None
    origins: dict[str, str] = {}
    sub = _Checker(origins, str(parent))
    base = _load_doc(parent, None, sub, [*stack, parent])
    chk.problems.extend(sub.problems)
    if base is None:
        return None
    merged = _merge(base, doc, origins, label)
    chk.origins.clear()
    chk.origins.update(origins)
    return merged


# --- priors --------------------------------------------------------------------------------


def _check_nan(v: Any, key: str, chk: _Checker) -> bool:
    """True (and a problem recorded) if ``v`` holds a NaN anywhere."""
    if isinstance(v, float) and math.isnan(v):
        chk.error(key, "must be a number, got nan")
        return True
    if isinstance(v, dict):
        return any([_check_nan(x, _join(key, k), chk) for k, x in v.items()])
    if isinstance(v, list):
        return any([_check_nan(x, _join(key, i), chk) for i, x in enumerate(v)])
    return False


def _num(v: Any, key: str, chk: _Checker) -> float | None:
    if not _is_number(v):
        chk.error(key, f"must be a number, got {_describe(v)}")
        return None
    return float(v)


def _is_prior_table(v: Any) -> bool:
    return isinstance(v, dict) and any(k in _PRIOR_KEYS for k in v)


def prior_from_toml(value: Any, key: str = "prior", *, _chk: _Checker | None = None,
                    _tables: dict[str, str] | None = None) -> Prior | None:
    """A :class:`Prior` from its TOML form (a number or a table, see the module docstring).

    Raises
    ------
    ScenarioFileError
        Naming ``key`` and the bad value (when called directly).
    """
    chk = _chk or _Checker({}, "<prior>")
    n0 = len(chk.problems)
    out = _prior(value, key, chk, _tables if _tables is not None else {})
    if _chk is None and len(chk.problems) > n0:
        raise ScenarioFileError(chk.problems)
    return out


def _prior(v: Any, key: str, chk: _Checker, tables: dict[str, str]) -> Prior | None:
    if _check_nan(v, key, chk):
        return None
    if _is_number(v):
        if not math.isfinite(v):
            chk.error(key, f"must be finite, got {v!r}")
            return None
        return _p.point(float(v))
    if not isinstance(v, dict):
        chk.error(key, f"must be a number or a prior table such as {{to = [3, 30]}}, got {_describe(v)}")
        return None
    fams = [k for k in v if k in _PRIOR_KEYS]
    if len(fams) != 1:
        if not fams:
            bad = next(iter(v), "")
            chk.unknown(_join(key, bad) if bad else key, bad, _PRIOR_KEYS, "prior family")
        else:
            chk.error(key, f"a prior table names exactly one family, got {', '.join(fams)}")
        return None
    fam = fams[0]
    allowed = (fam, *_PRIOR_EXTRA.get(fam, ()))
    extra = [k for k in v if k not in allowed]
    for k in extra:
        chk.unknown(_join(key, k), k, allowed)
    if extra:
        return None
    arg = v[fam]
    fkey = _join(key, fam)
    try:
        if fam == "point":
            x = _num(arg, fkey, chk)
            return None if x is None else _p.point(x)
        if fam == "to":
            if not (isinstance(arg, list) and len(arg) == 2):
                chk.error(fkey, f"must be [lo, hi], got {_describe(arg)}")
                return None
            lo, hi = _num(arg[0], _join(fkey, 0), chk), _num(arg[1], _join(fkey, 1), chk)
            cred = _num(v.get("credibility", 0.9), _join(key, "credibility"), chk)
            if lo is None or hi is None or cred is None:
                return None
            if not lo < hi:
                chk.error(fkey, f"lo must be below hi, got [{lo:g}, {hi:g}]")
                return None
            return _p.to(lo, hi, cred)
        if fam in PRIOR_FAMILIES:
            spec = PRIOR_FAMILIES[fam]
            names = [n for n, _ in spec]
            if isinstance(arg, list):
                if not (sum(d is None for _, d in spec) <= len(arg) <= len(spec)):
                    chk.error(fkey, f"must list {', '.join(names)}, got {_describe(arg)}")
                    return None
                arg = dict(zip(names, arg))
            if not isinstance(arg, dict):
                chk.error(fkey, f"must be a table {{{', '.join(n + ' = ...' for n in names)}}}, got {_describe(arg)}")
                return None
            ok = True
            for k in arg:
                if k not in names:
                    chk.unknown(_join(fkey, k), k, names)
                    ok = False
            vals: list[float] = []  # complete when ok
            for n, d in spec:
                if n not in arg:
                    if d is None:
                        chk.error(_join(fkey, n), f"is required by {fam}")
                        ok = False
                    else:
                        vals.append(d)
                    continue
                x = _num(arg[n], _join(fkey, n), chk)
                if x is None:
                    ok = False
                else:
                    vals.append(x)
            if not ok:
                return None
            if fam in ("uniform", "triangular", "pert") and not vals[0] < vals[-1 if fam == "uniform" else 2]:
                hi_i = 1 if fam == "uniform" else 2
                chk.error(fkey, f"lo must be below hi, got lo={vals[0]:g}, hi={vals[hi_i]:g}")
                return None
            return getattr(_p, fam)(*vals)
        if fam == "truncate":
            base = _prior(arg, fkey, chk, tables)
            lo = _num(v.get("lo", -math.inf), _join(key, "lo"), chk)
            hi = _num(v.get("hi", math.inf), _join(key, "hi"), chk)
            if base is None or lo is None or hi is None:
                return None
            if not lo < hi:
                chk.error(key, f"lo must be below hi, got lo={lo:g}, hi={hi:g}")
                return None
            return _p.truncate(base, lo, hi)
        if fam == "mixture":
            if not (isinstance(arg, list) and arg):
                chk.error(fkey, f"must be a non-empty array of priors, got {_describe(arg)}")
                return None
            comps = [_prior(c, _join(fkey, i), chk, tables) for i, c in enumerate(arg)]
            w = v.get("weights")
            weights = None
            if w is not None:
                if not (isinstance(w, list) and len(w) == len(arg)):
                    chk.error(_join(key, "weights"), f"must be an array of {len(arg)} numbers, got {_describe(w)}")
                    return None
                ws = [_num(x, _join(key, "weights", i), chk) for i, x in enumerate(w)]
                weights = [x for x in ws if x is not None]
                if len(weights) != len(ws):
                    return None
            components = [c for c in comps if c is not None]
            if len(components) != len(comps):
                return None
            return _p.mixture(components, weights)
        if fam == "empirical":
            if not (isinstance(arg, list) and arg):
                chk.error(fkey, f"must be a non-empty array of numbers, got {_describe(arg)}")
                return None
            xs = [_num(x, _join(fkey, i), chk) for i, x in enumerate(arg)]
            values = [x for x in xs if x is not None]
            if len(values) != len(xs):
                return None
            return _p.empirical(values)
        if fam == "data":
            x = _data_value(v, key, chk, tables)
            return None if x is None else _p.point(x)
    except (ValueError, TypeError) as e:
        chk.error(key, str(e))
        return None
    raise AssertionError(fam)  # pragma: no cover


def _data_value(v: dict[str, Any], key: str, chk: _Checker, tables: dict[str, str]) -> float | None:
    from . import data

    name = v["data"]
    if not isinstance(name, str) or name not in data.list_tables():
        if isinstance(name, str):
            chk.unknown(_join(key, "data"), name, data.list_tables(), "data table")
        else:
            chk.error(_join(key, "data"), f"must be a table name, got {_describe(name)}")
        return None
    df = data.load(name)
    col = v.get("column")
    if not isinstance(col, str) or col not in df.columns:
        if isinstance(col, str):
            chk.unknown(_join(key, "column"), col, df.columns, "column")
        else:
            chk.error(_join(key, "column"), f"must name a column of {name}, got {_describe(col)}")
        return None
    where = v.get("where", {})
    if not isinstance(where, dict):
        chk.error(_join(key, "where"), f"must be a table {{column = value or [values]}}, got {_describe(where)}")
        return None
    mask = np.ones(len(df), dtype=bool)
    for c, want in where.items():
        if c not in df.columns:
            chk.unknown(_join(key, "where", c), c, df.columns, "column")
            return None
        wants = want if isinstance(want, list) else [want]
        missing = [w for w in wants if not (df[c] == w).any()]
        if missing:
            chk.error(_join(key, "where", c), f"no row of {name} has {c} = {_short(missing[0])}")
            return None
        mask &= df[c].isin(wants).to_numpy()
    stat = v.get("stat", "value")
    if stat not in _STATS:
        chk.unknown(_join(key, "stat"), str(stat), _STATS, "stat")
        return None
    vals = df.loc[mask, col].astype(float).to_numpy()
    if stat == "value" and len(vals) != 1:
        chk.error(key, f"stat 'value' needs exactly one row of {name}, got {len(vals)}; narrow 'where' or use a stat")
        return None
    if len(vals) == 0 or not np.all(np.isfinite(vals)):
        chk.error(key, f"no finite {col} values in the selected rows of {name}")
        return None
    if stat == "geomean" and np.any(vals <= 0):
        chk.error(key, f"geomean needs positive values of {col}")
        return None
    stats: dict[str, Callable[[npt.NDArray[np.float64]], SupportsFloat]] = {
        "value": lambda a: a[0], "mean": np.mean, "median": np.median, "min": np.min, "max": np.max,
        "geomean": lambda a: math.exp(math.fsum(math.log(t) for t in a) / len(a))}
    x = stats[stat](vals)
    tables[name] = data.table_hash(name)
    return float(x)


# --- writing priors ------------------------------------------------------------------------


def _same_core(a: Any, b: Any) -> bool:
    """Exact equality of two engine priors (family, parameters, weights, components; not copulas)."""
    if a.kind != b.kind or list(a.params) != list(b.params) or list(a.weights) != list(b.weights):
        return False
    ca, cb = list(a.components), list(b.components)
    return len(ca) == len(cb) and all(_same_core(x, y) for x, y in zip(ca, cb))


def _from_to_text(p: Prior) -> dict[str, Any] | None:
    """``{to = [lo, hi]}`` when the prior was built by ``to`` and that form rebuilds it exactly."""
    text = p._text
    if not text or not text.startswith("to("):
        return None
    m = re.match(r"^to\(([^,]+), ([^,)]+)(?:, credibility=([^)]+))?\)$", text)
    if not m:
        return None
    cred = float(m.group(3)) if m.group(3) else 0.9
    core = p._core
    lo_q, hi_q = (1 - cred) / 2, (1 + cred) / 2
    candidates = [(float(m.group(1)), float(m.group(2)))]
    candidates.append((float(core.ppf(np.array([lo_q]))[0]), float(core.ppf(np.array([hi_q]))[0])))
    for lo, hi in candidates:
        try:
            trial = _engine.Prior.from_interval(lo, hi, cred)
        except ValueError:
            continue
        if _same_core(trial, core.marginal() if core.correlation is not None else core):
            out: dict[str, Any] = {"to": [_intish(lo), _intish(hi)]}
            if cred != 0.9:
                out["credibility"] = cred
            return out
    return None


def _intish(x: float) -> float | int:
    """Whole numbers as ints (``[3, 30]`` reads better than ``[3.0, 30.0]``; same value)."""
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def prior_to_toml(p: Prior | float) -> Any:
    """The TOML form of a prior (a number or a nested dict) that :func:`prior_from_toml` rebuilds exactly.

    A correlated prior is written as its marginal; its group goes into ``[[correlations]]``.
    """
    if not isinstance(p, Prior):
        return p
    core = p._core
    if core.correlation is not None:
        p = p.marginal()
        core = p._core
    t = _from_to_text(p)
    if t is not None:
        return t
    return _core_to_toml(core)


def _normalize(w: list[float]) -> list[float]:
    """The engine's normalization of mixture weights (sequential sum, then division)."""
    total = 0.0
    for x in w:
        total += x
    return [x / total for x in w]


def _exact_weights(t: list[float]) -> list[float]:
    """Weights whose normalization gives ``t`` bit for bit.

    Normalized weights rarely sum to exactly 1, so normalizing them again can move a weight
    by an ulp. This tries scalings of ``t``, then totals ``T`` with weights ``w_i / T == t_i``
    exactly, nudging the largest weight until the running sum lands on ``T`` (a deterministic
    search; in 20,000 random weight vectors spanning up to 10^7 it failed 5 times, all with
    weights spanning four or more orders of magnitude, and then raises).
    """
    import random

    t = [float(x) for x in t]
    if _normalize(t) == t:
        return t

    def near(x: float, k: int = 4) -> list[float]:
        out, lo, hi = [x], x, x
        for _ in range(k):
            lo, hi = math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)
            out += [lo, hi]
        return out

    rng = random.Random(0)
    for c in [1.0 + k * 2.0**-52 for k in range(-16, 17)] + [rng.uniform(1.0, 2.0) for _ in range(200)]:
        if _normalize([x * c for x in t]) == t:  # a scaling often works
            return [x * c for x in t]
    big = max(range(len(t)), key=lambda i: t[i])  # the weight whose ulp moves the sum finely
    for _ in range(2000):
        total = rng.uniform(1.0, 2.0)
        w: list[float] = []
        for x in t:
            wx = next((v for v in near(x * total) if v >= 0 and v / total == x), None)
            if wx is None:
                break
            w.append(wx)
        else:
            for v in near(w[big], 16):
                trial = [*w[:big], v, *w[big + 1:]]
                if _normalize(trial) == t:
                    return trial
    raise ValueError(f"to_toml: cannot find mixture weights that normalize exactly to {t}")  # pragma: no cover


def _core_to_toml(core: Any) -> Any:
    kind, params = core.kind, [float(x) for x in core.params]
    if kind == "point":
        return params[0]
    if kind in PRIOR_FAMILIES:
        names = [n for n, _ in PRIOR_FAMILIES[kind]]
        return {kind: dict(zip(names, params))}
    if kind == "truncated":
        (base,) = list(core.components)
        return {"truncate": _core_to_toml(base), "lo": params[0], "hi": params[1]}
    if kind == "mixture":
        return {"mixture": [_core_to_toml(c) for c in core.components], "weights": _exact_weights(list(core.weights))}
    if kind == "empirical":
        return {"empirical": [float(w) for w in core.weights]}
    raise ValueError(f"cannot write a prior of kind {kind!r} to TOML")  # pragma: no cover


# --- the scenario --------------------------------------------------------------------------


@dataclass
class Outputs:
    """What a run from a file computes and writes (the ``[outputs]`` table)."""

    quantiles: list[float] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    series: list[str] | None = None
    keep_paths: bool = False
    plots: bool = True

    def parsed_events(self) -> list[tuple[str, str | None]]:
        """``(event, by)`` pairs; ``by`` is None when no month was given."""
        out = []
        for e in self.events:
            m = _EVENT_BY.match(e)
            out.append((m.group(1), m.group(2)) if m else (e, None))
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.quantiles:
            d["quantiles"] = list(self.quantiles)
        if self.events:
            d["events"] = list(self.events)
        if self.series is not None:
            d["series"] = list(self.series)
        d["keep_paths"] = self.keep_paths
        d["plots"] = self.plots
        return d


def _ctor_params(cls: type[Model]) -> dict[str, inspect.Parameter]:
    sig = inspect.signature(cls.__init__)
    return {
        n: p for n, p in sig.parameters.items()
        if n not in ("self", "name") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def _convert(v: Any, key: str, chk: _Checker, tables: dict[str, str]) -> Any:
    """A model argument from TOML: prior tables become priors, nested tables/arrays recursively."""
    if _is_prior_table(v):
        return _prior(v, key, chk, tables)
    if isinstance(v, float) and math.isnan(v):
        chk.error(key, "must be a number, got nan")
        return None
    if isinstance(v, dict):
        return {k: _convert(x, _join(key, k), chk, tables) for k, x in v.items()}
    if isinstance(v, list):
        return [_convert(x, _join(key, i), chk, tables) for i, x in enumerate(v)]
    return v


def _prior_only(param: inspect.Parameter) -> bool:
    """True for a parameter annotated as a prior or number only (``Prior | float``)."""
    ann = param.annotation
    text = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
    if ann is inspect.Parameter.empty or "Prior" not in text:
        return False
    return not re.search(r"\b(str|Any|Mapping|dict|Sequence|list|None)\b", text)


def _blame(message: str, names: Iterable[str]) -> str | None:
    """The parameter an error message names (longest first, whole words)."""
    for n in sorted(names, key=len, reverse=True):
        if re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", message):
            return n
    return None


def _int(v: Any, key: str, chk: _Checker, lo: int, hi: int | None = None) -> int | None:
    if isinstance(v, bool) or not isinstance(v, int):
        chk.error(key, f"must be a whole number, got {_describe(v)}")
        return None
    if v < lo or (hi is not None and v >= hi):
        chk.error(key, f"must be {'positive' if lo == 1 else f'at least {lo}'}"
                       f"{'' if hi is None else ' and below 2**64'}, got {v}")
        return None
    return v


def _allows_none(param: inspect.Parameter) -> bool:
    """True for a parameter annotated as possibly None (``Prior | float | None``)."""
    ann = param.annotation
    text = ann if isinstance(ann, str) else str(ann)
    return bool(re.search(r"\bNone\b|Optional", text))


def _link_param(m: Model, link_key: str, target: str, table: Mapping[str, Any]) -> str:
    """The key of the model table that set a link (``volume_per_month`` for SelfHosting's
    ``volume`` link), found from the table's string values; else ``links.<key>``."""
    ctor = _ctor_params(type(m))
    if link_key in ctor:
        return link_key
    for k, v in table.items():
        if k in ctor and isinstance(v, str) and (v == target or target.split(".")[0] == v):
            return k
    return _join("links", link_key)


def _check_categories(table: Mapping[str, Any], mkey: str, chk: _Checker) -> None:
    """IncidentGrowth's ``categories``: ``{name = {share = <number>, annual_growth = <prior>}}``
    (or ``name = [share, annual_growth]``), checked key by key so errors name the path."""
    cats = table.get("categories")
    if cats is None:
        if "category_concentration" in table:
            chk.error(_join(mkey, "category_concentration"), "needs categories")
        return
    ckey = _join(mkey, "categories")
    if not isinstance(cats, dict) or not cats:
        chk.error(ckey, "must be a table of categories such as {misuse = {share = 0.3, annual_growth = 2.0}}, "
                        f"got {_describe(cats)}")
        return
    fields = ("share", "annual_growth")
    total, ok = 0.0, True
    for cat, spec in cats.items():
        key = _join(ckey, cat)
        if not re.match(r"^[A-Za-z0-9_]+$", cat):
            chk.error(key, f"a category name must be letters, digits and _, got {cat!r}")
            ok = False
        if isinstance(spec, list):
            if len(spec) != 2:
                chk.error(key, f"must be [share, annual_growth], got {_describe(spec)}")
                ok = False
                continue
            spec = dict(zip(fields, spec))
        elif not isinstance(spec, dict):
            chk.error(key, f"must be a table {{share = ..., annual_growth = ...}}, got {_describe(spec)}")
            ok = False
            continue
        for k in spec:
            if k not in fields:
                chk.unknown(_join(key, k), k, fields)
                ok = False
        for k in fields:
            if k not in spec:
                chk.error(_join(key, k), "is required")
                ok = False
        share = spec.get("share")
        if "share" in spec:
            if not _is_number(share) or not math.isfinite(share) or share <= 0:
                chk.error(_join(key, "share"), f"must be a positive number (shares are not uncertain), got "
                                               f"{_describe(share)}")
                ok = False
            else:
                total += float(share)
    if ok and not math.isclose(total, 1.0, rel_tol=0.0, abs_tol=1e-9):
        chk.error(ckey, f"shares must sum to 1, got {total:.12g}")


#: Checks of model tables beyond their parameters' types, by model kind (key paths in errors).
_MODEL_CHECKS: dict[str, Any] = {"incident_growth": _check_categories}


def _build(doc: dict[str, Any], chk: _Checker, default_name: str) -> Scenario | None:
    from .scenario import Scenario, parse_event

    for k in doc:
        if k not in _TOP_KEYS:
            chk.unknown(k, k, [t for t in _TOP_KEYS if t != "extends"])
    for k in ("start", "horizon"):
        if k not in doc:
            chk.error(k, "is required (a month like '2026-02')")
    months = {}
    for k in ("start", "horizon"):
        if k in doc:
            if not isinstance(doc[k], str):
                chk.error(k, f"must be a month like '2026-02' (a string), got {_describe(doc[k])}")
                continue
            try:
                months[k] = parse_month(doc[k], k)
            except ValueError as e:
                chk.error(k, str(e))
    if len(months) == 2 and months["horizon"] < months["start"]:
        chk.error("horizon", f"must not be before start, got start={months['start']}, horizon={months['horizon']}")
        months.clear()
    seed = _int(doc.get("seed", 0), "seed", chk, 0, 2**64)
    paths = _int(doc["paths"], "paths", chk, 1) if "paths" in doc else None
    name = doc.get("name", default_name)
    if not isinstance(name, str) or not re.match(r"^[\w][\w.\-]*$", name):
        chk.error("name", f"must be a simple name (letters, digits, _ . -), got {_describe(name)}")
    desc = doc.get("description", "")
    if not isinstance(desc, str):
        chk.error("description", f"must be a string, got {_describe(desc)}")

    tables: dict[str, str] = {}
    # models: convert every argument first (priors), then correlations, then build
    models_doc = doc.get("models", {})
    if not isinstance(models_doc, dict) or not models_doc:
        chk.error("models", "needs at least one model table, e.g. [models.frontier] kind = \"price_decline\"")
        models_doc = {}
    args: dict[str, dict[str, Any]] = {}
    classes: dict[str, type[Model]] = {}
    for mname, table in models_doc.items():
        mkey = _join("models", mname)
        if not isinstance(table, dict):
            chk.error(mkey, f"must be a table with kind = \"...\", got {_describe(table)}")
            continue
        if not re.match(r"^[A-Za-z_]\w*$", mname):
            chk.error(mkey, f"a model name must be letters, digits and _ (not starting with a digit), got {mname!r}")
            continue
        kind = table.get("kind")
        if kind is None:
            chk.error(_join(mkey, "kind"), f"is required (one of: {', '.join(sorted(MODEL_CLASSES))})")
            continue
        if not isinstance(kind, str) or kind not in MODEL_CLASSES:
            chk.unknown(_join(mkey, "kind"), str(kind), sorted(MODEL_CLASSES), "model kind")
            continue
        cls = MODEL_CLASSES[kind]
        params = _ctor_params(cls)
        a: dict[str, Any] = {}
        ok = True
        for k, v in table.items():
            if k == "kind":
                continue
            if k not in params:
                chk.unknown(_join(mkey, k), k, ["kind", *params], f"parameter of {cls.__name__}")
                ok = False
                continue
            n0 = len(chk.problems)
            if _prior_only(params[k]):
                a[k] = _prior(v, _join(mkey, k), chk, tables)
            else:
                a[k] = _convert(v, _join(mkey, k), chk, tables)
            ok = ok and len(chk.problems) == n0
        for k, p in params.items():
            if p.default is inspect.Parameter.empty and k not in table:
                if _allows_none(p):
                    a[k] = None  # TOML has no null: leaving out a parameter that may be None means None
                    continue
                chk.error(_join(mkey, k), f"is required by {cls.__name__}")
                ok = False
        check = _MODEL_CHECKS.get(kind)
        if check is not None and ok:
            n0 = len(chk.problems)
            check(table, mkey, chk)
            ok = len(chk.problems) == n0
        if ok:
            args[mname] = a
            classes[mname] = cls

    _apply_correlations(doc.get("correlations", []), args, classes, models_doc, chk)

    models: list[Model] = []
    for mname, a in args.items():
        cls = classes[mname]
        mkey = _join("models", mname)
        try:
            models.append(cls(mname, **a))
        except (ValueError, TypeError) as e:
            who = _blame(str(e), _ctor_params(cls))
            chk.error(_join(mkey, who) if who else mkey, str(e))

    # links: every linked series must be published by some model (unless that model is broken)
    published = {s: m.name for m in models for s in m.series}
    broken = {str(n) for n in models_doc} - {m.name for m in models}
    for m in models:
        for link_key, target in m.links.items():
            if target not in published and target.split(".")[0] not in broken:
                key = _join("models", m.name, _link_param(m, link_key, target, models_doc.get(m.name, {})))
                close = difflib.get_close_matches(target, list(published), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (series: {', '.join(published) or 'none'})"
                chk.error(key, f"links to {target!r}, which no model publishes{hint}")

    outputs = _outputs(doc.get("outputs", {}), published, months, chk, parse_event, broken)
    if chk.problems:
        return None
    sc = Scenario(months["start"], months["horizon"], seed or 0)
    try:
        sc.add(*models)
        sc._engine_scenario()  # the engine's own checks (link cycles, ...)
    except (ValueError, TypeError) as e:
        who = next((m.name for m in models if f"'{m.name}'" in str(e)), None)
        chk.error(_join("models", who) if who else "models", str(e))
        return None
    sc.name = name
    sc.description = desc
    sc.paths = paths
    sc.outputs = outputs
    sc.data_tables = dict(sorted(tables.items()))
    return sc


def _apply_correlations(corr: Any, args: dict[str, dict[str, Any]], classes: dict[str, type[Model]],
                        models_doc: dict[str, Any], chk: _Checker) -> None:
    if not isinstance(corr, list):
        chk.error("correlations", f"must be an array of tables ([[correlations]]), got {_describe(corr)}")
        return
    used: dict[str, str] = {}
    for g, group in enumerate(corr):
        gkey = _join("correlations", g)
        if not isinstance(group, dict):
            chk.error(gkey, f"must be a table with params and correlation (or matrix), got {_describe(group)}")
            continue
        bad = [k for k in group if k not in _CORR_KEYS]
        for k in bad:
            chk.unknown(_join(gkey, k), k, _CORR_KEYS)
        members = group.get("params")
        if not isinstance(members, list) or len(members) < 2:
            chk.error(_join(gkey, "params"), f"must list two or more 'model.parameter' names, got {_describe(members)}")
            continue
        coords: list[list[tuple[str, str]]] = []
        ok = not bad
        for i, entry in enumerate(members):
            ikey = _join(gkey, "params", i)
            names = entry if isinstance(entry, list) else [entry]
            refs: list[tuple[str, str]] = []
            for j, ref in enumerate(names):
                rkey = ikey if not isinstance(entry, list) else _join(ikey, j)
                if ref == "" and not isinstance(entry, list):
                    continue  # an unused coordinate of the copula
                if not isinstance(ref, str) or not (ref.count(".") == 1 or _CATEGORY_REF.match(ref)):
                    chk.error(rkey, "must be 'model.parameter' (or 'model.categories.<category>.annual_growth'), "
                                    f"got {_describe(ref)}")
                    ok = False
                    continue
                mname, _, pname = ref.partition(".")
                if mname not in models_doc:
                    chk.unknown(rkey, mname, list(models_doc), "model")
                    ok = False
                    continue
                if mname not in classes:
                    ok = False  # the model itself is broken (reported already)
                    continue
                if "." in pname:  # a category's growth
                    cats = args[mname].get("categories") if "categories" in _ctor_params(classes[mname]) else None
                    cat = pname.split(".")[1]
                    if not isinstance(cats, dict) or cat not in cats:
                        names = list(cats) if isinstance(cats, dict) else []
                        chk.unknown(rkey, cat, names or ["(none)"], f"category of {mname!r}")
                        ok = False
                        continue
                elif pname not in _ctor_params(classes[mname]):
                    chk.unknown(rkey, pname, list(_ctor_params(classes[mname])), f"parameter of model {mname!r}")
                    ok = False
                    continue
                if ref in used:
                    chk.error(rkey, f"{ref!r} is already correlated in {used[ref]}")
                    ok = False
                    continue
                used[ref] = gkey
                refs.append((mname, pname))
            coords.append(refs)
        d = len(members)
        if "matrix" in group and "correlation" in group:
            chk.error(gkey, "give either correlation (two members) or matrix, not both")
            continue
        if "correlation" in group:
            c = group["correlation"]
            if not _is_number(c) or (isinstance(c, float) and math.isnan(c)):
                chk.error(_join(gkey, "correlation"), f"must be a number in [-1, 1], got {_describe(c)}")
                continue
            if d != 2:
                chk.error(_join(gkey, "correlation"), f"a single number correlates exactly two params, got {d}; use matrix")
                continue
            matrix = np.array([[1.0, float(c)], [float(c), 1.0]])
        elif "matrix" in group:
            mat = group["matrix"]
            if not (isinstance(mat, list) and len(mat) == d and all(isinstance(r, list) and len(r) == d for r in mat)
                    and all(_is_number(x) for r in mat for x in r)):
                chk.error(_join(gkey, "matrix"), f"must be a {d}x{d} array of numbers, got {_describe(mat)}")
                continue
            matrix = np.array(mat, dtype=float)
            if not np.all(np.isfinite(matrix)):
                chk.error(_join(gkey, "matrix"), "must hold finite numbers, got nan or inf")
                continue
        else:
            chk.error(gkey, "needs correlation = <number> (two params) or matrix = [[...], ...]")
            continue
        if not ok:
            continue
        marginals: list[Prior] = []
        for i, refs in enumerate(coords):
            if not refs:
                marginals.append(_p.point(0.0))
                continue
            got = []
            for mname, pname in refs:
                v = _arg_get(args[mname], classes[mname], pname)
                if not isinstance(v, (Prior, int, float)) or isinstance(v, bool):
                    chk.error(_join(gkey, "params", i), f"{mname}.{pname} is not a number or prior, got {_describe(v)}")
                    ok = False
                    break
                got.append(_p.as_prior(v, f"{mname}.{pname}"))
            if not ok:
                break
            if any(not _same_core(x._core, got[0]._core) for x in got[1:]):
                chk.error(_join(gkey, "params", i), "params sharing one coordinate must have the same prior")
                ok = False
                break
            marginals.append(got[0])
        if not ok:
            continue
        try:
            linked = _p.correlate(marginals, correlation=matrix)
        except (ValueError, TypeError) as e:
            chk.error(_join(gkey, "matrix" if "matrix" in group else "correlation"), str(e))
            continue
        for refs, prior in zip(coords, linked):
            for mname, pname in refs:
                _arg_set(args[mname], pname, prior)


_CATEGORY_REF = re.compile(r"^[A-Za-z_]\w*\.categories\.[A-Za-z0-9_]+\.annual_growth$")


def _arg_get(a: dict[str, Any], cls: type[Model], pname: str) -> Any:
    """A model argument by its correlation name (``categories.<c>.annual_growth`` reaches into categories)."""
    if pname.startswith("categories."):
        spec = a["categories"][pname.split(".")[1]]
        return spec.get("annual_growth") if isinstance(spec, dict) else spec[1] if len(spec) == 2 else None
    return a.get(pname, _ctor_params(cls)[pname].default)


def _arg_set(a: dict[str, Any], pname: str, value: Any) -> None:
    if pname.startswith("categories."):
        spec = a["categories"][pname.split(".")[1]]
        if isinstance(spec, dict):
            spec["annual_growth"] = value
        else:
            spec[1] = value
        return
    a[pname] = value


def _param_ref(m: Model, k: str) -> str:
    """The name of a model's parameter in ``[[correlations]]``: ``model.parameter``, or
    ``model.categories.<c>.annual_growth`` for an IncidentGrowth category's growth."""
    if m.kind == "incident_growth" and k.startswith("growth."):
        return f"{m.name}.categories.{k[len('growth.'):]}.annual_growth"
    return f"{m.name}.{k}"


def _outputs(o: Any, published: Mapping[str, str], months: dict[str, Any], chk: _Checker, parse_event: Any,
             broken: set[str]) -> Outputs:
    """The [outputs] table; series of models that failed to build (``broken``) are not checked."""
    out = Outputs()
    if not isinstance(o, dict):
        chk.error("outputs", f"must be a table, got {_describe(o)}")
        return out
    for k in o:
        if k not in _OUTPUT_KEYS:
            chk.unknown(_join("outputs", k), k, _OUTPUT_KEYS)
    q = o.get("quantiles", [])
    if not isinstance(q, list):
        chk.error("outputs.quantiles", f"must be an array of levels in [0, 1], got {_describe(q)}")
    else:
        for i, x in enumerate(q):
            if not _is_number(x) or not (0.0 <= x <= 1.0):
                chk.error(_join("outputs", "quantiles", i), f"must be a level in [0, 1], got {_describe(x)}")
            else:
                out.quantiles.append(float(x))
    ev = o.get("events", [])
    if not isinstance(ev, list):
        chk.error("outputs.events", f"must be an array of strings like 'frontier.price < 1 by 2027-12', got {_describe(ev)}")
        ev = []
    for i, e in enumerate(ev):
        key = _join("outputs", "events", i)
        if not isinstance(e, str):
            chk.error(key, f"must be a string like 'frontier.price < 1 by 2027-12', got {_describe(e)}")
            continue
        m = _EVENT_BY.match(e)
        text, by = (m.group(1), m.group(2)) if m else (e, None)
        try:
            series, _, _ = parse_event(text)
        except ValueError as err:
            chk.error(key, str(err))
            continue
        if series not in published and series.split(".")[0] not in broken:
            close = difflib.get_close_matches(series, list(published), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (series: {', '.join(published)})"
            chk.error(key, f"unknown series {series!r}{hint}")
            continue
        if by is not None:
            try:
                b = parse_month(by, "by")
            except ValueError as err:
                chk.error(key, str(err))
                continue
            if len(months) == 2 and not months["start"] <= b <= months["horizon"]:
                chk.error(key, f"by {b} lies outside the grid {months['start']} to {months['horizon']}")
                continue
        out.events.append(e)
    s = o.get("series")
    if s is not None:
        if not isinstance(s, list) or not all(isinstance(x, str) for x in s):
            chk.error("outputs.series", f"must be an array of series names, got {_describe(s)}")
        else:
            for i, x in enumerate(s):
                if x not in published and x.split(".")[0] not in broken:
                    chk.unknown(_join("outputs", "series", i), x, list(published), "series")
            out.series = list(s)
    for k in ("keep_paths", "plots"):
        if k in o:
            if not isinstance(o[k], bool):
                chk.error(_join("outputs", k), f"must be true or false, got {_describe(o[k])}")
            else:
                setattr(out, k, o[k])
    return out


def load_scenario(path: str | Path | None = None, *, text: str | None = None) -> Scenario:
    """A :class:`~aicast.scenario.Scenario` from a TOML file (or TOML ``text``).

    The whole file is validated (after resolving ``extends``) and every problem is reported
    at once.

    Raises
    ------
    ScenarioFileError
        (a ValueError) listing each problem with its file, key path and the bad value.
    """
    if (path is None) == (text is None):
        raise TypeError("give exactly one of path or text")
    p = Path(path) if path is not None else Path("<string>")
    label = str(p)
    chk = _Checker({}, label)
    stack = [p.resolve()] if path is not None else []
    doc = _load_doc(p if path is not None else Path.cwd() / "<string>", text, chk, stack)
    if path is None:
        # relative extends in text resolve against the working directory; label stays <string>
        chk.problems = [Problem("<string>" if pr.file.endswith("<string>") else pr.file, pr.key, pr.message)
                        for pr in chk.problems]
        chk.origins = {k: ("<string>" if v.endswith("<string>") else v) for k, v in chk.origins.items()}
        chk.default_file = "<string>"
    if doc is None:
        raise ScenarioFileError(chk.problems)
    stem = p.stem if path is not None else "scenario"
    sc = _build(doc, chk, re.sub(r"[^\w.\-]", "_", stem) or "scenario")
    if sc is None or chk.problems:
        raise ScenarioFileError(chk.problems)
    sc.source = str(p) if path is not None else None
    return sc


def validate_files(paths: Iterable[str | Path]) -> dict[str, list[Problem]]:
    """Problems of each file (an empty list for a valid one)."""
    out: dict[str, list[Problem]] = {}
    for f in paths:
        try:
            load_scenario(f)
            out[str(f)] = []
        except ScenarioFileError as e:
            out[str(f)] = e.problems
    return out


# --- writing -------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Prior):
        return _value(prior_to_toml(v))
    if isinstance(v, Mapping):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise ValueError(f"cannot write a value of type {type(v).__name__} to TOML: {_short(v)}")


def _incident_args(m: Any) -> dict[str, Any]:
    out: dict[str, Any] = {k: m.params[k] for k in ("base_per_month", "annual_growth", "dispersion", "saturation",
                                                    "price_elasticity") if k in m.params}
    if m.price is not None:
        out["price"] = m.price
    if m.categories:
        out["categories"] = {
            c: {"share": m.params[f"share.{c}"].params[0], "annual_growth": m.params[f"growth.{c}"]}
            for c in m.categories
        }
        if "category_concentration" in m.params:
            out["category_concentration"] = m.params["category_concentration"]
    return out


def _self_hosting_args(m: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"api_price": m.links["api_price"]}
    out["volume_per_month"] = m.links["volume"] if "volume" in m.links else m.params["volume_per_month"]
    out.update((k, p) for k, p in m.params.items() if k != "volume_per_month")
    return out


#: Writers of the constructor arguments of models whose arguments are not kept under their own
#: names (categories, links under another key); any other model is read back generically.
_ARG_WRITERS: dict[str, Any] = {"incident_growth": _incident_args, "self_hosting": _self_hosting_args}


def _model_args(m: Model) -> dict[str, Any]:
    """Constructor arguments that rebuild ``m``, read back from the model by parameter name."""
    writer = _ARG_WRITERS.get(m.kind)
    if writer is not None and type(m) is MODEL_CLASSES.get(m.kind):
        return writer(m)
    out: dict[str, Any] = {}
    for k, p in _ctor_params(type(m)).items():
        if k in m.params:
            out[k] = m.params[k]
        elif k in m.links:
            out[k] = m.links[k]
        elif k == "links":
            if m.links:
                out[k] = dict(m.links)
        elif k == "labels":
            if m.labels:
                out[k] = list(m.labels)
        elif hasattr(m, k):
            val = getattr(m, k)
            if val is not None:
                out[k] = val
        elif p.default is inspect.Parameter.empty:
            raise ValueError(
                f"to_toml: cannot write model {m.name!r}: {type(m).__name__} needs {k!r}, "
                "which the model does not keep as a parameter, link or attribute"
            )
    return out


def _correlation_groups(sc: Scenario) -> list[dict[str, Any]]:
    groups: list[tuple[Any, list[list[str]]]] = []  # (a member core, coords)
    for m in sc.models:
        for k, p in sorted(m.params.items()):
            core = p._core
            if core.correlation is None:
                continue
            for rep, coords in groups:
                if rep.same_copula(core):
                    break
            else:
                rep, coords = core, [[] for _ in range(core.correlation.shape[0])]
                groups.append((rep, coords))
            coords[core.copula_index].append(_param_ref(m, k))
    out = []
    for rep, coords in groups:
        c = np.asarray(rep.correlation, dtype=float)
        params: list[Any] = [x[0] if len(x) == 1 else (x if x else "") for x in coords]
        g: dict[str, Any] = {"params": params}
        if c.shape == (2, 2):
            g["correlation"] = float(c[0, 1])
            if not (c[0, 0] == 1.0 and c[1, 1] == 1.0 and c[0, 1] == c[1, 0]):
                del g["correlation"]
                g["matrix"] = c.tolist()
        else:
            g["matrix"] = c.tolist()
        out.append(g)
    return out


def dumps(sc: Scenario, *, check: bool = True) -> str:
    """The TOML text of a scenario; :func:`load_scenario` on it rebuilds the same scenario exactly.

    With ``check`` (the default) the text is read back and compared with ``sc`` (every prior's
    family and parameters bit for bit, links, correlation groups), so a model that cannot be
    written faithfully raises instead of saving something else.

    Raises
    ------
    ValueError
        If a model or prior cannot be written exactly.
    """
    from . import __version__

    lines = [f"# aicast scenario file (written by aicast {__version__})"]
    name = getattr(sc, "name", None)
    if name:
        lines.append(f"name = {_value(name)}")
    desc = getattr(sc, "description", "")
    if desc:
        lines.append(f"description = {_value(desc)}")
    lines += [f"start = {_value(str(sc.start))}", f"horizon = {_value(str(sc.horizon))}", f"seed = {sc.seed}"]
    paths = getattr(sc, "paths", None)
    if paths:
        lines.append(f"paths = {int(paths)}")
    for m in sc.models:
        lines += ["", f"[models.{_key(m.name)}]", f"kind = {_value(m.kind)}"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in _model_args(m).items()]
    for g in _correlation_groups(sc):
        lines += ["", "[[correlations]]"] + [f"{k} = {_value(v)}" for k, v in g.items()]
    outputs = getattr(sc, "outputs", None)
    if outputs is not None:
        lines += ["", "[outputs]"] + [f"{k} = {_value(v)}" for k, v in outputs.to_dict().items()]
    text = "\n".join(lines) + "\n"
    if check:
        _check_same(sc, load_scenario(text=text))
    return text


def _check_same(a: Scenario, b: Scenario) -> None:
    def fail(what: str) -> None:
        raise ValueError(f"to_toml: the scenario cannot be written exactly ({what})")

    if (a.start, a.horizon, a.seed) != (b.start, b.horizon, b.seed):
        fail("grid or seed")
    if [(m.kind, m.name) for m in a.models] != [(m.kind, m.name) for m in b.models]:
        fail("models")
    for ma, mb in zip(a.models, b.models):
        if ma.links != mb.links or ma.labels != mb.labels:
            fail(f"links of {ma.name!r}")
        if sorted(ma.params) != sorted(mb.params):
            fail(f"parameters of {ma.name!r}")
        for k, pa in ma.params.items():
            pb = mb.params[k]
            ca, cb = pa._core, pb._core
            if not _same_core(ca.marginal() if ca.correlation is not None else ca,
                              cb.marginal() if cb.correlation is not None else cb):
                fail(f"{ma.name}.{k}: {ca.describe()} vs {cb.describe()}")
            if (ca.correlation is None) != (cb.correlation is None):
                fail(f"{ma.name}.{k}: correlation")
            if ca.correlation is not None and (
                ca.copula_index != cb.copula_index
                or not np.array_equal(np.asarray(ca.correlation), np.asarray(cb.correlation))
            ):
                fail(f"{ma.name}.{k}: correlation group")
    if _correlation_groups(a) != _correlation_groups(b):
        fail("correlation groups")


def scenario_hash(text: str) -> str:
    """SHA-256 of a resolved scenario's TOML text (as recorded in run manifests)."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
