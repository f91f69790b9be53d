"""assistant on the cluster, as the application: a chat session, its messages and agent states by
session (one shard each), the calendar on the coordinator, and retention of idle sessions."""

import pytest

from conftest import single_shard, task_count

T0 = "2025-04-01 09:00+00"


@pytest.fixture(scope="module")
def chat(deployment):
    with deployment.connect("agentdb_app") as conn:
        single_shard(conn, "SELECT assistant.get_or_create_session('chat-1', %s)", (T0,))
    return "chat-1"


def test_messages_and_history_of_one_session(app, chat):
    for n, (role, agent) in enumerate([("user", None), ("assistant", "planner"), ("assistant", "scheduler")]):
        single_shard(app, "SELECT assistant.add_message(%s, %s, %s, %s, %s::timestamptz + %s * interval '1 minute')",
                     (chat, role, f"message {n} about the dentist", agent, T0, n))
    history = single_shard(app, "SELECT content FROM assistant.session_history(%s) ORDER BY id", (chat,))
    assert [r[0] for r in history] == [f"message {n} about the dentist" for n in range(3)]
    by_agent = single_shard(app, "SELECT content FROM assistant.messages_by_agent(%s, 'planner')", (chat,))
    assert by_agent == [("message 1 about the dentist",)]
    found = single_shard(app, "SELECT count(*) FROM assistant.search_messages(%s, 'dentist')", (chat,))
    assert found == [(3,)]
    assert task_count(app, "SELECT * FROM assistant.chat_messages WHERE session_id = %s ORDER BY id DESC LIMIT 50",
                      (chat,)) == 1


def test_agent_state_by_session(app, chat):
    single_shard(app, "SELECT assistant.save_agent_state(%s, 'planner', '{\"step\": 2}', %s)", (chat, T0))
    assert single_shard(app, "SELECT assistant.load_agent_state(%s, 'planner')", (chat,)) == [({"step": 2},)]


def test_the_calendar_stays_on_the_coordinator(app):
    app.execute("SELECT assistant.book_event('dentist', '2025-04-02 10:00+00', '2025-04-02 11:00+00')")
    with pytest.raises(Exception) as refused:
        app.execute("SELECT assistant.book_event('gym', '2025-04-02 10:30+00', '2025-04-02 11:30+00')")
    assert getattr(refused.value, "sqlstate", None) == "23P01"
    assert app.execute("SELECT count(*) FROM assistant.find_conflicts('2025-04-02 10:15+00', "
                       "'2025-04-02 10:20+00')").fetchone()[0] == 1


def test_retention_removes_idle_sessions_session_by_session(deployment, app):
    single_shard(app, "SELECT assistant.get_or_create_session('idle-1', '2025-01-01+00')")
    single_shard(app, "SELECT assistant.get_or_create_session('busy-1', '2025-01-01+00')")
    single_shard(app, "SELECT assistant.add_message('busy-1', 'user', 'still here', NULL, '2025-04-01+00')")
    with deployment.connect() as owner:
        removed = owner.execute("SELECT assistant.cleanup_old_sessions(30, '2025-04-02+00')").fetchone()[0]
    assert removed == 1
    left = {r[0] for r in app.execute("SELECT session_id FROM assistant.chat_sessions WHERE session_id IN "
                                      "('idle-1', 'busy-1')")}
    assert left == {"busy-1"}
