"""films on the cluster, as the application: a session's events appended three ways, its state
reconstructed and travelled in time, snapshots, the conversation queries; each statement these run
stays on the session's shard (Citus refuses any multi-shard statement while they run)."""

import json
import uuid

import pytest

from conftest import single_shard, task_count

USER = uuid.UUID("0190a0c0-0000-7000-8000-0000000f0001")
SESSION = uuid.UUID("0190a0c0-0000-7000-8000-0000000f0002")
OTHER = uuid.UUID("0190a0c0-0000-7000-8000-0000000f0003")
T0 = "2025-03-01 10:00+00"  # pinned instants in the past: the default partition takes them


@pytest.fixture(scope="module")
def session(deployment):
    with deployment.connect("agentdb_app") as conn:
        conn.execute("INSERT INTO films.users (id, email, username) VALUES (%s, 'f@example.com', 'filmmaker')", (USER,))
        for sid in (SESSION, OTHER):
            conn.execute("INSERT INTO films.sessions (id, app_name, user_id, state, started_at) "
                         "VALUES (%s, 'studio', %s, '{\"draft\": 0}', %s)", (sid, USER, T0))
    return SESSION


def test_append_event_one_at_a_time(deployment, app, session):
    rows = single_shard(app, """
        SELECT sequence_number FROM films.append_event(
            %s, 'state_update', '{"author": "critic"}',
            p_state_delta => '{"draft": 1, "app:style": "noir", "user:lang": "fr"}',
            p_agent_name => 'critic', p_tokens_used => 30, p_created_at => '2025-03-01 10:01+00')""", (session,))
    assert rows == [(1,)]
    rows = single_shard(app, """
        SELECT sequence_number FROM films.append_event(
            %s, 'agent_transfer', '{}', p_agent_name => 'critic', p_transfer_to_agent => 'writer',
            p_transfer_reason => 'needs words', p_expected_sequence => 1, p_created_at => '2025-03-01 10:02+00')""",
                        (session,))
    assert rows == [(2,)]
    state, events = app.execute("SELECT state, total_events FROM films.sessions WHERE id = %s", (session,)).fetchone()
    assert state == {"draft": 1} and events == 2
    assert app.execute("SELECT state FROM films.app_states WHERE app_name = 'studio'").fetchone()[0] == {"style": "noir"}


def test_append_events_batch_and_json(deployment, app, session):
    single_shard(app, """
        SELECT * FROM films.append_events(%s, ARRAY[
            ROW('tool_call', '{"q": 1}', NULL, 'writer', NULL, 'search', NULL, NULL, 5, NULL, NULL, NULL, NULL,
                '2025-03-01 10:03+00')::films.event_input,
            ROW('tool_response', '{}', '{"draft": 2}', 'writer', NULL, 'search', NULL, NULL, NULL, NULL, NULL, NULL,
                NULL, '2025-03-01 10:04+00')::films.event_input])""", (session,))
    events = json.dumps([{"event_type": "agent_response", "event_data": {"text": "done"}, "agent_name": "writer",
                          "state_delta": {"draft": 3}, "created_at": "2025-03-01T10:05:00+00:00"}])
    rows = single_shard(app, "SELECT sequence_number FROM films.append_events_json(%s, %s)", (session, events))
    assert rows == [(5,)]
    assert app.execute("SELECT last_sequence FROM films.sessions WHERE id = %s", (session,)).fetchone()[0] == 5


def test_reconstruct_time_travel_and_snapshots(deployment, app, session):
    whole = single_shard(app, "SELECT films.reconstruct_session(%s)", (session,))[0][0]
    assert whole["state"]["draft"] == 3 and len(whole["events"]) == 5
    assert whole["state"]["app:style"] == "noir" and whole["state"]["user:lang"] == "fr"
    recent = single_shard(app, "SELECT films.reconstruct_session(%s, 2)", (session,))[0][0]
    assert recent["events"] == whole["events"][-2:] and recent["events"][-1] == {"text": "done"}
    at_two = single_shard(app, "SELECT * FROM films.session_state_at(%s, 2)", (session,))
    assert at_two[0][0]["draft"] == 1
    at_time = single_shard(app, "SELECT * FROM films.session_state_at(%s, '2025-03-01 10:04:30+00'::timestamptz)",
                           (session,))
    assert at_time[0][0]["draft"] == 2
    single_shard(app, "SELECT films.take_snapshot(%s, 'checkpoint', 'after draft 3')", (session,))
    assert app.execute("SELECT count(*) FROM films.state_snapshots WHERE session_id = %s AND snapshot_type = "
                       "'checkpoint'", (session,)).fetchone()[0] == 1


def test_conversation_queries_route_to_one_shard(deployment, app, session):
    assert single_shard(app, "SELECT from_agent, to_agent FROM films.agent_workflow(%s)", (session,)) == [
        ("critic", "writer")]
    assert single_shard(app, "SELECT count(*) FROM films.state_evolution(%s)", (session,)) == [(3,)]
    assert single_shard(app, "SELECT count(*) FROM films.conversation_history(%s)", (session,)) == [(0,)]
    # The statements of those functions, as Citus plans them: one task each.
    for statement in ("SELECT * FROM films.events WHERE session_id = %s AND state_delta IS NOT NULL "
                      "ORDER BY sequence_number",
                      "SELECT * FROM films.agent_transfers WHERE session_id = %s ORDER BY transferred_at",
                      "SELECT * FROM films.sessions WHERE id = %s"):
        assert task_count(app, statement, (session,)) == 1, statement


def test_a_query_across_sessions_fans_out(deployment, app, session):
    """The test of the test: without the session, Citus runs a task per shard (and single_shard
    refuses it)."""
    assert task_count(app, "SELECT max(tokens_used) FROM films.events WHERE agent_name = 'critic'") > 1
    with pytest.raises(Exception, match="multi-task query about to be executed"):
        single_shard(app, "SELECT max(tokens_used) FROM films.events WHERE agent_name = 'critic'")
