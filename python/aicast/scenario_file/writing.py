"""Writing a scenario back to TOML (:func:`dumps`) that rebuilds it exactly, and its hash."""

from __future__ import annotations

import inspect
import json
import math
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _engine
from ..models import MODEL_CLASSES, Model
from ..priors import Prior

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - Python 3.10
    pass

if TYPE_CHECKING:
    from ..scenario import Scenario
from .build import load_scenario
from .correlations import _correlation_groups
from .prior_toml import _same_core, prior_to_toml
from .reading import _ctor_params, _short

__all__ = ["dumps", "scenario_hash"]


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
            c: {"share": m.params[f"share.{c}"].params[0], "relative_growth": m.params[f"relative_growth.{c}"]}
            for c in m.categories
        }
        if "category_concentration" in m.params:
            out["category_concentration"] = m.params["category_concentration"]
    return out


def _self_hosting_args(m: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"api_price": m.links["api_price"] if "api_price" in m.links else m.params["api_price"]}
    out["volume_per_month"] = m.links["volume"] if "volume" in m.links else m.params["volume_per_month"]
    out.update((k, p) for k, p in m.params.items() if k not in ("volume_per_month", "api_price"))
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
            if val is not None and not (val is False and p.default is False):  # an option left off
                out[k] = val
        elif p.default is inspect.Parameter.empty:
            raise ValueError(
                f"to_toml: cannot write model {m.name!r}: {type(m).__name__} needs {k!r}, "
                "which the model does not keep as a parameter, link or attribute"
            )
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

    lines = [f"# aicast scenario file (written by aicast {_engine.__version__})"]
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
        for k, v in _model_args(m).items():
            if isinstance(v, Prior) and v.joint_rows is not None:
                # drawn whole with its group: its values are a column of the group's rows below
                lines.append(f"# {k}: joint with others, a column of [[correlations]] rows")
                continue
            lines.append(f"{_key(k)} = {_value(v)}")
    for g in _correlation_groups(sc):
        lines += ["", "[[correlations]]"]
        for k, v in g.items():
            if k == "rows":  # one table row a line
                lines += ["rows = ["] + [f"  {_value(r)}," for r in v] + ["]"]
            else:
                lines.append(f"{k} = {_value(v)}")
    if sc.data_as_of:  # all of them: a data reference is written as its value, so its table is not read back
        lines += ["", "[data_as_of]"] + [f"{_key(k)} = {_value(v)}" for k, v in sc.data_as_of.items()]
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
            if not _same_core(ca.marginal() if ca.correlation is not None or ca.joint_rows is not None else ca,
                              cb.marginal() if cb.correlation is not None or cb.joint_rows is not None else cb):
                fail(f"{ma.name}.{k}: {ca.describe()} vs {cb.describe()}")
            ra, rb = ca.joint_rows, cb.joint_rows
            if (ra is None) != (rb is None) or (ra is not None and rb is not None and (
                ca.copula_index != cb.copula_index or not np.array_equal(ra, rb)
            )):
                fail(f"{ma.name}.{k}: joint rows")
            if (ca.correlation is None) != (cb.correlation is None):
                fail(f"{ma.name}.{k}: correlation")
            if ca.correlation is not None and (
                ca.copula_index != cb.copula_index
                or not np.array_equal(np.asarray(ca.correlation), np.asarray(cb.correlation))
            ):
                fail(f"{ma.name}.{k}: correlation group")
    if _correlation_groups(a) != _correlation_groups(b):
        fail("correlation groups")
    if a.data_as_of != b.data_as_of:
        fail(f"data_as_of: {a.data_as_of} vs {b.data_as_of}")


def scenario_hash(text: str) -> str:
    """SHA-256 of a resolved scenario's TOML text (as recorded in run manifests)."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
