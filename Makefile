# Two commands do all set-up: `make run` and `make test`. Each (re)creates .venv with uv when it is
# missing or older than pyproject.toml / uv.lock, installing uv with pip first if it is absent.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.workbench-synced
UV    := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

# Caches live outside the clone so that reruns (and CI on a fresh clone) are fast.
export UV_CACHE_DIR    ?= $(HOME)/.cache/uv
export NUMBA_CACHE_DIR ?= $(HOME)/.cache/workbench/numba
export UV_PYTHON       ?= 3.11

# The suite spreads over every core (pytest-xdist; work stealing evens out the long system tests)
# and names its 15 slowest tests at the end. `make test PYTEST_ARGS=...` replaces both.
PYTEST_ARGS ?= -n auto --dist worksteal --durations=15

.PHONY: help run test lint format bench clean

help:
	@echo "make run    - install what is missing, then run the daily job on the embedded default"
	@echo "make test   - install what is missing, then run the whole test suite"
	@echo "make lint   - ruff, ruff format --check, mypy on workbench/, import-linter floors"
	@echo "make bench  - run the benchmarks in benchmarks/ and print their figures"

$(STAMP): pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/workbench run

test: $(STAMP) lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check workbench tests benchmarks
	$(BIN)/ruff format --check workbench tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix workbench tests benchmarks
	$(BIN)/ruff format workbench tests benchmarks

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: kernel lab
kernel: $(STAMP)
	$(BIN)/jupyter kernelspec install kernels/workbench --sys-prefix --replace

lab: kernel
	$(BIN)/jupyter lab
