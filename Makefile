# Two commands do all set-up: `make run` and `make test`. Each (re)creates .venv with uv when it is
# missing or older than pyproject.toml / uv.lock, installing uv with pip first if it is absent.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.workbench-synced-compiled
UV    := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

# Caches live outside the clone so that reruns (and CI on a fresh clone) are fast.
export UV_CACHE_DIR    ?= $(HOME)/.cache/uv
export NUMBA_CACHE_DIR ?= $(HOME)/.cache/workbench/numba
export UV_PYTHON       ?= 3.11
# Bytecode is written at set-up, for the installed packages and for workbench/: where Python may
# not write it later (PYTHONDONTWRITEBYTECODE, a read-only install) every process would compile
# its imports from source each time - a dashboard kernel's imports took 19 s instead of 3-5 s.
export UV_COMPILE_BYTECODE ?= 1

# The suite spreads over every core and one worker more (pytest-xdist: many system tests wait on
# servers they start, which leaves a core idle with one worker per core; work stealing evens out
# the long ones) and names its 15 slowest tests at the end. `make test PYTEST_ARGS=...` replaces
# both.
TEST_WORKERS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) + 1 )))
PYTEST_ARGS ?= -n $(TEST_WORKERS) --dist worksteal --durations=15

# `make run ARGS=--no-serve` (or any `workbench run` option, see `workbench run --help`)
ARGS ?=

.PHONY: help run test lint format bench validate clean kernel lab

help:
	@echo "make run    - install what is missing, run the daily pipeline notebook on the embedded"
	@echo "              default, then serve the API and the dashboards until Ctrl+C"
	@echo "              (make run ARGS=--no-serve stops after the pipeline)"
	@echo "make lab    - JupyterLab on the workbench kernel with the sample loaded (loopback)"
	@echo "make kernel - install the workbench Jupyter kernel into .venv"
	@echo "make test   - install what is missing, then run the whole test suite"
	@echo "make lint   - ruff, ruff format --check, mypy on workbench/, import-linter floors, bandit"
	@echo "make bench  - run the benchmarks in benchmarks/ and print their figures"
	@echo "make validate - the suites and the benchmarks, then the validation report in"
	@echo "              validation/ (SCALE=quick: a few suites, two small benchmarks)"

$(STAMP): pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	$(BIN)/python -m compileall -q -j 0 workbench > /dev/null
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/workbench run $(ARGS)

test: $(STAMP) lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check workbench tests benchmarks
	$(BIN)/ruff format --check workbench tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r workbench

format: $(STAMP)
	$(BIN)/ruff check --fix workbench tests benchmarks
	$(BIN)/ruff format workbench tests benchmarks

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# `make validate` runs the whole suite and every benchmark at full size (tens of minutes) and writes
# validation/validation.html and .json; `make validate SCALE=quick` takes a few minutes. It exits
# non-zero when the verdict is failed (docs/validation.md).
SCALE ?= full

validate: $(STAMP)
	$(BIN)/workbench validate --force $(if $(filter quick,$(SCALE)),--quick)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

kernel: $(STAMP)
	$(BIN)/jupyter kernelspec install kernels/workbench --sys-prefix

# Lab serves on loopback only, opens no browser and prints its URL (with its token) itself; it
# reaches no network (no extension index, news or update check); one Ctrl-C stops it (answer_yes:
# no "shut down?" prompt). Root (a container, CI) needs
# Jupyter's --allow-root.
LAB_FLAGS := --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks \
	--ServerApp.answer_yes=True \
	--MappingKernelManager.default_kernel_name=workbench --LabApp.extension_manager=readonly \
	--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	$(if $(filter 0,$(shell id -u)),--allow-root)

lab: kernel
	$(BIN)/workbench data load-sample
	$(BIN)/jupyter lab $(LAB_FLAGS)
