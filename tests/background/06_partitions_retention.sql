-- Partition routing and {{ background_retention_days }}-day retention by dropping partitions, at fixed
-- moments (p_now); maintenance runs mark_stale_agents and refreshes agent_health_summary.
BEGIN;
SELECT plan(15);

INSERT INTO background.agents (agent_id, state, started_at) VALUES ('p-agent', 'running', '2026-03-01+00');
SELECT core.create_partition('background.agent_heartbeats', '2026-04-01 12:00+00');
SELECT core.create_partition('background.agent_heartbeats', '2026-04-20 12:00+00');
SELECT core.create_partition('background.system_events', '2026-04-01 12:00+00');
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
VALUES ('p-agent', '2026-04-01 23:59:59+00'), ('p-agent', '2026-04-20 00:00+00');
SELECT background.log_event('routing', p_agent_id => 'p-agent', p_now => '2026-04-01 12:00+00');

SELECT results_eq(
    $$SELECT tableoid::regclass::text FROM background.agent_heartbeats WHERE agent_id = 'p-agent' ORDER BY timestamp$$,
    ARRAY['background.agent_heartbeats_2026_04_01', 'background.agent_heartbeats_2026_04_20'],
    'each heartbeat lands in its UTC day''s partition'
);
SELECT is((SELECT tableoid::regclass::text FROM background.system_events WHERE event_type = 'routing'),
          'background.system_events_2026_w14', 'an event lands in its ISO week''s partition');
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp)
                   VALUES ('p-agent', now()), ('p-agent', now() + interval '{{ background_future_seconds }} seconds 1 minute')$$,
                 '22023', NULL, 'a statement with a row dated beyond the future horizon is refused whole');
SELECT lives_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp)
                  VALUES ('p-agent', now() + interval '{{ background_future_seconds }} seconds' - interval '1 minute')$$,
                'a row within the horizon is accepted');
SELECT is(background.heartbeat('p-agent', p_now => '2026-01-15 10:00+00') IS NOT NULL, TRUE,
          'a heartbeat older than the made partitions (an import) is accepted ...');
SELECT is((SELECT tableoid::regclass::text FROM background.agent_heartbeats WHERE agent_id = 'p-agent' AND timestamp = '2026-01-15 10:00+00'),
          'background.agent_heartbeats_default', '... into the default partition');

CREATE TEMP TABLE first_run AS SELECT * FROM core.maintain_table('background.agent_heartbeats', '2026-05-01 00:00+00');
SELECT is_empty(
    $$SELECT * FROM first_run
      WHERE action = 'drop' AND partition IN ('background.agent_heartbeats_2026_04_01', 'background.agent_heartbeats_2026_04_20')$$,
    '30 days after its day began, a day''s partition is kept (it may hold rows inside the window)'
);
SELECT results_eq(
    $$SELECT action, partition, rows FROM first_run WHERE action = 'rescue' OR partition LIKE '%default'$$,
    $$VALUES ('drop'::text, 'background.agent_heartbeats_default'::text, 1::bigint)$$,
    'the waiting heartbeat, already past retention, is dropped from the default partition in the same run'
);
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.maintain_table('background.agent_heartbeats', '2026-05-02 00:00+00')
      WHERE action = 'drop' AND partition LIKE 'background.agent_heartbeats_2026_04%'$$,
    $$VALUES ('drop'::text, 'background.agent_heartbeats_2026_04_01'::text, 'ok'::text)$$,
    '30 days after its day ended, it is dropped, and only it'
);
SELECT ok(to_regclass('background.agent_heartbeats_2026_04_01') IS NULL, 'the partition is gone');
SELECT results_eq($$SELECT timestamp FROM background.agent_heartbeats WHERE agent_id = 'p-agent' AND timestamp < '2026-06-01' ORDER BY 1$$,
                  ARRAY['2026-04-20 00:00+00'::timestamptz], 'with its rows, and no others (January''s went first)');
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.maintain_table('background.system_events', '2026-05-07 00:00+00')
      WHERE action = 'drop' AND partition LIKE 'background.system_events_2026%'$$,
    $$VALUES ('drop'::text, 'background.system_events_2026_w14'::text, 'ok'::text)$$,
    'a week of events goes 30 days after the week ended'
);

-- A maintenance run (as cron does it): the stale-agent task and the summary refresh.
SELECT background.register_agent('p-silent', p_now => '2026-05-01 23:00+00');
CREATE TEMP TABLE run AS SELECT * FROM core.run_maintenance('2026-05-02 00:00+00');
SELECT results_eq(
    $$SELECT rows, outcome FROM run WHERE action = 'task' AND target = 'background.mark_stale_agents(timestamp with time zone)'$$,
    $$VALUES (1::bigint, 'ok'::text)$$, 'maintenance runs mark_stale_agents with its p_now'
);
SELECT is((SELECT state FROM background.agents WHERE agent_id = 'p-silent'), 'stale', 'the silent agent is marked stale');
SELECT is((SELECT outcome FROM run WHERE action = 'refresh' AND target = 'background.agent_health_summary'), 'ok',
          'and it refreshes agent_health_summary');
ROLLBACK;
