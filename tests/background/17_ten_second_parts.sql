-- heartbeat_minutes' ten-second parts (schema 0014): every write path keeps them equal to the raw
-- heartbeats of each ten seconds of the minute; health_overview_at counts the spec's "Recent
-- Heartbeats (5min)" exactly at any instant of the minute (part boundaries, the microsecond either
-- side, both sides of a part's middle), reading at most five seconds of raw heartbeats; and a first
-- minute rolled up before the parts were kept (NULL) is still counted exactly, from its raw rows.
BEGIN;
SELECT plan(7);

-- A minute pinned 40 minutes back (in the past wherever the clock stands), two agents.
CREATE TEMP TABLE pinned AS SELECT date_bin('1 minute', now() - interval '40 minutes', '2000-01-01+00') AS minute;
INSERT INTO background.agents (agent_id, state, started_at)
VALUES ('tp-a', 'running', now() - interval '1 day'), ('tp-b', 'running', now() - interval '1 day');

-- tp-a: one agent's statement, a heartbeat every 0.1 s through seven minutes; the part boundaries
-- and the microseconds either side of them in the pinned minute's successor (where the windows start).
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
SELECT 'tp-a', minute + s * interval '100 milliseconds' FROM pinned CROSS JOIN generate_series(0, 4199) AS s;
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
SELECT 'tp-a', minute + interval '1 minute' + b * interval '10 seconds' + d * interval '1 microsecond'
FROM pinned CROSS JOIN generate_series(0, 6) AS b CROSS JOIN (VALUES (-1), (0), (1)) AS x (d);
-- tp-b: several agents in one statement (tp-a's late rows beside it), then heartbeat() calls.
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
SELECT a, minute + interval '1 minute' + s * interval '1.3 seconds'
FROM pinned CROSS JOIN generate_series(0, 45) AS s CROSS JOIN (VALUES ('tp-a'), ('tp-b')) AS x (a);
SELECT background.heartbeat('tp-b', 'running', 0, NULL, minute + interval '1 minute' + s * interval '0.7 seconds')
FROM pinned CROSS JOIN generate_series(0, 85) AS s;

SELECT results_eq(
    $$SELECT m.agent_id, m.minute + p.part * interval '10 seconds', p.heartbeats
      FROM background.heartbeat_minutes AS m
      CROSS JOIN LATERAL (VALUES (0, m.s00), (1, m.s10), (2, m.s20), (3, m.s30), (4, m.s40), (5, m.s50)) AS p (part, heartbeats)
      WHERE m.agent_id LIKE 'tp-%' AND p.heartbeats > 0 ORDER BY 1, 2$$,
    $$SELECT agent_id, date_bin('10 seconds', timestamp, '2000-01-01+00'), count(*) FROM background.agent_heartbeats
      WHERE agent_id LIKE 'tp-%' GROUP BY 1, 2 ORDER BY 1, 2$$,
    'the parts hold the raw heartbeats of each ten seconds, whichever path wrote them');
SELECT is((SELECT count(*) FROM background.heartbeat_minutes
           WHERE agent_id LIKE 'tp-%' AND s00 + s10 + s20 + s30 + s40 + s50 IS DISTINCT FROM heartbeats), 0::bigint,
          'the parts of every row add up to its heartbeats');

-- Windows starting anywhere in the pinned minute's successor: at each part's start, the microsecond
-- before and after it, on either side of its middle, and its last microsecond.
CREATE TEMP TABLE instants AS
SELECT minute + interval '6 minutes' + o AS p_now
FROM pinned CROSS JOIN unnest(ARRAY[
    interval '0', '1 microsecond', '4.999999 seconds', '5 seconds', '7.3 seconds', '9.999999 seconds', '10 seconds',
    '10.000001 seconds', '14 seconds', '16 seconds', '29.999999 seconds', '30 seconds', '33.3 seconds',
    '45 seconds', '49.999999 seconds', '50 seconds', '55.5 seconds', '59.999999 seconds']) AS o;
CREATE FUNCTION pg_temp.recent(p_now timestamptz) RETURNS bigint LANGUAGE sql AS $$
    SELECT value FROM background.health_overview_at(p_now) WHERE metric = 'Recent Heartbeats (5min)'
$$;
SELECT results_eq(
    $$SELECT p_now, pg_temp.recent(p_now) FROM instants ORDER BY 1$$,
    $$SELECT p_now, (SELECT count(*) FROM background.agent_heartbeats WHERE timestamp > p_now - interval '5 minutes')
      FROM instants ORDER BY 1$$,
    'health_overview_at: the spec''s count of the last five minutes, exactly, at any instant of the minute');

-- Raw heartbeats read by a call: tp-a beats ten times a second, so half a minute of raw rows would
-- be 300 of them; five seconds are 50.
CREATE FUNCTION pg_temp.raw_rows_read(p_now timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_before bigint := (SELECT rows_read FROM tests.rows_read('background') WHERE relation = 'background.agent_heartbeats'::regclass);
BEGIN
    PERFORM pg_temp.recent(p_now);
    RETURN (SELECT rows_read FROM tests.rows_read('background') WHERE relation = 'background.agent_heartbeats'::regclass)
           - coalesce(v_before, 0);
END
$$;
SELECT cmp_ok((SELECT max(pg_temp.raw_rows_read(p_now)) FROM instants WHERE p_now < (SELECT minute + interval '7 minutes' FROM pinned)),
              '<=', 100::bigint, 'a call counts at most five seconds of raw heartbeats (tp-a: ten a second)');

-- The window's first minute as schema 0014 found it: no parts. Counted exactly from its raw rows.
UPDATE background.heartbeat_minutes SET s00 = NULL, s10 = NULL, s20 = NULL, s30 = NULL, s40 = NULL, s50 = NULL
WHERE minute = (SELECT minute + interval '1 minute' FROM pinned);
SELECT results_eq(
    $$SELECT p_now, pg_temp.recent(p_now) FROM instants ORDER BY 1$$,
    $$SELECT p_now, (SELECT count(*) FROM background.agent_heartbeats WHERE timestamp > p_now - interval '5 minutes')
      FROM instants ORDER BY 1$$,
    'a first minute without parts: the same counts, from its raw rows');
-- A heartbeat into such a minute keeps it without parts (NULL stays NULL) and is counted.
SELECT background.heartbeat('tp-b', 'running', 0, NULL, minute + interval '1 minute 31 seconds') FROM pinned;
SELECT is((SELECT count(*) FROM background.heartbeat_minutes
           WHERE minute = (SELECT minute + interval '1 minute' FROM pinned) AND s00 IS NOT NULL), 0::bigint,
          'a heartbeat into a minute without parts leaves it without parts');
SELECT is(pg_temp.recent((SELECT minute + interval '6 minutes 30 seconds' FROM pinned)),
          (SELECT count(*) FROM background.agent_heartbeats
           WHERE timestamp > (SELECT minute + interval '1 minute 30 seconds' FROM pinned)),
          'and is counted');

SELECT * FROM finish();
ROLLBACK;
