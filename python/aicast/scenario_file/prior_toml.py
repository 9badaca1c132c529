"""Priors to and from TOML: ``{to = [3, 30]}``, ``{normal = {mu, sigma}}``, mixtures, data-table values, exact round trips."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, SupportsFloat

import numpy as np
import numpy.typing as npt

from .. import _engine
from .. import priors as _p
from ..priors import Prior

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - Python 3.10
    pass

if TYPE_CHECKING:
    pass
from .reading import ScenarioFileError, _Checker, _describe, _is_number, _join, _short

__all__ = ["PRIOR_FAMILIES", "prior_from_toml", "prior_to_toml"]


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
    n0 = chk.count
    out = _prior(value, key, chk, _tables if _tables is not None else {})
    if _chk is None and chk.count > n0:
        raise ScenarioFileError(chk.problems, chk.more)
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
    from .. import data

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
        bad = next((w for w in wants if not isinstance(w, (str, int, float))), None)
        if bad is not None or not wants:
            chk.error(_join(key, "where", c), f"must be a value or an array of values (strings or numbers), "
                                              f"got {_describe(want)}")
            return None
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

    A correlated or joint prior is written as its marginal; its group goes into ``[[correlations]]``.
    """
    if not isinstance(p, Prior):
        return p
    core = p._core
    if core.correlation is not None or core.joint_rows is not None:
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
