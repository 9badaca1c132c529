"""Reading scenario files: problems and the checker that collects them, TOML reading, ``extends`` merging."""

from __future__ import annotations

import difflib
import inspect
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from ..models import Model

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    pass


__all__ = ["Problem", "ScenarioFileError"]


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


def _ctor_params(cls: type[Model]) -> dict[str, inspect.Parameter]:
    sig = inspect.signature(cls.__init__)
    return {
        n: p for n, p in sig.parameters.items()
        if n not in ("self", "name") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
