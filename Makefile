# obhub — every target installs what it needs: on a fresh machine `make run` and
# `make test` are the only commands to type. Requires GNU make, python3 (3.11+) and,
# for `make test`, a local PostgreSQL server (see scripts/ensure-postgres.sh).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
LINT_PATHS := src tests bench scripts hatch_build.py

# The database the PostgreSQL pass of the test suite runs against.
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run lint catalogue test test-sqlite test-postgres test-w3c bench openapi clean

# install: create .venv and install obhub with its dev tools (redone when pyproject.toml changes)
install: $(STAMP)

$(STAMP): pyproject.toml hatch_build.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[dev]'
	touch $@

# run: migrate, then serve the API on SQLite, data in ./var, no configuration needed
# (one command, so the URLs minted while migrating are on the address served)
run: install
	$(BIN)/obhub serve --migrate

# lint: ruff (lint and format), mypy (strict), import-linter (layer contracts), and the
# message catalogue: every message of the source translated in French and English
lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/catalogue.py check

# catalogue: extract the messages of the source into the fr and en .po files (new English
# entries are filled with their id, the English source; French ones wait for a translator)
catalogue: install
	$(BIN)/python scripts/catalogue.py update

# test: lint; the whole suite on SQLite and the database tests again on PostgreSQL, side by
# side (one core each: independent data directories, databases and ports); then the W3C suites
test: lint
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres
	$(MAKE) test-w3c

# Every test except those marked `postgres` (they need the server and run in the next
# pass), interop tests included. Embedded SQLite in a throw-away data directory. Both
# passes print their 15 slowest steps: CI's time is watched (it should stay well under
# 20 minutes on 2 cores).
test-sqlite: install
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	env -u OBHUB_DATABASE_URL -u OBHUB_TEST_DATABASE_URL OBHUB_DATA_DIR="$$tmp" \
		$(BIN)/pytest -m "not postgres" --durations=15

# Tests marked `postgres` or `db`, against the local server. Exit code 5 (nothing
# collected) is accepted here only: there may be no database tests yet.
test-postgres: install
	@scripts/ensure-postgres.sh
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; rc=0; \
	env -u OBHUB_DATABASE_URL OBHUB_TEST_DATABASE_URL='$(PG_TEST_URL)' OBHUB_DATA_DIR="$$tmp" \
		$(BIN)/pytest -m "postgres or db" --durations=15 || rc=$$?; \
	if [ "$$rc" -eq 5 ]; then echo "test-postgres: no database tests collected yet"; rc=0; fi; \
	exit "$$rc"

# test-w3c: the five W3C / W3C-CCG conformance suites (mocha, Node.js >= 20 and npm)
# against `obhub serve` over TLS; fails on any failure not listed, with its reason, in
# tests/w3c/expected-failures.json. The suites are copied from OBHUB_W3C_SUITES
# (default ../shared/w3c-suites) into .cache/w3c-suites and installed there once.
# Without the suites, node or npm it says so and skips them (exit 0), unless CI=true or
# OBHUB_W3C_SUITES is set: then a missing prerequisite is an error.
test-w3c: install
	$(BIN)/python tests/w3c/run_suites.py

# bench: every benchmark as ratios to references measured in the same run (Node for the
# core, a trivial FastAPI endpoint for HTTP, the core for the service), with the load;
# fails when a target is missed. `make bench QUICK=1`: fewer rounds, to check it runs.
# Needs Node.js >= 20 and npm (the reference is installed by npm ci into .cache/xverify);
# PostgreSQL (OBHUB_BENCH_PG) for the PostgreSQL figures.
bench: install
	$(BIN)/python -m bench $(if $(QUICK),--quick)

# openapi: regenerate the committed openapi.yaml from the application
openapi: install
	$(BIN)/obhub openapi --out openapi.yaml

# clean: remove the virtualenv, caches and build output (./var, which holds data and the key-encryption key, is kept)
clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .benchmarks dist build
	find src tests bench -name __pycache__ -type d -prune -exec rm -rf {} +
