"""Building a :class:`~aicast.Scenario` from a checked document: models, links, categories, outputs."""

from __future__ import annotations

import difflib
import inspect
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .._checks import MAX_MONTHS, MAX_PATHS
from .._months import AS_OF_DATE, parse_month
from ..events import parse_event
from ..models import MODEL_CLASSES, Model
from ..scenario import Scenario

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - Python 3.10
    pass

from .correlations import _apply_correlations
from .prior_toml import _is_prior_table, _prior
from .reading import (
    Problem,
    ScenarioFileError,
    _Checker,
    _ctor_params,
    _describe,
    _is_number,
    _join,
    _load_doc,
)

__all__ = ["Outputs", "load_scenario", "validate_files"]


_TOP_KEYS = ("extends", "name", "description", "start", "horizon", "seed", "paths", "models",
             "correlations", "outputs", "data_as_of")


_OUTPUT_KEYS = ("quantiles", "events", "series", "keep_paths", "plots")


_EVENT_BY = re.compile(r"^(.*\S)\s+by\s+(\S+)\s*$")


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


def _unprefixed(message: str, field: str) -> str:
    """``message`` without a leading ``field`` (the key path names it already)."""
    return message[len(field) + 1:] if message.startswith(field + " ") else message


def _blame(message: str, names: Iterable[str]) -> str | None:
    """The parameter an error message is about: the first one it names after the model
    (``floor must be below start_price`` blames ``floor``); the longest at the same place."""
    body = message.split("': ", 1)[1] if "': " in message else message
    found = []
    for n in names:
        m = re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", body)
        if m:
            found.append((m.start(), -len(n), n))
    return min(found)[2] if found else None


def _int(v: Any, key: str, chk: _Checker, lo: int, hi: int | None = None) -> int | None:
    if isinstance(v, bool) or not isinstance(v, int):
        chk.error(key, f"must be a whole number, got {_describe(v)}")
        return None
    if v < lo or (hi is not None and v >= hi):
        top = "" if hi is None else " and below 2**64" if hi == 2**64 else f" and at most {hi - 1}"
        chk.error(key, f"must be {'positive' if lo == 1 else f'at least {lo}'}{top}, got {v}")
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
    """IncidentGrowth's ``categories``: ``{name = {share = <number>, relative_growth = <prior>}}``
    (or ``name = [share, relative_growth]``), checked key by key so errors name the path."""
    cats = table.get("categories")
    if cats is None:
        if "category_concentration" in table:
            chk.error(_join(mkey, "category_concentration"), "needs categories")
        return
    ckey = _join(mkey, "categories")
    if not isinstance(cats, dict) or not cats:
        chk.error(ckey, "must be a table of categories such as {misuse = {share = 0.3, relative_growth = 1.2}}, "
                        f"got {_describe(cats)}")
        return
    fields = ("share", "relative_growth")
    total, ok = 0.0, True
    for cat, spec in cats.items():
        key = _join(ckey, cat)
        if not re.match(r"^[A-Za-z0-9_]+$", cat):
            chk.error(key, f"a category name must be letters, digits and _, got {cat!r}")
            ok = False
        if isinstance(spec, list):
            if len(spec) != 2:
                chk.error(key, f"must be [share, relative_growth], got {_describe(spec)}")
                ok = False
                continue
            spec = dict(zip(fields, spec))
        elif not isinstance(spec, dict):
            chk.error(key, f"must be a table {{share = ..., relative_growth = ...}}, got {_describe(spec)}")
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
                chk.error(k, _unprefixed(str(e), k))
    if len(months) == 2 and months["horizon"] < months["start"]:
        chk.error("horizon", f"must not be before start, got start={months['start']}, horizon={months['horizon']}")
        months.clear()
    if len(months) == 2:
        n_months = (months["horizon"] - months["start"]).n + 1
        if n_months > MAX_MONTHS:
            chk.error("horizon", f"the grid from start {months['start']} to horizon {months['horizon']} has "
                                 f"{n_months} months; at most {MAX_MONTHS} (1000 years), got {doc['horizon']!r}")
            months.clear()
    seed = _int(doc.get("seed", 0), "seed", chk, 0, 2**64)
    paths = _int(doc["paths"], "paths", chk, 1, MAX_PATHS + 1) if "paths" in doc else None
    name = doc.get("name", default_name)
    if not isinstance(name, str) or not re.match(r"^[\w][\w.\-]*$", name):
        chk.error("name", f"must be a simple name (letters, digits, _ . -), got {_describe(name)}")
    desc = doc.get("description", "")
    if not isinstance(desc, str):
        chk.error("description", f"must be a string, got {_describe(desc)}")
    as_of_doc = doc.get("data_as_of", {})
    given_as_of: dict[str, str] = {}
    if not isinstance(as_of_doc, dict):
        chk.error("data_as_of", f"must be a table of source = \"YYYY-MM\", got {_describe(as_of_doc)}")
    else:
        for src, date in as_of_doc.items():
            if isinstance(date, str) and AS_OF_DATE.match(date):
                given_as_of[str(src)] = date
            else:
                chk.error(_join("data_as_of", src), f"must be a date \"YYYY-MM\" or \"YYYY-MM-DD\", got {_describe(date)}")

    tables: dict[str, str] = {}
    # models: convert every argument first (priors), then correlations, then build
    models_doc = doc.get("models", {})
    if not isinstance(models_doc, dict) or not models_doc:
        chk.error("models", "needs at least one model table, e.g. [models.frontier] kind = \"price_decline\"")
        models_doc = {}
    args: dict[str, dict[str, Any]] = {}
    classes: dict[str, type[Model]] = {}
    # parameters given as columns of a joint table ([[correlations]] with rows) may be left out
    joint_refs: set[str] = set()
    corr_doc = doc.get("correlations", [])
    for group in corr_doc if isinstance(corr_doc, list) else []:
        if isinstance(group, dict) and "rows" in group and isinstance(group.get("params"), list):
            joint_refs.update(r for r in group["params"] if isinstance(r, str))
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
                chk.unknown(_join(mkey, k), k, ["kind", *params], "parameter", f"{kind} {mname!r}")
                ok = False
                continue
            n0 = chk.count
            if _prior_only(params[k]):
                a[k] = _prior(v, _join(mkey, k), chk, tables)
            else:
                a[k] = _convert(v, _join(mkey, k), chk, tables)
            ok = ok and chk.count == n0
        for k, p in params.items():
            if p.default is inspect.Parameter.empty and k not in table:
                if f"{mname}.{k}" in joint_refs:
                    continue  # set from the joint table's column
                if _allows_none(p):
                    a[k] = None  # TOML has no null: leaving out a parameter that may be None means None
                    continue
                chk.error(_join(mkey, k), f"is required by {kind} {mname!r}")
                ok = False
        check = _MODEL_CHECKS.get(kind)
        if check is not None and ok:
            n0 = chk.count
            check(table, mkey, chk)
            ok = chk.count == n0
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
                chk.error(key, f"links to {target!r}, which no model publishes{_series_hint(target, published, chk)}")

    outputs = _outputs(doc.get("outputs", {}), published, months, chk, parse_event, broken)
    if chk.count:
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
    from .. import data as _data

    sc.data_as_of = {**{t: _data.as_of(t) for t in sc.data_tables if t in _data.TABLES}, **given_as_of}
    return sc


def _series_hint(series: str, published: Mapping[str, str], chk: _Checker) -> str:
    """``; did you mean ...?``, the model's removal by an extending file, or the series there are."""
    model = series.split(".")[0]
    if model in chk.removed:
        return f" (model {model!r} was removed by {chk.removed[model]})"
    close = difflib.get_close_matches(series, list(published), n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" (series: {', '.join(published)})" if published else " (no model publishes any series)"


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
            chk.error(key, f"unknown series {series!r}{_series_hint(series, published, chk)}")
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
                    chk.error(_join("outputs", "series", i), f"unknown series {x!r}{_series_hint(x, published, chk)}")
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
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__} {path!r:.60}")
    if text is not None and not isinstance(text, str):
        raise TypeError(f"text must be a string (TOML), got {type(text).__name__} {text!r:.60}")
    p = Path(path) if path is not None else Path("<string>")
    label = str(p)
    chk = _Checker({}, label)
    stack = [p.resolve()] if path is not None else []
    doc = _load_doc(p if path is not None else Path.cwd() / "<string>", text, chk, stack)
    if path is None:
        # relative extends in text resolve against the working directory; label stays <string>
        chk.problems = [replace(pr, file="<string>" if pr.file.endswith("<string>") else pr.file)
                        for pr in chk.problems]
        chk.origins = {k: ("<string>" if v.endswith("<string>") else v) for k, v in chk.origins.items()}
        chk.default_file = "<string>"
    sc = None
    if doc is not None:
        stem = p.stem if path is not None else "scenario"
        sc = _build(doc, chk, re.sub(r"[^\w.\-]", "_", stem) or "scenario")
    if sc is None or chk.count:
        top = label if path is not None else "<string>"
        raise ScenarioFileError([replace(pr, via=top) if pr.file != top else pr for pr in chk.problems], chk.more)
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
