-- The per-minute rollups (schema 0010) hold exactly the raw rows of their minutes, whoever inserts
-- (plain INSERT, multi-row, heartbeat(), record_metrics, late and backdated rows, NULL values), and
-- the views made from them give the same rows as the spec's queries (background.system_health_overview,
-- background.metrics_summary), window boundaries included; trim_rollups keeps two days.
BEGIN;
SELECT plan(14);

INSERT INTO background.agents (agent_id, state, started_at)
VALUES ('r-one', 'running', now() - interval '1 day'), ('r-two', 'idle', now() - interval '1 day');
-- On the windows' edges (excluded, then included), inside, backdated into closed minutes, late.
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
VALUES ('r-one', now() - interval '5 minutes'), ('r-one', now() - interval '5 minutes' + interval '1 microsecond'),
       ('r-one', now() - interval '5 minutes' - interval '1 second'), ('r-two', now() - interval '2 minutes'),
       ('r-two', now() - interval '2 minutes'), ('r-one', now() - interval '3 hours'), ('r-one', now() + interval '1 second');
SELECT background.heartbeat('r-two', 'running', 0, '{"cpu_usage": 3}', now() - interval '10 seconds');
INSERT INTO background.performance_metrics (agent_id, metric_name, value, timestamp)
VALUES ('r-one', 'cpu', 10, now() - interval '1 hour'), ('r-one', 'cpu', 20, now() - interval '1 hour' + interval '1 microsecond'),
       ('r-one', 'cpu', 30.25, now() - interval '59 minutes 30 seconds'), ('r-one', 'cpu', NULL, now() - interval '20 minutes'),
       ('r-one', 'mem', NULL, now() - interval '20 minutes'), ('r-two', 'cpu', 1.5, now() - interval '26 hours'),
       ('r-two', 'cpu', 7, now());
SELECT background.record_metrics('[{"agent_id": "r-two", "metric_name": "cpu", "value": 4.125},
                                   {"agent_id": "r-two", "metric_name": "mem", "value": 512}]', now() - interval '30 minutes');
INSERT INTO background.performance_metrics (agent_id, metric_name, value, timestamp)  -- late: a closed minute
VALUES ('r-two', 'cpu', 99, now() - interval '30 minutes');

SELECT set_eq(
    $$SELECT agent_id, minute, heartbeats FROM background.heartbeat_minutes WHERE minute >= now() - interval '2 days'$$,
    $$SELECT agent_id, date_bin('1 minute', timestamp, '2000-01-01+00') AS minute, count(*) FROM background.agent_heartbeats
      WHERE date_bin('1 minute', timestamp, '2000-01-01+00') >= now() - interval '2 days' GROUP BY 1, 2$$,
    'heartbeat_minutes: the raw heartbeats per agent and minute, exactly');
SELECT set_eq(
    $$SELECT agent_id, metric_name, minute, samples, valued, total, maximum FROM background.metric_minutes
      WHERE minute >= now() - interval '2 days'$$,
    $$SELECT agent_id, metric_name, date_bin('1 minute', timestamp, '2000-01-01+00'), count(*) AS samples, count(value) AS valued,
             sum(value) AS total, max(value) AS maximum
      FROM background.performance_metrics WHERE date_bin('1 minute', timestamp, '2000-01-01+00') >= now() - interval '2 days'
      GROUP BY 1, 2, 3$$,
    'metric_minutes: the raw samples per agent, metric and minute (count, valued, sum, max), exactly');
SELECT set_eq(
    $$SELECT agent_id, metric_name, minute, samples, valued, total, maximum FROM background.metric_ten_minutes
      WHERE minute >= now() - interval '2 days'$$,
    $$SELECT agent_id, metric_name, date_bin('10 minutes', timestamp, '2000-01-01+00') AS minute, count(*) AS samples,
             count(value) AS valued, sum(value) AS total, max(value) AS maximum
      FROM background.performance_metrics WHERE date_bin('10 minutes', timestamp, '2000-01-01+00') >= now() - interval '2 days'
      GROUP BY 1, 2, 3$$,
    'metric_ten_minutes: the raw samples per agent, metric and ten minutes, exactly');
SELECT results_eq($$SELECT * FROM background.metrics_last_hour$$, $$SELECT * FROM background.metrics_summary$$,
                  'metrics_last_hour: the rows of the spec''s metrics summary, in its order');
SELECT results_eq($$SELECT * FROM background.metrics_last_hour WHERE agent_id LIKE 'r-%'$$,
                  $$VALUES ('r-one'::text, 'cpu'::text, 25.125::numeric, 30.25::numeric, 3::bigint),
                           ('r-one', 'mem', NULL, NULL, 1), ('r-two', 'cpu', 36.7083333333333333, 99, 3),
                           ('r-two', 'mem', 512, 512, 1)$$,
                  'the hour''s edge, NULL values and late rows counted as the spec counts them');
SELECT results_eq($$SELECT * FROM background.health_overview$$, $$SELECT * FROM background.system_health_overview$$,
                  'health_overview: the rows of the spec''s system health overview');
SELECT results_eq($$SELECT * FROM background.metrics_summary_since(now() - interval '1 day')$$,
    $$SELECT agent_id, metric_name, avg(value), max(value), count(*) FROM background.performance_metrics
      WHERE timestamp > now() - interval '1 day' GROUP BY 1, 2 ORDER BY 1, 2$$,
    'metrics_summary_since: any window, exact');

-- The health overview at pinned instants, 36 hours back (before the test volume), over heartbeats one
-- a second: a window starting 10 s into a minute (its rollup less the 11 rows up to the start) and one
-- starting 40 s into it (the 19 rows after the start). Exact either way, reading at most half a minute
-- of raw rows (the rows after the start would be 49 in the first case).
CREATE TEMP TABLE pinned AS
SELECT date_bin('1 minute', now() - interval '36 hours', '2000-01-01+00') AS minute;
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
SELECT 'r-two', p.minute + s * interval '1 second' FROM pinned AS p CROSS JOIN generate_series(-120, 120) AS s;
-- Rows read through the indexes (sequential scans off: a small partition is rightly read whole;
-- the session's cached plans are dropped so that health_overview_at plans under these settings).
CREATE FUNCTION pg_temp.heartbeats_read(p_now timestamptz) RETURNS bigint LANGUAGE plpgsql
SET enable_seqscan = off SET enable_bitmapscan = off AS $$
DECLARE
    v_before bigint := (SELECT rows_read FROM tests.rows_read('background') WHERE relation = 'background.agent_heartbeats'::regclass);
BEGIN
    DISCARD PLANS;
    PERFORM * FROM background.health_overview_at(p_now);
    RETURN (SELECT rows_read FROM tests.rows_read('background') WHERE relation = 'background.agent_heartbeats'::regclass)
           - coalesce(v_before, 0);
END
$$;
SELECT results_eq(
    $$SELECT value FROM background.health_overview_at((SELECT minute + interval '5 minutes 10 seconds' FROM pinned))
      WHERE metric = 'Recent Heartbeats (5min)'$$,
    $$SELECT count(*) FROM background.agent_heartbeats WHERE timestamp > (SELECT minute + interval '10 seconds' FROM pinned)$$,
    'health_overview_at, a window starting 10 s into a minute: the raw count, exactly');
SELECT results_eq(
    $$SELECT value FROM background.health_overview_at((SELECT minute + interval '5 minutes 40 seconds' FROM pinned))
      WHERE metric = 'Recent Heartbeats (5min)'$$,
    $$SELECT count(*) FROM background.agent_heartbeats WHERE timestamp > (SELECT minute + interval '40 seconds' FROM pinned)$$,
    'health_overview_at, a window starting 40 s into a minute: the raw count, exactly');
SELECT cmp_ok(pg_temp.heartbeats_read((SELECT minute + interval '5 minutes 10 seconds' FROM pinned)), '<=', 30::bigint,
              'it reads the shorter side of the first minute: its rows up to the start');
SELECT cmp_ok(pg_temp.heartbeats_read((SELECT minute + interval '5 minutes 40 seconds' FROM pinned)), '<=', 30::bigint,
              'or its rows after the start');

-- Retention: two days of minutes stay, older ones go.
INSERT INTO background.heartbeat_minutes (agent_id, minute, heartbeats) VALUES ('r-one', now() - interval '3 days', 1);
SELECT cmp_ok(background.trim_rollups(now()), '>=', 1::bigint, 'trim_rollups deletes minutes older than two days');
SELECT is((SELECT count(*) FROM background.heartbeat_minutes WHERE minute < now() - interval '2 days'), 0::bigint,
          'none older than two days is left');
SELECT is((SELECT heartbeats FROM background.heartbeat_minutes
           WHERE agent_id = 'r-two' AND minute = date_bin('1 minute', now() - interval '2 minutes', '2000-01-01+00')), 2::bigint,
          'the recent minutes stay');

SELECT * FROM finish();
ROLLBACK;
