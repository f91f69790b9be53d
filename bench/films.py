"""The films benchmark: spec 000's performance table, agentdb beside Google ADK's own
DatabaseSessionService and the spec's naive SQL, on one server, in one run.

Data is generated through the films module's own functions (append_events), with ~300-byte
event_data, state deltas, tool calls, questions / answers and agent transfers."""

import functools
import json
import os
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
from psycopg.types.json import set_json_dumps
from psycopg.types.string import TextLoader

from agentdb.server import wheel_install_dir
from bench import adk, naive, report
from bench.common import (ROOT, RUNS, Measure, Results, Row, commit_floor, fresh_database, progress, samples,
                          storage_per_event, timed)

FULL = {"background_sessions": 2000, "events_per_session": 100, "long_session": 10_000, "sessions": 100_000,
        "qa": 100, "transfers": 50, "extra_background": 1_800_000, "single_appends": 2000, "adk_events": 10_000,
        "migrate_runs": 7}
QUICK = {"background_sessions": 200, "events_per_session": 100, "long_session": 2000, "sessions": 10_000,
         "qa": 100, "transfers": 50, "extra_background": 60_000, "single_appends": 300, "adk_events": 300,
         "migrate_runs": 3}
# The batch client path (docs/films.md): binary COPY into a temporary table of films.event_input's
# fields and the event's place in the batch (n), emptied at every commit, then one set-based append,
# in one transaction.
EVENT_INPUT = ["event_type", "event_data", "state_delta", "agent_name", "parent_agent_name", "tool_name", "tool_input",
               "tool_output", "duration_ms", "tokens_used", "error_message", "transfer_to_agent", "transfer_reason",
               "created_at"]
CREATE_BATCH = ("CREATE TEMP TABLE IF NOT EXISTS event_batch ON COMMIT DELETE ROWS AS "
                "SELECT 0 AS n, (NULL::films.event_input).* WITH NO DATA")
COPY_BATCH = "COPY event_batch FROM STDIN (FORMAT BINARY)"
EVENT_INPUT_TYPES = ["int4", "text", "json", "jsonb", "text", "text", "text", "jsonb", "jsonb", "int4", "int4", "text",
                     "text", "text", "timestamptz"]
APPEND_BATCH = ("SELECT count(*) FROM films.append_events(%s, "
                f"ARRAY(SELECT ({', '.join('b.' + f for f in EVENT_INPUT)})::films.event_input FROM event_batch AS b ORDER BY b.n))")
# glibc's malloc thresholds the embedded server runs with (README, Configuration), for a client that
# reads whole sessions: a document of megabytes is received into reused heap memory instead of fresh
# mappings that page-fault on every call.
CLIENT_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "67108864"}
RECONSTRUCT_CLIENT = """
import json, sys, time
import psycopg
from psycopg.types.string import TextLoader
conn = psycopg.connect(sys.argv[1], autocommit=True)
conn.adapters.register_loader("json", TextLoader)
calls = {"raw": ("SELECT films.reconstruct_session(%s, NULL)", (sys.argv[2],)),
         "server": ("SELECT pg_column_size(films.reconstruct_session(%s))", (sys.argv[2],))}
found = {name: [] for name in calls}
for name, call in calls.items():
    conn.execute(*call).fetchone()
for _ in range(int(sys.argv[3])):
    for name, call in calls.items():
        started = time.perf_counter()
        conn.execute(*call).fetchone()
        found[name].append(time.perf_counter() - started)
print(json.dumps(found))
"""
AGENTS = ["researcher", "screenwriter", "critic", "file_writer"]
TYPES = ["user_message", "agent_response", "tool_call", "tool_response"]
def write_batch(copy, rows: list[dict]) -> None:
    """The batch client path's rows (docs/films.md): each event's place and its fields, the JSON ones
    as the client's dicts (the COPY's types tell psycopg to encode them)."""
    copy.set_types(EVENT_INPUT_TYPES)
    for n, r in enumerate(rows):
        copy.write_row((n, r["event_type"], r["event_data"], r["state_delta"], r["agent_name"],
                        r["parent_agent_name"], r["tool_name"], None, None, r["duration_ms"], r["tokens_used"],
                        None, None, None, datetime.fromisoformat(r["created_at"])))


def data_start() -> datetime:
    """Where the generated data begins: 40 days before now (whole seconds), read when a run starts.
    The data so spans the current month and one or two before it, and the maintenance call of
    generate() has rows to move out of the default partition, on whatever day the run is."""
    return datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=40)


def adk_event(n: int, rng: random.Random, start: datetime) -> dict:
    """An event as an ADK client sends it (the fields ADK's Event has, without empty ones): ~300 bytes."""
    words = " ".join(rng.choice(["zhang", "physician", "han", "epidemic", "act", "scene", "remedy", "court"])
                     for _ in range(18))
    return {"id": str(uuid.UUID(int=rng.getrandbits(128))), "invocation_id": f"e-{n // 20}",
            "author": AGENTS[n % 4], "timestamp": (start + timedelta(seconds=n)).timestamp(),
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
        self.start = data_start()
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.raw = psycopg.connect(dsn, autocommit=True)  # reconstruction: the JSON text as the server sends it
        self.raw.adapters.register_loader("json", TextLoader)
        self.user = self.conn.execute(
            "INSERT INTO films.users (email, username) VALUES ('bench@example.com', 'bench') RETURNING id"
        ).fetchone()[0]

    def new_session(self) -> uuid.UUID:
        return self.conn.execute(
            "INSERT INTO films.sessions (user_id, started_at) VALUES (%s, %s) RETURNING id", (self.user, self.start)
        ).fetchone()[0]

    def inputs(self, first: int, count: int, rng: random.Random, spread: float = 1.0) -> list[dict]:
        rows = []
        for n in range(first, first + count):
            event = adk_event(n, rng, self.start)
            kind = TYPES[n % 4]
            rows.append({"event_type": kind, "event_data": event, "state_delta": delta(n),
                         "agent_name": event["author"], "parent_agent_name": "greeter",
                         "tool_name": "wikipedia" if kind == "tool_call" else None,
                         "duration_ms": 40 + n % 900, "tokens_used": n % 700,
                         "created_at": (self.start + timedelta(seconds=n * spread)).isoformat()})
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
        params = {"s": self.long, "t": self.start, "qa": s["qa"]}
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
                               self.start + timedelta(days=30, seconds=n)))

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
               FROM generate_series(1, %s) AS g""", (self.user, self.start, max(missing, 0)))
        progress("sessions with state", self.sizes["sessions"], self.sizes["sessions"])

    # -- what a client does ------------------------------------------------------------------

    def reconstruct_raw(self, session=None, recent=None) -> str:
        return self.raw.execute("SELECT films.reconstruct_session(%s, %s)",
                                 (session or self.long, recent)).fetchone()[0]

    def reconstruct_in_client(self, env: dict, runs: int = RUNS) -> dict:
        """The raw end-to-end reconstruction and its server side, interleaved, timed by a new Python
        client process started with env added to this one's environment (the same calls as
        reconstruct_raw and reconstruct_server): how a client's own settings change its share."""
        result = subprocess.run([sys.executable, "-c", RECONSTRUCT_CLIENT, self.dsn, str(self.long), str(runs)],
                                env={**os.environ, **env}, capture_output=True, text=True, check=True)
        return json.loads(result.stdout)

    def reconstruct_server(self) -> int:
        """The document built and measured in the server, not sent (pg_column_size copies nothing)."""
        return self.raw.execute("SELECT pg_column_size(films.reconstruct_session(%s))", (self.long,)).fetchone()[0]

    def batch_rates(self, runs: int = RUNS) -> dict:
        """The batch rows' measures, interleaved run by run (a busy machine slows them alike), each
        batch of 1,000 events into a new session:
          ceiling: events a second of append_events over events already in the server (one typed array
            kept in a temporary table): no input to encode, send or parse, whatever the format;
          copy: events a second of the documented batch client path (docs/films.md), timed from the
            client's Python dicts as the JSON batch row is: binary COPY into the temporary table
            event_batch, the JSON fields encoded by pydantic's encoder (psycopg's set_json_dumps),
            then one films.append_events over it, in one transaction;
          copy_stdlib: the same with Python's json module as the encoder (psycopg's default);
          copy_bytes: the same COPY data already encoded, sent as bytes: the path without any client
            work, the ceiling of any client of it;
          json: events a second of the same batch as one JSON array (append_events_json), from the
            same dicts;
          encoding, encoding_fast: seconds of json.dumps, and of pydantic_core.to_json, of the batch's
            JSON fields (event_data, state_delta) in this process;
          copy_bytes_encoded: copy_bytes with encoding_fast's time added, run by run."""
        from pydantic_core import to_json

        rows = self.inputs(0, 1000, random.Random(11), spread=60)
        self.conn.execute("CREATE TEMP TABLE batch_input AS SELECT ARRAY(SELECT e FROM json_populate_recordset("
                          "NULL::films.event_input, %s::json) AS e) AS events", (json.dumps(rows),))
        fast = psycopg.connect(self.dsn, autocommit=True)
        set_json_dumps(to_json, fast)
        for conn in (self.conn, fast):
            conn.execute(CREATE_BATCH)
        sessions = iter([self.new_session() for _ in range(5 * runs + 5)])

        def ceiling():
            self.conn.execute("SELECT count(*) FROM films.append_events(%s, (SELECT events FROM batch_input))",
                              (next(sessions),))

        def copy_by(conn, data=None):
            def append():
                with conn.transaction():
                    with conn.cursor().copy(COPY_BATCH) as batch:
                        if data is not None:
                            batch.write(data)
                        else:
                            write_batch(batch, rows)
                    conn.execute(APPEND_BATCH, (next(sessions),))
            return append

        with fast.transaction():  # the COPY data of the batch, as the client path sends it
            with fast.cursor().copy(COPY_BATCH) as batch:
                write_batch(batch, rows)
            with fast.cursor().copy("COPY event_batch TO STDOUT (FORMAT BINARY)") as out:
                encoded = b"".join(bytes(block) for block in out)

        def json_batch():
            self.append_batch(next(sessions), rows)

        def encoder(dumps):
            return lambda: [(dumps(r["event_data"]), r["state_delta"] and dumps(r["state_delta"])) for r in rows]

        steps = {"ceiling": ceiling, "copy": copy_by(fast), "copy_stdlib": copy_by(self.conn),
                 "copy_bytes": copy_by(fast, encoded), "json": json_batch, "encoding": encoder(json.dumps),
                 "encoding_fast": encoder(to_json)}
        found = {name: [] for name in steps}
        for fn in steps.values():
            fn()
        for _ in range(runs):
            for name, fn in steps.items():
                found[name].append(timed(fn)[0])
        self.conn.execute("DROP TABLE batch_input")
        fast.close()
        rates = {name: (times if name.startswith("encoding") else [len(rows) / t for t in times])
                 for name, times in found.items()}
        # The bytes' COPY plus the fastest encoding of the events, run by run: the least a client path
        # from Python dicts can take, whatever else it does.
        rates["copy_bytes_encoded"] = [len(rows) / (b + e)
                                       for b, e in zip(found["copy_bytes"], found["encoding_fast"])]
        return rates

    def single_appends(self, count: int, session) -> float:
        """Events a second through append_event, one call and one commit each (prepared beforehand),
        from one cursor kept for the loop, as a client that appends event after event would keep it
        (docs/films.md: Connection.execute makes a new cursor for every call, about 20 µs of Python
        each on this machine)."""
        rng = random.Random(session.int)
        calls = []
        for n in range(count):
            event = adk_event(n, rng, self.start)
            calls.append((session, TYPES[n % 4], json.dumps(event), json.dumps(delta(n)) if delta(n) else None,
                          event["author"], n % 700, self.start + timedelta(days=35, seconds=n)))
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cursor = conn.cursor()
            started = time.perf_counter()
            for args in calls:
                cursor.execute("SELECT films.append_event(%s, %s, %s::json, %s::jsonb, p_agent_name => %s, "
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
        peer = adk.run(sizes["adk_events"],
                       [adk_event(n, random.Random(n), films.start) for n in range(sizes["adk_events"])])
        measure(results, films, spec, peer, ingest, sizes)
        report.add_rows(results, dsn, "films")
        results.save(dsn, sizes)
        films.conn.close()
        films.raw.close()
        spec.conn.close()
    return results


def measure(results: Results, films: Films, spec: "naive.Spec", peer, ingest: dict, sizes: dict):
    n = sizes["long_session"]
    found = {"raw": [], "server": []}
    for fn in (films.reconstruct_raw, films.reconstruct_server):
        fn()
    for _ in range(RUNS):  # interleaved: the row beside its floor
        found["raw"].append(timed(films.reconstruct_raw)[0])
        found["server"].append(timed(films.reconstruct_server)[0])
    raw, server_side = Measure(found["raw"]), Measure(found["server"])
    results.add(Row(f"full reconstruction, {n:,} events: raw end-to-end", "< 50 ms (12 ms); <= 1.5x server side", raw,
                    peer.get("get_full", "n/a"), Measure(samples(spec.reconstruct_raw)),
                    floor=server_side, floor_label="server side", note="this process's glibc malloc defaults"))
    tuned = films.reconstruct_in_client(CLIENT_MALLOC, runs=3 * RUNS)
    results.add(Row(f"full reconstruction, {n:,} events: raw end-to-end, client with the server's malloc settings",
                    "< 50 ms; <= 1.5x server side", Measure(tuned["raw"]), floor=Measure(tuned["server"]),
                    floor_label="server side",
                    note="a client process started with MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ (docs/films.md)"))
    results.add(Row(f"full reconstruction, {n:,} events: parsed", "< 50 ms",
                    Measure(samples(lambda: json.loads(films.reconstruct_raw()))),
                    None, Measure(samples(lambda: json.loads(spec.reconstruct_raw())))))
    results.add(Row(f"full reconstruction, {n:,} events: server side", "", server_side))
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

    appends(results, films, peer, ingest, sizes)
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
    migration = migrate_timings(sizes["migrate_runs"])
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


def appends(results: Results, films: Films, peer, ingest: dict, sizes: dict):
    """The write rows, each beside its floor measured now: one client against pgbench's same calls and a
    one-row commit; 8 and 32 clients against one, and 8 from pgbench with synchronous_commit off (what
    the CPU allows them); the batch paths against the batch with its input already in the server (the
    COPY path also with its data already encoded: the share of the client's work)."""
    count = sizes["single_appends"]
    window = max(count / 2000, 0.25)  # seconds each concurrent psycopg rate is counted over
    found = {}
    for _ in range(3):  # interleaved: each rate beside its floor; one client in shorter, alternating runs
        for _ in range(3):
            found.setdefault(("psycopg", 1), []).append(films.single_appends(count // 3, films.new_session()))
            found.setdefault(("pgbench", 1), []).extend(pgbench_appends(films, count // 3, runs=1))
        for clients in (8, 32):
            per_client = max(count // clients * 2, 50)
            found.setdefault(("psycopg", clients), []).append(concurrent_appends(films, clients, window))
            found.setdefault(("pgbench", clients), []).extend(
                pgbench_appends(films, per_client, runs=1, clients=clients))
            if clients == 8:
                found.setdefault(("psycopg, no flush wait", clients), []).append(
                    concurrent_appends(films, clients, window, synchronous_commit=False))
                found.setdefault(("no flush wait", clients), []).extend(
                    pgbench_appends(films, per_client, runs=1, clients=clients, synchronous_commit=False))
    one, pgbench_one = Measure(found[("psycopg", 1)], "ev/s"), Measure(found[("pgbench", 1)], "ev/s")
    floor = Measure([1 / seconds for seconds in commit_floor(films.conn, count)], "ev/s")
    results.add(Row("append_event, 1 client (events/s)", ">= 0.9x pgbench", one, peer.get("append", "n/a"),
                    higher_is_better=True, floor=pgbench_one, floor_label="pgbench",
                    note="psycopg, one cursor, synchronous commit, one per call"))
    results.add(Row("append_event, 1 client, pgbench (events/s)", "", pgbench_one, higher_is_better=True,
                    floor=floor, floor_label="one-row commit",
                    note="PostgreSQL's C client, the same calls: the rate without Python's share of each call"))
    results.add(Row("one-row INSERT + COMMIT, 1 client (commits/s)", "", floor, higher_is_better=True,
                    note="this server's WAL flush: the ceiling of one commit per call"))
    for clients in (8, 32):
        results.add(Row(f"append_event, {clients} clients (events/s)", ">= 2.0x 1 client" if clients == 8 else "",
                        Measure(found[("psycopg", clients)], "ev/s"), higher_is_better=True, floor=one,
                        floor_label="1 client",
                        note="psycopg, a session and a cursor per client (threads), counted over one window"))
        if clients == 8:
            results.add(Row("append_event, 8 clients, synchronous_commit off (events/s)", "",
                            Measure(found[("psycopg, no flush wait", 8)], "ev/s"), higher_is_better=True, floor=one,
                            floor_label="1 client",
                            note="psycopg, no commit waits for its flush: what this machine's CPU allows them"))
        results.add(Row(f"append_event, {clients} clients, pgbench (events/s)", "",
                        Measure(found[("pgbench", clients)], "ev/s"),
                        higher_is_better=True, floor=pgbench_one, floor_label="pgbench, 1 client"))
        if clients == 8:
            results.add(Row("append_event, 8 clients, pgbench, synchronous_commit off (events/s)", "",
                            Measure(found[("no flush wait", 8)], "ev/s"), higher_is_better=True, floor=pgbench_one,
                            floor_label="pgbench, 1 client",
                            note="no commit waits for its flush: what this machine's CPU allows 8 clients"))
    batch = films.batch_rates()
    ceiling = Measure(batch["ceiling"], "ev/s")
    for key, metric, target, note in (
            ("json", "JSON", "", "append_events_json: encoding, sending and parsing the JSON included"),
            ("copy", "binary COPY", ">= 0.7x input in the server",
             "the documented batch client path (docs/films.md), from Python dicts, pydantic's JSON encoder"),
            ("copy_stdlib", "binary COPY, Python's json", "", "the same path with psycopg's default JSON encoder"),
            ("copy_bytes", "binary COPY of bytes already encoded", "",
             "the same COPY data, sent as it is: the path without the client's work, its ceiling"),
            ("copy_bytes_encoded", "the bytes' COPY + pydantic's encoding alone", "",
             "run by run: the path's ceiling plus the encoding alone, the least a client from dicts takes on it")):
        results.add(Row(f"append_events batch of 1,000, {metric} (events/s)", target, Measure(batch[key], "ev/s"),
                        higher_is_better=True, floor=ceiling, floor_label="input in the server", note=note))
    results.add(Row("append_events batch of 1,000, input already in the server (events/s)", "", ceiling,
                    higher_is_better=True, note="no input to encode, send or parse: the batch's ceiling"))
    results.add(Row("json.dumps of a batch's 1,000 events, in the client", "", Measure(batch["encoding"]),
                    note="event_data and state_delta of each event with Python's json"))
    results.add(Row("pydantic_core.to_json of the same, in the client", "", Measure(batch["encoding_fast"]),
                    note="the encoder of the documented path"))


def concurrent_appends(films: Films, clients: int, window: float, synchronous_commit: bool = True) -> float:
    """Events a second of `clients` connections calling append_event at once, each on its own session,
    counted over one timed window of `window` seconds that all of them span: every client has connected
    and made 6 calls before it (its backend's caches filled, its statement prepared), and all start
    together (no connection, warm-up or straggling last client inside the count). The clients are
    threads of this process: while 8 of them run, the process uses 0.1 to 0.46 of one core
    (docs/films.md, "Several clients"), so the interpreter lock is not what bounds them, and 8
    processes measured the same rate within the noise. With synchronous_commit False no commit waits
    for its WAL flush: the rate the CPU allows these clients."""
    sessions = [films.new_session() for _ in range(clients)]
    rng = random.Random(clients)
    payloads = []  # the same calls as single_appends': 40 events cycled, each client's times rising
    for n in range(40):
        event = adk_event(n, rng, films.start)
        payloads.append((TYPES[n % 4], json.dumps(event), json.dumps(delta(n)) if delta(n) else None, event["author"]))
    first_at = films.start + timedelta(days=35)
    ready, go = threading.Barrier(clients + 1), threading.Barrier(clients + 1)
    start, counts, failed = [0.0], [0] * clients, []
    flush = {} if synchronous_commit else {"options": "-c synchronous_commit=off"}

    def client(i):
        try:
            appending(i)
        except BaseException as error:  # raised below, once every thread has ended
            failed.append(error)
            ready.abort()
            go.abort()

    def appending(i):
        with psycopg.connect(films.dsn, autocommit=True, **flush) as conn:
            cursor, calls = conn.cursor(), 0

            def append():
                kind, data, state_delta, author = payloads[calls % 40]
                cursor.execute("SELECT films.append_event(%s, %s, %s::json, %s::jsonb, p_agent_name => %s, "
                               "p_tokens_used => %s, p_created_at => %s)",
                               (sessions[i], kind, data, state_delta, author, calls % 700,
                                first_at + timedelta(seconds=calls)))

            for calls in range(-6, 0):  # warm: the backend's caches, psycopg's prepared statement (5th call)
                append()
            calls = 0
            ready.wait()
            go.wait()
            time.sleep(max(0.0, start[0] - time.monotonic()))
            ends = start[0] + window
            while True:
                append()
                if time.monotonic() >= ends:
                    break
                calls += 1
            counts[i] = calls

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        ready.wait()  # every client connected
        start[0] = time.monotonic() + 0.02  # a common start once every thread is past the barrier
        go.wait()
    except threading.BrokenBarrierError:
        go.abort()
    finally:
        for thread in threads:
            thread.join()
    if failed:
        raise failed[0]
    return sum(counts) / window


def pgbench_appends(films: Films, count: int, runs: int = 3, clients: int = 1,
                    synchronous_commit: bool = True) -> list[float]:
    """append_event from pgbench, PostgreSQL's C client (prepared statement, synchronous commit), each
    client on its own session: the same call's rate without Python's share of each round trip. The
    same calls as single_appends: an ADK event of the same size, the four event types, a
    state delta with one event in ten (both drawn at random here), an explicit time (now()). With
    synchronous_commit False no commit waits for its WAL flush: the rate the CPU allows."""
    sessions = sql.Literal([str(films.new_session()) for _ in range(clients)])
    call = sql.SQL("\\set r random(0, 39)\n"
                   "SELECT films.append_event(({}::uuid[])[:client_id + 1], ({}::text[])[:r % 4 + 1], {}::json, "
                   "CASE WHEN :r % 10 = 0 THEN jsonb_build_object('step', :r::integer) END, "
                   "p_agent_name => 'critic', p_tokens_used => :r, p_created_at => now());\n").format(
        sessions, sql.Literal(TYPES), sql.Literal(json.dumps(adk_event(0, random.Random(0), films.start))))
    rates = []
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(call.as_string(films.conn))
        script.flush()
        for _ in range(runs):
            result = subprocess.run(
                [str(wheel_install_dir() / "bin" / "pgbench"), "--no-vacuum", "--protocol=prepared",
                 f"--client={clients}", f"--jobs={min(clients, 2)}", f"--transactions={count}",
                 f"--file={script.name}", films.dsn],
                capture_output=True, text=True, check=True,
                env={**os.environ, "PGOPTIONS": os.environ.get("PGOPTIONS", "")
                     + ("" if synchronous_commit else " -c synchronous_commit=off")})
            rates.append(float(re.search(r"tps = ([0-9.]+)", result.stdout).group(1)))
    return rates


def extra_background(films: Films, count: int):
    """More background events, straight into the table (over the 24 days after the long session's start)."""
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
            (films.user, films.start, min(100, sessions - chunk), films.start))
        progress("extra background events (INSERT)", min(chunk + 100, sessions) * 1000, sessions * 1000)
    films.conn.execute("SELECT count(*) FROM core.run_maintenance()")
    films.conn.execute("VACUUM (ANALYZE) films.events")


def cache_hit_ratio(conn) -> float:
    return conn.execute(
        """SELECT 100.0 * sum(heap_blks_hit + coalesce(idx_blks_hit, 0))
                  / nullif(sum(heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0)), 0)
           FROM pg_statio_user_tables WHERE schemaname = 'films'""").fetchone()[0]


def migrate_timings(runs: int) -> dict:
    first, again = [], []
    command = [sys.executable, str(ROOT / "dbctl.py"), "migrate", "--dsn"]
    for _ in range(runs):
        with fresh_database(modules=(), prefix="agentdb_bench_migrate") as dsn:
            run = functools.partial(subprocess.run, [*command, dsn], capture_output=True, check=True)
            first.append(timed(run)[0])
            again.append(timed(run)[0])
    return {"first": first, "again": again}
