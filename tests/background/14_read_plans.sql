-- The module's health overview plans nothing on a call: health_overview_at's statements are planned
-- once per session (generic plans, kept in the session's plan cache) with their time bounds as
-- parameters, the partitions pruned at executor start-up; and those generic plans still read the
-- rollup through its index, not the whole rollup (two days of a fleet's minutes).
-- The spec's verbatim health overview, run with the settings of the agents' role, counts the recent
-- heartbeats inside each partition: the Append above the partitions passes one row per partition,
-- not every heartbeat.
BEGIN;
SELECT plan(7);

SELECT is((SELECT count(*) FROM background.health_overview_at(now())), 4::bigint, 'health_overview_at gives its four rows');
SELECT ok(EXISTS (SELECT FROM pg_backend_memory_contexts
                  WHERE name = 'CachedPlan' AND ident LIKE 'SELECT %background.heartbeat_minutes%'),
          'the heartbeat count''s plan is kept for the next call (a generic plan)');
SELECT ok(EXISTS (SELECT FROM pg_backend_memory_contexts
                  WHERE name = 'CachedPlan' AND ident LIKE 'SELECT %background.system_events%'),
          'so is the overview''s statement');

-- The volume's rollup holds a day of minutes of 1,000 agents; a call reads at most its window's six
-- minutes of them (6,000 rows), where a sequential scan would read 1,440,000.
CREATE FUNCTION pg_temp.rollup_rows_read(p_now timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_before bigint := (SELECT rows_read FROM tests.rows_read('background') WHERE relation = 'background.heartbeat_minutes'::regclass);
BEGIN
    PERFORM * FROM background.health_overview_at(p_now);
    RETURN (SELECT rows_read FROM tests.rows_read('background') WHERE relation = 'background.heartbeat_minutes'::regclass)
           - coalesce(v_before, 0);
END
$$;
SELECT cmp_ok(pg_temp.rollup_rows_read(now()), '<=', 10000::bigint,
              'the generic plan reads the rollup''s window through its index, not the whole rollup');

SELECT is((SELECT array_agg(c.setting) FROM pg_db_role_setting AS r CROSS JOIN unnest(r.setconfig) AS c (setting)
           WHERE r.setrole = '{{ background_agents_role }}'::regrole AND r.setdatabase = 0
             AND c.setting LIKE 'enable\_partitionwise\_aggregate=%'),
          ARRAY['enable_partitionwise_aggregate=on'], 'the agents'' role aggregates partition by partition');
-- A thousand heartbeats in the last minute, and the role's settings (but its search_path) in this transaction.
INSERT INTO background.agent_heartbeats (agent_id, timestamp, state)
SELECT format('volume-%s', lpad(a::text, 4, '0')), now() - interval '30 seconds', 'busy' FROM generate_series(1, 1000) AS a;
CREATE TEMP TABLE role_settings AS
SELECT set_config(split_part(c.setting, '=', 1), substr(c.setting, strpos(c.setting, '=') + 1), TRUE)
FROM pg_db_role_setting AS r CROSS JOIN unnest(r.setconfig) AS c (setting)
WHERE r.setrole = '{{ background_agents_role }}'::regrole AND r.setdatabase = 0 AND c.setting NOT LIKE 'search\_path=%';
-- The spec's query (as the view that holds its text, schema-qualified).
CREATE TEMP TABLE overview AS SELECT tests.explain($$SELECT * FROM background.system_health_overview$$, TRUE) AS plan;
SELECT ok('Partial' = ANY (tests.plan_values(plan, 'Partial Mode')),
          'the spec''s health overview, as the agents run it, counts heartbeats inside each partition') FROM overview;
SELECT cmp_ok((SELECT max((v #>> '{}')::numeric) FROM overview
               CROSS JOIN LATERAL jsonb_path_query(plan, 'strict $.** ? (@."Node Type" == "Append")."Actual Rows"') AS v),
              '<=', 100::numeric, 'its Appends pass a row per partition, not the 1,000 heartbeats');

SELECT * FROM finish();
ROLLBACK;
