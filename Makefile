# The two set-up commands: `make run` and `make test`. Both are idempotent and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= demine.gpkg
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
POSTGIS_CONTROL := $(wildcard /usr/share/postgresql/*/extension/postgis.control)
NPM := $(shell command -v npm)
CHROMIUM := $(wildcard /usr/bin/chromium)
POPPLER := $(wildcard /usr/bin/pdftoppm)
NODE_STAMP := node_modules/.package-lock.json
VENDOR := src/demine/web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed

.PHONY: run test lint venv postgis web node chromium bench clean

HOST ?= 127.0.0.1
PORT ?= 8000

# First run: the border region, four months of simulated work on it, its risk map, and the user
# `admin` with a random password printed once; every run: the figures, then the web service until
# Ctrl+C.
run: $(STAMP) web
	@if [ ! -f "$(DB)" ]; then $(BIN)/demine --db "$(DB)" demo && \
	  $(BIN)/demine --db "$(DB)" simulate --days 120 && \
	  $(BIN)/demine --db "$(DB)" risk map; fi
	$(BIN)/demine --db "$(DB)" stats
	@$(BIN)/demine --db "$(DB)" user first-admin
	$(BIN)/demine --db "$(DB)" serve --host $(HOST) --port $(PORT)

test: $(STAMP) postgis chromium web lint
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

# The web UI's browser libraries, pinned in package-lock.json: `npm ci` when node_modules is missing
# or older than the lock file, then their distribution files are copied where the app serves them
# (/static/vendor/), so the browser loads nothing from outside the server.
web: $(VENDOR_STAMP)

$(VENDOR_STAMP): $(NODE_STAMP)
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/maplibre-gl $(VENDOR)/pmtiles
	cp node_modules/maplibre-gl/dist/maplibre-gl.mjs node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs \
	   node_modules/maplibre-gl/dist/maplibre-gl.css node_modules/maplibre-gl/LICENSE.txt \
	   node_modules/maplibre-gl/package.json $(VENDOR)/maplibre-gl/
	cp node_modules/pmtiles/dist/pmtiles.js node_modules/pmtiles/package.json $(VENDOR)/pmtiles/
	@touch $@

$(NODE_STAMP): package-lock.json | node
	npm ci --no-audit --no-fund
	@touch $@

# Node and npm (Debian packages), installed when missing.
node:
ifeq ($(NPM),)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null
else
	@true
endif

# Debian's chromium for the browser tests and the reports' PDF (Playwright drives it; it never
# downloads a browser), and poppler-utils (pdftotext, pdftoppm) with which the report tests read
# and render the PDFs.
chromium:
ifeq ($(and $(CHROMIUM),$(POPPLER)),)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium poppler-utils >/dev/null
else
	@true
endif

bench: $(STAMP) chromium
	@command -v wrk >/dev/null || (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_sim.py
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_design.py
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_risk.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info node_modules $(VENDOR)
