"""The package's layout: every public name importable, no import cycle, no oversized module.

The import graph is built from the source with ``ast``: module-level imports only (imports
inside functions run at call time, and ``if TYPE_CHECKING:`` blocks never run). Importing a
submodule also runs its parent package's ``__init__``, which Python handles by design, so the
edge goes to the submodule only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "python" / "aicast"
MAX_LINES = 600

#: Every name ``aicast`` exported before the layout change (issue 11); each must stay.
PUBLIC = {
    "Backtest", "DEFAULT_QUANTILES", "EventProbability", "HittingTime", "IncidentGrowth",
    "LeaderboardGap", "Model", "PriceDecline", "Prior", "Result", "Scenario", "ScenarioFileError",
    "SelfHosting", "TokenDemand", "__version__", "backtest", "beta", "correlate", "data",
    "empirical", "fit", "gamma", "load", "lognormal", "mixture", "normal", "pert", "point",
    "release_memory", "rerun", "scores", "student_t", "to", "triangular", "truncate", "uniform",
}


def _modules() -> dict[str, Path]:
    mods = {}
    for p in [*PKG.rglob("*.py"), *PKG.rglob("*.pyi")]:  # .pyi: the compiled engine
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = p
    return mods


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    out: list[ast.Import | ast.ImportFrom] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                out.append(node)
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for h in node.handlers:
                    visit(h.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return out


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        here = name.split(".") if is_pkg else name.split(".")[:-1]
        if path.suffix == ".pyi":
            continue
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = here[: len(here) - node.level + 1] if node.level else []
                mod = ".".join(base + ([node.module] if node.module else []))
                # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in mods else mod for a in node.names]
            for t in targets:
                if t in mods and t != name:
                    graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if v not in state:
                found = dfs(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(graph):
        if u not in state:
            found = dfs(u)
            if found:
                return found
    return None


def test_no_import_cycle() -> None:
    graph = import_graph()
    assert "aicast.models.price" in graph and "aicast.backtest._registry" in graph
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_cycle_finder_finds_a_planted_cycle() -> None:
    graph = import_graph()
    graph["aicast.events"].add("aicast.result")  # result imports events: a cycle
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert {"aicast.events", "aicast.result"} <= set(cycle)


def test_layers_point_down() -> None:
    graph = import_graph()
    # the lowest layers import nothing above them
    assert not {m for m in graph["aicast.events"] if m.startswith("aicast.")} - {"aicast._engine"}
    assert "aicast.scenario" not in graph["aicast.result"]
    for adapter in ("price", "leaderboard", "incidents"):
        ups = graph[f"aicast.backtest.{adapter}"]
        assert "aicast.backtest.harness" not in ups and "aicast.backtest" not in ups
    for m in graph:
        if m.startswith("aicast.models"):
            assert not any(t.startswith(("aicast.scenario", "aicast.result", "aicast.fit")) for t in graph[m]), m


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_module_size(path: Path) -> None:
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(PKG)} has {n} lines (at most {MAX_LINES})"


def test_public_names() -> None:
    code = "import aicast, json; print(json.dumps(sorted(n for n in dir(aicast) if not n.startswith('_') or n == '__version__')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    import json

    names = set(json.loads(out))
    assert PUBLIC <= names, f"missing from aicast: {sorted(PUBLIC - names)}"


def test_models_package() -> None:
    import aicast as ac
    from aicast import models

    assert ac.PriceDecline.__module__ == "aicast.models.price"
    assert ac.LeaderboardGap.__module__ == "aicast.models.leaderboard"
    assert ac.IncidentGrowth.__module__ == "aicast.models.incidents"
    assert ac.SelfHosting.__module__ == ac.TokenDemand.__module__ == "aicast.models.self_hosting"
    assert ac.Model.__module__ == "aicast.models._base"
    assert set(models.MODEL_CLASSES) == {
        "price_decline", "tier_list_price", "leaderboard_gap", "incident_growth", "self_hosting", "token_demand"
    }
    from aicast.backtest import ADAPTERS

    assert {"price", "leaderboard", "incidents"} <= set(ADAPTERS)
