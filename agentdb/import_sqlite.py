"""`dbctl import-sqlite`: copy a background-agents SQLite shared state (shared_state.db, spec 003
"Migration from SQLite") into the background module, in one transaction.

Every table of the spec found in the SQLite file is read (agents first, so heartbeats and metrics
find their agent; help requests before their responses). Text timestamps (ISO 8601, with or
without an offset; without one they are UTC) and Unix times (numbers, or digits in a TEXT column)
become timestamptz; JSON stored
as text becomes jsonb. A row that cannot be converted, or that the database refuses (a CHECK, a
heartbeat of an unknown agent), is reported with its table, rowid and reason, never silently
dropped; a row whose unique key is already present (an agent registered since) is skipped and
reported too. Imported rows are recorded in background.sqlite_imports by source label, table and
rowid, so running the import again imports nothing twice.

Old rows are imported like the others; the report counts, per table, those already older than the
table's retention ("past retention": the next maintenance run retires them, with the rest of the
default partition's rows past retention, while the others are rescued into their partitions).
"""

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from agentdb.errors import DbctlError

TIME, JSON, TEXT, NUMBER = "time", "json", "text", "number"
EPOCH = re.compile(r"\d{9,11}(\.\d+)?")

# The spec's tables in import order, each column with its kind (id is the target's own).
TABLES = {
    "agents": {"agent_id": TEXT, "state": TEXT, "started_at": TIME, "stopped_at": TIME, "config": JSON,
               "metadata": JSON, "created_at": TIME, "updated_at": TIME},
    "agent_heartbeats": {"agent_id": TEXT, "timestamp": TIME, "state": TEXT, "error_count": NUMBER,
                         "metrics": JSON, "created_at": TIME},
    "performance_metrics": {"agent_id": TEXT, "metric_name": TEXT, "value": NUMBER, "unit": TEXT,
                            "timestamp": TIME, "metadata": JSON},
    "system_state": {"key": TEXT, "value": JSON, "updated_at": TIME, "updated_by": TEXT},
    "system_events": {"event_type": TEXT, "event_data": JSON, "agent_id": TEXT, "timestamp": TIME,
                      "severity": TEXT},
    "help_requests": {"request_id": TEXT, "user_id": TEXT, "content": TEXT, "context": JSON, "status": TEXT,
                      "priority": TEXT, "created_at": TIME, "updated_at": TIME},
    "help_responses": {"request_id": TEXT, "response_id": TEXT, "content": TEXT, "confidence_score": NUMBER,
                       "sources": JSON, "generated_at": TIME, "agent_id": TEXT},
    "agent_communications": {"from_agent": TEXT, "to_agent": TEXT, "message_type": TEXT, "content": JSON,
                             "timestamp": TIME, "status": TEXT},
    "llm_conversations": {"conversation_id": TEXT, "agent_id": TEXT, "prompt": TEXT, "response": TEXT,
                          "model": TEXT, "tokens_used": NUMBER, "cost": NUMBER, "timestamp": TIME,
                          "metadata": JSON},
}
COLUMNS = ["table", "read", "imported", "already imported", "skipped", "past retention"]


class Unconvertible(ValueError):
    """A SQLite value that has no faithful PostgreSQL value."""


@dataclass
class TableReport:
    table: str
    read: int = 0
    imported: int = 0
    already: int = 0
    skipped: list = field(default_factory=list)  # (rowid, reason)
    past_retention: int | None = None  # imported rows older than retention; None: the table keeps all

    def row(self):
        return [self.table, self.read, self.imported, self.already, len(self.skipped),
                "-" if self.past_retention is None else self.past_retention]


def to_time(value):
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str) and EPOCH.fullmatch(value.strip()):
        return to_time(float(value))  # a Unix time in a TEXT column
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Unconvertible(f"not an ISO 8601 time: {value!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise Unconvertible(f"not a time: {value!r}")


def to_json(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="strict")
    if not isinstance(value, str):
        return Jsonb(value)  # a bare number stored without quotes is valid JSON too
    try:
        return Jsonb(json.loads(value))
    except ValueError:
        raise Unconvertible(f"not JSON: {value[:60]!r}") from None


def to_number(value):
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            raise Unconvertible(f"not a number: {value!r}") from None
    raise Unconvertible(f"not a number: {value!r}")


def to_text(value):
    return value if value is None or isinstance(value, str) else str(value)


CONVERT = {TIME: to_time, JSON: to_json, NUMBER: to_number, TEXT: to_text}


def sqlite_columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in source.execute(f'PRAGMA table_info("{table}")')]


def import_sqlite(conn: psycopg.Connection, path: Path, label: str | None = None) -> list[TableReport]:
    if not path.is_file():
        raise DbctlError(f"{path}: no such SQLite file")
    label = label or path.name
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        present = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not present & TABLES.keys():
            raise DbctlError(f"{path}: none of spec 003's tables ({', '.join(TABLES)}) is in it")
        if conn.execute("SELECT to_regclass('background.sqlite_imports')").fetchone()[0] is None:
            raise DbctlError("the background module is not migrated here: dbctl migrate --module background")
        reports = []
        with conn.transaction():
            for table, kinds in TABLES.items():
                if table in present:
                    reports.append(import_table(conn, source, table, kinds, label))
        return reports
    finally:
        source.close()


def retention_cutoff(conn, table):
    """(partition key, cutoff) of a table the partition manager keeps for a limited time: rows before
    the cutoff are the ones maintenance retires (core.maintain_table). None when it keeps everything,
    or when this login may not read the partition manager's settings."""
    try:
        with conn.transaction():
            return conn.execute(
                "SELECT k.key_column, (core.partition_slot(t.partition_interval, now() - t.retention)).lower_bound "
                "FROM core.partitioned_tables AS t CROSS JOIN core.partition_key(t.parent) AS k "
                "WHERE t.parent = to_regclass(%s) AND t.retention IS NOT NULL", (f"background.{table}",)).fetchone()
    except psycopg.Error:
        return None


def import_table(conn, source, table, kinds, label) -> TableReport:
    report = TableReport(table)
    columns = [c for c in sqlite_columns(source, table) if c in kinds]
    retention = retention_cutoff(conn, table)
    key = None
    if retention is not None:
        report.past_retention = 0
        key = columns.index(retention[0]) if retention[0] in columns else None
    done = {r[0] for r in conn.execute(
        "SELECT source_rowid FROM background.sqlite_imports WHERE source = %s AND source_table = %s", (label, table))}
    insert = (f"INSERT INTO background.{table} ({', '.join(columns)}) "
              f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING RETURNING 1")
    quoted = ", ".join(f'"{c}"' for c in columns)
    for rowid, *values in source.execute(f'SELECT rowid, {quoted} FROM "{table}" ORDER BY rowid'):
        report.read += 1
        if rowid in done:
            report.already += 1
            continue
        try:
            row = [CONVERT[kinds[c]](v) for c, v in zip(columns, values)]
        except (Unconvertible, UnicodeDecodeError, OverflowError, OSError) as exc:
            report.skipped.append((rowid, str(exc)))
            continue
        try:
            with conn.transaction():
                inserted = conn.execute(insert, row).fetchone()
                if inserted is None:
                    report.skipped.append((rowid, "its key is already present"))
                    continue
                conn.execute("INSERT INTO background.sqlite_imports (source, source_table, source_rowid) "
                             "VALUES (%s, %s, %s)", (label, table, rowid))
        except psycopg.Error as exc:
            report.skipped.append((rowid, f"{exc.sqlstate}: {exc.diag.message_primary}"))
            continue
        report.imported += 1
        if key is not None and row[key] is not None and row[key] < retention[1]:
            report.past_retention += 1
    return report
