-- The heartbeat trigger's two paths keep heartbeat_minutes and agents.last_heartbeat_at exact: the
-- rows of one agent (every heartbeat() call, a single-agent batch over several minutes) and of several
-- agents, at pinned instants across a midnight that is also a month's end, with backdated rows; a
-- statement with a row beyond the future horizon is refused before anything is written.
BEGIN;
SELECT plan(7);

INSERT INTO background.agents (agent_id, state, started_at)
VALUES ('ip-one', 'running', '2026-01-31 00:00+00'), ('ip-two', 'running', '2026-01-31 00:00+00'),
       ('ip-three', 'running', '2026-01-31 00:00+00');
-- One agent, one row at a time, across midnight and the month's end.
SELECT background.heartbeat('ip-one', p_now => t)
FROM unnest(ARRAY['2026-01-31 23:59:59.5+00', '2026-02-01 00:00:00+00', '2026-02-01 00:00:59.999999+00']::timestamptz[]) AS t;
-- One agent, one statement over five minutes (every 10 s), then a backdated row of a closed minute.
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
SELECT 'ip-two', '2026-01-31 23:58:00+00'::timestamptz + s * interval '10 seconds' FROM generate_series(0, 29) AS s;
INSERT INTO background.agent_heartbeats (agent_id, timestamp) VALUES ('ip-two', '2026-01-31 23:58:30+00');
SELECT background.heartbeat('ip-one', p_now => '2026-01-31 23:59:00+00');  -- late: last heartbeat stays
-- Several agents in one statement, in both minutes of the midnight.
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
VALUES ('ip-three', '2026-02-01 00:00:01+00'), ('ip-one', '2026-01-31 23:59:58+00'), ('ip-three', '2026-01-31 23:59:01+00'),
       ('ip-two', '2026-02-01 00:00:30+00');

SELECT set_eq(
    $$SELECT agent_id, minute, heartbeats FROM background.heartbeat_minutes WHERE agent_id LIKE 'ip-%'$$,
    $$SELECT agent_id, date_bin('1 minute', timestamp, '2000-01-01+00'), count(*) FROM background.agent_heartbeats
      WHERE agent_id LIKE 'ip-%' GROUP BY 1, 2$$,
    'heartbeat_minutes: exactly the raw heartbeats per agent and minute, whichever path wrote them');
SELECT results_eq(
    $$SELECT minute, heartbeats FROM background.heartbeat_minutes WHERE agent_id = 'ip-one' ORDER BY minute$$,
    $$VALUES ('2026-01-31 23:59+00'::timestamptz, 3::bigint), ('2026-02-01 00:00+00', 2)$$,
    'one agent''s heartbeats on either side of midnight at the month''s end, backdated ones included');
SELECT set_eq(
    $$SELECT agent_id, last_heartbeat_at FROM background.agents WHERE agent_id LIKE 'ip-%'$$,
    $$SELECT agent_id, max(timestamp) FROM background.agent_heartbeats WHERE agent_id LIKE 'ip-%' GROUP BY 1$$,
    'last_heartbeat_at: each agent''s newest heartbeat, never moved back by a late one');

-- Beyond the future horizon: refused whole, for one agent and for several, nothing written.
CREATE TEMP TABLE before_future AS
SELECT (SELECT sum(heartbeats) FROM background.heartbeat_minutes WHERE agent_id LIKE 'ip-%') AS rolled,
       (SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'ip-one') AS last_at;
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp)
                   VALUES ('ip-one', now()), ('ip-one', now() + interval '2 days')$$,
                 '22023', NULL, 'one agent''s rows, one beyond the horizon: refused');
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp)
                   VALUES ('ip-two', now()), ('ip-three', now() + interval '2 days')$$,
                 '22023', NULL, 'several agents'' rows, one beyond the horizon: refused');
SELECT is((SELECT sum(heartbeats) FROM background.heartbeat_minutes WHERE agent_id LIKE 'ip-%'),
          (SELECT rolled FROM before_future), '... and no heartbeat counted');
SELECT is((SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'ip-one'),
          (SELECT last_at FROM before_future), '... nor a last heartbeat moved');

SELECT * FROM finish();
ROLLBACK;
