"""Fixtures: the server (DATABASE_URL or the embedded one), fresh databases, scratch projects."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from agentdb.connection import with_database  # noqa: E402


def pytest_configure(config):
    """Under `make test-calendar` (AGENTDB_CLIENT_CLOCK=server, DATABASE_URL a server whose clock is
    pinned) this process's wall clock starts at the server's now() before any test is collected and
    advances with it, so the times tests compute (datetime.now(), time.time()) agree with the
    server's. Monotonic clocks, sleeps and timeouts stay real; processes the tests start (dbctl) keep
    the real clock. See agentdb/calendar_run.py."""
    mode = os.environ.get("AGENTDB_CLIENT_CLOCK")
    if not mode:
        return
    if mode != "server" or not os.environ.get("DATABASE_URL"):
        raise pytest.UsageError("AGENTDB_CLIENT_CLOCK=server needs DATABASE_URL (the pinned server)")
    from agentdb.calendar_run import follow_server_clock

    config.agentdb_clock = follow_server_clock(os.environ["DATABASE_URL"])
    config.agentdb_clock.start()


def pytest_unconfigure(config):
    if getattr(config, "agentdb_clock", None):
        config.agentdb_clock.stop()


def dbctl(*args, dsn=None, project=None, env=None, check=False):
    """Run dbctl as a user would, in its own process; return the CompletedProcess."""
    command = [sys.executable, str(ROOT / "dbctl.py")]
    if project is not None:
        command += ["--project", str(project)]
    command += list(args)
    if dsn is not None:
        command += ["--dsn", dsn]
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f"dbctl {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def admin_dsn():
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    return dbctl("up", check=True).stdout.strip()


@pytest.fixture
def new_database(admin_dsn):
    """A factory of fresh, empty databases; all are dropped after the test."""
    created = []

    def make():
        name = f"agentdb_pytest_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return with_database(admin_dsn, name)

    yield make
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(new_database):
    return new_database()


@pytest.fixture
def scratch_project(tmp_path):
    """A copy of the real manifest and core module plus an empty module `demo` to write files into."""
    root = tmp_path / "project"
    root.mkdir()
    manifest = (ROOT / "manifest.toml").read_text()
    manifest = manifest.split("[[modules]]")[0] + "[[modules]]" + manifest.split("[[modules]]")[1]
    manifest += '\n[[modules]]\nname = "demo"\nrequires = ["core"]\nextensions = []\n'
    (root / "manifest.toml").write_text(manifest)
    for kind in ("schema", "functions"):
        shutil.copytree(ROOT / kind / "core", root / kind / "core")
    (root / "schema" / "demo").mkdir(parents=True)
    return root


def query(dsn, sql, params=None):
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def wait_while_running_until_blocked(dsn, holder_pid, *threads, count=1, timeout=30.0) -> bool:
    """Wait until `count` sessions are seen waiting on holder_pid's locks (pg_blocking_pids), or until
    every one of `threads` has finished; True when the waiters were seen. Deterministic interleaving
    for race tests: the holder acts only once the other side is known to be waiting or done, never
    after a sleep."""
    deadline = time.monotonic() + timeout
    while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline:
        if query(dsn, "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY (pg_blocking_pids(pid))",
                 (holder_pid,))[0][0] >= count:
            return True
        threads[0].join(0.005)
    return False


def ledger_files(dsn):
    return [r[0] for r in query(dsn, "SELECT file FROM core.migration_ledger ORDER BY id")]
