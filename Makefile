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
#   make docs-screenshot  regenerate docs/report-background.png (dbctl report, headless Chromium)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBCTL := $(BIN)/dbctl
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
.PHONY: setup system-packages up down migrate status test test-calendar lint pytest pgtap render bench bench-quick test-pg15 test-citus \
        docs-screenshot

setup: $(VENV)/.installed system-packages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# From Debian, each only when missing: pg_prove and the pgTAP extension (pure SQL, which the embedded
# PostgreSQL 18 finds), libfaketime (package faketime: it pins the clock of make test-calendar's
# servers), and chromium (dbctl report's browser test and make docs-screenshot).
system-packages:
	@missing=""; \
	command -v pg_prove >/dev/null || missing="$$missing libtap-parser-sourcehandler-pgtap-perl"; \
	compgen -G '/usr/share/postgresql/*/extension/pgtap.control' >/dev/null || missing="$$missing postgresql-15-pgtap"; \
	compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || missing="$$missing faketime"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing from Debian"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
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

# The README's screenshot: dbctl report --module background --days 7 on a fresh database with the
# background module migrated, seeded and maintained once, opened in Debian's headless Chromium.
docs-screenshot: setup up
	$(BIN)/python tests/python/report_screenshot.py docs/report-background.png
