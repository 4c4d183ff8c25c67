# The two commands: `make run` (the demo: both chambers' nodes on SQLite, exchanging, at
# http://127.0.0.1:8000 and :8001) and `make test` (lint, types, and the whole test suite on
# SQLite and PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
# Test processes per database run (pytest-xdist); the suite's fixtures are safe to run in parallel.
TEST_WORKERS ?= 2

.PHONY: run test install browser lint messages pytest pytest-sqlite pytest-postgres bench clean exchange-spec

# The planner's C search is rebuilt by the editable install whenever it changes.
$(BIN)/bureau: pyproject.toml setup.py bureau/freight/_pareto.c
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Bytecode is compiled here, not left to each process: where PYTHONDONTWRITEBYTECODE is set,
# every command, server and test process would otherwise compile the bureau's modules anew
# (about 0.7 s of each start).
install: $(BIN)/bureau
	$(BIN)/python -m compileall -q -j 0 bureau config

run: install
	BUREAU_DEMO_DATA=$${BUREAU_DEMO_DATA-$(wildcard $(CURDIR)/../shared/data)} $(BIN)/bureau demo --pair

# Update the Azerbaijani and Urdu catalogues from the code, compile them, list what is untranslated.
messages: install
	$(BIN)/bureau messages

browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest-sqlite: install browser
	env -u DATABASE_URL BUREAU_HOME=$$(mktemp -d) $(BIN)/pytest -q -n $(TEST_WORKERS)

pytest-postgres: install browser
	DATABASE_URL=$(PG_TEST_URL) BUREAU_HOME=$$(mktemp -d) $(BIN)/pytest -q -n $(TEST_WORKERS)

test: lint pytest-sqlite pytest-postgres

# Rewrite the exchange protocol's JSON Schemas and test vectors (bureau/exchange/spec/) from
# the code, after adding an event type, an item field or a vocabulary value.
exchange-spec: install
	$(BIN)/python -m bureau.exchange.vectors

clean:
	rm -rf $(VENV) var build *.egg-info
