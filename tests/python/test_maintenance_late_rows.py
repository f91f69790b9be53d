"""Late rows older than retention leave in the maintenance run that finds them, for background's four
time series, whether written late by a client or imported with `dbctl import-sqlite`; rows inside
retention go to their partitions; the reports say which. Rows are placed 70 days back (past 30 days
of retention for a day or an ISO week on any date) and 8 days back (a day and a week before the
current one, so in the default partition, and inside retention, on any date)."""

import sqlite3
from datetime import timedelta, timezone

import psycopg

from conftest import dbctl, query

SERIES = {
    "agent_heartbeats": "INSERT INTO background.agent_heartbeats (agent_id, timestamp, state) "
                        "VALUES ('late-agent', now() - %s * interval '1 day', 'running')",
    "performance_metrics": "INSERT INTO background.performance_metrics (agent_id, metric_name, value, timestamp) "
                           "VALUES ('late-agent', 'cpu_usage', 1, now() - %s * interval '1 day')",
    "system_events": "INSERT INTO background.system_events (event_type, agent_id, timestamp) "
                     "VALUES ('late', 'late-agent', now() - %s * interval '1 day')",
    "llm_conversations": "INSERT INTO background.llm_conversations (conversation_id, agent_id, prompt, timestamp) "
                         "VALUES ('c-late', 'late-agent', 'hello', now() - %s * interval '1 day')",
}

MINE = {"system_events": "event_type = 'late'"}  # maintenance logs events of its own (a stale agent)


def series_rows(database):
    """Per series: (days back, whether in the default partition) of every row, oldest first."""
    return {table: query(database, f"SELECT round(extract(epoch FROM now() - timestamp) / 86400)::int, "
                                   f"tableoid::regclass::text LIKE '%%default' FROM background.{table} "
                                   f"WHERE {MINE.get(table, 'true')} ORDER BY timestamp") for table in SERIES}


def test_late_rows_of_the_four_series_are_retired_or_rescued_in_one_run(database):
    dbctl("migrate", "--module", "background", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO background.agents (agent_id, state) VALUES ('late-agent', 'running')")
        for insert in SERIES.values():
            for days in (70, 8):
                conn.execute(insert, (days,))
    assert series_rows(database) == {table: [(70, True), (8, True)] for table in SERIES}

    with psycopg.connect(database, autocommit=True) as conn:  # the cron line, once
        report = conn.execute("SELECT target, action, partition, rows, outcome FROM core.run_maintenance() "
                              "WHERE target LIKE 'background.%' AND action IN ('drop', 'rescue')").fetchall()

    assert series_rows(database) == {table: [(8, False)] for table in SERIES}
    for table in SERIES:
        target = f"background.{table}"
        mine = [(action, partition, rows, outcome) for t, action, partition, rows, outcome in report if t == target]
        assert ("drop", f"{target}_default", 1, "ok") in mine, mine
        assert [(a, r, o) for a, _, r, o in mine if a == "rescue"] == [("rescue", 1, "ok")], mine


SQLITE_DDL = """
CREATE TABLE agents (agent_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE agent_heartbeats (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, timestamp TEXT NOT NULL,
                               state TEXT);
CREATE TABLE system_events (id INTEGER PRIMARY KEY AUTOINCREMENT, event_type TEXT NOT NULL, timestamp TEXT);
"""


def test_an_import_of_old_data_says_what_is_past_retention_and_one_run_retires_it(database, tmp_path):
    dbctl("migrate", "--module", "background", dsn=database, check=True)
    now = query(database, "SELECT now()")[0][0].astimezone(timezone.utc)
    path = tmp_path / "shared_state.db"
    db = sqlite3.connect(path)
    db.executescript(SQLITE_DDL)
    db.execute("INSERT INTO agents VALUES ('importer', 'running')")
    db.executemany("INSERT INTO agent_heartbeats (agent_id, timestamp, state) VALUES ('importer', ?, 'running')",
                   [((now - timedelta(days=d)).isoformat(), ) for d in (400, 70, 8, 8)])
    db.executemany("INSERT INTO system_events (event_type, timestamp) VALUES ('imported', ?)",
                   [((now - timedelta(days=d)).strftime("%Y-%m-%d %H:%M:%S"), ) for d in (70, 8)])
    db.commit()
    db.close()

    lines = dbctl("import-sqlite", "--source", str(path), dsn=database, check=True).stdout.splitlines()
    assert lines[0].split() == ["table", "read", "imported", "already", "imported", "skipped", "past", "retention"]
    assert lines[2].split() == ["agents", "1", "1", "0", "0", "-"]
    assert lines[3].split() == ["agent_heartbeats", "4", "4", "0", "0", "2"]
    assert lines[4].split() == ["system_events", "2", "2", "0", "0", "1"]

    with psycopg.connect(database, autocommit=True) as conn:
        report = conn.execute("SELECT target, action, rows, outcome FROM core.run_maintenance() "
                              "WHERE action IN ('drop', 'rescue')").fetchall()
    assert ("background.agent_heartbeats", "drop", 2, "ok") in report
    assert ("background.agent_heartbeats", "rescue", 2, "ok") in report
    assert ("background.system_events", "drop", 1, "ok") in report
    assert ("background.system_events", "rescue", 1, "ok") in report
    cutoff = now - timedelta(days=37)
    for table in ("agent_heartbeats", "system_events"):
        assert query(database, f"SELECT count(*) FROM background.{table} WHERE timestamp < %s", (cutoff,)) == [(0,)]
        assert query(database, f"SELECT count(*) FROM background.{table}_default") == [(0,)]
    assert query(database, "SELECT count(*) FROM background.agent_heartbeats") == [(2,)]
