"""memory: upserts under concurrent inserts of the same key, interleaved deterministically.

memory.ensure_v1_session (the session a migrated v1 message goes into) inserts a session that two
v1 writers of a new channel and owner may both insert at once. conversation_sessions has two unique
indexes, the primary key (id) and (id, conversation_id) (the target of the messages' foreign key), and
both inserts fill both. An upsert whose arbiter is only one of them lets the second insert check the
other as a plain unique index: it waits for the first and then fails with 23505.

The interleaving is made, not hoped for, with the technique of PostgreSQL's own isolation test
insert-conflict-specconflict: a test-only index on a function that waits for an advisory lock the test
holds, placed before the two unique indexes in the order PostgreSQL inserts index entries (by index
OID: REINDEX CONCURRENTLY gives the unique indexes new, later OIDs). Each writer passes the upsert's
check for an existing row, inserts its row and stops at the gate before any unique index knows it;
the test sees both waiting (pg_blocking_pids), lets the first finish and commit, then the second."""

import threading
import uuid

import psycopg

from conftest import dbctl, query, wait_while_running_until_blocked

CHANNEL = uuid.UUID("0190a0c0-0000-7000-8000-0000000f2c01")
GATE_FIRST, GATE_SECOND = 720_001, 720_002

GATE = """
CREATE SCHEMA upsert_gate;
GRANT USAGE ON SCHEMA upsert_gate TO PUBLIC;
-- Declared IMMUTABLE to be usable in an index; it only waits, and returns its argument.
CREATE FUNCTION upsert_gate.pass(p_id uuid) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('upsert_gate.key', TRUE) <> '' THEN
        PERFORM pg_advisory_xact_lock_shared(current_setting('upsert_gate.key')::bigint);
    END IF;
    RETURN p_id;
END
$$;
GRANT EXECUTE ON FUNCTION upsert_gate.pass(uuid) TO PUBLIC;
CREATE INDEX conversation_sessions_upsert_gate ON memory.conversation_sessions (upsert_gate.pass(id));
"""


def index_order(dsn):
    """conversation_sessions' indexes in the order an INSERT fills them (RelationGetIndexList: by OID)."""
    return [r[0] for r in query(dsn, """
        SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'memory.conversation_sessions'::regclass ORDER BY i.indexrelid""")]


def gated_database(database):
    dbctl("migrate", "--module", "memory", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(GATE)
        conn.execute("REINDEX INDEX CONCURRENTLY memory.conversation_sessions_pkey")
        conn.execute("REINDEX INDEX CONCURRENTLY memory.conversation_sessions_conversation")
        conn.execute("INSERT INTO memory.channels (id, name) VALUES (%s, 'new channel')", (CHANNEL,))
        conn.execute("SELECT memory.start_messages_v2()")
    order = index_order(database)
    assert order.index("conversation_sessions_upsert_gate") < order.index("conversation_sessions_pkey")
    assert order.index("conversation_sessions_upsert_gate") < order.index("conversation_sessions_conversation")
    return database


def test_two_first_v1_messages_of_a_channel_written_at_once_share_one_session(database):
    dsn = gated_database(database)
    errors, done = {}, {}

    def write(name, gate):
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("SELECT set_config('upsert_gate.key', %s, FALSE)", (str(gate),))
                conn.execute("INSERT INTO memory.chat_messages (channel_id, content) VALUES (%s, %s)",
                             (CHANNEL, f"written by {name}"))
                done[name] = True
        except psycopg.Error as exc:
            errors[name] = f"{exc.sqlstate}: {exc.diag.constraint_name or ''} {exc}"

    with psycopg.connect(dsn, autocommit=True) as holder:
        holder_pid = holder.info.backend_pid
        holder.execute("SELECT pg_advisory_lock(%s), pg_advisory_lock(%s)", (GATE_FIRST, GATE_SECOND))
        first = threading.Thread(target=write, args=("first", GATE_FIRST))
        second = threading.Thread(target=write, args=("second", GATE_SECOND))
        first.start()
        assert wait_while_running_until_blocked(dsn, holder_pid, first, count=1), errors
        # The first writer's row is in the table but in no unique index yet: the second writer finds
        # no conflicting row, inserts its own and stops at the gate too.
        second.start()
        assert wait_while_running_until_blocked(dsn, holder_pid, first, second, count=2), errors
        holder.execute("SELECT pg_advisory_unlock(%s)", (GATE_FIRST,))
        first.join(30)
        assert done.get("first"), errors
        holder.execute("SELECT pg_advisory_unlock(%s)", (GATE_SECOND,))
        second.join(30)

    assert errors == {}, "the second insert of the session must meet the first, not fail"
    sessions = query(dsn, "SELECT id, message_count FROM memory.conversation_sessions WHERE conversation_id = %s",
                     (CHANNEL,))
    assert len(sessions) == 1
    assert sessions[0][1] == 2, "both messages are in the one session"
    assert query(dsn, "SELECT count(*) FROM memory.validate_messages_v2()")[0][0] == 0


def test_the_upsert_that_commits_last_moves_the_session_start_back(database):
    """The other order, and the update half of the upsert: the writer released last has the older
    message, so the session it meets moves its start back to that message."""
    dsn = gated_database(database)
    errors, done = {}, {}

    def write(name, gate, created_at):
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("SELECT set_config('upsert_gate.key', %s, FALSE)", (str(gate),))
                conn.execute("INSERT INTO memory.chat_messages (channel_id, content, created_at) VALUES (%s, %s, %s)",
                             (CHANNEL, f"written by {name}", created_at))
                done[name] = True
        except psycopg.Error as exc:
            errors[name] = f"{exc.sqlstate}: {exc.diag.constraint_name or ''} {exc}"

    with psycopg.connect(dsn, autocommit=True) as holder:
        holder_pid = holder.info.backend_pid
        holder.execute("SELECT pg_advisory_lock(%s), pg_advisory_lock(%s)", (GATE_FIRST, GATE_SECOND))
        first = threading.Thread(target=write, args=("first", GATE_FIRST, "2026-05-01 10:00+00"))
        second = threading.Thread(target=write, args=("second", GATE_SECOND, "2026-05-02 10:00+00"))
        first.start()
        assert wait_while_running_until_blocked(dsn, holder_pid, first, count=1), errors
        second.start()
        assert wait_while_running_until_blocked(dsn, holder_pid, first, second, count=2), errors
        # This time the second goes on (and commits) while the first is still at the gate; the first
        # then meets the second's session.
        holder.execute("SELECT pg_advisory_unlock(%s)", (GATE_SECOND,))
        second.join(30)
        assert done.get("second"), errors
        holder.execute("SELECT pg_advisory_unlock(%s)", (GATE_FIRST,))
        first.join(30)

    assert errors == {}
    assert query(dsn, "SELECT started_at = '2026-05-01 10:00+00', message_count FROM memory.conversation_sessions "
                      "WHERE conversation_id = %s", (CHANNEL,)) == [(True, 2)]
