-- Maintenance tasks (functions modules register for every maintenance run) and the maintenance
-- role's clock: it may run maintenance and its tasks on the real clock only, and refresh only
-- registered views.
BEGIN;
SELECT plan(17);

CREATE SCHEMA chores AUTHORIZATION {{ owner_role }};
SELECT core.grant_module_privileges('chores');
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE chores.notes (id int PRIMARY KEY, written_at timestamptz NOT NULL);
INSERT INTO chores.notes VALUES (1, '2026-01-01+00'), (2, '2026-03-01+00'), (3, '2026-06-01+00');
CREATE FUNCTION chores.forget_old_notes(p_now timestamptz) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    WITH gone AS (DELETE FROM chores.notes WHERE written_at < p_now - interval '60 days' RETURNING 1)
    SELECT count(*) FROM gone
$$;
CREATE FUNCTION chores.broken(p_now timestamptz) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS 'SELECT 1 / 0';
CREATE FUNCTION chores.wrong_shape(p_at timestamptz, p_more int) RETURNS bigint LANGUAGE sql AS 'SELECT 1';
CREATE MATERIALIZED VIEW chores.unregistered AS SELECT count(*) AS n FROM chores.notes;
RESET ROLE;
CREATE FUNCTION chores.not_ours(p_now timestamptz) RETURNS bigint LANGUAGE sql AS 'SELECT 1';

SELECT lives_ok($$SELECT core.register_maintenance_task('chores.forget_old_notes(timestamptz)', 'forget notes')$$,
                'a function (timestamptz) RETURNS bigint owned by the owner role is registered');
SELECT lives_ok($$SELECT core.register_maintenance_task('chores.broken(timestamptz)', 'always fails')$$,
                'a second task is registered');
SELECT throws_ok($$SELECT core.register_maintenance_task('chores.wrong_shape(timestamptz, int)', 'x')$$,
                 '42P13', NULL, 'a function of another shape is refused');
SELECT throws_ok($$SELECT core.register_maintenance_task('chores.not_ours(timestamptz)', 'x')$$,
                 '42501', NULL, 'a function not owned by the owner role is refused');
SELECT throws_ok($$SELECT core.register_maintenance_task('chores.broken(timestamptz)', '')$$,
                 '22004', NULL, 'a task needs a description');

SELECT results_eq(
    $$SELECT target, action, rows, outcome FROM core.run_maintenance('2026-04-15+00')
      WHERE action = 'task' AND target LIKE 'chores.%' ORDER BY target$$,
    $$VALUES ('chores.broken(timestamp with time zone)', 'task', NULL::bigint, 'failed'),
             ('chores.forget_old_notes(timestamp with time zone)', 'task', 1::bigint, 'ok')$$,
    'run_maintenance runs every task with its p_now; a failing task is reported, the others still run'
);
SELECT is((SELECT message FROM core.maintenance_log WHERE target = 'chores.broken(timestamp with time zone)'),
          '22012: division by zero', 'the failure is logged with its SQLSTATE');
SELECT results_eq($$SELECT id FROM chores.notes ORDER BY id$$, ARRAY[2, 3], 'the task did its work');
SELECT is((SELECT outcome FROM core.run_maintenance('2026-08-15+00', p_dry_run => TRUE)
           WHERE target = 'chores.forget_old_notes(timestamp with time zone)'),
          'planned', 'a dry run plans the task');
SELECT results_eq($$SELECT id FROM chores.notes ORDER BY id$$, ARRAY[2, 3], '... and changes nothing');

SET LOCAL ROLE {{ maintenance_role }};
SELECT throws_ok($$SELECT * FROM core.run_maintenance(now() + interval '5 years')$$, '42501', NULL,
                 'the maintenance role cannot run maintenance ahead of the real clock');
SELECT throws_ok($$SELECT * FROM core.run_maintenance_task('chores.forget_old_notes(timestamptz)',
                                                           now() + interval '1 day')$$, '42501', NULL,
                 'nor a task');
SELECT throws_ok($$SELECT * FROM core.maintain_table('chores.notes', now() + interval '1 year')$$, '42501', NULL,
                 'nor one table');
SELECT throws_ok($$SELECT * FROM core.run_maintenance(NULL)$$, '22004', NULL, 'a NULL clock is refused');
SELECT lives_ok($$SELECT * FROM core.run_maintenance()$$, 'the maintenance role runs maintenance on the real clock');
SELECT throws_ok($$SELECT * FROM core.refresh_materialized_view('chores.unregistered')$$, '42704', NULL,
                 'the maintenance role cannot refresh a view that is not registered');
RESET ROLE;

SELECT ok(core.unregister_maintenance_task('chores.broken(timestamptz)'), 'a task is unregistered');
ROLLBACK;
