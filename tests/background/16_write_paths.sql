-- The write path of a heartbeat and a metrics batch: the rollup rows of one agent and minute stay
-- exact whichever call makes them (a minute's first call, the calls after it, a call adding a metric
-- to a minute, one agent's batch over several minutes, a late heartbeat); the rollups keep room on
-- their pages for HOT updates (schema 0013); the agents' rules refuse with 23514 naming their
-- constraint on INSERT, UPDATE and the start-up upsert.
BEGIN;
SELECT plan(15);

-- Pinned instants in the current hour's partitions, a minute apart; nothing depends on the date.
CREATE TEMP TABLE pinned AS SELECT date_bin('10 minutes', now(), '2000-01-01+00') - interval '20 minutes' AS minute;
INSERT INTO background.agents (agent_id, state, started_at) VALUES ('w-one', 'running', now() - interval '1 day');

SELECT background.heartbeat('w-one', 'running', 0, NULL, minute + interval '1 second') FROM pinned;  -- the minute's first
SELECT background.heartbeat('w-one', 'running', 0, NULL, minute + s * interval '1 second')        -- found
FROM pinned CROSS JOIN generate_series(2, 5) AS s;
SELECT background.record_metrics('[{"agent_id": "w-one", "metric_name": "cpu", "value": 1.5}]', minute + interval '1 second')
FROM pinned;
SELECT background.record_metrics('[{"agent_id": "w-one", "metric_name": "cpu", "value": 2.25},
                                   {"agent_id": "w-one", "metric_name": "mem", "value": null}]', minute + interval '2 seconds')
FROM pinned;  -- cpu found, mem added
SELECT background.record_metrics('[{"agent_id": "w-one", "metric_name": "cpu", "value": 7},
                                   {"agent_id": "w-one", "metric_name": "mem", "value": 512},
                                   {"agent_id": "w-one", "metric_name": "cpu"}]', minute + interval '3 seconds')
FROM pinned;  -- both found, two cpu samples in one call
-- One agent's batch over two minutes (and two ten-minute rows), beside the one-minute path.
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
SELECT 'w-one', minute + s * interval '1 second' FROM pinned CROSS JOIN generate_series(50, 70) AS s;
INSERT INTO background.performance_metrics (agent_id, metric_name, value, timestamp)
SELECT 'w-one', 'cpu', s, minute + s * interval '1 minute' FROM pinned CROSS JOIN generate_series(-1, 1) AS s;

SELECT results_eq(
    $$SELECT minute, heartbeats FROM background.heartbeat_minutes WHERE agent_id = 'w-one' ORDER BY minute$$,
    $$SELECT date_bin('1 minute', timestamp, '2000-01-01+00'), count(*) FROM background.agent_heartbeats
      WHERE agent_id = 'w-one' GROUP BY 1 ORDER BY 1$$,
    'heartbeat_minutes: the raw heartbeats per minute, exactly, found or added');
SELECT is((SELECT heartbeats FROM background.heartbeat_minutes AS m, pinned AS p
           WHERE m.agent_id = 'w-one' AND m.minute = p.minute), 5::bigint + 10,
          'the pinned minute: five heartbeat() calls and the batch''s ten rows');
SELECT results_eq(
    $$SELECT 1 AS minutes, metric_name, minute, samples, valued, total, maximum FROM background.metric_minutes
      WHERE agent_id = 'w-one'
      UNION ALL
      SELECT 10, metric_name, minute, samples, valued, total, maximum FROM background.metric_ten_minutes
      WHERE agent_id = 'w-one' ORDER BY 1, 3, 2$$,
    $$SELECT w.minutes, m.metric_name, date_bin(w.minutes * interval '1 minute', m.timestamp, '2000-01-01+00'),
             count(*), count(m.value), sum(m.value), max(m.value)
      FROM background.performance_metrics AS m CROSS JOIN (VALUES (1), (10)) AS w (minutes)
      WHERE m.agent_id = 'w-one' GROUP BY 1, 2, 3 ORDER BY 1, 3, 2$$,
    'metric_minutes and metric_ten_minutes: the raw samples per metric and minute or ten, exactly, found or added');
SELECT is((SELECT (samples, valued, total, maximum)::text FROM background.metric_minutes AS m, pinned AS p
           WHERE m.agent_id = 'w-one' AND m.metric_name = 'cpu' AND m.minute = p.minute), '(5,4,10.75,7)',
          'cpu in the pinned minute: four calls'' samples, a NULL value counted but not summed');
SELECT is((SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'w-one'),
          (SELECT minute + interval '70 seconds' FROM pinned), 'last_heartbeat_at: the newest heartbeat');
-- A late heartbeat into a found minute: counted, last_heartbeat_at kept.
SELECT background.heartbeat('w-one', 'running', 0, NULL, minute + interval '6 seconds') FROM pinned;
SELECT is((SELECT heartbeats FROM background.heartbeat_minutes AS m, pinned AS p
           WHERE m.agent_id = 'w-one' AND m.minute = p.minute), 16::bigint, 'a late heartbeat is counted in its minute');
SELECT is((SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'w-one'),
          (SELECT minute + interval '70 seconds' FROM pinned), 'and does not move last_heartbeat_at back');

SELECT is((SELECT array_agg(c.relname::text || ' ' || array_to_string(c.reloptions, ',') ORDER BY c.relname)
           FROM pg_class AS c
           WHERE c.oid IN ('background.heartbeat_minutes'::regclass, 'background.metric_minutes'::regclass,
                           'background.metric_ten_minutes'::regclass)),
          ARRAY['heartbeat_minutes fillfactor=70', 'metric_minutes fillfactor=70', 'metric_ten_minutes fillfactor=70'],
          'the rollups fill new pages to 70 %: room for the next versions of their rows (HOT updates)');

-- The agents' rules, on UPDATE, INSERT and the start-up upsert.
SELECT throws_ok($$UPDATE background.agents SET state = 'sleeping' WHERE agent_id = 'w-one'$$, '23514',
                 'new row for relation "agents" violates check constraint "agents_state_check"',
                 'an unknown state set by UPDATE is refused, naming agents_state_check');
SELECT throws_ok($$UPDATE background.agents SET metadata = '"text"' WHERE agent_id = 'w-one'$$, '23514',
                 'new row for relation "agents" violates check constraint "agents_metadata_check"',
                 'metadata that is not an object is refused, naming agents_metadata_check');
SELECT throws_ok($$UPDATE background.agents SET stopped_at = started_at - interval '1 second' WHERE agent_id = 'w-one'$$,
                 '23514', 'new row for relation "agents" violates check constraint "agents_stopped_after_started"',
                 'a stop before the start is refused, naming agents_stopped_after_started');
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state) VALUES ('', 'running')$$, '23514',
                 'new row for relation "agents" violates check constraint "agents_agent_id_check"',
                 'an empty agent_id is refused, naming agents_agent_id_check');
SELECT throws_ok($$SELECT background.register_agent('w-one', '[1]')$$, '23514',
                 'new row for relation "agents" violates check constraint "agents_config_check"',
                 'the start-up upsert of an existing agent checks its new config');
SELECT lives_ok($$UPDATE background.agents SET state = 'idle', config = NULL, metadata = '{}' WHERE agent_id = 'w-one'$$,
                'valid values and NULL config pass, as they passed the CHECKs');
SELECT is((SELECT (state, metadata)::text FROM background.agents WHERE agent_id = 'w-one'), '(idle,{})',
          'and are stored');

SELECT * FROM finish();
ROLLBACK;
