"""memory with several connections: concurrent agent-state updaters, concurrent message edits, and a bad
expected version refused before it queues for the agent.

The writers are made to collide deterministically: a blocker connection holds the lock every writer
needs (the agent row, the message row) until all of them are seen waiting for it in pg_stat_activity,
then lets them go at once."""

import threading
import time
import uuid

import psycopg
import pytest

from agentdb.connection import with_database
from conftest import dbctl, query

WRITERS = 8
AGENT = uuid.UUID("0190a0c0-0000-7000-8000-0000000aa0a1")


@pytest.fixture(scope="module")
def memory_db(admin_dsn):
    name = f"agentdb_pytest_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(admin_dsn, name)
    dbctl("migrate", "--module", "memory", dsn=dsn, check=True)
    yield dsn
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_agent(dsn) -> uuid.UUID:
    agent = uuid.uuid4()
    query(dsn, "INSERT INTO memory.agents (id, name) VALUES (%s, 'concurrent agent')", (agent,))
    return agent


def wait_for_waiters(dsn, count, what):
    """Until `count` backends wait on a lock (a condition, polled), at most 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waiting = query(dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                             "AND wait_event_type = 'Lock' AND query LIKE %s", (f"%{what}%",))[0][0]
        if waiting == count:
            return
        time.sleep(0.02)
    raise AssertionError(f"only {waiting} of {count} writers reached the lock")


def run_blocked(dsn, lock_sql, lock_params, work, what):
    """Hold lock_sql in a transaction, start WRITERS threads running work(i), release once all wait."""
    results, errors = [None] * WRITERS, [None] * WRITERS
    start = threading.Barrier(WRITERS + 1)

    def writer(i):
        with psycopg.connect(dsn, autocommit=True) as conn:
            start.wait()
            try:
                results[i] = work(conn, i)
            except psycopg.Error as exc:
                errors[i] = exc.sqlstate

    with psycopg.connect(dsn) as blocker:
        blocker.execute(lock_sql, lock_params)
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        for thread in threads:
            thread.start()
        start.wait()
        wait_for_waiters(dsn, WRITERS, what)
        blocker.commit()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_concurrent_updaters_queue_and_leave_exactly_one_current_state(memory_db):
    agent = fresh_agent(memory_db)
    results, errors = run_blocked(
        memory_db, "SELECT FROM memory.agents WHERE id = %s FOR NO KEY UPDATE", (agent,),
        lambda conn, i: conn.execute(
            "SELECT version_number FROM memory.update_agent_state(%s, %s, 'writer')",
            (agent, f'{{"local": {{"writer{i}": {i}}}, "shared": {{"last": {i}}}}}')).fetchone()[0],
        "update_agent_state")
    assert errors == [None] * WRITERS
    assert sorted(results) == list(range(1, WRITERS + 1))
    rows = query(memory_db, "SELECT version_number, is_current, valid_until IS NULL FROM memory.agent_states "
                            "WHERE agent_id = %s ORDER BY version_number", (agent,))
    assert [r[0] for r in rows] == list(range(1, WRITERS + 1))
    assert [r[1] for r in rows] == [False] * (WRITERS - 1) + [True]
    assert [r[2] for r in rows] == [False] * (WRITERS - 1) + [True]
    final = query(memory_db, "SELECT local_state FROM memory.agent_states WHERE agent_id = %s AND is_current",
                  (agent,))[0][0]
    assert final == {f"writer{i}": i for i in range(WRITERS)}, "no update was lost"
    chain = query(memory_db, """
        SELECT count(*) FROM memory.state_transitions AS t
        JOIN memory.agent_states AS n ON n.id = t.to_state_id
        LEFT JOIN memory.agent_states AS o ON o.id = t.from_state_id
        WHERE t.agent_id = %s AND coalesce(o.version_number, 0) = n.version_number - 1""", (agent,))[0][0]
    assert chain == WRITERS, "every transition leads from one version to the next"


def test_concurrent_updaters_with_the_same_expected_version_one_wins(memory_db):
    agent = fresh_agent(memory_db)
    query(memory_db, "SELECT memory.update_agent_state(%s, '{\"local\": {\"n\": 0}}', 'start')", (agent,))
    results, errors = run_blocked(
        memory_db, "SELECT FROM memory.agents WHERE id = %s FOR NO KEY UPDATE", (agent,),
        lambda conn, i: conn.execute(
            "SELECT version_number FROM memory.update_agent_state(%s, %s, 'optimistic', 1)",
            (agent, f'{{"local": {{"n": {i + 1}}}}}')).fetchone()[0],
        "update_agent_state")
    assert [r for r in results if r is not None] == [2]
    assert sorted(e for e in errors if e) == ["40001"] * (WRITERS - 1)
    assert query(memory_db, "SELECT count(*), max(version_number) FROM memory.agent_states WHERE agent_id = %s",
                 (agent,))[0] == (2, 2)


def test_concurrent_edits_number_message_versions_without_gaps(memory_db):
    session, conversation, message = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    query(memory_db, "INSERT INTO memory.conversation_sessions (id, conversation_id) VALUES (%s, %s)",
          (session, conversation))
    query(memory_db, "INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, role, content) "
                     "VALUES (%s, %s, %s, 'user', '{\"type\": \"text\", \"text\": \"v1\"}')",
          (message, conversation, session))
    results, errors = run_blocked(
        memory_db, "SELECT FROM memory.chat_messages_v2 WHERE id = %s FOR UPDATE", (message,),
        lambda conn, i: conn.execute(
            "SELECT memory.edit_message(%s, %s, NULL, %s)",
            (message, f'{{"type": "text", "text": "edit {i}"}}', f"editor {i}")).fetchone()[0],
        "edit_message")
    assert errors == [None] * WRITERS
    assert sorted(results) == list(range(2, WRITERS + 2))
    versions = query(memory_db, "SELECT version_number FROM memory.message_history(%s)", (message,))
    assert [v[0] for v in versions] == list(range(1, WRITERS + 2))
    assert query(memory_db, "SELECT message_count FROM memory.conversation_sessions WHERE id = %s",
                 (session,))[0][0] == 1


def test_a_bad_expected_version_is_refused_at_once_and_not_as_a_retry(memory_db):
    """-1 is a bad argument (22023), not a stale read (40001): a client that retries on 40001 stops at
    its first attempt. And it is refused before the call queues for the agent: while another connection
    holds the agent's lock, a call that queued would fail with 55P03 when lock_timeout ran out,
    whatever the timing."""
    agent = fresh_agent(memory_db)
    query(memory_db, "SELECT memory.update_agent_state(%s, '{\"local\": {\"n\": 0}}', 'start')", (agent,))

    def retrying_update(conn, expected, attempts):
        # What a client does with 40001: read again and retry (bounded here, so the test ends).
        for _ in range(20):
            attempts.append(expected)
            try:
                return conn.execute("SELECT version_number FROM memory.update_agent_state(%s, %s, 'retry', %s)",
                                    (agent, '{"local": {"n": 1}}', expected)).fetchone()[0]
            except psycopg.errors.SerializationFailure:
                continue
        raise AssertionError("still told to retry after 20 attempts")

    with psycopg.connect(memory_db, autocommit=True) as client:
        attempts = []
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            retrying_update(client, -1, attempts)
        assert attempts == [-1]
        with psycopg.connect(memory_db) as holder:
            holder.execute("SELECT FROM memory.agents WHERE id = %s FOR NO KEY UPDATE", (agent,))
            client.execute("SET lock_timeout = '2s'")
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                retrying_update(client, -1, [])
    assert query(memory_db, "SELECT max(version_number) FROM memory.agent_states WHERE agent_id = %s",
                 (agent,))[0][0] == 1


def test_each_recalled_access_is_folded_once_while_folds_and_recalls_overlap(memory_db):
    """A fold holds the queue rows it took (its DELETE) when a second recall records its access and a
    second fold starts: that fold waits for the first, then finds the first one's rows gone and folds
    only the new one. The memory counts both accesses, once each."""
    agent = fresh_agent(memory_db)
    embedding = "[" + ",".join(["0"] * 1535 + ["1"]) + "]"
    memory = query(memory_db, "SELECT memory.remember(%s, 'semantic', '{\"concept\": \"c\", \"definition\": \"d\"}', "
                              "%s::extensions.vector)", (agent, embedding))[0][0]
    recall = "SELECT memory_id FROM memory.recall_memories(%s, %s::extensions.vector, 1)"
    assert query(memory_db, recall, (agent, embedding)) == [(memory,)]
    outcome = {}
    with psycopg.connect(memory_db) as first:
        assert first.execute("SELECT memory.fold_memory_accesses()").fetchone()[0] == 1  # not committed yet
        first_pid = first.execute("SELECT pg_backend_pid()").fetchone()[0]

        def second():
            with psycopg.connect(memory_db, autocommit=True) as conn:
                conn.execute(recall, (agent, embedding)).fetchall()
                outcome["folded"] = conn.execute("SELECT memory.fold_memory_accesses()").fetchone()[0]

        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 30
        while not query(memory_db, "SELECT coalesce(bool_or(%s = ANY (pg_blocking_pids(pid))), false) "
                                   "FROM pg_stat_activity WHERE pid <> %s", (first_pid, first_pid))[0][0]:
            assert time.monotonic() < deadline, "the second fold never waited for the first"
            time.sleep(0.02)
        first.commit()
        thread.join(30)
    assert outcome["folded"] == 1, "the second fold folds the second access only"
    assert query(memory_db, "SELECT access_count FROM memory.agent_memories WHERE id = %s", (memory,)) == [(2,)]
    assert query(memory_db, "SELECT count(*) FROM memory.memory_accesses WHERE agent_id = %s", (agent,)) == [(0,)]
