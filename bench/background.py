"""Background agents (spec 003): heartbeat ingest, the monitoring queries at fleet scale, stale
agents, the message queue and 30-day retention, for the background module beside the spec's own
DDL (bench/background_spec.py, schema spec003) on the same data, in the same run and database."""

import asyncio
import json
import threading
import time

import asyncpg
import psycopg

from bench.background_spec import (ACTIVE_AGENTS, HEALTH_OVERVIEW, METRICS_SUMMARY, RECENT_HEARTBEATS, SPEC_DDL,
                                   WEEKLY_DELETES)
from bench import report
from bench.common import RUNS, Measure, Results, Row, fresh_database, progress, samples, timed

FULL = {"agents": 1000, "days": 7, "single": 2000, "batch": 100_000, "messages": 20_000,
        "fleet": {"agents": 1000, "connections": 32, "seconds": 60}}
QUICK = {"agents": 50, "days": 1, "single": 200, "batch": 5_000, "messages": 1_000,
         "fleet": {"agents": 40, "connections": 4, "seconds": 2}}
OURS = "background, core, extensions"
COPIED = {"agents": "agent_id, state, started_at",
          "agent_heartbeats": "agent_id, timestamp, state, error_count, metrics",
          "performance_metrics": "agent_id, metric_name, value, unit, timestamp",
          "system_events": "event_type, agent_id, timestamp, severity"}
PAST = "now() - interval '3 days'"  # ingest benchmarks write here, outside the monitoring windows
SPEC = "spec003"
# The spec's heartbeats table partitioned by day with agentdb's bounds (the spec's columns, indexes and
# rows; the spec's other tables): what PostgreSQL's partitioning itself costs the spec's queries.
DAILY = "spec003_daily"

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
    background module, then copied to the spec's tables, so both hold the same rows. The last hour at
    a live fleet's rate (live) comes after the copy and its VACUUM, which take minutes: made first, it
    would have left the 5-minute window before the queries ran."""
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
    daily_heartbeats(conn)
    conn.execute("VACUUM ANALYZE")
    live(conn, sizes["agents"])


def live(conn: psycopg.Connection, agents: int):
    """dense() in the background module, the same rows copied to the spec's tables, both vacuumed."""
    since = {table: conn.execute(f"SELECT coalesce(max(id), 0) FROM background.{table}").fetchone()[0]
             for table in ("agent_heartbeats", "performance_metrics")}
    dense(conn, agents)
    for table, last in since.items():
        columns = COPIED[table]
        conn.execute(f"INSERT INTO spec003.{table} ({columns}) SELECT {columns} FROM background.{table} WHERE id > %s",
                     (last,))
    conn.execute(f"INSERT INTO {DAILY}.agent_heartbeats SELECT * FROM spec003.agent_heartbeats AS h "
                 f"WHERE h.id > (SELECT max(id) FROM {DAILY}.agent_heartbeats)")
    for table in ("background.agent_heartbeats", "background.performance_metrics", "spec003.agent_heartbeats",
                  "spec003.performance_metrics", f"{DAILY}.agent_heartbeats"):
        conn.execute(f"VACUUM ANALYZE {table}")


def daily_heartbeats(conn: psycopg.Connection):
    """DAILY.agent_heartbeats: the spec's table (its columns, its two indexes, its primary key with the
    partition key added, as PostgreSQL requires) partitioned by range of timestamp with the bounds of
    background.agent_heartbeats' partitions, holding the rows of spec003.agent_heartbeats."""
    conn.execute(f"CREATE SCHEMA {DAILY}")
    conn.execute(f"CREATE TABLE {DAILY}.agent_heartbeats (LIKE spec003.agent_heartbeats INCLUDING DEFAULTS, "
                 "PRIMARY KEY (id, timestamp)) PARTITION BY RANGE (timestamp)")
    conn.execute(f"CREATE INDEX ON {DAILY}.agent_heartbeats (agent_id, timestamp DESC)")
    conn.execute(f"CREATE INDEX ON {DAILY}.agent_heartbeats (timestamp DESC)")
    for name, bound in conn.execute("""SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits AS i
                                       JOIN pg_class AS c ON c.oid = i.inhrelid
                                       WHERE i.inhparent = 'background.agent_heartbeats'::regclass""").fetchall():
        conn.execute(f"CREATE TABLE {DAILY}.{name} PARTITION OF {DAILY}.agent_heartbeats {bound}")
    conn.execute(f"INSERT INTO {DAILY}.agent_heartbeats SELECT * FROM spec003.agent_heartbeats")


def dense(conn: psycopg.Connection, agents: int):
    """The last hour at a live fleet's rate: two metrics every 10 s per agent, and the last 5 minutes
    of heartbeats at one a second per agent (what the monitoring windows read)."""
    conn.execute("""INSERT INTO performance_metrics (agent_id, metric_name, value, unit, timestamp)
                    SELECT 'agent-' || a, n, (a * 7 + s) %% 100 + 0.25, 'percent', now() - s * interval '10 seconds'
                    FROM generate_series(1, 360) AS s CROSS JOIN generate_series(1, %s) AS a
                    CROSS JOIN (VALUES ('cpu_usage'), ('memory_usage')) AS m (n)""", (agents,))
    conn.execute("""INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
                    SELECT 'agent-' || a, now() - s * interval '1 second', 'running', 0, '{"cpu_usage": 7}'
                    FROM generate_series(1, 300) AS s CROSS JOIN generate_series(1, %s) AS a""", (agents,))
    progress("the last hour at a live fleet's rate", 1, 1)


def query_time(conn, query: str) -> Measure:
    """Seconds per run of a query sent unprepared (planned every time, as a dashboard's ad hoc query is)."""
    return Measure(samples(lambda: conn.execute(query, prepare=False).fetchall()))


def alternating(query: str, *conns) -> list[Measure]:
    """Seconds per run of a query sent unprepared on each connection, the connections in turn at each
    run (one warm-up each first): the rows of a moving time window are the same for all of them."""
    times = [[] for _ in conns]
    for conn in conns:
        conn.execute(query, prepare=False).fetchall()
    for _ in range(RUNS):
        for conn, spent in zip(conns, times):
            spent.append(timed(lambda: conn.execute(query, prepare=False).fetchall())[0])
    return [Measure(spent) for spent in times]


def asyncpg_times(dsn: str, query: str) -> tuple[Measure, Measure]:
    """Seconds per run of a query through asyncpg, as the spec's client sends it (asyncpg prepares each
    statement once and keeps it: the plan of a query without parameters is made once), on agentdb and
    on the spec's DDL, runs alternating between the two after a warm-up."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    kwargs = {"host": params.get("host"), "port": int(params.get("port", 5432)), "user": params.get("user"),
              "password": params.get("password"), "database": params.get("dbname")}

    async def run():
        ours = await asyncpg.connect(**kwargs, server_settings={"search_path": OURS.replace(" ", "")})
        spec = await asyncpg.connect(**kwargs, server_settings={"search_path": SPEC})
        times = {ours: [], spec: []}
        try:
            for conn in (ours, spec):
                await conn.fetch(query)
            for _ in range(RUNS):
                for conn in (spec, ours):
                    started = time.perf_counter()
                    await conn.fetch(query)
                    times[conn].append(time.perf_counter() - started)
        finally:
            await ours.close()
            await spec.close()
        return Measure(times[ours]), Measure(times[spec])

    return asyncio.run(run())


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


OUR_FLEET = ("SELECT heartbeat(%s, 'running', 0, '{\"cpu_usage\": 5}')",
             "SELECT record_metrics(jsonb_build_array(jsonb_build_object('agent_id', %s::text, 'metric_name', 'cpu_usage', "
             "'value', 5), jsonb_build_object('agent_id', %s::text, 'metric_name', 'memory_usage', 'value', 512)))")
SPEC_FLEET = ("INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics) "
              "VALUES (%s, now(), 'running', 0, '{\"cpu_usage\": 5}')",
              "INSERT INTO performance_metrics (agent_id, metric_name, value) VALUES (%s, 'cpu_usage', 5)",
              "INSERT INTO performance_metrics (agent_id, metric_name, value) VALUES (%s, 'memory_usage', 512)")


def fleet(dsn: str, path: str, statements: tuple, prefix: str, size: dict, herd: bool = False) -> dict:
    """size's agents each sending one heartbeat and two metrics a second from its connections (an
    agent's rows from the same one) for its seconds, while a maintenance loop runs: rows stored a
    second, per-call latency p50/p99, rows lost (sent minus stored). Each agent reports at its own
    instant of the second (agent k of n at k/n s, as agents started at different times do); a client
    that falls behind sends at once, so the rate is still what the server sustains. herd: every agent
    at the top of each second instead, a connection's agents one after the other (in `make bench` 32
    queues of 31 reports at once: the CPU's queue, not a call's cost). Before the clock starts each
    connection runs its statements once, rolled back: a pooled connection has its plans and caches
    (the first calls of 32 fresh backends were 1 % of all calls, slow enough to be the p99). Loopback
    only; bounded in time. It starts after a CHECKPOINT, so it does not flush what ran before it."""
    agents, conns, seconds = size["agents"], size["connections"], size["seconds"]
    with connect(dsn, path) as conn:
        conn.execute("INSERT INTO agents (agent_id, state, started_at) SELECT %s || g, 'running', now() "
                     "FROM generate_series(1, %s) AS g ON CONFLICT DO NOTHING", (prefix, agents))
        conn.execute("CHECKPOINT")
    latencies: list[list[float]] = [[] for _ in range(conns)]
    sent = [0] * conns
    stop = threading.Event()
    barrier = threading.Barrier(conns + 2)

    def client(i):
        mine = [f"{prefix}{a}" for a in range(1 + i, agents + 1, conns)]
        with connect(dsn, path) as conn:
            for statement in statements:
                with conn.transaction(force_rollback=True):
                    conn.execute(statement, (mine[0],) * statement.count("%s"))
            barrier.wait()
            begun = time.perf_counter()
            for tick in range(seconds):
                for j, agent in enumerate(mine):
                    ahead = begun + tick + (0 if herd else (i + j * conns) / agents) - time.perf_counter()
                    if ahead > 0:
                        time.sleep(ahead)
                    for statement in statements:
                        started = time.perf_counter()
                        conn.execute(statement, (agent,) * statement.count("%s"))
                        latencies[i].append(time.perf_counter() - started)
                    sent[i] += 3
            rest = begun + seconds - time.perf_counter()  # the last second's reports span a second too
            if rest > 0:
                time.sleep(rest)

    def maintenance():
        with psycopg.connect(dsn, autocommit=True) as conn:
            barrier.wait()
            while not stop.wait(5):
                conn.execute("SELECT count(*) FROM core.run_maintenance()")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(conns)]
    keeper = threading.Thread(target=maintenance)
    for thread in [*threads, keeper]:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    stop.set()
    keeper.join()
    with connect(dsn, path) as conn:
        stored = sum(conn.execute(f"SELECT count(*) FROM {table} WHERE agent_id LIKE %s", (prefix + "%",)).fetchone()[0]
                     for table in ("agent_heartbeats", "performance_metrics"))
    every = sorted(v for per in latencies for v in per)
    return {"rate": stored / elapsed, "p50": every[len(every) // 2], "p99": every[int(len(every) * 0.99)],
            "lost": sum(sent) - stored, "target": 3 * agents}


def fleet_rows(results: Results, dsn: str, size: dict):
    """The fleet against the spec's INSERTs under the same load: each agent at its own instant (the
    targets), then every agent at the top of the second (the herd; no target). The bench wrote days
    of history at once and the rollups keep two, so the first maintenance run deletes millions of
    rollup rows, and the runs after it walk past them until they are vacuumed (the first three runs
    took 9.0, 3.3 and 1.2 s after 7 days of a 1,000-agent fleet): a catch-up that a live fleet, whose
    rollups are trimmed a minute at a time, never meets. It runs, and the database is vacuumed, before
    the fleets."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT count(*) FROM core.run_maintenance()")
        conn.execute("VACUUM (ANALYZE)")
    for herd in (False, True):
        prefix = "herd-" if herd else "fleet-"
        theirs = fleet(dsn, SPEC, SPEC_FLEET, prefix, size, herd)
        mine = fleet(dsn, OURS, OUR_FLEET, prefix, size, herd)
        spec_rate = Measure([theirs["rate"]], "rows/s")
        load = ("every agent at the top of each second (herd)" if herd else "each agent at its own instant")
        results.add(Row(f"fleet: {size['agents']:,} agents x (1 heartbeat + 2 metrics)/s, {load}, "
                        f"{size['connections']} connections, {size['seconds']} s, maintenance running (rows/s)",
                        "" if herd else f"{mine['target']:,}/s sustained, >= 1.0x spec", Measure([mine["rate"]], "rows/s"),
                        None, spec_rate, higher_is_better=True, floor=spec_rate, floor_label="spec's INSERTs, spec DDL",
                        note=f"agentdb p50 {mine['p50'] * 1000:.2f} ms, p99 {mine['p99'] * 1000:.2f} ms, "
                             f"lost {mine['lost']}; spec p50 {theirs['p50'] * 1000:.2f} ms, "
                             f"p99 {theirs['p99'] * 1000:.2f} ms, lost {theirs['lost']}"))
        spec_p99 = Measure([theirs["p99"]])
        results.add(Row(f"  {'herd' if herd else 'fleet'} p99 per call", "" if herd else "<= 20 ms",
                        Measure([mine["p99"]]), None, spec_p99, floor=spec_p99, floor_label="spec's INSERTs, spec DDL, p99",
                        note=f"p50 {mine['p50'] * 1000:.2f} ms against {theirs['p50'] * 1000:.2f} ms"))


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
        with connect(dsn, OURS) as ours, connect(dsn, SPEC) as spec, connect(dsn, f"{DAILY}, {SPEC}") as daily:
            fill(ours, sizes, "")
            for conn in (ours, spec, daily):
                top_up(conn, sizes["agents"])
            measure(results, dsn, ours, spec, daily, sizes)
            report.add_rows(results, dsn, "background")
            results.save(dsn, sizes)
    return results


def measure(results: Results, dsn: str, ours, spec, daily, sizes: dict):
    for name, query in (("active agents", ACTIVE_AGENTS), ("recent heartbeats (5 min)", RECENT_HEARTBEATS),
                        ("metrics summary, last hour", METRICS_SUMMARY), ("system health overview", HEALTH_OVERVIEW)):
        theirs = query_time(spec, query)
        results.add(Row(f"{name}: the spec's query, verbatim", "<= 1.0x spec DDL", query_time(ours, query), None, theirs,
                        floor=theirs, floor_label="spec DDL", note="planning included (sent unprepared)"))
        mine, spec_client = asyncpg_times(dsn, query)
        results.add(Row(f"  through asyncpg, as the spec's client", "<= 1.0x spec DDL", mine, None, spec_client,
                        floor=spec_client, floor_label="spec DDL, asyncpg", note="prepared once, as asyncpg does"))
        if "agent_heartbeats" in query:
            again, plain, partitioned = alternating(query, ours, spec, daily)
            results.add(Row("  the same, against the spec's DDL with agentdb's daily partitions", "",
                            again, None, partitioned, floor=partitioned, floor_label="spec DDL, daily partitions",
                            note=f"partitioning itself: {partitioned.median / plain.median:.2f}x the spec's DDL "
                                 "(the three in turn)"))
        if name == "system health overview":
            # What partitioning itself costs the verbatim query: the same statement over the one
            # partition holding the window (the Append node and the other partitions' planning gone).
            hot = ours.execute("SELECT tableoid::regclass::text FROM agent_heartbeats "
                               "ORDER BY timestamp DESC LIMIT 1").fetchone()[0]
            results.add(Row("  the same, the heartbeats counted in their partition (diagnostic)", "",
                            query_time(ours, query.replace("FROM agent_heartbeats", f"FROM {hot}")), None, theirs,
                            floor=theirs, floor_label="spec DDL", note=f"{hot}: no Append node"))
            results.add(Row("  background.health_overview (rollups)", "<= 0.2x spec DDL",
                            query_time(ours, "SELECT * FROM health_overview"), None, theirs, floor=theirs,
                            floor_label="spec's query, spec DDL", note="exact: heartbeat_minutes + the first minute's rows"))
        if name == "metrics summary, last hour":
            results.add(Row("  background.metrics_last_hour (rollups)", "<= 0.2x spec DDL",
                            query_time(ours, "SELECT * FROM metrics_last_hour"), None, theirs, floor=theirs,
                            floor_label="spec's query, spec DDL", note="exact: metric_minutes + the first minute's rows"))
    ours.execute(f"DROP SCHEMA {DAILY} CASCADE")  # its rows are not written or read again
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
    fleet_rows(results, dsn, sizes["fleet"])
    drop, delete = retention(ours, spec, sizes["agents"])
    results.add(Row(f"30-day retention of a day ({sizes['agents'] * 1440:,} heartbeats)", "",
                    Measure([drop]), None, Measure([delete]),
                    note="agentdb: maintenance drops the partition; spec: its DELETEs + VACUUM"))
