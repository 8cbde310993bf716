# Two commands: `make run` (nightly job on the bundled snapshot) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROWS   ?= 1000000
PY_DIRS := flows tests $(wildcard bench)

.PHONY: install run test lint format bench clean

# Idempotent: the venv is made once and reinstalled only when pyproject.toml changes.
install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/hkam run

lint: install
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy

test: install lint
	$(BIN)/python -m pytest -q

format: install
	$(BIN)/ruff check --fix $(PY_DIRS)
	$(BIN)/ruff format $(PY_DIRS)

bench: install
	$(BIN)/python bench/run.py --rows $(ROWS)

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/versions warehouse/landing reports
