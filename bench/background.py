"""Background agents (spec 003): heartbeat ingest, the monitoring queries at fleet scale, stale
agents, the message queue and 30-day retention, for the background module beside the spec's own
DDL (bench/background_spec.py, schema spec003) on the same data, in the same run and database."""

import json
import threading
import time

import psycopg

from bench.background_spec import HEALTH_OVERVIEW, METRICS_SUMMARY, SPEC_DDL, WEEKLY_DELETES
from bench import report
from bench.common import Measure, Results, Row, fresh_database, progress, samples, timed

FULL = {"agents": 1000, "days": 7, "single": 2000, "batch": 100_000, "messages": 20_000}
QUICK = {"agents": 50, "days": 1, "single": 200, "batch": 5_000, "messages": 1_000}
OURS = "background, core, extensions"
COPIED = {"agents": "agent_id, state, started_at",
          "agent_heartbeats": "agent_id, timestamp, state, error_count, metrics",
          "performance_metrics": "agent_id, metric_name, value, unit, timestamp",
          "system_events": "event_type, agent_id, timestamp, severity"}
PAST = "now() - interval '3 days'"  # ingest benchmarks write here, outside the monitoring windows
SPEC = "spec003"

# The spec's DDL has no last heartbeat on the agent: its stale-agent query reads the history.
SPEC_STALE = """
SELECT a.agent_id, h.last_heartbeat FROM agents AS a
CROSS JOIN LATERAL (SELECT max(timestamp) AS last_heartbeat FROM agent_heartbeats WHERE agent_id = a.agent_id) AS h
WHERE a.state = 'running' AND h.last_heartbeat < NOW() - INTERVAL '120 seconds'
"""
OUR_STALE = "SELECT agent_id, last_heartbeat_at FROM stale_agents"
# A queue consumer on the spec's DDL does what receive_messages does, with the spec's index.
SPEC_CLAIM = """
UPDATE agent_communications SET status = 'delivered' WHERE id IN (
    SELECT id FROM agent_communications WHERE to_agent = %s AND status = 'sent'
    ORDER BY timestamp LIMIT 50 FOR UPDATE SKIP LOCKED) RETURNING id
"""
OUR_CLAIM = "SELECT id FROM receive_messages(%s, 50)"


def connect(dsn: str, path: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True, options=f"-c search_path={path.replace(' ', '')}")


def fill(conn: psycopg.Connection, sizes: dict, label: str):
    """The fleet (a fifth of it running, the rest idle), a heartbeat a minute and a cpu sample every
    5 minutes per agent for `days` days up to now, and some events, one in ten an ERROR. Made in the
    background module, then copied to the spec's tables, so both hold the same rows."""
    conn.execute("""INSERT INTO agents (agent_id, state, started_at)
                    SELECT 'agent-' || g, CASE WHEN g %% 5 = 0 THEN 'running' ELSE 'idle' END, now() - interval '8 days'
                    FROM generate_series(1, %s) AS g""", (sizes["agents"],))
    for day in range(sizes["days"]):
        conn.execute("""INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
                        SELECT 'agent-' || a, date_trunc('minute', now()) - (%s * 1440 + m) * interval '1 minute',
                               'running', m %% 3, jsonb_build_object('cpu_usage', (a * 7 + m) %% 100, 'memory_mb', 512)
                        FROM generate_series(0, 1439) AS m CROSS JOIN generate_series(1, %s) AS a""",
                     (day, sizes["agents"]))
        conn.execute("""INSERT INTO performance_metrics (agent_id, metric_name, value, unit, timestamp)
                        SELECT 'agent-' || a, 'cpu_usage', (a * 7 + m) %% 100 + 0.5, 'percent',
                               date_trunc('minute', now()) - (%s * 288 + m) * interval '5 minutes'
                        FROM generate_series(0, 287) AS m CROSS JOIN generate_series(1, %s) AS a""",
                     (day, sizes["agents"]))
        progress(f"{label}heartbeats and metrics (days)", day + 1, sizes["days"])
    conn.execute("""INSERT INTO system_events (event_type, agent_id, timestamp, severity)
                    SELECT 'task', 'agent-' || (1 + g %% %s), now() - (g %% (1440 * %s)) * interval '1 minute',
                           CASE WHEN g %% 10 = 0 THEN 'ERROR' ELSE 'INFO' END
                    FROM generate_series(1, 100000) AS g""", (sizes["agents"], sizes["days"]))
    for table, columns in COPIED.items():
        conn.execute(f"INSERT INTO spec003.{table} ({columns}) SELECT {columns} FROM background.{table}")
    conn.execute("VACUUM ANALYZE")


def top_up(conn: psycopg.Connection, agents: int):
    """The last 10 minutes of heartbeats again, as the fleet keeps beating while the copy is made."""
    conn.execute("""INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
                    SELECT 'agent-' || a, now() - m * interval '1 minute', 'running', 0, '{"cpu_usage": 5}'
                    FROM generate_series(0, 9) AS m CROSS JOIN generate_series(1, %s) AS a""", (agents,))
    conn.execute("VACUUM ANALYZE agent_heartbeats")


def single_heartbeats(conn, statement: str, count: int) -> float:
    """Heartbeats per second, one client, one autocommitted row per call."""
    started = time.perf_counter()
    for n in range(count):
        conn.execute(statement, (f"agent-{1 + n % 50}", json.dumps({"cpu_usage": n % 100})))
    return count / (time.perf_counter() - started)


def batch_heartbeats(conn, rows: int) -> float:
    """Heartbeats per second through COPY (the batched ingest), one transaction."""
    at = conn.execute(f"SELECT {PAST}").fetchone()[0]
    started = time.perf_counter()
    with conn.transaction(), conn.cursor().copy(
            "COPY agent_heartbeats (agent_id, timestamp, state, error_count, metrics) FROM STDIN") as copy:
        for n in range(rows):
            copy.write_row((f"agent-{1 + n % 50}", at, "running", 0, '{"cpu_usage": 1}'))
    return rows / (time.perf_counter() - started)


def queue(dsn: str, path: str, claim: str, messages: int) -> float:
    """Messages per second claimed by 4 consumers of one recipient."""
    with connect(dsn, path) as conn:
        conn.execute("""INSERT INTO agent_communications (from_agent, to_agent, message_type, content)
                        SELECT 'producer', 'worker', 'job', jsonb_build_object('n', g) FROM generate_series(1, %s) AS g""",
                     (messages,))
    claimed = [0] * 4
    barrier = threading.Barrier(4)

    def consume(i):
        with connect(dsn, path) as conn:
            barrier.wait()
            while rows := conn.execute(claim, ("worker",)).fetchall():
                claimed[i] += len(rows)

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(claimed) == messages, f"{sum(claimed)} of {messages} messages claimed"
    return messages / (time.perf_counter() - started)


def retention(ours, spec, agents: int) -> tuple[float, float]:
    """Seconds to remove a day of heartbeats 35 days old: partition drop (maintenance) vs the spec's
    DELETE statements plus VACUUM."""
    ours.execute("SELECT core.create_partition('background.agent_heartbeats', now() - interval '35 days')")
    for conn in (ours, spec):
        conn.execute("""INSERT INTO agent_heartbeats (agent_id, timestamp, state, metrics)
                        SELECT 'agent-' || a, date_trunc('day', now() - interval '35 days') + m * interval '1 minute',
                               'running', '{"cpu_usage": 1}'
                        FROM generate_series(0, 1439) AS m CROSS JOIN generate_series(1, %s) AS a""", (agents,))
        conn.execute("CHECKPOINT")
    drop, _ = timed(ours.execute, "SELECT * FROM core.maintain_table('background.agent_heartbeats')")
    started = time.perf_counter()
    for statement in WEEKLY_DELETES:
        spec.execute(statement)
    spec.execute("VACUUM agent_heartbeats, performance_metrics, system_events")
    return drop, time.perf_counter() - started


def run(quick: bool) -> Results:
    sizes = QUICK if quick else FULL
    results = Results(f"Background agents ({sizes['agents']:,} agents x {sizes['days']} days of heartbeats, "
                      f"{sizes['agents'] * sizes['days'] * 1440:,} rows)")
    with fresh_database(("core", "background")) as dsn:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("CREATE SCHEMA spec003")
            admin.execute("SET search_path = spec003")
            admin.execute(SPEC_DDL)
            for day in range(1, sizes["days"] + 2):
                for parent in ("background.agent_heartbeats", "background.performance_metrics", "background.system_events"):
                    admin.execute("SELECT core.create_partition(%s, now() - %s * interval '1 day')", (parent, day))
        with connect(dsn, OURS) as ours, connect(dsn, SPEC) as spec:
            fill(ours, sizes, "")
            for conn in (ours, spec):
                top_up(conn, sizes["agents"])
            measure(results, dsn, ours, spec, sizes)
            report.add_rows(results, dsn, "background")
            results.save(dsn, sizes)
    return results


def measure(results: Results, dsn: str, ours, spec, sizes: dict):
    results.add(Row("system health overview", "<= 5 ms", Measure(samples(lambda: ours.execute(HEALTH_OVERVIEW).fetchall())),
                    None, Measure(samples(lambda: spec.execute(HEALTH_OVERVIEW).fetchall())), note="the spec's query"))
    results.add(Row("metrics summary, last hour", "<= 5 ms", Measure(samples(lambda: ours.execute(METRICS_SUMMARY).fetchall())),
                    None, Measure(samples(lambda: spec.execute(METRICS_SUMMARY).fetchall())), note="the spec's query"))
    results.add(Row("stale agents", "", Measure(samples(lambda: ours.execute(OUR_STALE).fetchall())),
                    None, Measure(samples(lambda: spec.execute(SPEC_STALE).fetchall())),
                    note="agentdb: stale_agents view; spec: max(timestamp) per running agent"))
    spec_insert = ("INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics) "
                   f"VALUES (%s, {PAST}, 'running', 0, %s)")
    for conn, statement in ((ours, f"SELECT heartbeat(%s, 'running', 0, %s, {PAST})"), (ours, spec_insert), (spec, spec_insert)):
        single_heartbeats(conn, statement, 100)  # warm-up: plans, caches, psycopg's prepared statements
    results.add(Row("heartbeat ingest, 1 client, 1 row per call (rows/s)", ">= 2,500/s",
                    Measure([single_heartbeats(ours, f"SELECT heartbeat(%s, 'running', 0, %s, {PAST})", sizes["single"])
                             for _ in range(3)], "rows/s"), None,
                    Measure([single_heartbeats(spec, spec_insert, sizes["single"]) for _ in range(3)], "rows/s"),
                    higher_is_better=True, note="agentdb: heartbeat() (row + last heartbeat); spec: its INSERT"))
    results.add(Row("  the spec's INSERT on agentdb (rows/s)", ">= 2,500/s",
                    Measure([single_heartbeats(ours, spec_insert, sizes["single"]) for _ in range(3)], "rows/s"),
                    higher_is_better=True, note="same statement, partitioned table + trigger"))
    results.add(Row(f"heartbeat ingest, batched (COPY {sizes['batch']:,} rows, rows/s)", ">= 100,000/s",
                    Measure([batch_heartbeats(ours, sizes["batch"]) for _ in range(3)], "rows/s"), None,
                    Measure([batch_heartbeats(spec, sizes["batch"]) for _ in range(3)], "rows/s"),
                    higher_is_better=True))
    results.add(Row(f"queue, 4 consumers, {sizes['messages']:,} messages (msg/s)", "",
                    Measure([queue(dsn, OURS, OUR_CLAIM, sizes["messages"])], "msg/s"), None,
                    Measure([queue(dsn, SPEC, SPEC_CLAIM, sizes["messages"])], "msg/s"), higher_is_better=True,
                    note="batches of 50, SKIP LOCKED on both"))
    drop, delete = retention(ours, spec, sizes["agents"])
    results.add(Row(f"30-day retention of a day ({sizes['agents'] * 1440:,} heartbeats)", "",
                    Measure([drop]), None, Measure([delete]),
                    note="agentdb: maintenance drops the partition; spec: its DELETEs + VACUUM"))
