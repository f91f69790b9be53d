# agentdb: every target works from a fresh clone on a fresh Debian 12 machine.
#   make migrate   the main job: set up, start the embedded server, apply every module, show status
#   make test      set up, start the server, lint, a quick benchmark run (smoke), pytest, pgTAP,
#                  then make test-calendar
#   make test-calendar
#                  the time-dependent suites (partitions, maintenance, retention, expiry, stale
#                  agents, time travel, the quick bench's films data and its maintenance call) on
#                  servers whose clock is pinned by libfaketime: the 1st of a month, the last day of
#                  a month, 29 February 2028, new year's eve, both DST changes in New York
#                  (agentdb/calendar_run.py lists the instants and suites; a few minutes)
#   make bench     the full benchmark (make bench-quick: small sizes), with Google ADK as a peer
#   make test-citus  every module distributed and run on a three-node Citus cluster on 127.0.0.1
#                  (needs the Citus build in ../shared/citus; docs/scale-out.md)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBCTL := $(BIN)/dbctl
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
DEBIAN_PACKAGES := postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl faketime

.PHONY: setup system-packages up down migrate status test test-calendar lint pytest pgtap render bench bench-quick test-pg15 test-citus

setup: $(VENV)/.installed system-packages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# pg_prove and the pgTAP extension (pure SQL, which the embedded PostgreSQL 18 finds) from Debian;
# libfaketime (package faketime) pins the clock of the servers of make test-calendar.
system-packages:
	@if command -v pg_prove >/dev/null && compgen -G '/usr/share/postgresql/*/extension/pgtap.control' >/dev/null \
	    && compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null; then \
	  true; \
	else \
	  echo "installing $(DEBIAN_PACKAGES) from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	fi

up: setup
	$(DBCTL) up

down:
	$(DBCTL) down

migrate: setup up
	$(DBCTL) migrate
	$(DBCTL) status

status: setup
	$(DBCTL) status

test: setup up lint bench-quick pytest pgtap test-calendar

lint: setup
	$(DBCTL) lint

pytest: setup $(VENV)/.bench-installed
	$(BIN)/pytest -q

pgtap: setup
	$(DBCTL) test

# One embedded server per instant (its own, under .agentdb/calendar), so the main server is untouched.
test-calendar: setup $(VENV)/.bench-installed
	$(BIN)/python -m agentdb.calendar_run

render: setup
	@$(DBCTL) render

# The pgTAP suite of core and films on Debian's PostgreSQL 15 (the oldest major we test; it has no
# pgvector, so memory is left out). Needs root or sudo to start the system cluster.
PG15_DSN := postgresql://agentdb_pg15:agentdb_pg15@127.0.0.1:5432/postgres
test-pg15: setup
	$(SUDO) pg_ctlcluster 15 main start 2>/dev/null || true
	$(SUDO) runuser -u postgres -- psql -p 5432 -Xqc "DO \$$\$$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agentdb_pg15') THEN CREATE ROLE agentdb_pg15 LOGIN SUPERUSER PASSWORD 'agentdb_pg15'; END IF; END \$$\$$"
	$(DBCTL) test --module films --dsn '$(PG15_DSN)'

# The frameworks the tests and the benchmark run against (google-adk with its database extra, LangGraph
# with PostgresSaver and its conformance suite), installed for the tests and benchmarks only.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $@

bench: setup up $(VENV)/.bench-installed
	$(BIN)/python -m bench

bench-quick: setup up $(VENV)/.bench-installed
	$(BIN)/python -m bench --quick

# The scale-out path on a real Citus cluster (coordinator + 2 workers on 127.0.0.1) with the Citus
# build in ../shared/citus (or AGENTDB_CITUS_DIR); AGENTDB_SKIP_CITUS=1 skips it, saying so.
test-citus: setup $(VENV)/.bench-installed
	$(BIN)/pytest -q -p no:cacheprovider tests/citus
