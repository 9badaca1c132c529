"""Sphinx configuration of the aicast documentation (``make docs``: docs/_build/html, warnings as errors)."""

from __future__ import annotations

import importlib.util
import os
import shutil

import matplotlib

matplotlib.use("Agg")

import aicast  # the installed package: API pages are generated from its docstrings

project = "aicast"
author = "aicast developers"
copyright = "2026, aicast developers"
version = release = aicast.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# API reference: one page per public object, numpydoc sections
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

# Notebooks: executed at build time, outputs cached by jupyter-cache (re-run only when a code
# cell changes); any cell error fails the build.
nb_execution_mode = os.environ.get("AICAST_DOCS_EXECUTE", "cache")
nb_execution_cache_path = os.path.join(os.path.dirname(__file__), "_build", ".jupyter_cache")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = "aicast"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 4,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_context = {"default_mode": "light"}
html_sidebars = {"index": [], "quickstart": [], "architecture": []}
suppress_warnings = ["mystnb.unknown_mime_type"]

# MathJax served from the site itself, not a CDN, so the equations render offline (the site is
# meant to be read from a clone). The files come from the sphinx-mathjax-offline wheel (MathJax
# 3, Apache-2.0); only what the pages use is copied: the TeX-to-CommonHTML bundle, the TeX
# extensions it may autoload, and its web fonts (about 2 MB instead of the wheel's 24 MB).
_MATHJAX_PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2")


def _mathjax_source() -> str:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the docs need sphinx-mathjax-offline (pip install '.[docs]')")
    return os.path.join(list(spec.submodule_search_locations)[0], "static", "mathjax")


mathjax_path = "mathjax/tex-chtml.js"


def _copy_mathjax(app, exc) -> None:  # type: ignore[no-untyped-def]
    if exc is not None or app.builder.format != "html":
        return
    src, dst = _mathjax_source(), os.path.join(app.outdir, "_static", "mathjax")
    for part in _MATHJAX_PARTS:
        a, b = os.path.join(src, part), os.path.join(dst, part)
        os.makedirs(os.path.dirname(b), exist_ok=True)
        if os.path.isdir(a):
            shutil.copytree(a, b, dirs_exist_ok=True)
        else:
            shutil.copy2(a, b)


def setup(app):  # type: ignore[no-untyped-def]
    _mathjax_source()  # fail at the start of the build, not after it
    app.connect("build-finished", _copy_mathjax)
