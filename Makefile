# The two commands of the README. Both do all set-up first (.ci/setup).
VENV ?= .venv
PYTEST_ARGS ?=

.PHONY: demo test setup bench clean

demo: setup  ## run the built-in default scenario
	$(VENV)/bin/aicast run

test: setup  ## run the whole test suite (C++ engine, Python API, notebooks)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

setup:
	@bash .ci/setup

bench: setup  ## speed ratios against the NumPy reference
	$(VENV)/bin/python bench/bench_price.py
	$(VENV)/bin/python bench/bench_leaderboard.py

clean:
	rm -rf build $(VENV) aicast-output
