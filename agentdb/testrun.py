"""`dbctl test`: every module migrated and seeded once, into a template database; then, for each module
with pgTAP files, a copy of it with the test helpers (and the volumes they generate) of the module and
of the modules it requires installed and analysed, and pg_prove over the module's rendered tests.
Modules run `jobs` at a time, each in its own database, so one module's volume is never in another's
plans; each module's report is printed whole when it ends."""

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg

from agentdb import migrate
from agentdb.connection import connect, libpq_environment, redact, with_database
from agentdb.errors import DbctlError
from agentdb.project import Project


def create_database(admin_dsn: str, prefix: str, template: str = "") -> str:
    name = f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}_{secrets.token_hex(3)}"
    with connect(admin_dsn) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_database(admin_dsn: str, name: str):
    with connect(admin_dsn) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def refuse_empty_modules(project: Project, module_names) -> None:
    """A module named for testing without pgTAP files is an error; checked before a server is started."""
    migrate.refuse_empty_modules(project, module_names, "pgTAP test", ("tests",), ignore=("helpers.sql",))


def migrate_for_tests(project: Project, conn, module_names) -> None:
    """The modules migrated, pgTAP created and the seeds loaded: what every module's tests start from."""
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


def install_helpers(conn, helpers) -> None:
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


@dataclass
class ModuleRun:
    name: str
    helpers: list  # helpers.sql of the module and of the modules it requires, in manifest order
    tests: list
    database: str = ""
    report: str = ""
    passed: bool = False
    counts: tuple[int, int] = (0, 0)  # files and assertions pg_prove reported
    seconds: float = 0.0


def module_tests(project: Project, modules, files=None, helper_modules=None) -> list[ModuleRun]:
    """Each module with pgTAP files (those of `files` only, if given), with the helpers its files may
    use: those of the module and of the modules it requires (of `helper_modules` only, if given)."""
    found = []
    for module in modules:
        tests = [rf for rf in project.kind_files([module], "tests")
                 if rf.source.path.name != "helpers.sql" and (files is None or rf.source.rel in files)]
        if tests:
            required = project.modules((module.name,))
            helpers = [rf for rf in project.kind_files(required, "tests") if rf.source.path.name == "helpers.sql"
                       and (helper_modules is None or rf.source.path.parent.name in helper_modules)]
            found.append(ModuleRun(module.name, helpers, tests))
    return found


def run(project: Project, admin_dsn: str, psql: str, keep: bool, echo, module_names=(), jobs: int = 0) -> int:
    pg_prove()
    modules = project.modules(module_names)
    runs = module_tests(project, modules)
    if not runs:
        raise DbctlError("no pgTAP tests under tests/<module>/")
    jobs = min(jobs or os.cpu_count() or 1, len(runs))
    started = time.monotonic()
    echo(f"test databases: {', '.join(m.name for m in modules)} migrated once, then a copy for each "
         f"module's tests, {jobs} at a time")
    for module_run in prove_modules(project, admin_dsn, psql, module_names, runs, jobs):
        echo(f"== {module_run.name}: {len(module_run.tests)} files in {module_run.database}, {module_run.seconds:.0f} s")
        echo(module_run.report.rstrip("\n"))
    for module_run in runs:
        if module_run.passed and not keep:
            drop_database(admin_dsn, module_run.database)
        else:
            echo(f"kept test database {module_run.database}: psql '{redact(with_database(admin_dsn, module_run.database))}'")
    failed = [module_run.name for module_run in runs if not module_run.passed]
    files, assertions = (sum(r.counts[i] for r in runs) for i in (0, 1))
    echo(f"pgTAP: {len(runs)} modules, {files} files, {assertions} assertions in {time.monotonic() - started:.0f} s: "
         + (f"FAILED in {', '.join(failed)}" if failed else "all passed"))
    return 1 if failed else 0


def prove_modules(project: Project, admin_dsn: str, psql: str, module_names, runs: list[ModuleRun], jobs: int):
    """The modules migrated and seeded once into a template database, a copy of it for each of runs,
    then each run (run_module) `jobs` at a time; yields each run when it and those before it have ended.
    The copies stay (the caller drops them); the template does not."""
    template = create_database(admin_dsn, "agentdb_test_template")
    try:
        with connect(with_database(admin_dsn, template)) as conn:
            migrate_for_tests(project, conn, module_names)
        for module_run in runs:  # one after another: a template is copied by one session at a time
            module_run.database = create_database(admin_dsn, f"agentdb_test_{module_run.name}", template)
    except BaseException:  # nothing half-made stays behind
        for module_run in runs:
            if module_run.database:
                drop_database(admin_dsn, module_run.database)
        raise
    finally:
        drop_database(admin_dsn, template)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_module, module_run, admin_dsn, psql) for module_run in runs]
        for module_run, future in zip(runs, futures):  # in the order given
            future.result()
            yield module_run


def run_module(module_run: ModuleRun, admin_dsn: str, psql: str) -> None:
    """One module's database: its helpers installed, then pg_prove over its files; the outcome is kept
    on it (a failure to connect or to install a helper is reported as the module's failure)."""
    started = time.monotonic()
    dsn = with_database(admin_dsn, module_run.database)
    try:
        with connect(dsn) as conn:
            install_helpers(conn, module_run.helpers)
        result = prove(module_run.tests, dsn, psql, capture_output=True, text=True)
        module_run.report = result.stdout + result.stderr
        module_run.passed = result.returncode == 0
        counts = re.search(r"Files=(\d+), Tests=(\d+)", result.stdout)
        module_run.counts = (int(counts[1]), int(counts[2])) if counts else (0, 0)
    except (DbctlError, psycopg.Error) as exc:
        module_run.report = f"could not prepare the test database: {' '.join(str(exc).split())}"
    module_run.seconds = time.monotonic() - started
