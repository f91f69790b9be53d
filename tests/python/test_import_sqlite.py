"""`dbctl import-sqlite` on a generated SQLite shared state in the shape the background agents kept
(spec 003's table names; ISO text timestamps, JSON stored as text, NULLs, malformed rows)."""

import json
import sqlite3

import pytest
from psycopg.conninfo import make_conninfo

from conftest import dbctl, query

SQLITE_DDL = """
CREATE TABLE agents (agent_id TEXT PRIMARY KEY, state TEXT NOT NULL, started_at TEXT, stopped_at TEXT,
                     config TEXT, metadata TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP,
                     updated_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE agent_heartbeats (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, timestamp TEXT NOT NULL,
                               state TEXT, error_count INTEGER DEFAULT 0, metrics TEXT,
                               created_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE performance_metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, metric_name TEXT NOT NULL,
                                  value REAL, unit TEXT, timestamp TEXT DEFAULT CURRENT_TIMESTAMP, metadata TEXT);
CREATE TABLE system_events (id INTEGER PRIMARY KEY AUTOINCREMENT, event_type TEXT NOT NULL, event_data TEXT,
                            agent_id TEXT, timestamp TEXT DEFAULT CURRENT_TIMESTAMP, severity TEXT DEFAULT 'INFO');
CREATE TABLE system_state (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, value TEXT,
                           updated_at TEXT, updated_by TEXT, legacy_flag INTEGER);
"""


@pytest.fixture
def shared_state(tmp_path):
    path = tmp_path / "shared_state.db"
    db = sqlite3.connect(path)
    db.executescript(SQLITE_DDL)
    db.executemany("INSERT INTO agents (agent_id, state, started_at, config, metadata) VALUES (?, ?, ?, ?, ?)", [
        ("coordinator", "running", "2026-11-01 08:00:00", json.dumps({"max_agents": 5}), None),
        ("performance_monitor", "running", "2026-11-01T08:00:05+00:00", None, json.dumps({"v": 2})),
        ("ai_help_agent", "stopped", "2026-11-01T09:00:00Z", "{}", "{}"),
    ])
    db.executemany("INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics) VALUES (?, ?, ?, ?, ?)", [
        ("coordinator", f"2026-11-01 08:{m:02d}:00", "running", 0, json.dumps({"cpu_usage": 10 + m}))
        for m in range(10)
    ] + [
        ("coordinator", "yesterday-ish", "running", 0, None),            # rowid 11: malformed time
        ("performance_monitor", "2026-11-01 08:05:00", "running", 0, "{cpu: 1"),  # rowid 12: malformed JSON
        ("ghost", "2026-11-01 08:05:00", "running", 0, None),           # rowid 13: an agent never registered
        ("performance_monitor", "2026-11-01 08:06:00.123456", None, None, None),  # NULLs
    ])
    db.executemany("INSERT INTO performance_metrics (agent_id, metric_name, value, unit, timestamp) VALUES (?, ?, ?, ?, ?)", [
        ("performance_monitor", "cpu_usage", 25.5, "percent", "2026-11-01 08:00:30"),
        ("performance_monitor", "memory_usage", None, None, "2026-11-01 08:00:30"),
        ("coordinator", "queue_depth", -3, None, 1793520000),  # a Unix epoch, as some writers stored it
    ])
    db.executemany("INSERT INTO system_events (event_type, event_data, agent_id, timestamp, severity) VALUES (?, ?, ?, ?, ?)", [
        ("agent_started", "{}", "coordinator", "2026-11-01 08:00:00", "INFO"),
        ("disk_full", json.dumps({"free_mb": 10}), None, "2026-11-01 08:30:00", "ERROR"),
        ("oops", None, "unregistered_script", "2026-11-01 08:31:00", "FATAL"),  # refused: unknown severity
    ])
    db.execute("INSERT INTO system_state (key, value, updated_at, updated_by, legacy_flag) VALUES "
               "('fleet_mode', '\"normal\"', '2026-11-01 08:00:00', 'coordinator', 1)")
    db.commit()
    db.close()
    return path


def test_import_copies_converts_reports_and_never_imports_twice(database, shared_state):
    dbctl("migrate", "--module", "background", dsn=database, check=True)
    utc = make_conninfo(database, options="-c TimeZone=UTC")  # times read back as text, in UTC
    first = dbctl("import-sqlite", "--source", str(shared_state), dsn=database, check=True).stdout
    lines = first.splitlines()
    assert lines[0].split() == ["table", "read", "imported", "already", "imported", "skipped", "past", "retention"]
    assert lines[2].split() == ["agents", "3", "3", "0", "0", "-"]
    assert lines[3].split()[:5] == ["agent_heartbeats", "14", "11", "0", "3"]  # past retention: by date
    assert lines[4].split()[:5] == ["performance_metrics", "3", "3", "0", "0"]
    assert lines[5].split() == ["system_state", "1", "1", "0", "0", "-"]
    assert lines[6].split()[:5] == ["system_events", "3", "2", "0", "1"]
    assert "agent_heartbeats  11     not an ISO 8601 time: 'yesterday-ish'" in first
    assert "agent_heartbeats  12     not JSON: '{cpu: 1'" in first
    assert "agent_heartbeats  13     23503: insert or update on table" in first
    assert "system_events     3      23514: new row for relation" in first

    assert query(utc, "SELECT started_at::text, config, metadata FROM background.agents ORDER BY agent_id") == [
        ("2026-11-01 09:00:00+00", {}, {}), ("2026-11-01 08:00:00+00", {"max_agents": 5}, None),
        ("2026-11-01 08:00:05+00", None, {"v": 2})]
    assert query(utc, "SELECT count(*), max(timestamp)::text, max(last_heartbeat_at)::text FROM "
                           "background.agent_heartbeats JOIN background.agents USING (agent_id) "
                           "WHERE agent_id = 'coordinator'") == [(10, "2026-11-01 08:09:00+00", "2026-11-01 08:09:00+00")]
    assert query(utc, "SELECT metrics -> 'cpu_usage' FROM background.agent_heartbeats "
                           "WHERE agent_id = 'coordinator' ORDER BY timestamp LIMIT 1") == [(10,)]
    assert query(utc, "SELECT state, error_count, timestamp::text FROM background.agent_heartbeats "
                           "WHERE agent_id = 'performance_monitor'") == [(None, None, "2026-11-01 08:06:00.123456+00")]
    assert query(utc, "SELECT metric_name, value::text, timestamp::text FROM background.performance_metrics "
                           "ORDER BY metric_name") == [
        ("cpu_usage", "25.5", "2026-11-01 08:00:30+00"), ("memory_usage", None, "2026-11-01 08:00:30+00"),
        ("queue_depth", "-3", "2026-11-01 08:00:00+00")]
    assert query(utc, "SELECT value, updated_by FROM background.system_state") == [("normal", "coordinator")]

    again = dbctl("import-sqlite", "--source", str(shared_state), dsn=database, check=True).stdout.splitlines()
    assert again[2].split() == ["agents", "3", "0", "3", "0", "-"]
    assert again[3].split() == ["agent_heartbeats", "14", "0", "11", "3", "0"]
    assert query(utc, "SELECT count(*) FROM background.agent_heartbeats") == [(11,)]
    assert query(utc, "SELECT count(*) FROM background.sqlite_imports") == [(20,)]


def test_import_refuses_a_file_without_the_spec_tables_and_an_unmigrated_database(database, tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (id INTEGER)").connection.close()
    result = dbctl("import-sqlite", "--source", str(other), dsn=database)
    assert result.returncode != 0 and "none of spec 003's tables" in result.stderr
    state = tmp_path / "shared_state.db"
    sqlite3.connect(state).execute("CREATE TABLE agents (agent_id TEXT)").connection.close()
    result = dbctl("import-sqlite", "--source", str(state), dsn=database)
    assert result.returncode != 0 and "dbctl migrate --module background" in result.stderr
