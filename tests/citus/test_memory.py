"""memory on the cluster, as the application under row-level security: the acting user and agent
are named per transaction with SET LOCAL (which Citus passes on to the shards), each user sees and
writes only their sessions, messages and agents' rows, the agent group's functions run on the
agent's shard and the session group's on the session's."""

import uuid

import psycopg
import pytest

from conftest import APP, READONLY, task_count

ALICE, BOB = uuid.UUID("0190a0c0-0000-7000-8000-0000000c0001"), uuid.UUID("0190a0c0-0000-7000-8000-0000000c0002")
ALICE_AGENT = uuid.UUID("0190a0c0-0000-7000-8000-0000000c00a1")
BOB_AGENT = uuid.UUID("0190a0c0-0000-7000-8000-0000000c00b1")
ALICE_SESSION = uuid.UUID("0190a0c0-0000-7000-8000-0000000c0a05")
BOB_SESSION = uuid.UUID("0190a0c0-0000-7000-8000-0000000c0b05")
ALICE_MESSAGE = uuid.UUID("0190a0c0-0000-7000-8000-0000000c0a10")
BOB_MESSAGE = uuid.UUID("0190a0c0-0000-7000-8000-0000000c0b10")
NOW = "2025-06-01 12:00+00"
VEC = "(SELECT array_agg(CASE WHEN g = %s THEN 1 WHEN g = 2 THEN %s ELSE 0 END ORDER BY g)::extensions.vector " \
      "FROM generate_series(1, 1536) AS g)"


def acting(conn, user=None, agent=None):
    """The application's way on Citus: SET LOCAL in the transaction (set_config does not reach the shards)."""
    conn.execute(f"SET LOCAL agentdb.user_id = '{user or ''}'")
    conn.execute(f"SET LOCAL agentdb.agent_id = '{agent or ''}'")


@pytest.fixture(scope="module")
def people(deployment):
    """Two users with an agent, a session and a message each, written by the application."""
    with deployment.connect(APP, autocommit=False) as conn:
        conn.execute("INSERT INTO memory.users (id, name) VALUES (%s, 'alice'), (%s, 'bob')", (ALICE, BOB))
        conn.execute("INSERT INTO memory.agents (id, name, owner_user_id) VALUES (%s, 'alice''s agent', %s), "
                     "(%s, 'bob''s agent', %s)", (ALICE_AGENT, ALICE, BOB_AGENT, BOB))
        conn.commit()
        for user, agent, session, message in ((ALICE, ALICE_AGENT, ALICE_SESSION, ALICE_MESSAGE),
                                              (BOB, BOB_AGENT, BOB_SESSION, BOB_MESSAGE)):
            acting(conn, user)
            conn.execute("INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id) "
                         "VALUES (%s, %s, %s, %s)", (session, session, user, agent))
            conn.execute("INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, role, content, "
                         "metadata) VALUES (%s, %s, %s, 'user', '{\"type\": \"text\", \"text\": \"hello\"}', "
                         "'{\"tokens\": 5}')", (message, session, session))
            conn.execute("SELECT memory.remember(%s, 'semantic', '{\"concept\": \"tea\", \"definition\": \"a drink\"}', "
                         f"{VEC}, 0.8, p_now => %s)", (agent, 1, 0.0, NOW))
            conn.commit()


def in_transaction(conn, sql, params=None, user=None, agent=None, multi_task_error=True):
    with conn.transaction():
        acting(conn, user, agent)
        if multi_task_error:
            conn.execute("SET LOCAL citus.multi_task_query_log_level = 'error'")
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_each_user_sees_only_their_rows(app, people):
    assert in_transaction(app, "SELECT id FROM memory.conversation_sessions", user=ALICE,
                          multi_task_error=False) == [(ALICE_SESSION,)]
    assert in_transaction(app, "SELECT id FROM memory.chat_messages_v2", user=ALICE,
                          multi_task_error=False) == [(ALICE_MESSAGE,)]
    assert in_transaction(app, "SELECT agent_id FROM memory.agent_memories", user=ALICE,
                          multi_task_error=False) == [(ALICE_AGENT,)]
    assert in_transaction(app, "SELECT agent_id FROM memory.agent_memories", agent=BOB_AGENT,
                          multi_task_error=False) == [(BOB_AGENT,)]
    assert in_transaction(app, "SELECT count(*) FROM memory.conversation_sessions", agent=BOB_AGENT,
                          multi_task_error=False) == [(0,)]
    assert in_transaction(app, "SELECT count(*) FROM memory.chat_messages_v2", multi_task_error=False) == [(0,)], \
        "without an acting user, no rows"


def test_set_config_does_not_reach_the_shards_so_nothing_is_visible(app, people):
    """Fail-closed: a setting made with set_config() stays on the coordinator; the shards see no user."""
    with app.transaction():
        app.execute("SELECT set_config('agentdb.user_id', %s, true)", (str(ALICE),))
        assert app.execute("SELECT count(*) FROM memory.chat_messages_v2").fetchone()[0] == 0


def test_writes_for_another_user_are_refused(app, people):
    for sql, params in (
        ("INSERT INTO memory.conversation_sessions (conversation_id, user_id) VALUES (%s, %s)", (BOB_SESSION, BOB)),
        ("INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content) "
         "VALUES (%s, %s, 'user', '{\"type\": \"text\", \"text\": \"x\"}')", (BOB_SESSION, BOB_SESSION)),
        (f"SELECT memory.remember(%s, 'semantic', '{{\"concept\": \"x\", \"definition\": \"y\"}}', {VEC})",
         (BOB_AGENT, 3, 0.0)),
        ("SELECT memory.update_agent_state(%s, '{\"local\": {\"who\": \"alice\"}}', 'takeover')", (BOB_AGENT,)),
    ):
        with pytest.raises(psycopg.Error) as refused:
            in_transaction(app, sql, params, user=ALICE, multi_task_error=False)
        assert refused.value.sqlstate == "42501", sql
    assert in_transaction(app, "UPDATE memory.chat_messages_v2 SET content = '{\"type\": \"text\", \"text\": \"hacked\"}'"
                               " WHERE session_id = %s AND id = %s", (BOB_SESSION, BOB_MESSAGE), user=ALICE) == []
    assert in_transaction(app, "SELECT content ->> 'text' FROM memory.chat_messages_v2 WHERE session_id = %s",
                          (BOB_SESSION,), user=BOB) == [("hello",)]


def test_reporting_reads_everything(deployment, people):
    with deployment.connect(READONLY) as conn:
        assert conn.execute("SELECT count(*) FROM memory.chat_messages_v2 WHERE id IN (%s, %s)",
                            (ALICE_MESSAGE, BOB_MESSAGE)).fetchone()[0] == 2


def test_the_session_group_on_the_sessions_shard(app, people):
    version = in_transaction(app, "SELECT memory.edit_message(%s, '{\"type\": \"text\", \"text\": \"hello!\"}', "
                                  "NULL, 'typo', %s)", (ALICE_MESSAGE, ALICE_SESSION), user=ALICE)[0][0]
    assert version == 2
    history = in_transaction(app, "SELECT version_number, content ->> 'text', is_current "
                                  "FROM memory.message_history(%s, %s)", (ALICE_MESSAGE, ALICE_SESSION), user=ALICE)
    assert history == [(1, "hello", False), (2, "hello!", True)]
    counts = in_transaction(app, "SELECT message_count, total_tokens_used FROM memory.conversation_sessions "
                                 "WHERE id = %s", (ALICE_SESSION,), user=ALICE)
    assert counts == [(1, 5)]
    assert task_count(app, "SELECT * FROM memory.chat_messages_v2 WHERE session_id = %s ORDER BY created_at",
                      (ALICE_SESSION,)) == 1


def test_the_agent_group_on_the_agents_shard(app, people):
    recalled = in_transaction(app, f"SELECT content ->> 'concept', round(similarity::numeric, 3) "
                                   f"FROM memory.recall_memories(%s, {VEC}, 5, p_now => %s)",
                              (ALICE_AGENT, 1, 0.0, NOW), user=ALICE)
    assert recalled == [("tea", 1)]
    # recall recorded its access on the agent's shard (no multi-shard task), and the fold applies it.
    assert in_transaction(app, "SELECT count(*) FROM memory.memory_accesses WHERE agent_id = %s",
                          (ALICE_AGENT,), user=ALICE) == [(1,)]
    assert in_transaction(app, "SELECT memory.fold_memory_accesses()", user=ALICE, multi_task_error=False) == [(1,)]
    assert in_transaction(app, "SELECT access_count, last_accessed = %s FROM memory.agent_memories WHERE agent_id = %s",
                          (NOW, ALICE_AGENT), user=ALICE) == [(1, True)]
    state = in_transaction(app, "SELECT version_number, local_state FROM memory.update_agent_state(%s, "
                                "'{\"local\": {\"mood\": \"good\"}}', 'first', p_now => %s)", (ALICE_AGENT, NOW),
                           user=ALICE)
    assert state == [(1, {"mood": "good"})]
    checkpoint = in_transaction(app, "SELECT memory.create_checkpoint(%s, 'manual', 'before', p_now => %s)",
                                (ALICE_AGENT, NOW), user=ALICE)[0][0]
    in_transaction(app, "SELECT memory.update_agent_state(%s, '{\"local\": {\"mood\": \"bad\"}}', 'second', "
                        "p_now => '2025-06-01 12:05+00')", (ALICE_AGENT,), user=ALICE)
    restored = in_transaction(app, "SELECT local_state FROM memory.restore_checkpoint(%s, p_now => "
                                   "'2025-06-01 12:10+00')", (checkpoint,), user=ALICE, multi_task_error=False)
    assert restored[0][0] == {"mood": "good"}
    at = in_transaction(app, "SELECT local_state FROM memory.agent_state_at(%s, '2025-06-01 12:06+00')",
                        (ALICE_AGENT,), user=ALICE)
    assert at == [({"mood": "bad"},)]
    assert task_count(app, "SELECT * FROM memory.agent_memories WHERE agent_id = %s", (ALICE_AGENT,)) == 1


def test_forget_user_is_one_distributed_transaction(app, people):
    carol, carol_agent, carol_session = (uuid.UUID(f"0190a0c0-0000-7000-8000-0000000c0{n}") for n in ("003", "0c1", "c05"))
    with app.transaction():
        app.execute("INSERT INTO memory.users (id, name) VALUES (%s, 'carol')", (carol,))
        app.execute("INSERT INTO memory.agents (id, name, owner_user_id) VALUES (%s, 'carol''s agent', %s)",
                    (carol_agent, carol))
    in_transaction(app, "INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id) "
                        "VALUES (%s, %s, %s, %s)", (carol_session, carol_session, carol, carol_agent), user=carol)
    in_transaction(app, "INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content) "
                        "VALUES (%s, %s, 'user', '{\"type\": \"text\", \"text\": \"bye\"}')", (carol_session, carol_session),
                   user=carol)
    in_transaction(app, f"SELECT memory.remember(%s, 'semantic', '{{\"concept\": \"x\", \"definition\": \"y\"}}', {VEC}, "
                        "p_now => %s)", (carol_agent, 4, 0.0, NOW), user=carol)
    removed = dict(in_transaction(app, "SELECT * FROM memory.forget_user(%s)", (carol,), user=carol,
                                  multi_task_error=False))
    assert (removed["users"], removed["agents"], removed["conversation_sessions"], removed["chat_messages_v2"],
            removed["agent_memories"]) == (1, 1, 1, 1, 1)
    assert in_transaction(app, "SELECT count(*) FROM memory.agent_memories WHERE agent_id = %s", (carol_agent,),
                          agent=carol_agent) == [(0,)]
    assert in_transaction(app, "SELECT count(*) FROM memory.agent_memories", user=ALICE,
                          multi_task_error=False) == [(1,)], "the others' rows are untouched"
