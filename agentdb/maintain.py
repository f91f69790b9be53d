"""`dbctl maintain` and `dbctl schedule`: core's maintenance, one table per transaction.

The work itself is SQL (core.maintain_table, core.run_maintenance_task, core.refresh_materialized_view),
in the same order as core.run_maintenance(): tables, tasks, views. dbctl adds what a
function cannot do: commit after every table, and DETACH PARTITION ... CONCURRENTLY (outside any
transaction) for tables without a default partition, after which core.retire_partition finishes.
"""

import time
from datetime import timedelta

import psycopg

CRON_COMMAND = "SELECT count(*) FROM core.run_maintenance()"
CRON_JOB = "agentdb-maintenance"
COLUMNS = ["target", "action", "partition", "rows", "duration", "outcome", "message"]


def _failed(target, action, exc: psycopg.Error) -> tuple:
    return (target, action, None, None, None, "failed", f"{exc.sqlstate}: {exc.diag.message_primary}")


def maintain(conn: psycopg.Connection, now=None, dry_run=False, lock_timeout_ms=200) -> list[tuple]:
    run_id = conn.execute("SELECT core.uuidv7()").fetchone()[0]
    tables = conn.execute("SELECT parent::text FROM core.partitioned_tables ORDER BY 1").fetchall()
    tasks = conn.execute("SELECT task::text FROM core.maintenance_tasks ORDER BY 1").fetchall()
    views = conn.execute("SELECT view::text FROM core.materialized_views ORDER BY 1").fetchall()
    report = []
    for (table,) in tables:
        try:
            actions = conn.execute(
                "SELECT * FROM core.maintain_table(%s::regclass, coalesce(%s, now()), %s, %s, true)",
                (table, now, dry_run, run_id),
            ).fetchall()
        except psycopg.Error as exc:
            report.append(_failed(table, "maintain", exc))
            continue
        for action in actions:
            concurrent = action[5] == "planned" and (action[6] or "").startswith("to detach CONCURRENTLY")
            if concurrent and not dry_run:
                action = _detach_concurrently(conn, action, now, run_id, lock_timeout_ms)
            report.append(action)
    for (task,) in tasks:
        try:
            report += conn.execute(
                "SELECT * FROM core.run_maintenance_task(%s::regprocedure, coalesce(%s, now()), %s, %s)",
                (task, now, dry_run, run_id),
            ).fetchall()
        except psycopg.Error as exc:
            report.append(_failed(task, "task", exc))
    for (view,) in views:
        try:
            report += conn.execute(
                "SELECT * FROM core.refresh_materialized_view(%s::regclass, %s, %s)", (view, dry_run, run_id)
            ).fetchall()
        except psycopg.Error as exc:
            report.append(_failed(view, "refresh", exc))
    return report


def _detach_concurrently(conn, action, now, run_id, lock_timeout_ms) -> tuple:
    target, kind, partition = action[0], action[1], action[2]
    started = time.monotonic()
    owner = conn.execute("SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'core'").fetchone()[0]
    if not owner:  # DDL outside a transaction cannot borrow the owner's rights from a function
        return (target, kind, partition, None, None, "skipped",
                "DETACH ... CONCURRENTLY needs the owner role: run dbctl maintain as a member of it")
    try:
        statement = conn.execute(
            "SELECT format('ALTER TABLE %%s DETACH PARTITION %%s CONCURRENTLY', %s::regclass, %s::regclass)",
            (target, partition),
        ).fetchone()[0]
        conn.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")
        try:
            conn.execute(statement)
        finally:
            conn.execute("RESET lock_timeout")
        conn.execute("SELECT core.retire_partition(%s::regclass, %s::regclass, coalesce(%s, now()))",
                      (target, partition, now))
        outcome, message = "ok", "detached concurrently"
    except psycopg.Error as exc:
        outcome, message = "failed", f"{exc.sqlstate}: {exc.diag.message_primary}"
    result = (target, kind, partition, None, timedelta(seconds=time.monotonic() - started), outcome, message)
    conn.execute(
        "SELECT core.log_maintenance(%s, ROW(%s, %s, %s, %s, %s, %s, %s)::core.maintenance_action, false)",
        (run_id, *result),
    )
    return result


def schedule(conn: psycopg.Connection, cron: str) -> str:
    """Register the job with pg_cron when this database has it; otherwise say what to do instead."""
    has_cron = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_cron'").fetchone()
    if has_cron:
        job = conn.execute("SELECT cron.schedule(%s, %s, %s)", (CRON_JOB, cron, CRON_COMMAND)).fetchone()[0]
        return f"registered pg_cron job {CRON_JOB} (id {job}): {cron} {CRON_COMMAND}"
    return (
        "pg_cron is not installed in this database, so nothing was registered.\n"
        "Add one of these lines to the crontab of a user that can reach the database:\n"
        f"  {cron} psql \"$DATABASE_URL\" -qAt -v ON_ERROR_STOP=1 -c '{CRON_COMMAND}'\n"
        f"  {cron} cd /path/to/agentdb && .venv/bin/dbctl maintain"
    )
