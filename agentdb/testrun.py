"""`dbctl test`: a fresh database with every module migrated and seeded, the test helpers (and the
volumes they generate) installed and analysed, then pg_prove over the rendered tests."""

import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from agentdb import migrate
from agentdb.connection import connect, libpq_environment, redact, with_database
from agentdb.errors import DbctlError
from agentdb.project import Project


def create_database(admin_dsn: str, prefix: str) -> str:
    name = f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}_{secrets.token_hex(3)}"
    with connect(admin_dsn) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin_dsn: str, name: str):
    with connect(admin_dsn) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def refuse_empty_modules(project: Project, module_names) -> None:
    """A module named for testing without pgTAP files is an error; checked before a server is started."""
    migrate.refuse_empty_modules(project, module_names, "pgTAP test", ("tests",), ignore=("helpers.sql",))


def prepare(project: Project, conn, module_names, helpers) -> None:
    """The test database as the pgTAP files expect it: the modules migrated, pgTAP, the seeds, the
    given helpers.sql files (shared helpers and generated volumes), then VACUUM ANALYZE."""
    migrate.migrate(project, conn, module_names, echo=lambda _: None)
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
    except psycopg.Error as exc:
        raise DbctlError(
            f"pgTAP is not available on this server ({exc.diag.message_primary}); "
            "`make setup` installs Debian's postgresql-15-pgtap, which the embedded server finds "
            "when it starts (restart it if it was running: dbctl down && dbctl up)"
        ) from None
    migrate.seed(project, conn, module_names, echo=lambda _: None)  # the stories the tests read
    for rf in helpers:  # shared helpers and generated volumes (schema tests)
        with conn.transaction():
            migrate.run_statements(conn, rf, rf.statements)
    conn.execute("VACUUM (ANALYZE)")  # statistics and visibility, as plans in production see them


def pg_prove() -> str:
    found = shutil.which("pg_prove")
    if not found:
        raise DbctlError("pg_prove is not installed: `make setup` installs it (Debian: "
                         "libtap-parser-sourcehandler-pgtap-perl)")
    return found


def prove(tests, dsn: str, psql: str, **options) -> subprocess.CompletedProcess:
    """pg_prove over the rendered test files, written to a temporary folder under their own paths;
    options go to subprocess.run (capture_output=True to read the report)."""
    with tempfile.TemporaryDirectory(prefix="agentdb-tests-") as folder:
        paths = []
        for rf in tests:
            target = Path(folder, rf.source.rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rf.sql)
            paths.append(rf.source.rel)
        command = [pg_prove(), "--psql-bin", psql, "--failures", *paths]
        return subprocess.run(command, cwd=folder, env=libpq_environment(dsn), **options)


def run(project: Project, admin_dsn: str, psql: str, keep: bool, echo, module_names=()) -> int:
    pg_prove()
    modules = project.modules(module_names)
    files = project.kind_files(modules, "tests")
    helpers = [rf for rf in files if rf.source.path.name == "helpers.sql"]
    tests = [rf for rf in files if rf not in helpers]
    if not tests:
        raise DbctlError("no pgTAP tests under tests/<module>/")
    name = create_database(admin_dsn, "agentdb_test")
    dsn = with_database(admin_dsn, name)
    echo(f"test database {name}: migrating {', '.join(m.name for m in modules)}")
    passed = False
    try:
        with connect(dsn) as conn:
            prepare(project, conn, module_names, helpers)
        result = prove(tests, dsn, psql)
        passed = result.returncode == 0
        return result.returncode
    finally:
        if passed and not keep:
            drop_database(admin_dsn, name)
        else:
            echo(f"kept test database {name}: psql '{redact(dsn)}'")
