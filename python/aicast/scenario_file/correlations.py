"""``[[correlations]]``: Gaussian-copula groups of model parameters, read and written back.

A group with ``rows = [[...], ...]`` instead of a matrix is a joint empirical group
(:func:`aicast.joint_empirical`): each row holds one value per member, in the order of ``params``,
and every path draws one whole row. The members' own entries are left out (``to_toml`` writes a
comment in their place) or must be the empirical distributions of their columns.
"""

from __future__ import annotations

import math
import re
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import priors as _p
from ..models import Model
from ..priors import Prior

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - Python 3.10
    pass

if TYPE_CHECKING:
    from ..scenario import Scenario
from .prior_toml import _same_core
from .reading import _Checker, _ctor_params, _describe, _is_number, _join

__all__ = []


_CORR_KEYS = ("params", "correlation", "matrix", "rows")


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
                    chk.error(rkey, "must be 'model.parameter' (or 'model.categories.<category>.relative_growth'), "
                                    f"got {_describe(ref)}")
                    ok = False
                    continue
                mname, _, pname = ref.partition(".")
                if mname not in models_doc:
                    if mname in chk.removed:
                        chk.error(rkey, f"unknown model {mname!r}: it was removed by {chk.removed[mname]}")
                    else:
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
                        chk.unknown(rkey, cat, names, "category", f"model {mname!r}")
                        ok = False
                        continue
                elif pname not in _ctor_params(classes[mname]):
                    chk.unknown(rkey, pname, list(_ctor_params(classes[mname])), "parameter", f"model {mname!r}")
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
        if "rows" in group:
            if "matrix" in group or "correlation" in group:
                chk.error(gkey, "give either rows (a joint table) or a correlation, not both")
                continue
            if not ok:
                continue
            _apply_rows(group["rows"], gkey, coords, args, classes, chk)
            continue
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
                prior = _p.as_prior(v, f"{mname}.{pname}")
                if prior.is_point:
                    chk.error(_join(gkey, "params", i), f"{mname}.{pname} is a plain number ({prior.params[0]:g}), "
                                                        "not uncertain: correlating it has no effect; give it a prior")
                    ok = False
                    break
                got.append(prior)
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


def _apply_rows(rows: Any, gkey: str, coords: list[list[tuple[str, str]]], args: dict[str, dict[str, Any]],
                classes: dict[str, type[Model]], chk: _Checker) -> None:
    """A joint empirical group: ``rows`` of one value per member; members' priors become its columns."""
    d = len(coords)
    rkey = _join(gkey, "rows")
    if not (isinstance(rows, list) and rows and all(isinstance(r, list) and len(r) == d for r in rows)
            and all(_is_number(x) for r in rows for x in r)):
        chk.error(rkey, f"must be a non-empty array of rows of {d} numbers each (one per param), got {_describe(rows)}")
        return
    if any(not refs for refs in coords):
        chk.error(_join(gkey, "params"), "a rows group has no unused coordinates: name a parameter for every column")
        return
    try:
        linked = _p.joint_empirical(np.array(rows, dtype=float))
    except (ValueError, TypeError) as e:
        chk.error(rkey, str(e))
        return
    for i, (refs, prior) in enumerate(zip(coords, linked)):
        for mname, pname in refs:
            v = _arg_get(args[mname], classes[mname], pname)
            given = v if isinstance(v, Prior) else None
            if given is not None and not _same_core(given._core, prior.marginal()._core):
                chk.error(_join(gkey, "params", i), f"{mname}.{pname} must be the empirical distribution of column "
                                                    f"{i + 1} of rows (or be left out), got {given._core.describe()}")
                return
    for refs, prior in zip(coords, linked):
        for mname, pname in refs:
            _arg_set(args[mname], pname, prior)


_CATEGORY_REF = re.compile(r"^[A-Za-z_]\w*\.categories\.[A-Za-z0-9_]+\.relative_growth$")


def _arg_get(a: dict[str, Any], cls: type[Model], pname: str) -> Any:
    """A model argument by its correlation name (``categories.<c>.relative_growth`` reaches into categories)."""
    if pname.startswith("categories."):
        spec = a["categories"][pname.split(".")[1]]
        return spec.get("relative_growth") if isinstance(spec, dict) else spec[1] if len(spec) == 2 else None
    return a.get(pname, _ctor_params(cls)[pname].default)


def _arg_set(a: dict[str, Any], pname: str, value: Any) -> None:
    if pname.startswith("categories."):
        spec = a["categories"][pname.split(".")[1]]
        if isinstance(spec, dict):
            spec["relative_growth"] = value
        else:
            spec[1] = value
        return
    a[pname] = value


def _param_ref(m: Model, k: str) -> str:
    """The name of a model's parameter in ``[[correlations]]``: ``model.parameter``, or
    ``model.categories.<c>.relative_growth`` for an IncidentGrowth category's growth."""
    if m.kind == "incident_growth" and k.startswith("relative_growth."):
        return f"{m.name}.categories.{k[len('relative_growth.'):]}.relative_growth"
    return f"{m.name}.{k}"


def _correlation_groups(sc: Scenario) -> list[dict[str, Any]]:
    groups: list[tuple[Any, list[list[str]]]] = []  # (a member core, coords)
    for m in sc.models:
        for k, p in sorted(m.params.items()):
            core = p._core
            if core.correlation is None and core.joint_rows is None:
                continue
            for rep, coords in groups:
                if rep.same_copula(core):
                    break
            else:
                table = core.joint_rows
                size = table.shape[1] if table is not None else np.asarray(core.correlation).shape[0]
                rep, coords = core, [[] for _ in range(size)]
                groups.append((rep, coords))
            coords[core.copula_index].append(_param_ref(m, k))
    out = []
    for rep, coords in groups:
        params: list[Any] = [x[0] if len(x) == 1 else (x if x else "") for x in coords]
        g: dict[str, Any] = {"params": params}
        if rep.joint_rows is not None:
            if any(not x for x in coords):
                raise ValueError("to_toml: a joint_empirical group is only partly used by the scenario's models; "
                                 "a scenario file can hold only whole groups (use every column, or .marginal())")
            g["rows"] = np.asarray(rep.joint_rows, dtype=float).tolist()
            out.append(g)
            continue
        c = np.asarray(rep.correlation, dtype=float)
        if c.shape == (2, 2):
            g["correlation"] = float(c[0, 1])
            if not (c[0, 0] == 1.0 and c[1, 1] == 1.0 and c[0, 1] == c[1, 0]):
                del g["correlation"]
                g["matrix"] = c.tolist()
        else:
            g["matrix"] = c.tolist()
        out.append(g)
    return out
