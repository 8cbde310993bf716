# Two commands: `make run` (nightly job on the bundled snapshot) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROWS   ?= 1000000
PY_DIRS := flows tests $(wildcard bench)

.PHONY: install run test lint format bench clean browser

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

test: install browser lint
	$(BIN)/python -m pytest -q

# Headless Chromium for the report browser tests (Debian's chromium; CI runs as root on a fresh box).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium chromium-driver; \
	else echo "Chromium is missing: run 'sudo apt-get update && sudo apt-get install -y chromium chromium-driver' (the browser tests skip without it)"; fi

format: install
	$(BIN)/ruff check --fix $(PY_DIRS)
	$(BIN)/ruff format $(PY_DIRS)

bench: install
	$(BIN)/python bench/run.py --rows $(ROWS)

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/versions warehouse/landing reports
