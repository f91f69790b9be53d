"""The batch client path of docs/films.md, run as the docs write it (the SQL is read from the docs):
binary COPY into a temporary staging table, then one films.append_events over it, in one transaction,
as the application role. A batch is appended whole, in the order of its place numbers; a bad event
refuses it with the SQLSTATE the JSON path gives for the same events, and nothing is half applied
or left behind for the next batch."""

import json
import re
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.types.json import set_json_dumps

from conftest import ROOT, dbctl

USER = "0190a0c0-0000-7000-8000-0000000000b0"
SESSION = "0190a0c0-0000-7000-8000-0000000000b1"
TYPES = ["int4", "text", "json", "jsonb", "text", "text", "text", "jsonb", "jsonb", "int4", "int4", "text", "text",
         "text", "timestamptz"]
START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)


def recipe() -> dict:
    """The statements of the documented recipe: the staging table, the COPY and the append."""
    docs = (ROOT / "docs" / "films.md").read_text()
    section = docs[docs.index("### The batch client path"):]
    block = re.search(r"```sql\n(.*?)```", section, re.S).group(1)
    statements = [re.sub(r"--[^\n]*", "", s).strip() for s in block.split(";")]
    found = {"create": next(s for s in statements if s.startswith("CREATE TEMP TABLE")),
             "copy": next(s for s in statements if s.startswith("COPY")),
             "append": next(s for s in statements if s.startswith(("SELECT", "WITH")))}
    found["append"] = found["append"].replace(":session", "%s")
    return found


def event(n: int, **fields) -> dict:
    row = {"event_type": "agent_response", "event_data": {"author": "critic", "n": n}, "state_delta": None,
           "agent_name": "critic", "tokens_used": 10, "created_at": START + timedelta(minutes=n)}
    row.update(fields)
    return row


def copy_rows(conn, sql: str, rows: list[dict], order=None):
    with conn.cursor().copy(sql) as copy:
        copy.set_types(TYPES)
        for n in order if order is not None else range(len(rows)):
            r = rows[n]
            copy.write_row((n, r["event_type"], r["event_data"], r["state_delta"], r["agent_name"], None, None,
                            None, None, None, r["tokens_used"], None, None, None, r["created_at"]))


def append_by_copy(conn, rows: list[dict], order=None):
    steps = recipe()
    conn.execute(steps["create"])
    with conn.transaction():
        copy_rows(conn, steps["copy"], rows, order)
        return conn.execute(steps["append"], (SESSION,)).fetchone()[0]


@pytest.fixture
def app(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO films.users (id, email, username) VALUES (%s, 'b@example.com', 'b')", (USER,))
        conn.execute("INSERT INTO films.sessions (id, user_id, started_at) VALUES (%s, %s, %s)",
                     (SESSION, USER, START - timedelta(minutes=1)))
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("SET ROLE agentdb_app")
        yield conn


def stored(conn) -> list:
    return conn.execute("SELECT sequence_number, event_data->>'n', agent_name FROM films.events "
                        "WHERE session_id = %s ORDER BY sequence_number", (SESSION,)).fetchall()


def head(conn) -> tuple:
    return conn.execute("SELECT last_sequence, total_events, total_tokens_used, state FROM films.sessions "
                        "WHERE id = %s", (SESSION,)).fetchone()


def test_a_batch_is_appended_whole_in_the_order_of_its_place_numbers(app):
    rows = [event(0), event(1, state_delta={"step": 1, "temp:x": 1}), event(2, event_type="tool_call")]
    assert append_by_copy(app, rows, order=[2, 0, 1]) == 3  # written out of order, appended by n
    assert stored(app) == [(1, "0", "critic"), (2, "1", "critic"), (3, "2", "critic")]
    assert head(app) == (3, 3, 30, {"step": 1})
    assert app.execute("SELECT count(*) FROM event_batch").fetchone()[0] == 0, "the commit empties the staging table"


BAD = {
    "a delta that is not an object": (1, {"state_delta": [1]}, "22023"),
    "an unknown event type": (1, {"event_type": "telepathy"}, "23514"),
    "negative tokens": (2, {"tokens_used": -1}, "23514"),
    "a time before the previous event": (2, {"created_at": START - timedelta(minutes=30)}, "22023"),
    "a time beyond the future horizon": (0, {"created_at": datetime.now(timezone.utc) + timedelta(days=2)}, "22023"),
}


@pytest.mark.parametrize("label", BAD)
def test_a_bad_event_refuses_the_batch_as_the_json_path_does_and_changes_nothing(app, label):
    position, fields, sqlstate = BAD[label]
    rows = [event(n) for n in range(3)]
    rows[position] = event(position, **fields)
    before = head(app)
    with pytest.raises(psycopg.Error) as by_copy:
        append_by_copy(app, rows)
    with pytest.raises(psycopg.Error) as by_json:
        app.execute("SELECT count(*) FROM films.append_events_json(%s, %s::json)",
                    (SESSION, json.dumps(rows, default=lambda t: t.isoformat())))
    assert (by_copy.value.sqlstate, by_json.value.sqlstate) == (sqlstate, sqlstate)
    assert head(app) == before and stored(app) == [], "nothing is half applied"
    assert app.execute("SELECT count(*) FROM event_batch").fetchone()[0] == 0, "the rollback empties the staging table"
    good = [event(n) for n in range(2)]
    assert append_by_copy(app, good) == 2
    assert stored(app) == [(1, "0", "critic"), (2, "1", "critic")], "the next batch holds its own events only"


def test_rows_staged_by_a_transaction_that_did_not_append_them_are_not_carried_into_the_next_batch(app):
    steps = recipe()
    app.execute(steps["create"])
    with app.transaction():  # staged, then committed without the append (an interrupted client)
        copy_rows(app, steps["copy"], [event(0, event_data={"author": "critic", "n": "stray"})])
    assert append_by_copy(app, [event(0), event(1)]) == 2
    assert stored(app) == [(1, "0", "critic"), (2, "1", "critic")]


def test_the_documented_encoder_stores_the_events_json_as_sent(app):
    """pydantic's encoder (psycopg's set_json_dumps; it returns bytes, compact and unescaped UTF-8)
    stores the same JSON values as Python's json does."""
    to_json = pytest.importorskip("pydantic_core").to_json
    set_json_dumps(to_json, app)
    data = {"author": "critic", "n": 0, "text": "Zhang Zhongjing, 張仲景 \"quoted\"\n", "score": 0.1 + 0.2,
            "parts": [{"a": None}, True, -1e300]}
    assert append_by_copy(app, [event(0, event_data=data, state_delta={"step": 1, "ü": [1.5]})]) == 1
    assert app.execute("SELECT event_data::jsonb = %s::jsonb, state_delta = %s::jsonb FROM films.events "
                       "WHERE session_id = %s", (json.dumps(data), json.dumps({"step": 1, "ü": [1.5]}), SESSION)
                       ).fetchone() == (True, True)
