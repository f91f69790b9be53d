-- The module's health overview plans nothing on a call: health_overview_at's statements are planned
-- once per session (generic plans, kept in the session's plan cache) with their time bounds as
-- parameters, the partitions pruned at executor start-up; and those generic plans still read the
-- rollup through its index, not the whole rollup (two days of a fleet's minutes).
BEGIN;
SELECT plan(4);

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

SELECT * FROM finish();
ROLLBACK;
