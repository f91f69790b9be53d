"""The films benchmark: spec 000's performance table, agentdb beside Google ADK's own
DatabaseSessionService and the spec's naive SQL, on one server, in one run.

Data is generated through the films module's own functions (append_events), with ~300-byte
event_data, state deltas, tool calls, questions / answers and agent transfers."""

import functools
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
from psycopg import sql
from psycopg.types.string import TextLoader

from agentdb.server import wheel_install_dir
from bench import adk, naive, report
from bench.common import (ROOT, RUNS, Measure, Results, Row, commit_floor, fresh_database, progress, samples,
                          storage_per_event, timed)

FULL = {"background_sessions": 2000, "events_per_session": 100, "long_session": 10_000, "sessions": 100_000,
        "qa": 100, "transfers": 50, "extra_background": 1_800_000, "single_appends": 2000, "adk_events": 10_000}
QUICK = {"background_sessions": 200, "events_per_session": 100, "long_session": 2000, "sessions": 10_000,
         "qa": 100, "transfers": 50, "extra_background": 180_000, "single_appends": 300, "adk_events": 300}
AGENTS = ["researcher", "screenwriter", "critic", "file_writer"]
TYPES = ["user_message", "agent_response", "tool_call", "tool_response"]
NOW = datetime.now(timezone.utc).replace(microsecond=0)
START = NOW - timedelta(days=40)


def adk_event(n: int, rng: random.Random) -> dict:
    """An event as an ADK client sends it (the fields ADK's Event has, without empty ones): ~300 bytes."""
    words = " ".join(rng.choice(["zhang", "physician", "han", "epidemic", "act", "scene", "remedy", "court"])
                     for _ in range(18))
    return {"id": str(uuid.UUID(int=rng.getrandbits(128))), "invocation_id": f"e-{n // 20}",
            "author": AGENTS[n % 4], "timestamp": (START + timedelta(seconds=n)).timestamp(),
            "content": {"role": "model", "parts": [{"text": words}]},
            "actions": {"state_delta": delta(n) or {}}}


def delta(n: int) -> dict | None:
    if n % 10:
        return None
    return {"step": n, "PLOT_OUTLINE": f"Act {n % 3 + 1}: draft {n}"} if n % 50 == 0 else {"step": n}


class Films:
    """The films database of one run, and how agentdb's client calls it."""

    def __init__(self, dsn: str, sizes: dict):
        self.dsn, self.sizes = dsn, sizes
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.raw = psycopg.connect(dsn, autocommit=True)  # reconstruction: the JSON text as the server sends it
        self.raw.adapters.register_loader("json", TextLoader)
        self.user = self.conn.execute(
            "INSERT INTO films.users (email, username) VALUES ('bench@example.com', 'bench') RETURNING id"
        ).fetchone()[0]

    def new_session(self, started=START) -> uuid.UUID:
        return self.conn.execute(
            "INSERT INTO films.sessions (user_id, started_at) VALUES (%s, %s) RETURNING id", (self.user, started)
        ).fetchone()[0]

    def inputs(self, first: int, count: int, rng: random.Random, spread: float = 1.0) -> list[dict]:
        rows = []
        for n in range(first, first + count):
            event = adk_event(n, rng)
            kind = TYPES[n % 4]
            rows.append({"event_type": kind, "event_data": event, "state_delta": delta(n),
                         "agent_name": event["author"], "parent_agent_name": "greeter",
                         "tool_name": "wikipedia" if kind == "tool_call" else None,
                         "duration_ms": 40 + n % 900, "tokens_used": n % 700,
                         "created_at": (START + timedelta(seconds=n * spread)).isoformat()})
        return rows

    def append_batch(self, session, rows: list[dict]) -> None:
        """One call per batch: the events as one JSON array (films.append_events_json)."""
        self.conn.execute("SELECT count(*) FROM films.append_events_json(%s, %s::json)", (session, json.dumps(rows)))

    def generate(self) -> dict:
        s, rng = self.sizes, random.Random(7)
        per = s["events_per_session"]
        for i in range(s["background_sessions"]):
            self.append_batch(self.new_session(), self.inputs(i * per, per, rng, spread=3600 * 24 * 39 / (per * s["background_sessions"])))
            if i % 50 == 49 or i + 1 == s["background_sessions"]:
                progress("background events (append_events)", (i + 1) * per, s["background_sessions"] * per)
        self.long = self.new_session()
        batch_rates = []
        for b in range(0, s["long_session"], 1000):
            rows = self.inputs(b, min(1000, s["long_session"] - b), rng, spread=60)
            seconds, _ = timed(self.append_batch, self.long, rows)  # JSON encoding included
            batch_rates.append(len(rows) / seconds)
            progress("the long session (batches of 1,000)", b + len(rows), s["long_session"])
        self.short = self.new_session()
        self.append_batch(self.short, self.inputs(0, 100, rng, spread=60))
        self.conversation(rng)
        self.extra_sessions(rng)
        self.conn.execute("SELECT count(*) FROM core.run_maintenance()")
        self.conn.execute("VACUUM (ANALYZE)")
        return {"batch": batch_rates}

    def conversation(self, rng):
        s = self.sizes
        params = {"s": self.long, "t": START, "qa": s["qa"]}
        self.conn.execute(
            """INSERT INTO films.questions (session_id, content, sequence_number, asked_at)
               SELECT %(s)s, 'question ' || n, n, %(t)s + n * interval '1 minute'
               FROM generate_series(1, %(qa)s) AS n""", params)
        self.conn.execute(
            """INSERT INTO films.answers (session_id, content, agent_name, sequence_number, tokens_used,
                                          response_time_ms, answered_at)
               SELECT %(s)s, 'answer ' || n, 'screenwriter', n, 800, 2500, %(t)s + n * interval '1 minute' + interval '30 s'
               FROM generate_series(1, %(qa)s) AS n""", params)
        # Every background session has a conversation and hand-overs too (10 Q&A, 5 transfers).
        self.conn.execute(
            """INSERT INTO films.questions (session_id, content, sequence_number, asked_at)
               SELECT id, 'question', n, started_at + n * interval '1 minute'
               FROM films.sessions CROSS JOIN generate_series(1, 10) AS n WHERE id <> %(s)s""", params)
        self.conn.execute(
            """INSERT INTO films.answers (session_id, content, agent_name, sequence_number, answered_at)
               SELECT id, 'answer', 'critic', n, started_at + n * interval '1 minute'
               FROM films.sessions CROSS JOIN generate_series(1, 10) AS n WHERE id <> %(s)s""", params)
        self.conn.execute(
            """INSERT INTO films.agent_transfers (session_id, from_agent, to_agent, transfer_reason, transferred_at)
               SELECT id, 'researcher', 'critic', 'background', started_at + n * interval '1 minute'
               FROM films.sessions CROSS JOIN generate_series(1, 5) AS n WHERE id <> %(s)s""", params)
        for n in range(s["transfers"]):
            self.conn.execute("SELECT films.append_event(%s, 'agent_transfer', %s, p_agent_name => %s, "
                              "p_transfer_to_agent => %s, p_transfer_reason => 'next step', p_created_at => %s)",
                              (self.long, json.dumps({"author": AGENTS[n % 4]}), AGENTS[n % 4], AGENTS[(n + 1) % 4],
                               START + timedelta(days=30, seconds=n)))

    def extra_sessions(self, rng):
        """Sessions (up to the size's total) with varied state, for the JSONB queries."""
        missing = self.sizes["sessions"] - self.conn.execute("SELECT count(*) FROM films.sessions").fetchone()[0]
        self.conn.execute(
            """INSERT INTO films.sessions (user_id, state, status, started_at)
               SELECT %s, jsonb_build_object(
                   'genre', (ARRAY['drama', 'noir', 'epic', 'comedy', 'documentary'])[1 + g %% 5],
                   'iteration_count', g %% 7,
                   'research', jsonb_build_array('fact ' || g, 'fact ' || (g + 1)),
                   'agent_states', jsonb_build_object('researcher', jsonb_build_object('last_query', 'q' || g %% 1000)))
                   || CASE WHEN g %% 500 = 0 THEN jsonb_build_object('PLOT_OUTLINE', 'outline ' || g) ELSE '{}' END,
                   CASE WHEN g %% 10 = 0 THEN 'active' ELSE 'completed' END, %s
               FROM generate_series(1, %s) AS g""", (self.user, START, max(missing, 0)))
        progress("sessions with state", self.sizes["sessions"], self.sizes["sessions"])

    # -- what a client does ------------------------------------------------------------------

    def reconstruct_raw(self, session=None, recent=None) -> str:
        return self.raw.execute("SELECT films.reconstruct_session(%s, %s)",
                                 (session or self.long, recent)).fetchone()[0]

    def reconstruct_server(self) -> int:
        """The document built and measured in the server, not sent (pg_column_size copies nothing)."""
        return self.raw.execute("SELECT pg_column_size(films.reconstruct_session(%s))", (self.long,)).fetchone()[0]

    def batches_in_server(self, runs: int = RUNS) -> list[float]:
        """Events a second of append_events over 1,000 events already in the server (one typed array
        kept in a temporary table), each batch into a new session: the batch without encoding,
        sending or parsing its input, whatever the format. The ceiling of the batch row."""
        rows = self.inputs(0, 1000, random.Random(11), spread=60)
        self.conn.execute("CREATE TEMP TABLE batch_input AS SELECT ARRAY(SELECT e FROM json_populate_recordset("
                          "NULL::films.event_input, %s::json) AS e) AS events", (json.dumps(rows),))
        sessions = iter([self.new_session() for _ in range(runs + 1)])
        seconds = samples(lambda: self.conn.execute(
            "SELECT count(*) FROM films.append_events(%s, (SELECT events FROM batch_input))", (next(sessions),)), runs)
        self.conn.execute("DROP TABLE batch_input")
        return [len(rows) / s for s in seconds]

    def single_appends(self, count: int, session) -> float:
        """Events a second through append_event, one call and one commit each (prepared beforehand)."""
        rng = random.Random(session.int)
        calls = []
        for n in range(count):
            event = adk_event(n, rng)
            calls.append((session, TYPES[n % 4], json.dumps(event), json.dumps(delta(n)) if delta(n) else None,
                          event["author"], n % 700, START + timedelta(days=35, seconds=n)))
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            started = time.perf_counter()
            for args in calls:
                conn.execute("SELECT films.append_event(%s, %s, %s::json, %s::jsonb, p_agent_name => %s, "
                             "p_tokens_used => %s, p_created_at => %s)", args)
            return count / (time.perf_counter() - started)


def run(quick: bool) -> Results:
    sizes = QUICK if quick else FULL
    results = Results(f"Films ({sizes['long_session']:,}-event session among "
                      f"{sizes['background_sessions'] * sizes['events_per_session']:,} other events)")
    with fresh_database(("core", "films")) as dsn:
        films = Films(dsn, sizes)
        ingest = films.generate()
        spec = naive.Spec(dsn)
        spec.copy_from_films()
        peer = adk.run(sizes["adk_events"], [adk_event(n, random.Random(n)) for n in range(sizes["adk_events"])])
        measure(results, films, spec, peer, ingest, sizes)
        report.add_rows(results, dsn, "films")
        results.save(dsn, sizes)
        films.conn.close()
        films.raw.close()
        spec.conn.close()
    return results


def measure(results: Results, films: Films, spec: "naive.Spec", peer, ingest: dict, sizes: dict):
    n = sizes["long_session"]
    raw = Measure(samples(films.reconstruct_raw))
    results.add(Row(f"full reconstruction, {n:,} events: raw end-to-end", "< 50 ms (12 ms)", raw,
                    peer.get("get_full", "n/a"), Measure(samples(spec.reconstruct_raw))))
    results.add(Row(f"full reconstruction, {n:,} events: parsed", "< 50 ms",
                    Measure(samples(lambda: json.loads(films.reconstruct_raw()))),
                    None, Measure(samples(lambda: json.loads(spec.reconstruct_raw())))))
    results.add(Row(f"full reconstruction, {n:,} events: server side", "", Measure(samples(films.reconstruct_server))))
    results.add(Row(f"state + recent 100, {n:,}-event session", "1 ms",
                    Measure(samples(lambda: films.reconstruct_raw(recent=100))), peer.get("get_recent", "n/a")))
    results.add(Row("state + recent 100, 100-event session", "1 ms",
                    Measure(samples(lambda: films.reconstruct_raw(films.short, 100)))))
    points = iter(random.Random(3).sample(range(1, n), 8))
    results.add(Row(f"state at a past point of a {n:,}-event session", "2 ms", Measure(samples(
        lambda: films.conn.execute("SELECT films.session_state_at(%s, %s)", (films.long, next(points))).fetchone()))))
    for label, query, value in (
        ("JSONB containment (@>)", "SELECT id FROM films.sessions WHERE state @> %s::jsonb", '{"PLOT_OUTLINE": "outline 500"}'),
        ("JSONB key existence (?)", "SELECT id FROM films.sessions WHERE state ? %s", "PLOT_OUTLINE"),
    ):
        results.add(Row(f"{label} over {sizes['sessions']:,} sessions", "< 10 ms (1 ms)",
                        Measure(samples(lambda: films.conn.execute(query, (value,)).fetchall()))))
    results.add(Row(f"conversation history, {sizes['qa']} Q&A", "< 20 ms (1 ms)", Measure(samples(
        lambda: films.conn.execute("SELECT * FROM films.conversation_history(%s)", (films.long,)).fetchall())),
        None, Measure(samples(spec.conversation))))
    results.add(Row(f"agent transfer flow, {sizes['transfers']} transfers", "< 20 ms (0.5 ms)", Measure(samples(
        lambda: films.conn.execute("SELECT * FROM films.agent_workflow(%s)", (films.long,)).fetchall())),
        None, Measure(samples(spec.transfers))))
    for label, pruned in pruning(films.conn).items():
        results.add(Row(f"partition pruning, {label}", "> 90 % (100 %)", Measure([pruned], "%"),
                        higher_is_better=True))

    one = [films.single_appends(sizes["single_appends"], films.new_session()) for _ in range(3)]
    results.add(Row("append_event, 1 client (events/s)", ">= 2,200/s", Measure(one, "ev/s"),
                    peer.get("append", "n/a"), higher_is_better=True, note="synchronous commit, one per call"))
    results.add(Row("append_event, 1 client, pgbench (events/s)", "",
                    Measure(pgbench_appends(films, sizes["single_appends"]), "ev/s"), higher_is_better=True,
                    note="PostgreSQL's C client: the rate without Python's share of each call"))
    floor = [1 / seconds for seconds in commit_floor(films.conn, sizes["single_appends"])]
    results.add(Row("one-row INSERT + COMMIT, 1 client (commits/s)", "", Measure(floor, "ev/s"),
                    higher_is_better=True, note="this server's WAL flush: the ceiling of one commit per call"))
    four = concurrent_appends(films, sizes["single_appends"])
    results.add(Row("append_event, 4 clients (events/s)", "", Measure([four], "ev/s"), higher_is_better=True))
    results.add(Row("append_events batch of 1,000 (events/s)", ">= 60,000/s", Measure(ingest["batch"], "ev/s"),
                    higher_is_better=True))
    results.add(Row("append_events batch of 1,000, input already in the server (events/s)", "",
                    Measure(films.batches_in_server(), "ev/s"), higher_is_better=True,
                    note="no input to encode, send or parse: the batch's ceiling"))
    ours = storage_per_event(films.conn, "films.events")
    results.add(Row("storage per event, table + indexes (bytes)", "<= 0.6x ADK", Measure([ours], "B"),
                    peer.get("bytes_per_event", "n/a"), Measure([storage_per_event(spec.conn, "spec_naive.events")], "B")))

    extra_background(films, sizes["extra_background"])
    at_2m = Measure(samples(films.reconstruct_raw))
    total = sizes["background_sessions"] * sizes["events_per_session"] + sizes["extra_background"]
    results.add(Row(f"full reconstruction at {total:,} background events", "", at_2m,
                    note=f"{at_2m.median / raw.median:.2f}x the smaller table (target <= 1.1)"))
    results.add(Row("cache hit ratio after the run", "> 99 %", Measure([cache_hit_ratio(films.conn)], "%"),
                    higher_is_better=True))
    migration = migrate_timings()
    results.add(Row("dbctl migrate, all modules, empty database", "", Measure(migration["first"])))
    results.add(Row("dbctl migrate, nothing to do", "", Measure(migration["again"])))


def pruning(conn) -> dict:
    """Share of the non-matching partitions skipped by a one-month query, planned and generic."""
    partitions = conn.execute("SELECT count(*) FROM core.partitions_of('films.events')").fetchone()[0]
    month, following = conn.execute(
        "SELECT date_trunc('month', now()), date_trunc('month', now()) + interval '1 month'").fetchone()
    bounds = (sql.Literal(month), sql.Literal(following))
    query = "SELECT count(*) FROM films.events WHERE created_at >= {} AND created_at < {}"
    plan = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) " + query).format(*bounds)).fetchone()[0][0]["Plan"]
    scanned = len(set(_values(plan, "Relation Name")))
    with conn.transaction():
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE bench_month (timestamptz, timestamptz) AS {query.format('$1', '$2')}")
        generic = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE bench_month({}, {})").format(*bounds)
                               ).fetchone()[0][0]["Plan"]
        conn.execute("DEALLOCATE bench_month")
    removed = sum(int(v) for v in _values(generic, "Subplans Removed"))
    others = partitions - 1
    return {f"plan time ({partitions - scanned} of {others} skipped)": 100 * (partitions - scanned) / others,
            f"generic plan ({removed} of {others} removed)": 100 * removed / others}


def _values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item, key)


def concurrent_appends(films: Films, per_client: int) -> float:
    sessions = [films.new_session() for _ in range(4)]
    rates = [0.0] * 4
    threads = [threading.Thread(target=lambda i=i: rates.__setitem__(i, films.single_appends(per_client, sessions[i])))
               for i in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return 4 * per_client / (time.perf_counter() - started)


def pgbench_appends(films: Films, count: int, runs: int = 3) -> list[float]:
    """append_event from pgbench, PostgreSQL's C client (one connection, prepared statement, synchronous
    commit): the same call's rate without Python's share of each round trip."""
    call = sql.SQL("SELECT films.append_event({}, 'agent_response', {}::json, p_agent_name => 'critic', "
                   "p_tokens_used => 12);\n").format(
        sql.Literal(str(films.new_session())), sql.Literal(json.dumps(adk_event(0, random.Random(0)))))
    rates = []
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(call.as_string(films.conn))
        script.flush()
        for _ in range(runs):
            result = subprocess.run(
                [str(wheel_install_dir() / "bin" / "pgbench"), "--no-vacuum", "--protocol=prepared", "--client=1",
                 f"--transactions={count}", f"--file={script.name}", films.dsn],
                capture_output=True, text=True, check=True)
            rates.append(float(re.search(r"tps = ([0-9.]+)", result.stdout).group(1)))
    return rates


def extra_background(films: Films, count: int):
    """More background events, straight into the table (the same month as the long session)."""
    sessions = max(count // 1000, 1)
    for chunk in range(0, sessions, 100):
        films.conn.execute(
            """WITH s AS (
                   INSERT INTO films.sessions (user_id, started_at)
                   SELECT %s, %s FROM generate_series(1, %s) RETURNING id
               )
               INSERT INTO films.events (session_id, sequence_number, event_type, agent_name, event_data,
                                         tool_name, tokens_used, created_at)
               SELECT s.id, n, 'agent_response', 'critic', json_build_object('author', 'critic', 'text',
                      repeat('zhang physician ', 15), 'n', n), NULL, n %% 700,
                      %s + (n * interval '35 minutes') + random() * interval '1 minute'
               FROM s CROSS JOIN generate_series(1, 1000) AS n""",
            (films.user, START, min(100, sessions - chunk), START))
        progress("extra background events (INSERT)", min(chunk + 100, sessions) * 1000, sessions * 1000)
    films.conn.execute("SELECT count(*) FROM core.run_maintenance()")
    films.conn.execute("VACUUM (ANALYZE) films.events")


def cache_hit_ratio(conn) -> float:
    return conn.execute(
        """SELECT 100.0 * sum(heap_blks_hit + coalesce(idx_blks_hit, 0))
                  / nullif(sum(heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0)), 0)
           FROM pg_statio_user_tables WHERE schemaname = 'films'""").fetchone()[0]


def migrate_timings(runs: int = 7) -> dict:
    first, again = [], []
    command = [sys.executable, str(ROOT / "dbctl.py"), "migrate", "--dsn"]
    for _ in range(runs):
        with fresh_database(modules=(), prefix="agentdb_bench_migrate") as dsn:
            run = functools.partial(subprocess.run, [*command, dsn], capture_output=True, check=True)
            first.append(timed(run)[0])
            again.append(timed(run)[0])
    return {"first": first, "again": again}
