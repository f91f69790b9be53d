"""Retention benchmark: removing one month of events by partition drop vs DELETE, and how long a
concurrent writer waits while maintenance runs (core.run_maintenance and dbctl's per-table path)."""

import statistics
import threading
import time

import psycopg

from agentdb.maintain import maintain
from bench.common import Measure, Results, Row, fresh_database, timed

# Module tables belong to the owner role (the partition manager refuses any other table).
SCHEMA = "CREATE SCHEMA bench AUTHORIZATION agentdb_owner"
TABLE = """
SET ROLE agentdb_owner;
CREATE TABLE bench.{name} (
    id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL,
    payload text NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
RESET ROLE;
"""
FILL = """
INSERT INTO bench.{name} (created_at, payload)
SELECT '2026-01-01+00'::timestamptz + g * (interval '31 days' / %(rows)s), repeat('x', 120)
FROM generate_series(0, %(rows)s - 1) AS g
"""


def month_removal(dsn: str, rows: int) -> tuple[float, float, float]:
    """Seconds to remove January by a maintenance run (partition drop), by DELETE, and to VACUUM after."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS bench CASCADE")
        conn.execute("DELETE FROM core.partitioned_tables")
        conn.execute(SCHEMA)
        conn.execute(TABLE.format(name="dropped"))
        conn.execute("CREATE TABLE bench.deleted (LIKE bench.dropped INCLUDING ALL)")
        conn.execute("SELECT core.register_partitioned_table('bench.dropped', p_premake => 1, "
                     "p_retention => '1 month', p_now => '2026-01-05+00')")
        for name in ("dropped", "deleted"):
            conn.execute(FILL.format(name=name), {"rows": rows})
        conn.execute("CHECKPOINT")
        drop, _ = timed(conn.execute, "SELECT * FROM core.run_maintenance('2026-03-05+00')")
        delete, _ = timed(conn.execute, "DELETE FROM bench.deleted WHERE created_at < '2026-02-01+00'")
        vacuum, _ = timed(conn.execute, "VACUUM bench.deleted")
    return drop, delete, vacuum


def writer_waits(dsn: str, seconds: float, maintenance) -> list[float]:
    """Insert latencies of 2 writers while `maintenance(conn)` runs repeatedly (None: no maintenance)."""
    stop, waits = threading.Event(), []

    def write():
        with psycopg.connect(dsn, autocommit=True) as conn:
            n = 0
            while not stop.is_set():
                n += 1
                offset = "300 days" if n % 50 == 0 else "0 days"  # some rows beyond the horizon
                started = time.perf_counter()
                conn.execute("INSERT INTO bench.live (created_at, payload) VALUES (now() + %s::interval, 'w')",
                             (offset,))
                waits.append(time.perf_counter() - started)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if maintenance:
                maintenance(conn)
            time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    return waits


def run(quick: bool) -> Results:
    rows = 100_000 if quick else 1_000_000
    repeats = 1 if quick else 3
    results = Results(f"Retention and maintenance ({rows:,} rows in the month removed)")
    with fresh_database() as dsn:
        drops, deletes, vacuums = zip(*(month_removal(dsn, rows) for _ in range(repeats)))
        drop = results.add(Row("remove a month: partition drop (run_maintenance)", "", Measure(list(drops))))
        results.add(Row("remove a month: DELETE", "", Measure(list(deletes)),
                        note=f"{statistics.median(deletes) / drop.agentdb.median:.0f}x the drop"))
        results.add(Row("  + VACUUM after the DELETE", "", Measure(list(vacuums))))

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(TABLE.format(name="live"))
            conn.execute("SELECT core.register_partitioned_table('bench.live', 'day', 3, '2 days')")
        seconds = 3 if quick else 10
        for label, job in (
            ("no maintenance", None),
            ("core.run_maintenance() in a loop", lambda c: c.execute("SELECT * FROM core.run_maintenance()")),
            ("dbctl maintain in a loop", maintain),
        ):
            waits = writer_waits(dsn, seconds, job)
            results.add(Row(f"longest insert wait, {label}", "", Measure([max(waits)]),
                            note=f"p99 {statistics.quantiles(waits, n=100)[98] * 1000:.2f} ms, {len(waits):,} inserts"))
        results.save(dsn, {"rows_in_month": rows})
    return results
