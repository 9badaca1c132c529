"""The documentation site builds with warnings as errors (what ``make docs`` runs), renders the
notebooks with their outputs and the chart page, and its landing page shows without errors in
headless Chromium.

Notebooks executed by tests/test_notebooks.py are handed to the build's jupyter-cache, so on
a full test run the site does not execute them a second time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser_check import check_page_or_skip

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"


def _forget_cached_pages() -> None:
    """Drop the cached executions of the site's own pages (index.md, plots.md: a few seconds),
    so they run against the package as it is now; the notebooks' come fresh from test_notebooks."""
    from jupyter_cache import get_cache

    cache_dir = DOCS / "_build" / ".jupyter_cache"
    if not cache_dir.is_dir():
        return
    cache = get_cache(cache_dir)
    for record in cache.list_cache_records():
        if record.uri.endswith(".md"):
            cache.remove_cache(record.pk)


@pytest.fixture(scope="module")
def site():
    for mod in ("sphinx", "myst_nb", "numpydoc", "pydata_sphinx_theme", "jupyter_cache"):
        pytest.importorskip(mod, reason=f"the docs extra is not installed (pip install '.[docs]'): no {mod}")
    if not (DOCS / "conf.py").is_file():
        pytest.skip("needs the source tree (docs/)")
    _forget_cached_pages()
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(HTML)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1500, env=env, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return HTML


@pytest.mark.slow
def test_docs_build_with_warnings_as_errors_and_hold_every_page(site):
    for page in ("index", "quickstart", "plots", "equations", "architecture", "api",
                 "generated/aicast.Scenario", "generated/aicast.Result"):
        assert (site / f"{page}.html").is_file(), page
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (site / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "<img" in page, f"{nb.name} is rendered without its figures"
    plots = (site / "plots.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<img ", plots)) >= 4  # multi-series fan, break-even, probability, yearly bars
    assert "no volume breaks even" in plots
    api = (site / "generated" / "aicast.Scenario.html").read_text(encoding="utf-8")
    assert "Parameters" in api and "horizon" in api  # numpydoc sections from the docstring
    assert "Five layers" in (site / "architecture.html").read_text(encoding="utf-8")  # README's section


@pytest.mark.slow
def test_docs_landing_page_in_headless_chromium(site, tmp_path):
    page = check_page_or_skip(site / "index.html")
    assert page.errors == []
    assert page.title.startswith("aicast")
    assert page.images and page.broken_images == []
    (tmp_path / "index.png").write_bytes(page.screenshot)


# MathJax typesets after the load event; its promise settles when the page's maths is done.
_MATHS_JS = """(window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.reject('no MathJax'))
  .then(() => ({rendered: document.querySelectorAll('mjx-container').length,
                failed: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
                raw_tex: (document.body.innerText.match(/\\\\(frac|log|sigma|mathrm)/g) || []).length,
                script: Array.from(document.scripts).map(s => s.src).filter(s => /mathjax/i.test(s))}))"""


@pytest.mark.slow
def test_equations_render_offline_in_headless_chromium(site, tmp_path):
    """The equations page typesets its maths with MathJax served from the site (no CDN: the
    reader may be offline), every formula without a TeX error, and none left as raw TeX."""
    page = check_page_or_skip(site / "equations.html", evaluate={"maths": _MATHS_JS})
    assert page.errors == []
    m = page.values["maths"]
    assert m["script"] and all(s.startswith("file://") for s in m["script"]), m
    assert m["rendered"] >= 10 and m["failed"] == 0 and m["raw_tex"] == 0, m
    (tmp_path / "equations.png").write_bytes(page.screenshot)
