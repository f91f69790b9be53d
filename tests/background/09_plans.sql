-- Query plans on the generated volume (tests/background/helpers.sql: 1,000 agents with a day of
-- heartbeats, a minute apart, up to the moment the volume was made; metrics and events beside them),
-- analysed and vacuumed: the spec's queries read only the partitions their time window reaches,
-- through indexes, and the indexes cover their predicates, so no row is read only to be thrown away.
BEGIN;
SELECT plan(16);

-- The partitions a window from p_since onwards can reach (plus the default partition).
CREATE FUNCTION pg_temp.reachable(p_parent regclass, p_since timestamptz) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(c.relname::text ORDER BY c.relname)
    FROM core.partitions_of(p_parent) AS p INNER JOIN pg_class AS c ON c.oid = p.partition
    WHERE p.is_default OR p.upper_bound > p_since
$$;
-- Rows the query reads only to throw them away, planned without sequential scans: what the indexes
-- leave to a filter. With sequential scans allowed, a partition that holds a handful of rows (the
-- current week's on a Monday just after midnight UTC, the current day's just after midnight) is
-- rightly read whole, and what that throws away depends on the hour the volume was made, not on the
-- indexes.
CREATE FUNCTION pg_temp.rows_thrown_away(p_query text) RETURNS numeric LANGUAGE sql SET enable_seqscan = off AS $$
    SELECT coalesce(sum(r::numeric), 0)
    FROM unnest(tests.plan_values(tests.explain(p_query, TRUE), 'Rows Removed by Filter')) AS r
$$;

SELECT cmp_ok((SELECT count(*) FROM background.agent_heartbeats WHERE agent_id LIKE 'volume-%'), '>=', 1440000::bigint,
              'the volume holds a day of heartbeats of 1,000 agents');

-- The spec's EXPLAIN example: one agent's last hour.
CREATE TEMP TABLE example AS SELECT tests.explain(
    $$SELECT * FROM background.agent_heartbeats WHERE agent_id = 'volume-0042' AND timestamp > now() - interval '1 hour'$$,
    TRUE) AS plan;
SELECT ok(tests.plan_values(plan, 'Relation Name') <@ pg_temp.reachable('background.agent_heartbeats', now() - interval '1 hour')
          AND (SELECT sum(v::int) FROM unnest(tests.plan_values(plan, 'Subplans Removed')) AS v) >= 1,
          'one agent''s last hour prunes the partitions before the hour')
FROM example;
SELECT ok(EXISTS (SELECT FROM unnest(tests.plan_values(plan, 'Index Name')) AS i WHERE i LIKE '%agent_id_timestamp_idx'),
          'and reads the (agent_id, timestamp) index') FROM example;
SELECT is(pg_temp.rows_thrown_away(
    $$SELECT * FROM background.agent_heartbeats WHERE agent_id = 'volume-0042' AND timestamp > now() - interval '1 hour'$$),
    0::numeric, 'reading no row it throws away');

-- The latest heartbeat of an agent from its history: a few index entries, not its day.
SELECT cmp_ok(tests.scanned_rows(tests.explain(
    $$SELECT * FROM background.agent_heartbeats WHERE agent_id = 'volume-0042' ORDER BY timestamp DESC LIMIT 1$$, TRUE)),
    '<=', 20::numeric, 'an agent''s latest heartbeat reads a handful of index entries (one per partition at most)');
-- Stale agents and last heartbeats: from agents alone.
SELECT is(tests.plan_values(tests.explain($$SELECT * FROM background.stale_agents$$), 'Relation Name'),
          ARRAY['agents'], 'stale_agents reads no heartbeat history');
SELECT ok(tests.plan_values(tests.explain($$SELECT * FROM background.stale_agents$$), 'Node Type') && ARRAY['Seq Scan'] IS FALSE,
          'and no whole table');

-- Metrics summary of the last hour.
CREATE TEMP TABLE summary AS SELECT tests.explain($$SELECT * FROM background.metrics_summary$$, TRUE) AS plan;
SELECT ok(tests.plan_values(plan, 'Relation Name') <@ pg_temp.reachable('background.performance_metrics', now() - interval '1 hour'),
          'metrics_summary reads only the partitions the last hour reaches') FROM summary;
SELECT ok(EXISTS (SELECT FROM unnest(tests.plan_values(plan, 'Index Name')) AS i WHERE i LIKE 'performance_metrics_%timestamp_idx'),
          'through the timestamp index') FROM summary;
SELECT is(pg_temp.rows_thrown_away($$SELECT * FROM background.metrics_summary$$), 0::numeric,
          'reading no row it throws away');

-- System health overview.
CREATE TEMP TABLE health AS SELECT tests.explain($$SELECT * FROM background.system_health_overview$$, TRUE) AS plan;
SELECT ok(tests.plan_values(plan, 'Relation Name')
          <@ (ARRAY['agents'] || pg_temp.reachable('background.agent_heartbeats', now() - interval '5 minutes')
           || pg_temp.reachable('background.system_events', now() - interval '1 hour')),
          'system_health_overview reads only the partitions its windows reach') FROM health;
SELECT ok(EXISTS (SELECT FROM unnest(tests.plan_values(plan, 'Index Name')) AS i WHERE i LIKE 'agent_heartbeats_%timestamp_idx'),
          'counts recent heartbeats from the timestamp index') FROM health;
SELECT ok(EXISTS (SELECT FROM unnest(tests.plan_values(plan, 'Index Name')) AS i WHERE i LIKE 'system_events_%severity_timestamp_idx'),
          'and recent errors from the (severity, timestamp) index') FROM health;
SELECT is(pg_temp.rows_thrown_away($$SELECT * FROM background.system_health_overview$$), 0::numeric,
          'reading no row it throws away');

-- A window "after now() - x" has no upper bound: every partition ahead of now is planned and opened
-- by the spec's queries, so only one is made ahead. Executed: today's (and just after midnight
-- yesterday's), tomorrow's and the default partition, whatever day the test runs.
SELECT cmp_ok((SELECT count(*) FROM unnest(tests.plan_values(plan, 'Relation Name')) AS r WHERE r LIKE 'agent_heartbeats_%'),
              '<=', 4::bigint, 'the health overview opens at most four heartbeat partitions (one made ahead)')
FROM health;
SELECT cmp_ok((SELECT count(*) FROM unnest(tests.plan_values(
                  tests.explain($$SELECT * FROM background.recent_heartbeats$$, TRUE), 'Relation Name')) AS r
               WHERE r LIKE 'agent_heartbeats_%'),
              '<=', 4::bigint, 'so do the recent heartbeats');
ROLLBACK;
