"""Every notebook in notebooks/ runs top to bottom, and the README quotes its tables as printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicast.report import README_TABLE

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
README_TAG = "<!-- table printed by notebooks/{} -->"  # the line before such a table in the README


def printed_text(nb) -> str:
    """Everything the executed notebook printed (streams and plain-text results), in order."""
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if o.output_type == "stream":
                parts.append(o.text)
            elif "data" in o:
                parts.append(o.data.get("text/plain", ""))
    return "\n".join(parts)


def rows_after(text: str, marker: str) -> list[str]:
    """The Markdown table rows after each line equal to ``marker`` (separator rows left out)."""
    rows, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == marker:
            for row in lines[i + 1:]:
                if not row.startswith("|"):
                    break
                if set(row) - set("|-: "):
                    rows.append(row.strip())
    return rows


def test_rows_are_found_only_after_the_marker():
    text = "| a | b |\nTable in the README:\n| year | 2025 |\n|---|---|\n| median | 353 |\nafter\n| x |"
    assert rows_after(text, README_TABLE) == ["| year | 2025 |", "| median | 353 |"]
    assert rows_after("| year | 2025 |", README_TABLE) == []


def test_the_readme_tags_tables_of_notebooks_that_exist():
    """Guards the guard: the README has tagged tables, each naming a notebook that prints tables."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tagged = {p.name for p in NOTEBOOKS if rows_after(readme, README_TAG.format(p.name))}
    assert tagged >= {"03_incident_growth.ipynb", "05_calibration_and_backtests.ipynb"}, tagged
    for name in tagged:
        assert "README_TABLE" in (ROOT / "notebooks" / name).read_text(encoding="utf-8"), name


def _hand_to_docs(path: Path, nb) -> None:
    """Store the executed notebook in the docs build's jupyter-cache (myst-nb finds it by the
    hash of its code), so the docs build (tests/test_site.py, make docs) does not run it again."""
    try:
        from jupyter_cache import get_cache
        from jupyter_cache.base import CacheBundleIn
    except ImportError:  # the docs extra is not installed
        return
    import copy

    import nbformat

    executed = copy.deepcopy(nb)
    original = nbformat.read(path, as_version=4)
    executed.metadata = original.metadata  # execution adds metadata that the cache's hash reads
    for cell, orig in zip(executed.cells, original.cells, strict=True):
        cell.metadata = orig.metadata
    cache = get_cache(ROOT / "docs" / "_build" / ".jupyter_cache")
    cache.cache_notebook_bundle(CacheBundleIn(executed, str(ROOT / "docs" / "notebooks" / path.name)),
                                check_validity=False, overwrite=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # the README's tables tagged with this notebook hold exactly the rows it printed
    printed = rows_after(printed_text(nb), README_TABLE)
    quoted = rows_after((ROOT / "README.md").read_text(encoding="utf-8"), README_TAG.format(path.name))
    assert sorted(quoted) == sorted(printed), (
        f"the README's tables from {path.name} differ from what it printed (update the README):\n"
        f"README only: {sorted(set(quoted) - set(printed))}\nprinted only: {sorted(set(printed) - set(quoted))}")
    _hand_to_docs(path, nb)
