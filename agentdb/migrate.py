"""Applying migration files: checks first, then one transaction per file with its ledger row.

Every object a migration creates belongs to the owner role, whoever connects (DESIGN.md section 6):
a file runs under SET ROLE <owner_role> as soon as its module's schema exists and belongs to that
role. Only what must come before that runs as the connecting role: core's bootstrap (the ledger and
the roles themselves, until core's schema is handed to the owner), the file of each module that
creates its schema, and the extensions a module declares, created before the module's files. A file
marked `-- dbctl:connecting-role` also runs as the connecting role: it changes what belongs to the
cluster (a role's settings), which the owner role may not, and creates no object.

The NOTICEs and WARNINGs a file raises itself (RAISE in a DO block or function it runs) are echoed
with the file's name; the server's own chatter (IF NOT EXISTS skips, renamed indexes) is not.

`script()` writes the same thing as a psql script, so `dbctl render | psql` and `dbctl migrate`
build identical databases.
"""

import time

import psycopg

from agentdb import citus, ledger
from agentdb.errors import DbctlError
from agentdb.manifest import REPEATABLE_KINDS
from agentdb.project import Project
from agentdb.sqlfiles import RenderedFile, Statement


def check_server(conn: psycopg.Connection, modules) -> None:
    """Refuse before anything is applied when the server lacks a version or an extension."""
    version = conn.info.server_version
    where = f"PostgreSQL {version // 10000}.{version % 10000} at {conn.info.host}:{conn.info.port}"
    for module in modules:
        if version < module.min_server_version * 10000:
            raise DbctlError(
                f"module {module.name} needs PostgreSQL {module.min_server_version} or newer; "
                f"this server is {where}"
            )
    available = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
    missing = [(m.name, e) for m in modules for e in m.extensions if e not in available]
    if missing:
        lines = [f"module {m} needs extension {e}" for m, e in missing]
        raise DbctlError(
            f"the server ({where}) lacks extensions, so nothing was applied:\n  "
            + "\n  ".join(lines)
            + "\ninstall them on the server (their packages are named after them), "
            "or leave those modules out with --module"
        )


def migrate(project: Project, conn, module_names=(), dry_run=False, echo=print) -> list:
    """Apply what is pending; return the rendered files applied (or that would be, on dry run)."""
    modules = project.modules(module_names)
    refuse_empty_modules(project, module_names, "migration", ("schema", *REPEATABLE_KINDS))
    files = project.migration_files(modules)
    check_server(conn, modules)
    citus.check_coordinator(conn, project, module_names)
    ledger.acquire_lock(conn, echo)
    try:
        entries = ledger.plan(files, ledger.read(conn), {m.name for m in modules})
        ledger.raise_on_problems(entries)
        ledger.check_objects(conn, entries)
        for line in ledger.missing_object_lines(entries):
            echo(line)
        todo = ledger.to_apply(entries)
        if dry_run:
            return todo
        prepared = set()
        applying = [None]

        def raised(diag):
            if applying[0] is not None and _raised_by_file(diag):
                hint = f" HINT: {diag.message_hint}" if diag.message_hint else ""
                echo(f"{applying[0]}: {diag.severity}: {diag.message_primary}{hint}")

        conn.add_notice_handler(raised)
        try:
            for rf in todo:
                module = project.manifest.module(rf.source.module)
                if module.name not in prepared:
                    create_extensions(conn, module, project.variables)
                    prepared.add(module.name)
                applying[0] = rf.source.rel
                seconds = apply_file(conn, rf, project.settings, project.variables["owner_role"])
                applying[0] = None
                echo(f"applied {rf.source.rel} ({seconds * 1000:.0f} ms)")
        finally:
            conn.remove_notice_handler(raised)
        return todo
    finally:
        conn.execute(ledger.UNLOCK_SQL)


def _raised_by_file(diag) -> bool:
    """A NOTICE or WARNING from a RAISE statement (its context's innermost line ends `at RAISE`)."""
    context = (diag.context or "").strip().splitlines()
    return bool(context) and context[0].rstrip().endswith("at RAISE")


def refuse_empty_modules(project: Project, module_names, what: str, kinds: tuple, ignore=()) -> None:
    """A module named on the command line with no files of these kinds (other than the file names in
    `ignore`) is an error, not a silent no-op."""
    empty = [name for name in dict.fromkeys(module_names)
             if not any(f.path.name not in ignore for k in kinds
                        for f in project.manifest.kind_files(project.manifest.module(name), k))]
    if empty:
        raise DbctlError("nothing was done: " + "; ".join(
            f"module {name} is declared in manifest.toml but has no {what} files "
            f"(in {', '.join(f'{k}/{name}/' for k in kinds)})" for name in empty))


# Every migration file runs with only pg_catalog (and pg_temp, last) on its search_path, so a name the
# file does not qualify can only mean a built-in: an object someone placed in public or in a schema
# named after the connecting role cannot capture an operator, a function or a type of the migration
# (what pgspot checks, see agentdb/lint.py). Files qualify everything else: core.uuidv7(),
# <extension schema>.gin_trgm_ops, their own tables.
SEARCH_PATH = "pg_catalog, pg_temp"


def timeouts(settings: dict) -> tuple[str, str]:
    return str(settings["lock_timeout"]), str(settings["statement_timeout"])


def extensions_sql(module, variables: dict) -> list[str]:
    """The module's declared extensions, created (if missing) by the connecting role."""
    schema = variables["extension_schema"]
    return [f'CREATE EXTENSION IF NOT EXISTS "{name}" WITH SCHEMA {schema}' for name in module.extensions]


def create_extensions(conn: psycopg.Connection, module, variables: dict) -> None:
    with conn.transaction():
        for statement in extensions_sql(module, variables):
            try:
                conn.execute(statement)
            except psycopg.Error as exc:
                raise DbctlError(
                    f"module {module.name}: {statement} failed: {exc.sqlstate} "
                    f"{exc.diag.message_primary}; connect as a role that may create extensions "
                    "(a superuser, or the database owner for trusted ones), or create them once by hand"
                ) from None


def become_owner_sql(module: str, owner: str, local: bool) -> str:
    """SET ROLE <owner> when the module's schema exists and belongs to it, else nothing (bootstrap)."""
    return (
        "DO $owner$ BEGIN "
        f"IF EXISTS (SELECT FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner "
        f"WHERE n.nspname = '{module}' AND r.rolname = '{owner}') "
        f"THEN PERFORM pg_catalog.set_config('role', '{owner}', {'true' if local else 'false'}); "
        "END IF; END $owner$"
    )


def apply_file(conn: psycopg.Connection, rf: RenderedFile, settings: dict, owner: str) -> float:
    statements = rf.statements
    lock_timeout, statement_timeout = timeouts(settings)
    set_timeouts = ("SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s), "
                    "set_config('search_path', %s, %s)")
    started = time.monotonic()
    if rf.transactional:
        with conn.transaction():
            conn.execute(set_timeouts, (lock_timeout, True, statement_timeout, True, SEARCH_PATH, True))
            if rf.as_owner:
                conn.execute(become_owner_sql(rf.source.module, owner, local=True))
            run_statements(conn, rf, statements)
            seconds = time.monotonic() - started
            conn.execute(ledger.insert_sql(), ledger.insert_params(rf, seconds))
        return seconds
    conn.execute(set_timeouts, (lock_timeout, False, statement_timeout, False, SEARCH_PATH, False))
    if rf.as_owner:
        conn.execute(become_owner_sql(rf.source.module, owner, local=False))
    try:
        run_statements(conn, rf, statements)
        seconds = time.monotonic() - started
        conn.execute(ledger.insert_sql(), ledger.insert_params(rf, seconds))
    finally:
        conn.execute("RESET lock_timeout; RESET statement_timeout; RESET search_path; RESET ROLE")
    return seconds


def run_statements(conn, rf: RenderedFile, statements: list[Statement]):
    for statement in statements:
        try:
            conn.execute(statement.text)
        except psycopg.Error as exc:
            raise _failure(rf, statement, exc) from None


def _failure(rf: RenderedFile, statement: Statement, exc: psycopg.Error) -> DbctlError:
    diag = exc.diag
    line = statement.line
    if diag.statement_position:
        offset = int(diag.statement_position) - 1
        line = statement.first_line + statement.text.count("\n", 0, offset)
    message = diag.message_primary or str(exc).strip()
    parts = [f"{rf.source.rel}:{line}: {diag.severity or 'ERROR'} {exc.sqlstate}: {message}"]
    for label, value in (("DETAIL", diag.message_detail), ("HINT", diag.message_hint),
                         ("CONTEXT", diag.context)):
        if value:
            parts.append(f"  {label}: {value.strip()}")
    if exc.sqlstate in ("55P03", "57014"):
        parts.append(
            "  the migration timed out waiting (lock_timeout / statement_timeout in manifest.toml "
            "[settings], or --lock-timeout / --statement-timeout); retry when the table is quieter"
        )
    if rf.transactional:
        parts.append("  the file was rolled back: nothing from it is applied; files before it stay applied")
    else:
        parts.append(
            f"  {rf.source.rel} runs without a transaction: statements before line {statement.line} "
            "stay committed and the file is not recorded; it must be safe to run again"
        )
    return DbctlError("\n".join(parts))


def script(project: Project, files: list[RenderedFile]) -> str:
    """A psql script equivalent to migrate: the lock, then each file in its own transaction."""
    lock_timeout, statement_timeout = timeouts(project.settings)
    owner = project.variables["owner_role"]
    prepared = set()
    out = [
        "-- agentdb migration script, rendered by dbctl. Apply with:",
        "--   psql -v ON_ERROR_STOP=1 -f <this file>",
        "\\set ON_ERROR_STOP on",
        f"{ledger.LOCK_SQL};",
    ]
    for rf in files:
        src = rf.source
        what = f"versioned {src.version:04d}" if src.versioned else f"repeatable {src.kind}"
        module = project.manifest.module(src.module)
        if module.name not in prepared and module.extensions:
            out += ["", f"-- ==== extensions of {module.name}, created by the connecting role ===="]
            out += [f"{statement};" for statement in extensions_sql(module, project.variables)]
        prepared.add(module.name)
        out += ["", f"-- ==== {src.rel} ({src.module}, {what}) ===="]
        scope = "LOCAL " if rf.transactional else ""
        if rf.transactional:
            out.append("BEGIN;")
        out.append(f"SET {scope}lock_timeout = '{lock_timeout}';")
        out.append(f"SET {scope}statement_timeout = '{statement_timeout}';")
        out.append(f"SET {scope}search_path = {SEARCH_PATH};")
        if rf.as_owner:  # a connecting-role file runs as whoever runs psql (its first line says so)
            out.append(f"{become_owner_sql(src.module, owner, local=rf.transactional)};")
        out.append(rf.sql.rstrip("\n"))
        version = "NULL" if src.version is None else str(src.version)
        out.append(
            f"INSERT INTO {ledger.LEDGER} (module, kind, file, version, checksum, duration) "
            f"VALUES ('{src.module}', '{src.kind}', '{src.rel}', {version}, '{rf.checksum}', '0');"
        )
        out.append("COMMIT;" if rf.transactional
                   else "RESET lock_timeout;\nRESET statement_timeout;\nRESET search_path;\nRESET ROLE;")
    out += ["", f"{ledger.UNLOCK_SQL};", ""]
    return "\n".join(out)


def seed(project: Project, conn, module_names=(), echo=print) -> int:
    """Load seeds/<module>/*.sql, each file in a transaction; the modules must be fully migrated."""
    modules = project.modules(module_names)
    files = project.migration_files(modules)
    seeds = project.kind_files(modules, "seeds")
    ledger.acquire_lock(conn, echo)
    try:
        entries = ledger.plan(files, ledger.read(conn), {m.name for m in modules})
        behind = [e.file for e in entries if e.state != ledger.APPLIED]
        if behind:
            raise DbctlError(
                f"the database is not fully migrated ({len(behind)} files, first {behind[0]}); "
                "run dbctl migrate first"
            )
        for rf in seeds:
            with conn.transaction():
                run_statements(conn, rf, rf.statements)
            echo(f"seeded {rf.source.rel}")
        if seeds:
            refresh_views(conn, [m.name for m in modules], echo)
        return len(seeds)
    finally:
        conn.execute(ledger.UNLOCK_SQL)


def refresh_views(conn, schemas: list[str], echo=print) -> None:
    """Refresh the registered materialized views of these module schemas, so reads after a seed see it."""
    views = conn.execute(
        """SELECT v.view::text FROM core.materialized_views AS v
             JOIN pg_catalog.pg_class AS c ON c.oid = v.view
             JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(%s) ORDER BY 1""",
        (schemas,),
    ).fetchall()
    for (view,) in views:
        outcome, message = conn.execute(
            "SELECT outcome, message FROM core.refresh_materialized_view(%s::regclass)", (view,)
        ).fetchone()
        if outcome == "failed":
            raise DbctlError(f"seeded, but refreshing {view} failed: {message}; run dbctl maintain")
        echo(f"refreshed {view}" if outcome == "ok" else f"{view}: {outcome} ({message})")
