"""Docstring examples run as doctests on the installed package (``--doctest-modules`` for the
package, which is installed rather than imported from the source tree).

An example that needs a long run or prints run-dependent numbers says ``# doctest: +SKIP``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import aicast

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(aicast.__path__, prefix="aicast.")
    if not m.name.endswith(("._engine", ".derive", ".sources_md"))
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name, globs=dict(vars(module))) if t.examples]
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} failed"
