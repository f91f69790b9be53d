"""dbctl: render agentdb's SQL and apply it, in order, with a ledger (see README.md).

The server is --dsn, else DATABASE_URL, else the embedded PostgreSQL 18 (started on demand).
"""

from collections import Counter
from pathlib import Path

import click
import psycopg

from agentdb import backup, citus, html_report, import_sqlite, ledger, lint, maintain, migrate, testrun
from agentdb.connection import connect, resolve_dsn, server_home
from agentdb.errors import DbctlError
from agentdb.manifest import IDENTIFIER
from agentdb.project import Project
from agentdb.text_table import table
from agentdb.server import EmbeddedServer, wheel_install_dir

HERE = Path(__file__).resolve().parent


class Cli(click.Group):
    """Turns a database error that escaped a command into one readable line."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except psycopg.Error as exc:
            state = f" ({exc.sqlstate})" if exc.sqlstate else ""
            raise DbctlError(f"database error{state}: {str(exc).strip()}") from None


def parse_sets(values) -> dict:
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise DbctlError(f"--set {item!r}: expected KEY=VALUE")
        result[key.strip()] = value.strip()
    return result


def project_from(ctx, sets=()) -> Project:
    return Project(ctx.obj["root"], parse_sets(sets))


def open_database(ctx, dsn):
    return connect(resolve_dsn(dsn, ctx.obj["root"]))


def option_set(f):
    return click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                        help="Override a template variable of manifest.toml.")(f)


def option_module(f):
    return click.option("--module", "-m", "modules", multiple=True, metavar="MODULE",
                        help="Only this module (and what it requires); repeatable.")(f)


def option_dsn(f):
    return click.option("--dsn", help="Connection string; default DATABASE_URL, else the "
                                      "embedded server.")(f)


@click.group(cls=Cli)
@click.option("--project", type=click.Path(file_okay=False, path_type=Path),
              envvar="AGENTDB_PROJECT", default=HERE, show_default=True,
              help="Folder holding manifest.toml and the SQL folders.")
@click.pass_context
def cli(ctx, project):
    """agentdb: PostgreSQL schemas for multi-agent AI systems, kept as code."""
    ctx.obj = {"root": project.resolve()}


@cli.command()
@click.pass_context
def up(ctx):
    """Start the embedded PostgreSQL 18 (idempotent) and print its URL."""
    click.echo(EmbeddedServer(server_home(ctx.obj["root"])).up())


@cli.command()
@click.option("--wipe", is_flag=True, help="Also delete the server's data folder.")
@click.pass_context
def down(ctx, wipe):
    """Stop the embedded server (only the one of this project)."""
    click.echo(EmbeddedServer(server_home(ctx.obj["root"])).down(wipe=wipe))


@cli.command()
@click.pass_context
def server(ctx):
    """Show the embedded server: running or not, URL, data and log folders."""
    info = EmbeddedServer(server_home(ctx.obj["root"])).info()
    width = max(len(k) for k in info)
    for key, value in info.items():
        click.echo(f"{key.ljust(width)}  {value}")


@cli.command(name="migrate")
@option_module
@click.option("--dry-run", is_flag=True, help="Print what would be applied; change nothing.")
@click.option("--lock-timeout", help="Override [settings] lock_timeout, e.g. 2s.")
@click.option("--statement-timeout", help="Override [settings] statement_timeout, e.g. 1h.")
@option_set
@option_dsn
@click.pass_context
def migrate_command(ctx, modules, dry_run, lock_timeout, statement_timeout, sets, dsn):
    """Apply pending versioned files and changed repeatable files, in manifest order."""
    project = project_from(ctx, sets)
    if lock_timeout:
        project.settings["lock_timeout"] = lock_timeout
    if statement_timeout:
        project.settings["statement_timeout"] = statement_timeout
    with open_database(ctx, dsn) as conn:
        todo = migrate.migrate(project, conn, modules, dry_run=dry_run, echo=click.echo)
    if dry_run:
        for rf in todo:
            click.echo(f"would apply {rf.source.rel}")
        click.echo(f"{len(todo)} files would be applied (dry run: nothing changed)")
    elif todo:
        click.echo(f"applied {len(todo)} files")
    else:
        click.echo("nothing to apply: the database is up to date")


def current_plan(ctx, modules, sets, dsn):
    project = project_from(ctx, sets)
    selected = project.modules(modules)
    files = project.migration_files(selected)
    with open_database(ctx, dsn) as conn:
        entries = ledger.plan(files, ledger.read(conn), {m.name for m in selected})
        ledger.check_objects(conn, entries)
        where = f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}"
    return project, entries, where


@cli.command()
@option_module
@option_set
@option_dsn
@click.pass_context
def status(ctx, modules, sets, dsn):
    """List every migration file: applied, pending, changed, drifted, missing, or applied but with
    an object missing from the catalog. Exits non-zero on drift, out-of-order or missing files and
    missing objects (like Flyway's validate), after showing everything."""
    _, entries, where = current_plan(ctx, modules, sets, dsn)
    rows = [[e.module, e.file, e.state,
             e.applied_at.strftime("%Y-%m-%d %H:%M:%S") if e.applied_at else ""] for e in entries]
    click.echo(f"database: {where}")
    click.echo(table(["module", "file", "state", "applied at"], rows))
    counts = Counter(e.state for e in entries)
    click.echo(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    show_maintenance_health(ctx, dsn)
    found = ledger.problems(entries) + ledger.missing_object_lines(entries)
    if found:
        raise DbctlError(f"{where} disagrees with the files:\n  " + "\n  ".join(found))


def show_maintenance_health(ctx, dsn):
    with open_database(ctx, dsn) as conn:
        if not conn.execute("SELECT to_regclass('core.maintenance_health') IS NOT NULL").fetchone()[0]:
            return
        tables = conn.execute(
            """SELECT parent::text, partitions, rows_in_default,
                      CASE WHEN unroutable_rows > 0 THEN unroutable_rows || ' (' || unroutable_key || ')' END,
                      covered_until::date,
                      oldest_partition::text, last_run_at::timestamp(0), last_outcome
                 FROM core.maintenance_health"""
        ).fetchall()
        views = conn.execute(
            """SELECT view::text, last_refreshed_at::timestamp(0), last_outcome
                 FROM core.materialized_view_health ORDER BY 1"""
        ).fetchall()
        alerts = None
        if conn.execute("SELECT to_regclass('core.monitoring_alerts') IS NOT NULL").fetchone()[0]:
            alerts = conn.execute("SELECT severity, kind, target, message FROM core.monitoring_alerts").fetchall()
    if tables:
        click.echo("\npartitioned tables")
        click.echo(table(["table", "partitions", "rows in default", "unroutable (key)", "covered until", "oldest",
                          "last maintenance", "outcome"], tables))
    if views:
        click.echo("\nmaterialized views")
        click.echo(table(["view", "last refreshed", "outcome"], views))
    if alerts is not None:
        click.echo("\nmonitoring alerts" + ("" if alerts else ": none"))
        if alerts:
            click.echo(table(["severity", "kind", "target", "message"], alerts))


@cli.command()
@option_module
@option_set
@option_dsn
@click.pass_context
def verify(ctx, modules, sets, dsn):
    """Fail if an applied versioned file was edited, renumbered or deleted (drift)."""
    _, entries, where = current_plan(ctx, modules, sets, dsn)
    found = ledger.problems(entries)
    if found:
        raise DbctlError(f"drift in {where}:\n  " + "\n  ".join(found))
    pending = sum(e.state in (ledger.PENDING, ledger.CHANGED) for e in entries)
    applied = sum(e.state == ledger.APPLIED for e in entries)
    click.echo(f"no drift: {applied} files applied as they are on disk, {pending} to apply")


@cli.command()
@option_module
@click.option("--pending", is_flag=True,
              help="Only what migrate would apply to the database (connects to it).")
@click.option("--citus", "citus_script", is_flag=True,
              help="Instead, the Citus distribution script (create_reference_table, "
                   "create_distributed_table) from core.distribution_plan of the migrated database.")
@option_set
@option_dsn
@click.pass_context
def render(ctx, modules, pending, citus_script, sets, dsn):
    """Print the migration as one psql script: dbctl render | psql -v ON_ERROR_STOP=1."""
    project = project_from(ctx, sets)
    if citus_script:
        if pending:
            raise DbctlError("--citus and --pending do not go together")
        schemas = [m.name for m in project.modules(modules)]
        with open_database(ctx, dsn) as conn:
            click.echo(citus.render(conn, schemas, project.variables["owner_role"]), nl=False)
        return
    if pending:
        _, entries, _ = current_plan(ctx, modules, sets, dsn)
        ledger.raise_on_problems(entries)
        files = ledger.to_apply(entries)
    else:
        files = project.migration_files(project.modules(modules))
    click.echo(migrate.script(project, files), nl=False)


@cli.command()
@option_module
@option_set
@option_dsn
@click.pass_context
def seed(ctx, modules, sets, dsn):
    """Load the example data of seeds/<module>/ (safe to run twice)."""
    project = project_from(ctx, sets)
    with open_database(ctx, dsn) as conn:
        count = migrate.seed(project, conn, modules, echo=click.echo)
    click.echo(f"loaded {count} seed files")


@cli.command()
@click.argument("module")
@click.argument("name")
@click.pass_context
def new(ctx, module, name):
    """Create schema/MODULE/NNNN_NAME.sql, the module's next versioned file."""
    project = project_from(ctx)
    project.manifest.module(module)
    if not IDENTIFIER.match(name):
        raise DbctlError(f"name {name!r}: use lower-case words joined by _ (e.g. add_user_email)")
    existing = project.manifest.kind_files(project.manifest.module(module), "schema")
    version = (existing[-1].version if existing else 0) + 1
    path = ctx.obj["root"] / "schema" / module / f"{version:04d}_{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"-- {module}: {name.replace('_', ' ')}.\n"
        "-- What this file changes and why (spec section, issue). Applied once; never edited after\n"
        "-- release: put later changes in a new file.\n\n"
    )
    click.echo(path.relative_to(ctx.obj["root"]))


@cli.command(name="import-sqlite")
@click.option("--source", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The SQLite shared state, e.g. shared_state.db.")
@click.option("--label", help="Names this source in background.sqlite_imports (default: the file's name).")
@option_dsn
@click.pass_context
def import_sqlite_command(ctx, source, label, dsn):
    """Copy a background agents' SQLite shared state into the background module (spec 003)."""
    with open_database(ctx, dsn) as conn:
        reports = import_sqlite.import_sqlite(conn, source, label)
    click.echo(table(import_sqlite.COLUMNS, [r.row() for r in reports]))
    skipped = [[r.table, rowid, reason] for r in reports for rowid, reason in r.skipped]
    if skipped:
        click.echo()
        click.echo(table(["table", "rowid", "skipped because"], skipped))


@cli.command(name="maintain")
@click.option("--dry-run", is_flag=True, help="Report what would be done; change nothing.")
@click.option("--now", "now", metavar="TIMESTAMPTZ", help="Maintain as of this moment (default now).")
@option_set
@option_dsn
@click.pass_context
def maintain_command(ctx, dry_run, now, sets, dsn):
    """Partitions ahead, rows rescued from default partitions, retention, view refreshes."""
    project = project_from(ctx, sets)
    with open_database(ctx, dsn) as conn:
        report = maintain.maintain(conn, now, dry_run, project.variables["maintenance_lock_timeout_ms"])
    click.echo(table(maintain.COLUMNS, [list(r) for r in report]))
    failed = sum(r[5] == "failed" for r in report)
    if failed:
        raise DbctlError(f"{failed} maintenance actions failed (see the table above)")


@cli.command(name="report")
@option_module
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("agentdb-report.html"),
              show_default=True, help="The HTML file to write.")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True,
              help="How many days of history the charts show.")
@option_set
@option_dsn
@click.pass_context
def report_command(ctx, modules, out, days, sets, dsn):
    """One self-contained HTML page of the database: overview, partitions and retention, growth,
    maintenance history, each migrated module, query health. Reads as the read-only role, in a READ
    ONLY transaction; needs no network to open."""
    project = project_from(ctx, sets)
    with open_database(ctx, dsn) as conn:
        page = html_report.build_report(conn, project, modules, days)
    out.write_text(page, encoding="utf-8")
    click.echo(f"wrote {out} ({len(page.encode()) / 1e6:.1f} MB)")


@cli.command()
@click.option("--cron", default="*/15 * * * *", show_default=True, help="When to run maintenance.")
@option_dsn
@click.pass_context
def schedule(ctx, cron, dsn):
    """Register maintenance with pg_cron, or print the crontab line where pg_cron is missing."""
    with open_database(ctx, dsn) as conn:
        click.echo(maintain.schedule(conn, cron))


@cli.command(name="backup")
@option_module
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write (default .agentdb/backups/backup_<db>_<time>.dump).")
@click.option("--keep-days", type=int, metavar="N",
              help="Then remove backups older than N days from the archive's folder.")
@option_set
@option_dsn
@click.pass_context
def backup_command(ctx, modules, out, keep_days, sets, dsn):
    """pg_dump (custom format) of the database, or of some modules' schemas; prints file, size, time."""
    project = project_from(ctx, sets)
    backup.backup(project, resolve_dsn(dsn, ctx.obj["root"]), wheel_install_dir() / "bin", modules, out,
                  keep_days, click.echo)


@cli.command(name="restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@option_set
@option_dsn
@click.pass_context
def restore_command(ctx, archive, sets, dsn):
    """Restore a backup into an empty database (refused otherwise), in one transaction; then verify."""
    project = project_from(ctx, sets)
    backup.restore(project, resolve_dsn(dsn, ctx.obj["root"]), wheel_install_dir() / "bin", archive, click.echo)


@cli.command(name="test")
@click.option("--keep", is_flag=True, help="Keep the test databases afterwards.")
@click.option("--jobs", "-j", default=0, type=click.IntRange(0), metavar="N",
              help="Modules tested at once, each in its own database; default: one per core.")
@option_module
@option_set
@option_dsn
@click.pass_context
def test_command(ctx, keep, jobs, modules, sets, dsn):
    """Migrate the modules (all by default) once, then run each module's pgTAP tests in a copy of
    that database with the module's test helpers and volumes."""
    project = project_from(ctx, sets)
    testrun.refuse_empty_modules(project, modules)
    admin = resolve_dsn(dsn, ctx.obj["root"])
    psql = str(wheel_install_dir() / "bin" / "psql")
    ctx.exit(testrun.run(project, admin, psql, keep, click.echo, modules, jobs))


@cli.command(name="lint")
@option_set
@click.pass_context
def lint_command(ctx, sets):
    """sqlfluff over every SQL file, squawk over the rendered versioned migrations, pgspot over the
    rendered migration files of every module (accepted findings in .pgspot.toml, with reasons)."""
    project = project_from(ctx, sets)
    fluff = lint.sqlfluff(project)
    squawk = lint.squawk(project)
    spot = lint.pgspot(project, click.echo)
    if fluff or squawk or spot:
        raise DbctlError(f"lint found problems (sqlfluff exit {fluff}, squawk exit {squawk}, pgspot exit {spot})")
    click.echo("lint: no problems")


if __name__ == "__main__":
    cli()
