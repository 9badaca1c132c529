# The two commands of the README. Both do all set-up first (.ci/setup).
VENV ?= .venv
PYTEST_ARGS ?=

.PHONY: demo test setup bench docs clean

demo: setup  ## run the built-in default scenario
	$(VENV)/bin/aicast run

test: setup  ## run the whole test suite (C++ engine, Python API, notebooks)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

setup:
	@bash .ci/setup

docs: setup  ## the documentation site into docs/_build/html (warnings are errors; notebooks executed, cached)
	$(VENV)/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html

bench: setup  ## speed ratios against NumPy references, one line per model
	for b in bench/bench_*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

clean:
	rm -rf build $(VENV) aicast-output docs/_build docs/generated
