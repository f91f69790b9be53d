"""The assistant benchmark (spec 002): agentdb's assistant module beside the spec's own DDL and
queries (schema spec_assistant: its CREATE TABLE and CREATE INDEX statements verbatim, filled with the
same rows), on one server, in one run.

Rows: a page of 20 of a session's history at depth 0 and deep (the spec pages with OFFSET, agentdb
with a keyset); conflict search among all events (the spec's b-tree predicate, agentdb's GiST);
title search; an agent-state save + load round trip; a bulk insert of 10,000 messages."""

import functools
import json
import random
from datetime import datetime, timedelta, timezone

import psycopg

from bench import report
from bench.common import Measure, Results, Row, fresh_database, samples, timed

FULL = {"messages": 1_000_000, "long_session": 100_000, "events": 1_000_000, "depth": 50_000, "bulk": 10_000}
QUICK = {"messages": 50_000, "long_session": 10_000, "events": 50_000, "depth": 5_000, "bulk": 2_000}
LONG = "bench-long"

# The spec's own DDL (spec 002, "Table Specifications"), verbatim; tests/python/test_assistant_client.py
# runs the spec's client against it too.
SPEC_DDL = """
CREATE TABLE chat_sessions (
    id SERIAL PRIMARY KEY,
    session_id VARCHAR(100) UNIQUE NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX idx_chat_sessions_session_id ON chat_sessions(session_id);
CREATE INDEX idx_chat_sessions_created_at ON chat_sessions(created_at);
CREATE TABLE chat_messages (
    id SERIAL PRIMARY KEY,
    session_id VARCHAR(100) REFERENCES chat_sessions(session_id) ON DELETE CASCADE,
    role VARCHAR(20) NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    agent_type VARCHAR(50),
    timestamp TIMESTAMP DEFAULT NOW()
);
CREATE INDEX idx_chat_messages_session_id ON chat_messages(session_id);
CREATE INDEX idx_chat_messages_timestamp ON chat_messages(timestamp);
CREATE INDEX idx_chat_messages_role ON chat_messages(role);
CREATE INDEX idx_chat_messages_agent_type ON chat_messages(agent_type);
CREATE TABLE agent_states (
    id SERIAL PRIMARY KEY,
    session_id VARCHAR(100) NOT NULL,
    agent_type VARCHAR(50) NOT NULL,
    state_data TEXT,  -- JSON serialized state
    updated_at TIMESTAMP DEFAULT NOW(),
    UNIQUE(session_id, agent_type)
);
CREATE INDEX idx_agent_states_session_id ON agent_states(session_id);
CREATE INDEX idx_agent_states_agent_type ON agent_states(agent_type);
CREATE INDEX idx_agent_states_updated_at ON agent_states(updated_at);
CREATE TABLE calendar_events (
    id SERIAL PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    description TEXT,
    start_time TIMESTAMP NOT NULL,
    end_time TIMESTAMP NOT NULL,
    location VARCHAR(200),
    all_day BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX idx_calendar_events_start_time ON calendar_events(start_time);
CREATE INDEX idx_calendar_events_end_time ON calendar_events(end_time);
CREATE INDEX idx_calendar_events_date_range ON calendar_events(start_time, end_time);
CREATE INDEX idx_calendar_events_title ON calendar_events USING gin(to_tsvector('english', title));
"""

# The same rows for both: sessions of 100 messages plus the long session; events every 15 minutes
# from 2000, 30 to 120 minutes long, every 1,000th an "Offsite" (the title search's target).
GENERATE = """
INSERT INTO assistant.chat_sessions (session_id, created_at)
SELECT 'bench-' || g, '2026-03-01+00'::timestamptz + g * interval '1 second'
FROM generate_series(1, %(sessions)s) AS g;
INSERT INTO assistant.chat_sessions (session_id, created_at) VALUES ('bench-long', '2026-02-01+00');
INSERT INTO assistant.chat_messages (session_id, role, content, agent_type, timestamp)
SELECT 'bench-' || (1 + (n - 1) / 100), (ARRAY['user', 'assistant'])[1 + n %% 2],
       (ARRAY['please', 'could you', 'remind me to'])[1 + n %% 3] || ' '
       || (ARRAY['book', 'schedule', 'check'])[1 + n %% 3] || ' ' || (ARRAY['lunch', 'dentist', 'flight'])[1 + n %% 3],
       (ARRAY['router', 'calendar', 'general'])[1 + n %% 3],
       '2026-03-01+00'::timestamptz + n * interval '1 second'
FROM generate_series(1, %(others)s) AS n;
INSERT INTO assistant.chat_messages (session_id, role, content, agent_type, timestamp)
SELECT 'bench-long', (ARRAY['user', 'assistant'])[1 + n %% 2], 'long session message ' || n,
       (ARRAY['router', 'calendar', 'general'])[1 + n %% 3],
       '2026-02-01+00'::timestamptz + n * interval '1 second'
FROM generate_series(1, %(long)s) AS n;
INSERT INTO assistant.calendar_events (title, start_time, end_time, location)
SELECT CASE WHEN g %% 1000 = 0 THEN 'Offsite ' || g
            ELSE (ARRAY['Standup', 'Dentist', 'Lunch with Ana', 'Budget review', 'Yoga'])[1 + g %% 5] || ' ' || g END,
       '2000-01-01+00'::timestamptz + g * interval '15 minutes',
       '2000-01-01+00'::timestamptz + g * interval '15 minutes' + (30 + (g * 7) %% 91) * interval '1 minute',
       CASE WHEN g %% 4 = 0 THEN 'Room ' || g %% 50 END
FROM generate_series(1, %(events)s) AS g;
CREATE SCHEMA spec_assistant;
SET search_path = spec_assistant;
"""

COPY_TO_SPEC = """
INSERT INTO spec_assistant.chat_sessions (id, session_id, created_at)
SELECT id, session_id, created_at AT TIME ZONE 'UTC' FROM assistant.chat_sessions;
INSERT INTO spec_assistant.chat_messages (id, session_id, role, content, agent_type, timestamp)
SELECT id, session_id, role, content, agent_type, timestamp AT TIME ZONE 'UTC' FROM assistant.chat_messages;
INSERT INTO spec_assistant.calendar_events (id, title, start_time, end_time, location, all_day, created_at, updated_at)
SELECT id, title, start_time AT TIME ZONE 'UTC', end_time AT TIME ZONE 'UTC', location, all_day,
       created_at AT TIME ZONE 'UTC', updated_at AT TIME ZONE 'UTC'
FROM assistant.calendar_events;
SELECT setval(pg_get_serial_sequence('spec_assistant.chat_messages', 'id'), (SELECT max(id) FROM spec_assistant.chat_messages));
SELECT setval(pg_get_serial_sequence('spec_assistant.chat_sessions', 'id'), (SELECT max(id) FROM spec_assistant.chat_sessions));
SELECT setval(pg_get_serial_sequence('spec_assistant.calendar_events', 'id'), (SELECT max(id) FROM spec_assistant.calendar_events));
"""

INSERT_MESSAGE = "INSERT INTO {}.chat_messages (session_id, role, content, agent_type, timestamp) VALUES (%s, %s, %s, %s, %s)"


def build(conn, sizes: dict):
    others = sizes["messages"] - sizes["long_session"]
    for statement in GENERATE.split(";\n"):
        if statement.strip():
            conn.execute(statement, {"sessions": others // 100, "others": others, "long": sizes["long_session"],
                                     "events": sizes["events"]})
    for statement in SPEC_DDL.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(COPY_TO_SPEC)
    conn.execute("RESET search_path")
    conn.execute("VACUUM (ANALYZE)")


def windows(count: int, events: int) -> list[tuple[datetime, datetime]]:
    rng = random.Random(11)
    first = datetime(2000, 1, 1, tzinfo=timezone.utc)
    span = events * 15  # minutes covered by the events
    found = []
    for _ in range(count):
        start = first + timedelta(minutes=rng.randrange(0, span, 5))
        found.append((start, start + timedelta(minutes=rng.choice((30, 60, 90)))))
    return found


def fetch(conn, sql, params=()):
    return conn.execute(sql, params).fetchall()


def cycle(items):
    while True:
        yield from items


def run(quick: bool) -> Results:
    sizes = QUICK if quick else FULL
    results = Results(f"Assistant ({sizes['long_session']:,}-message session among {sizes['messages']:,} messages, "
                      f"{sizes['events']:,} calendar events)")
    with fresh_database(("core", "assistant")) as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            build(conn, sizes)
            measure(results, conn, sizes)
        report.add_rows(results, dsn, "assistant")
        results.save(dsn, sizes)
    return results


def measure(results: Results, conn, sizes: dict):
    ours = functools.partial(fetch, conn)
    depth = sizes["depth"]
    # The keyset cursor of the page at `depth`: the last id of the page before it.
    before = conn.execute("SELECT id FROM assistant.chat_messages WHERE session_id = %s "
                          "ORDER BY timestamp DESC, id DESC OFFSET %s LIMIT 1", (LONG, depth - 1)).fetchone()[0]
    assert [r[0] for r in ours("SELECT id FROM assistant.session_history(%s, 20, %s)", (LONG, before))] == \
        [r[0] for r in ours("SELECT id FROM spec_assistant.chat_messages WHERE session_id = %s "
                            "ORDER BY timestamp DESC LIMIT 20 OFFSET %s", (LONG, depth))], "same page both ways"
    spec_page = "SELECT * FROM spec_assistant.chat_messages WHERE session_id = %s ORDER BY timestamp DESC LIMIT 20 OFFSET %s"
    results.add(Row("history page of 20, depth 0", "<= 0.3 ms",
                    Measure(samples(lambda: ours("SELECT * FROM assistant.session_history(%s, 20)", (LONG,)))),
                    naive=Measure(samples(lambda: ours(spec_page, (LONG, 0))))))
    results.add(Row(f"history page of 20, depth {depth:,}", "<= 0.3 ms, >= 10x spec",
                    Measure(samples(lambda: ours("SELECT * FROM assistant.session_history(%s, 20, %s)", (LONG, before)))),
                    naive=Measure(samples(lambda: ours(spec_page, (LONG, depth)))), note="spec: OFFSET; agentdb: keyset"))

    slots = windows(40, sizes["events"])
    mine, theirs = cycle(slots), cycle([(s.replace(tzinfo=None), e.replace(tzinfo=None)) for s, e in slots])
    for start, end in slots[:10]:
        got = sorted(r[0] for r in ours("SELECT id FROM assistant.find_conflicts(%s, %s)", (start, end)))
        expected = sorted(r[0] for r in ours("SELECT id FROM spec_assistant.calendar_events WHERE start_time < %s AND end_time > %s",
                                             (end.replace(tzinfo=None), start.replace(tzinfo=None))))
        assert got == expected, "same conflicts both ways"
    results.add(Row(f"conflict search among {sizes['events']:,} events", "<= 0.5 ms, >= 10x spec",
                    Measure(samples(lambda: ours("SELECT * FROM assistant.find_conflicts(%s, %s)", next(mine)), 21)),
                    naive=Measure(samples(lambda: ours(
                        "SELECT * FROM spec_assistant.calendar_events WHERE start_time < %s AND end_time > %s",
                        tuple(reversed(next(theirs)))), 21)),
                    note="spec: b-tree indexes; agentdb: GiST range"))

    search_spec = ("SELECT * FROM spec_assistant.calendar_events "
                   "WHERE to_tsvector('english', title) @@ websearch_to_tsquery('english', %s) ORDER BY start_time, id LIMIT 50")
    results.add(Row("title search (50 of 1 in 1,000 events)", "",
                    Measure(samples(lambda: ours("SELECT * FROM assistant.search_events(%s, 50)", ("offsite",)))),
                    naive=Measure(samples(lambda: ours(search_spec, ("offsite",)))), note="both: GIN"))

    state = {"pending": {"title": "Dentist", "at": "2026-12-08T10:00:00"}, "history": list(range(20))}

    def agentdb_state():
        conn.execute("SELECT assistant.save_agent_state(%s, %s, %s::jsonb)", (LONG, "calendar", json.dumps(state)))
        return conn.execute("SELECT assistant.load_agent_state(%s, %s)", (LONG, "calendar")).fetchone()[0]

    def spec_state():  # the spec's save_agent_state / load_agent_state, as its ORM runs them
        with conn.transaction():
            row = conn.execute("SELECT id FROM spec_assistant.agent_states WHERE session_id = %s AND agent_type = %s "
                               "LIMIT 1", (LONG, "calendar")).fetchone()
            if row:
                conn.execute("UPDATE spec_assistant.agent_states SET state_data = %s, updated_at = now() WHERE id = %s",
                             (json.dumps(state), row[0]))
            else:
                conn.execute("INSERT INTO spec_assistant.agent_states (session_id, agent_type, state_data) "
                             "VALUES (%s, %s, %s)", (LONG, "calendar", json.dumps(state)))
        text = conn.execute("SELECT state_data FROM spec_assistant.agent_states WHERE session_id = %s "
                            "AND agent_type = %s LIMIT 1", (LONG, "calendar")).fetchone()[0]
        return json.loads(text)

    assert agentdb_state() == spec_state() == state
    results.add(Row("agent state save + load round trip", "", Measure(samples(agentdb_state)),
                    naive=Measure(samples(spec_state)), note="agentdb: 2 calls; spec: its ORM's 3 statements"))

    count = sizes["bulk"]
    at = datetime(2026, 6, 1, tzinfo=timezone.utc)
    rows = [(LONG, "user" if n % 2 else "assistant", f"bulk message {n} about the dentist", "general",
             at + timedelta(seconds=n)) for n in range(count)]

    def bulk(schema):
        def insert():
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(INSERT_MESSAGE.format(schema), rows)
        return insert

    results.add(Row(f"bulk insert of {count:,} messages (messages/s)", "",
                    Measure([count / timed(bulk("assistant"))[0] for _ in range(3)], "msg/s"),
                    naive=Measure([count / timed(bulk("spec_assistant"))[0] for _ in range(3)], "msg/s"),
                    higher_is_better=True, note="one transaction, executemany; agentdb adds the content GIN"))
