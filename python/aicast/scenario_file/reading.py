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


#: Largest scenario file read (bytes): scenario files are a few kilobytes.
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of tables and arrays accepted (a scenario needs about 8; a mixture prior takes two a level).
MAX_DEPTH = 48
#: Problems kept per load (the rest are only counted) and problems shown in a message.
MAX_PROBLEMS = 200
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file: the file, the key path (``models.frontier.seed``) and what is wrong.

    ``via`` is the file that was loaded when the problem lies in a file it extends.
    """

    file: str
    key: str
    message: str
    via: str = ""

    def __str__(self) -> str:
        where = f"{self.file} (extended by {self.via})" if self.via and self.via != self.file else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ScenarioFileError(ValueError):
    """A scenario file is invalid; ``problems`` lists the problems found (file, key path, message).

    At most :data:`MAX_PROBLEMS` are kept (``more`` counts the others) and the message shows the
    first :data:`SHOWN_PROBLEMS`.
    """

    def __init__(self, problems: Sequence[Problem], more: int = 0) -> None:
        self.problems = list(problems)
        self.more = more
        n = len(self.problems) + more
        head = "1 problem" if n == 1 else f"{n} problems"
        lines = [f"  {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        if n > SHOWN_PROBLEMS:
            lines.append(f"  ... and {n - SHOWN_PROBLEMS} more")
        super().__init__(f"{head} in scenario file:\n" + "\n".join(lines))


class _Checker:
    """Collects problems; ``origin`` maps key paths to the file that set them (for ``extends``)."""

    def __init__(self, origins: dict[str, str], default_file: str) -> None:
        self.problems: list[Problem] = []
        self.more = 0  # problems beyond MAX_PROBLEMS, counted only
        self.origins = origins
        self.default_file = default_file
        self.removed: dict[str, str] = {}  # model name -> the file whose {remove = true} dropped it

    @property
    def count(self) -> int:
        """Problems found so far (kept or not)."""
        return len(self.problems) + self.more

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def add(self, problem: Problem) -> None:
        if self.full:
            self.more += 1
        else:
            self.problems.append(problem)

    def extend(self, other: _Checker) -> None:
        for p in other.problems:
            self.add(p)
        self.more += other.more

    def file_of(self, key: str) -> str:
        cuts = [m.start() for m in re.finditer(r"[.\[]", key)] + [len(key)]
        for n in reversed(cuts):
            if key[:n] in self.origins:
                return self.origins[key[:n]]
        return self.default_file

    def error(self, key: str, message: str) -> None:
        if self.full:
            self.more += 1
            return
        self.problems.append(Problem(self.file_of(key), _short_key(key), message))

    def unknown(self, key: str, name: str, allowed: Iterable[str], what: str = "key", of: str = "") -> None:
        """``unknown <what> '<name>'[ of <of>]; did you mean ...?`` (or the allowed names)."""
        if self.full:  # no need to compute a hint nobody sees
            self.more += 1
            return
        allowed = list(allowed)
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6) if len(name) <= 100 else []
        hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(allowed) or 'none'})"
        self.error(key, f"unknown {what} {_short(name)}{f' of {of}' if of else ''}{hint}")


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


def _decode(raw: bytes) -> str:
    """UTF-8 text (a leading byte order mark is dropped); ValueError saying where it is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ValueError(f"is not UTF-8 text: byte 0x{raw[e.start]:02x} at line {line}, column {col} "
                         "(save it as UTF-8)") from None
    return text[1:] if text.startswith("\ufeff") else text


def _depth_problem(doc: dict[str, Any]) -> tuple[str, int] | None:
    """The key path of the first value nested deeper than :data:`MAX_DEPTH`, and its depth."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        v, key, depth = stack.pop()
        if depth > MAX_DEPTH:
            return key, depth
        if isinstance(v, dict):
            stack.extend((x, _join(key, str(k)), depth + 1) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend((x, _join(key, i), depth + 1) for i, x in enumerate(v))
    return None


def _read_toml(path: Path, text: str | None, chk: _Checker, via: tuple[str, str] | None = None) -> dict[str, Any] | None:
    """The TOML document of ``path`` (or ``text``), read with bounds: at most :data:`MAX_FILE_BYTES`,
    UTF-8, nested at most :data:`MAX_DEPTH` deep. ``via`` = (child file, its ``extends`` value)
    when ``path`` is a parent: a problem reading it is reported on the child's ``extends``."""
    label = str(path)

    def problem(message: str, key: str = "") -> None:
        if via is None:
            chk.add(Problem(label, key, message))
        else:
            chk.add(Problem(via[0], "extends", f"{via[1]!r} ({label}){' ' + key + ':' if key else ''} {message}"))

    if text is None:
        try:
            with open(path, "rb") as f:
                raw = f.read(MAX_FILE_BYTES + 1)
        except OSError as e:
            problem(f"cannot read the file: {e.strerror or e}")
            return None
        if len(raw) > MAX_FILE_BYTES:
            problem(f"is larger than {MAX_FILE_BYTES >> 20} MiB, too large for a scenario file")
            return None
        try:
            text = _decode(raw)
        except ValueError as e:
            problem(str(e))
            return None
    else:
        if len(text) > MAX_FILE_BYTES:
            problem(f"is larger than {MAX_FILE_BYTES >> 20} MiB, too large for a scenario file")
            return None
        text = text[1:] if text.startswith("\ufeff") else text
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        problem(f"is not valid TOML: {e}" if via else f"not valid TOML: {e}")
        return None
    except RecursionError:
        problem(f"is nested too deeply (tables or arrays more than {MAX_DEPTH} deep)")
        return None
    deep = _depth_problem(doc)
    if deep is not None:
        problem(f"nested more than {MAX_DEPTH} deep (tables or arrays)", _short_key(deep[0]))
        return None
    return doc


def _short_key(key: str) -> str:
    return key if len(key) <= 80 else key[:77] + "..."


def _merge(base: dict[str, Any], over: dict[str, Any], origins: dict[str, str], file: str,
           removed: dict[str, str] | None = None) -> dict[str, Any]:
    """``over`` merged onto ``base`` (see the module docstring); records the origin of each key
    and, in ``removed``, the models that ``over`` drops."""
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
                    origins["models"] = file  # what is left of the models is now this file's doing
                    if removed is not None:
                        removed[str(name)] = file
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
        elif k in ("outputs", "data_as_of") and isinstance(v, dict) and isinstance(base.get(k), dict):
            out[k] = {**base[k], **v}
            for p in v:
                origins[f"{k}.{p}"] = file
        else:
            out[k] = v
            origins[k] = file
            for o in [o for o in origins if o.startswith(k + ".")]:
                origins[o] = file
    return out


def _load_doc(path: Path, text: str | None, chk: _Checker, stack: list[Path],
              via: tuple[str, str] | None = None) -> dict[str, Any] | None:
    doc = _read_toml(path, text, chk, via)
    if doc is None:
        return None
    label = str(path)
    for k in doc:
        chk.origins.setdefault(k, label)
    ext = doc.pop("extends", None)
    if ext is None:
        return doc
    if not isinstance(ext, str):
        chk.add(Problem(label, "extends", f"must be a path (string), got {_describe(ext)}"))
        return None
    parent = (path.parent / ext).resolve()
    if parent in stack:
        chain = " -> ".join(p.name for p in [*stack, parent])
        chk.add(Problem(label, "extends", f"cycle in extends: {chain}"))
        return None
    if not parent.is_file():
        chk.add(Problem(label, "extends", f"no such file {_short(ext)} (looked for {_short(str(parent))})"))
        return None
    shown = _shown(parent)
    origins: dict[str, str] = {}
    sub = _Checker(origins, str(shown))
    base = _load_doc(shown, None, sub, [*stack, parent], via=(label, ext))
    chk.extend(sub)
    chk.removed.update(sub.removed)
    if base is None:
        return None
    merged = _merge(base, doc, origins, label, chk.removed)
    chk.origins.clear()
    chk.origins.update(origins)
    return merged


def _shown(path: Path) -> Path:
    """``path`` relative to the working directory when it lies below it (messages stay short)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _ctor_params(cls: type[Model]) -> dict[str, inspect.Parameter]:
    sig = inspect.signature(cls.__init__)
    return {
        n: p for n, p in sig.parameters.items()
        if n not in ("self", "name") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
