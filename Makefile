# The two set-up commands: `make run` and `make test`. Both are idempotent and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= demine.gpkg
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
POSTGIS_CONTROL := $(wildcard /usr/share/postgresql/*/extension/postgis.control)

.PHONY: run test lint venv postgis bench clean

run: $(STAMP)
	@if [ ! -f "$(DB)" ]; then $(BIN)/demine --db "$(DB)" demo; fi
	$(BIN)/demine --db "$(DB)" stats

test: $(STAMP) postgis lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

venv: $(STAMP)

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# PostgreSQL with PostGIS for the server store's tests (Debian packages), installed when missing.
postgis:
ifeq ($(POSTGIS_CONTROL),)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql postgresql-15-postgis-3 >/dev/null
else
	@true
endif

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_sim.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
