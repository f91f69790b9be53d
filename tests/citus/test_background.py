"""background on the cluster, as the agents' role (bg_agents_user): registration, heartbeats that
move their agent's last_heartbeat_at on the agent's shard, metrics, events, the message queue, the
help workflow (reference tables) and the shared system state."""

import pytest

from conftest import AGENTS, READONLY, single_shard, task_count


@pytest.fixture
def agent(deployment):
    with deployment.connect(AGENTS) as conn:
        yield conn


def test_agent_lifecycle_and_heartbeats(agent, deployment):
    single_shard(agent, "SELECT background.register_agent('watcher', '{\"model\": \"x\"}', "
                        "p_now => '2025-05-01 08:00+00')")
    for minute in (1, 2, 3):
        single_shard(agent, "SELECT background.heartbeat('watcher', 'running', 0, '{\"cpu_usage\": 12}', "
                            "'2025-05-01 08:00+00'::timestamptz + %s * interval '1 minute')", (minute,))
    last = agent.execute("SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'watcher'").fetchone()[0]
    assert last.isoformat() == "2025-05-01T08:03:00+00:00"
    # A plain INSERT, as the spec's agents write: the trigger runs on the shard, for its agent only.
    single_shard(agent, "INSERT INTO background.agent_heartbeats (agent_id, timestamp, state) "
                        "VALUES ('watcher', '2025-05-01 08:04+00', 'running')")
    last = agent.execute("SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'watcher'").fetchone()[0]
    assert last.isoformat() == "2025-05-01T08:04:00+00:00"
    # The row trigger rolls them up on the shard, by minute and ten seconds (08:04:00 and 08:04:25).
    single_shard(agent, "SELECT background.heartbeat('watcher', 'running', 0, NULL, '2025-05-01 08:04:25+00')")
    with deployment.connect(READONLY) as reader:
        assert reader.execute("SELECT heartbeats, s00, s10, s20, s30, s40, s50 FROM background.heartbeat_minutes "
                              "WHERE agent_id = 'watcher' AND minute = '2025-05-01 08:04+00'").fetchall() == [(2, 1, 0, 1, 0, 0, 0)]
    with pytest.raises(Exception) as refused:
        agent.execute("INSERT INTO background.agent_heartbeats (agent_id, timestamp, state) "
                      "VALUES ('watcher', now() + interval '1 day', 'running')")
    assert getattr(refused.value, "sqlstate", None) == "22023"
    single_shard(agent, "SELECT background.record_metric('watcher', 'cpu_usage', 12.5, 'percent', NULL, "
                        "'2025-05-01 08:05+00')")
    assert task_count(agent, "SELECT * FROM background.agent_heartbeats WHERE agent_id = 'watcher' "
                             "ORDER BY timestamp DESC LIMIT 1") == 1
    stopped = single_shard(agent, "SELECT state FROM background.stop_agent('watcher', '2025-05-01 09:00+00')")
    assert stopped == [("stopped",)]


def test_message_queue_by_recipient(agent):
    single_shard(agent, "SELECT background.register_agent('inbox', p_now => '2025-05-01 08:00+00')")
    ids = [single_shard(agent, "SELECT background.send_message('watcher', 'inbox', 'ping', %s::jsonb, "
                               "'2025-05-01 08:10+00')", (f'{{"n": {n}}}',))[0][0] for n in range(3)]
    got = single_shard(agent, "SELECT id FROM background.receive_messages('inbox', 2, '2025-05-01 08:11+00')")
    assert [r[0] for r in got] == ids[:2]
    single_shard(agent, "SELECT background.ack_message(%s, 'inbox', '2025-05-01 08:12+00')", (ids[0],))


def test_help_workflow_and_system_state_on_reference_tables(agent):
    agent.execute("INSERT INTO background.help_requests (request_id, user_id, content) "
                  "VALUES ('r-1', 'u-1', 'how do I?')")
    agent.execute("SELECT background.respond_to_help('r-1', 'resp-1', 'like this', 0.9, NULL, 'inbox', "
                  "'2025-05-01 08:20+00')")
    assert agent.execute("SELECT status FROM background.help_requests WHERE request_id = 'r-1'").fetchone()[0] \
        in ("answered", "responded", "resolved", "in_progress")
    agent.execute("SELECT background.set_system_state('mode', '\"calm\"', 'watcher', '2025-05-01 08:30+00')")
    assert agent.execute("SELECT background.get_system_state('mode')").fetchone()[0] == "calm"
    agent.execute("SELECT background.log_event('deploy', '{\"v\": 2}', 'watcher', 'INFO', '2025-05-01 08:31+00')")
