# Two commands: `make run` (nightly job on the bundled snapshot) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROWS   ?= 1000000
PY_DIRS := flows tests $(wildcard bench) $(wildcard fuzz)

.PHONY: install run test lint format bench bench-profile bench-archive clean browser fuzz postgres

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

# Test files run on TEST_WORKERS processes (pytest-xdist), a file's tests together so module
# fixtures (servers, published warehouses) start once; TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 2
test: install browser postgres lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Headless Chromium for the report and desk browser tests (Debian's chromium; CI runs as root on
# a fresh box), with a Chinese font so the desk's screenshot shows the Chinese titles (issue 25).
BROWSER_PKGS := chromium chromium-driver fonts-wqy-zenhei
browser:
	@if [ -x /usr/bin/chromium ] && [ -d /usr/share/fonts/truetype/wqy ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y $(BROWSER_PKGS); \
	else echo "Chromium or its Chinese font is missing: run 'sudo apt-get update && sudo apt-get install -y $(BROWSER_PKGS)' (the browser tests skip without Chromium)"; fi

# PostgreSQL for tests/scale (a Prefect server on it; Debian's postgresql, as for chromium).
postgres:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y postgresql; \
	else echo "PostgreSQL is missing: run 'sudo apt-get update && sudo apt-get install -y postgresql' (the scale tests skip without it)"; fi

format: install
	$(BIN)/ruff check --fix $(PY_DIRS)
	$(BIN)/ruff format $(PY_DIRS)

REPEAT ?= 3
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# Not part of `make test`: ROWS=100000 / 1000000 / 10000000 (REPEAT=1 for 10M).
# WORKERS=1,2: the scale-out benchmark instead (bench/scale.py: embedded against --dask local:N).
bench: install $(BENCH_STAMP)
ifdef WORKERS
	$(BIN)/python bench/scale.py --rows $(ROWS) --workers $(WORKERS) --repeat $(REPEAT)
else
	$(BIN)/python bench/run.py --rows $(ROWS) --repeat $(REPEAT)
endif

bench-profile: install $(BENCH_STAMP)
	$(BIN)/python bench/profile.py --rows $(ROWS)

# issue 24: archive pages parsed and detected per second (in-process, 1 and 2 Dask workers).
PAGES ?= 600
BATCH ?= 100
bench-archive: install
	$(BIN)/python bench/archive.py --pages $(PAGES) --batch $(BATCH)

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/versions warehouse/landing reports

# atheris harnesses (fuzz/harness.py), FUZZ_SECONDS each; not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= register itf censtatd hkma gia dates extract
fuzz: install
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet atheris
	@set -e; for t in $(if $(FUZZ_TARGET),$(FUZZ_TARGET),$(FUZZ_TARGETS)); do \
	  mkdir -p fuzz/crashes/$$t fuzz/corpus/$$t; \
	  case $$t in register) cp flows/snapshot/register/*.csv fuzz/corpus/$$t/ ;; \
	    itf) cp flows/snapshot/itf/*.csv fuzz/corpus/$$t/ ;; censtatd) cp flows/snapshot/censtatd/*.json fuzz/corpus/$$t/ ;; \
	    hkma) cp flows/snapshot/hkma/*.json fuzz/corpus/$$t/ ;; gia) cp flows/snapshot/gia/*.xml fuzz/corpus/$$t/ ;; esac; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  FUZZ_TARGET=$$t $(BIN)/python fuzz/harness.py -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=fuzz/crashes/$$t/ fuzz/corpus/$$t; \
	done
