-- The agent life cycle through the functions, at fixed moments (p_now): register, heartbeat (one
-- call: the heartbeat, the agent's last heartbeat and state), metrics one by one and in batches,
-- events, system state, stop; stale-agent detection and its maintenance task; bad input refused
-- with its SQLSTATE, changing nothing.
BEGIN;
SELECT plan(40);

SELECT is((background.register_agent('lc-worker', '{"threads": 4}', '{"host": "h1"}', p_now => '2026-05-01 10:00+00')).started_at,
          '2026-05-01 10:00+00'::timestamptz, 'register_agent inserts the agent with started_at p_now');
SELECT is((SELECT state FROM background.agents WHERE agent_id = 'lc-worker'), 'running', '... running');
SELECT isnt(background.heartbeat('lc-worker', 'running', 0, '{"cpu_usage": 12.5}', '2026-05-01 10:01+00'), NULL::bigint,
            'heartbeat returns the heartbeat id');
SELECT is((SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'lc-worker'), '2026-05-01 10:01+00'::timestamptz,
          'and moves the agent''s last heartbeat');
SELECT background.heartbeat('lc-worker', 'busy', 2, '{"cpu_usage": 80}', '2026-05-01 10:02+00');
SELECT results_eq($$SELECT state, last_heartbeat_at FROM background.agents WHERE agent_id = 'lc-worker'$$,
                  $$VALUES ('busy'::text, '2026-05-01 10:02+00'::timestamptz)$$,
                  'a heartbeat with another state changes the agent''s state');
INSERT INTO background.agent_heartbeats (agent_id, timestamp, state) VALUES ('lc-worker', '2026-05-01 09:59+00', 'busy');
SELECT is((SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'lc-worker'), '2026-05-01 10:02+00'::timestamptz,
          'a late (older) heartbeat never moves the last heartbeat backwards');
INSERT INTO background.agents (agent_id, state) VALUES ('lc-peer', 'running');
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
VALUES ('lc-worker', '2026-05-01 10:03+00'), ('lc-peer', '2026-05-01 10:03+00'), ('lc-worker', '2026-05-01 10:04+00');
SELECT results_eq($$SELECT agent_id, last_heartbeat_at FROM background.agents WHERE agent_id LIKE 'lc-%' ORDER BY agent_id$$,
                  $$VALUES ('lc-peer'::text, '2026-05-01 10:03+00'::timestamptz), ('lc-worker', '2026-05-01 10:04+00')$$,
                  'a plain multi-row INSERT (the spec''s way) keeps each agent''s last heartbeat');
SELECT throws_ok($$SELECT background.heartbeat('lc-nobody')$$, '23503', NULL, 'heartbeat of an unregistered agent: 23503');
SELECT throws_ok($$SELECT background.heartbeat('lc-worker', p_now => 'infinity')$$, '22008', NULL,
                 'an infinite p_now is refused');
SELECT throws_ok($$SELECT background.heartbeat('lc-worker', p_now => NULL)$$, '22004', NULL, 'a NULL p_now is refused');
SELECT throws_ok($$SELECT background.heartbeat('lc-worker', 'sleeping', p_now => '2026-05-01 10:05+00')$$, '23514', NULL,
                 'an unknown state is refused ...');
SELECT is((SELECT count(*)::int FROM background.agent_heartbeats WHERE agent_id = 'lc-worker' AND timestamp = '2026-05-01 10:05+00'),
          0, '... and its heartbeat is not stored');

SELECT isnt(background.record_metric('lc-worker', 'cpu_usage', 12.5, 'percent', p_now => '2026-05-01 10:01+00'), NULL::bigint,
            'record_metric stores a sample');
SELECT is(background.record_metrics(
    '[{"agent_id": "lc-worker", "metric_name": "cpu_usage", "value": 14.5},
      {"agent_id": "lc-worker", "metric_name": "memory_mb", "value": 512, "unit": "MB", "timestamp": "2026-05-01T10:00:30Z"},
      {"agent_id": "lc-peer", "metric_name": "queue_depth", "value": null, "metadata": {"queue": "jobs"}}]',
    '2026-05-01 10:02+00'), 3::bigint, 'record_metrics stores a batch and counts it');
SELECT results_eq(
    $$SELECT agent_id, metric_name, value, unit, timestamp FROM background.performance_metrics
      WHERE agent_id LIKE 'lc-%' ORDER BY timestamp, metric_name$$,
    $$VALUES ('lc-worker'::text, 'memory_mb'::text, 512::numeric, 'MB'::text, '2026-05-01 10:00:30+00'::timestamptz),
             ('lc-worker', 'cpu_usage', 12.5, 'percent', '2026-05-01 10:01+00'),
             ('lc-worker', 'cpu_usage', 14.5, NULL, '2026-05-01 10:02+00'),
             ('lc-peer', 'queue_depth', NULL, NULL, '2026-05-01 10:02+00')$$,
    'each sample as sent, at its own time or p_now'
);
SELECT throws_ok($$SELECT background.record_metrics('{"agent_id": "lc-worker"}')$$, '22023', NULL,
                 'a batch that is not an array is refused');
SELECT throws_ok($$SELECT background.record_metrics('[{"agent_id": "lc-worker", "metric_name": "x", "value": 1, "colour": "red"}]')$$,
                 '22023', NULL, 'an unknown field is refused');
SELECT throws_ok($$SELECT background.record_metrics('[{"agent_id": "lc-worker", "metric_name": "x", "value": "high"}]')$$,
                 '22023', NULL, 'a value that is not a number is refused');
SELECT throws_ok($$SELECT background.record_metrics('[{"agent_id": "lc-worker", "metric_name": "x", "value": 1}, 7]')$$,
                 '22023', NULL, 'an element that is not an object is refused');
SELECT throws_ok($$SELECT background.record_metrics('[{"agent_id": "lc-worker", "metric_name": "x", "value": 1},
                                                      {"agent_id": "lc-nobody", "metric_name": "x", "value": 1}]')$$,
                 '23503', NULL, 'a batch with an unregistered agent is refused whole');
SELECT is((SELECT count(*)::int FROM background.performance_metrics WHERE metric_name = 'x'), 0, 'refused batches store nothing');

SELECT isnt(background.log_event('deploy', '{"version": "1.2"}', p_severity => 'warning', p_now => '2026-05-01 10:00+00'),
            NULL::bigint, 'log_event logs an event without an agent, severity in any case');
SELECT is((SELECT severity FROM background.system_events WHERE event_type = 'deploy'), 'WARNING', '... stored upper case');
SELECT throws_ok($$SELECT background.log_event('', NULL)$$, '22004', NULL, 'an empty event type is refused');

SELECT is((background.set_system_state('mode', '"maintenance"', 'lc-worker', '2026-05-01 10:00+00')).value, '"maintenance"'::jsonb,
          'set_system_state sets a key');
SELECT is((background.set_system_state('mode', '"normal"', 'ops', '2026-05-01 11:00+00')).updated_by, 'ops',
          'and updates it, recording who');
SELECT is(background.get_system_state('mode'), '"normal"'::jsonb, 'get_system_state reads it');
SELECT is(background.get_system_state('no-such-key'), NULL, 'an unset key reads as NULL');

SELECT results_eq($$SELECT state, stopped_at FROM background.stop_agent('lc-worker', '2026-05-01 12:00+00')$$,
                  $$VALUES ('stopped'::text, '2026-05-01 12:00+00'::timestamptz)$$, 'stop_agent stops the agent');
SELECT throws_ok($$SELECT background.stop_agent('lc-nobody')$$, 'P0002', NULL, 'stopping an unknown agent: P0002');
SELECT results_eq(
    $$SELECT state, started_at, stopped_at FROM background.register_agent('lc-worker', p_now => '2026-05-01 13:00+00')$$,
    $$VALUES ('running'::text, '2026-05-01 13:00+00'::timestamptz, NULL::timestamptz)$$,
    'registering again restarts the agent'
);
SELECT is((SELECT config FROM background.agents WHERE agent_id = 'lc-worker'), '{"threads": 4}'::jsonb,
          'and keeps its config when none is given');

-- Stale agents: running, silent for more than two intervals of {{ background_heartbeat_interval_seconds }} s
-- (an agent that never beat: since it started).
SELECT background.heartbeat('lc-worker', p_now => '2026-05-01 13:01+00');
SELECT background.register_agent('lc-peer', p_now => '2026-05-01 13:00+00');
SELECT background.heartbeat('lc-peer', p_now => '2026-05-01 13:01:30+00');
SELECT background.register_agent('lc-mute', p_now => '2026-05-01 13:01:10+00');
SELECT is(background.mark_stale_agents('2026-05-01 13:03+00'), 0::bigint,
          'exactly two intervals after its last heartbeat an agent is not stale yet');
SELECT is(background.mark_stale_agents('2026-05-01 13:03:15+00'), 2::bigint,
          'past two intervals it is, and so is an agent that never beat since it started');
SELECT is(background.mark_stale_agents('2026-05-01 13:04+00'), 1::bigint, 'then the next one');
SELECT results_eq(
    $$SELECT agent_id, a.state, e.severity, (e.event_data ->> 'silent_seconds')::int
      FROM background.system_events AS e JOIN background.agents AS a USING (agent_id)
      WHERE e.event_type = 'agent_stale' AND agent_id LIKE 'lc-%' ORDER BY agent_id$$,
    $$VALUES ('lc-mute'::text, 'stale'::text, 'WARNING'::text, 125), ('lc-peer', 'stale', 'WARNING', 150),
             ('lc-worker', 'stale', 'WARNING', 135)$$,
    'each is stale, with an agent_stale warning saying how long it was silent'
);
SELECT is(background.mark_stale_agents('2026-05-01 13:06+00'), 0::bigint, 'marking again changes nothing');
SELECT background.heartbeat('lc-worker', p_now => '2026-05-01 13:07+00');
SELECT is((SELECT state FROM background.agents WHERE agent_id = 'lc-worker'), 'running',
          'a stale agent that beats again is running again');
SELECT throws_ok($$SELECT background.mark_stale_agents('infinity')$$, '22008', NULL, 'an infinite p_now is refused');

-- Every heartbeat moves its agent's last_heartbeat_at: a HOT update (no index on that column, room on
-- the page), so the agents' indexes do not grow with the heartbeats.
CREATE TEMP TABLE hot_before AS
SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'background.agents'::regclass;
SELECT background.heartbeat('lc-worker', p_now => '2026-05-01 13:08+00');
SELECT is((SELECT (t.n_tup_hot_upd - b.n_tup_hot_upd, t.n_tup_upd - b.n_tup_upd)::text
           FROM pg_stat_xact_user_tables AS t CROSS JOIN hot_before AS b WHERE t.relid = 'background.agents'::regclass),
          '(1,1)', 'a heartbeat updates its agent once, a HOT update');
ROLLBACK;
