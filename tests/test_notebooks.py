"""Every notebook in notebooks/ runs top to bottom."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


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
    _hand_to_docs(path, nb)
