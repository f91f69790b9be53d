"""Maintenance with several connections: concurrent writers, concurrent runs, dbctl maintain."""

import random
import subprocess
import sys
import threading
import time

import psycopg

from agentdb.maintain import maintain
from conftest import ROOT, dbctl, query

TABLE = """
CREATE SCHEMA app AUTHORIZATION agentdb_owner;
SET ROLE agentdb_owner;
CREATE TABLE app.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    writer int NOT NULL,
    seq int NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
RESET ROLE;
"""


def migrated_with_table(dsn, retention="2 months"):
    dbctl("migrate", "--module", "core", dsn=dsn, check=True)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(TABLE)
        conn.execute("SELECT core.register_partitioned_table('app.events', p_retention => %s)", (retention,))


def log_without_default_partition(dsn, premake):
    """Core migrated and app.log registered without a default partition, one month's retention."""
    dbctl("migrate", "--module", "core", dsn=dsn, check=True)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA app AUTHORIZATION agentdb_owner")
        conn.execute("CREATE TABLE app.log (at timestamptz NOT NULL) PARTITION BY RANGE (at)")
        conn.execute("ALTER TABLE app.log OWNER TO agentdb_owner")
        conn.execute("SELECT core.register_partitioned_table('app.log', p_premake => %s, p_retention => '1 month', "
                     "p_default_partition => false, p_now => '2026-01-15+00')", (premake,))


def writer(dsn, number, stop, written, failures, waits):
    rng = random.Random(number)
    with psycopg.connect(dsn, autocommit=True) as conn:
        seq = 0
        while not stop.is_set():
            seq += 1
            kind = rng.random()
            days = rng.uniform(-25, 0) if kind < 0.8 else rng.uniform(200, 400) if kind < 0.9 else rng.uniform(-250, -150)
            started = time.monotonic()
            try:
                at = conn.execute(
                    "INSERT INTO app.events (writer, seq, created_at) VALUES (%s, %s, now() + %s * interval '1 day') "
                    "RETURNING created_at", (number, seq, days)).fetchone()[0]
                written.append((number, seq, at))
            except psycopg.Error as exc:
                failures.append(f"writer {number}: {exc.sqlstate} {exc}")
            waits.append(time.monotonic() - started)


def test_writers_never_fail_and_no_row_inside_retention_is_lost(database):
    migrated_with_table(database)
    stop, written, failures, waits = threading.Event(), [], [], []
    writers = [threading.Thread(target=writer, args=(database, n, stop, written, failures, waits))
               for n in range(4)]
    for thread in writers:
        thread.start()
    actions = []
    try:
        with psycopg.connect(database, autocommit=True) as conn:
            for run in range(50):
                if run % 2:
                    actions += conn.execute("SELECT action, outcome FROM core.run_maintenance()").fetchall()
                else:
                    actions += [(a[1], a[5]) for a in maintain(conn)]
                time.sleep(0.02)
    finally:
        stop.set()
        for thread in writers:
            thread.join()

    assert failures == []
    assert len(written) > 1000
    kinds = {action for action, outcome in actions if outcome == "ok"}
    assert {"rescue", "drop"} <= kinds, f"retention and rescue must both have run: {kinds}"
    window_start = query(database, "SELECT now() - interval '2 months'")[0][0]
    expected = {(w, s) for w, s, at in written if at >= window_start}
    present = query(database, "SELECT writer, seq, count(*) FROM app.events GROUP BY 1, 2")
    assert all(count == 1 for _, _, count in present), "a row is duplicated"
    assert expected <= {(w, s) for w, s, _ in present}, "a row inside the retention window is missing"

    query(database, "SELECT count(*) FROM core.run_maintenance()")
    assert query(database, "SELECT rows_in_default FROM core.maintenance_health") == [(0,)]
    print(f"\nlongest insert during maintenance: {max(waits) * 1000:.1f} ms over {len(waits)} inserts")


def test_two_dbctl_maintain_at_once_both_succeed(database):
    migrated_with_table(database)
    with psycopg.connect(database, autocommit=True) as conn:
        for n in range(6):
            conn.execute(f"CREATE TABLE app.t{n} (at timestamptz NOT NULL) PARTITION BY RANGE (at)")
            conn.execute(f"ALTER TABLE app.t{n} OWNER TO agentdb_owner")
            conn.execute(f"SELECT core.register_partitioned_table('app.t{n}', 'day', 0)")
            conn.execute(f"INSERT INTO app.t{n} SELECT now() + g * interval '1 day' FROM generate_series(1, 20) AS g")
    command = [sys.executable, str(ROOT / "dbctl.py"), "maintain", "--dsn", database]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    assert query(database, "SELECT sum(rows_in_default) FROM core.maintenance_health") == [(0,)]
    assert query(database, "SELECT count(*) FROM core.maintenance_log WHERE outcome = 'failed'") == [(0,)]


def test_a_table_held_by_another_run_is_skipped(database):
    migrated_with_table(database)
    query(database, "INSERT INTO app.events (writer, seq, created_at) VALUES (1, 1, now() + interval '1 year')")
    with psycopg.connect(database) as holder:  # a run in progress: its transaction holds the table
        holder.execute("SELECT * FROM core.maintain_table('app.events')").fetchall()
        skipped = query(database, "SELECT action, outcome FROM core.run_maintenance() WHERE target = 'app.events'")
        assert skipped == [("skip", "skipped")]
        holder.rollback()
    assert query(database, "SELECT action FROM core.run_maintenance() WHERE target = 'app.events'") == [("rescue",)]


def test_dbctl_maintain_dry_run_changes_nothing_then_maintains(database):
    migrated_with_table(database)
    query(database, "INSERT INTO app.events (writer, seq, created_at) VALUES (1, 1, now() + interval '1 year')")
    dry = dbctl("maintain", "--dry-run", dsn=database, check=True)
    assert "rescue" in dry.stdout and "planned" in dry.stdout
    assert query(database, "SELECT rows_in_default FROM core.maintenance_health") == [(1,)]
    real = dbctl("maintain", dsn=database, check=True)
    assert "rescue" in real.stdout
    assert query(database, "SELECT rows_in_default FROM core.maintenance_health") == [(0,)]
    status = dbctl("status", dsn=database, check=True)
    assert "app.events" in status.stdout and "partitioned tables" in status.stdout


def test_dbctl_maintain_detaches_concurrently_without_default_partition(database):
    log_without_default_partition(database, premake=0)
    result = dbctl("maintain", "--now", "2026-04-01+00", dsn=database, check=True)
    assert "detached concurrently" in result.stdout
    assert query(database, "SELECT to_regclass('app.log_2026_01')") == [(None,)]
    assert query(database, "SELECT count(*) FROM core.maintenance_log WHERE action = 'drop' AND outcome = 'ok'") == [(1,)]


def test_schedule_without_pg_cron_prints_the_crontab_line(database):
    dbctl("migrate", "--module", "core", dsn=database, check=True)
    result = dbctl("schedule", dsn=database, check=True)
    assert "pg_cron is not installed" in result.stdout
    assert "SELECT count(*) FROM core.run_maintenance()" in result.stdout


def test_an_interrupted_concurrent_detach_is_finished_by_maintenance(database):
    log_without_default_partition(database, premake=1)
    blocker = psycopg.connect(database)  # an open snapshot makes the detach's second phase wait
    blocker.execute("SELECT count(*) FROM app.log").fetchone()
    detacher = psycopg.connect(database, autocommit=True)
    pid = detacher.info.backend_pid
    worker = threading.Thread(target=lambda: _swallow(
        lambda: detacher.execute("ALTER TABLE app.log DETACH PARTITION app.log_2026_01 CONCURRENTLY")))
    worker.start()
    for _ in range(100):  # wait until the detach waits for the old snapshot
        if query(database, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)) == [("Lock",)]:
            break
        time.sleep(0.05)
    query(database, "SELECT pg_cancel_backend(%s)", (pid,))
    worker.join()
    blocker.close()
    detacher.close()
    assert query(database, "SELECT inhdetachpending FROM pg_inherits "
                           "WHERE inhrelid = 'app.log_2026_01'::regclass") == [(True,)]

    actions = query(database, "SELECT action, partition, outcome FROM core.run_maintenance('2026-04-01+00') "
                              "WHERE action = 'finalize detach'")
    assert actions == [("finalize detach", "app.log_2026_01", "ok")]
    assert query(database, "SELECT to_regclass('app.log_2026_01')") == [(None,)], "then dropped by retention"


def _swallow(call):
    try:
        call()
    except psycopg.Error:
        pass
