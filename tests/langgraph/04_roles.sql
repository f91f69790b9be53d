-- langgraph roles: the application writes checkpoints only through the functions (no DML on the
-- checkpoint tables, no DDL), the store with DML; read-only reads; maintenance runs only the tasks.
BEGIN;
SELECT plan(12);

SET LOCAL ROLE {{ app_role }};
SELECT lives_ok($$SELECT langgraph.put_checkpoint('r1', '', 'c1', NULL, '{"v": 4, "id": "c1", "channel_values": {}, "channel_versions": {}, "versions_seen": {}}', '{}')$$,
                'the application puts checkpoints through the function');
SELECT throws_ok($$INSERT INTO langgraph.checkpoints (thread_id, checkpoint_id, checkpoint, created_at, thread_created_at)
                   VALUES ('r1', 'c2', '{}', now(), now())$$, '42501', NULL,
                 'but may not write the checkpoint tables directly (their partition key would be its to choose)');
SELECT throws_ok($$DELETE FROM langgraph.threads$$, '42501', NULL, 'nor delete threads directly');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoints WHERE thread_id = 'r1'), 1, 'it reads them');
SELECT lives_ok($$INSERT INTO langgraph.store (root, prefix, key, value) VALUES ('u', 'u.1', 'k', '{}')$$,
                'it writes the store');
SELECT throws_ok($$CREATE TABLE langgraph.extra (id int)$$, '42501', NULL, 'no DDL in the schema');
SELECT throws_ok($$SELECT langgraph.remove_idle_threads(now())$$, '42501', NULL, 'nor the retention tasks');
RESET ROLE;

SET LOCAL ROLE {{ readonly_role }};
SELECT is((SELECT count(*)::int FROM langgraph.threads_overview WHERE thread_id = 'r1'), 1, 'read-only reads the views');
SELECT throws_ok($$SELECT langgraph.delete_thread('r1')$$, '42501', NULL, 'read-only cannot delete');
RESET ROLE;

SET LOCAL ROLE {{ maintenance_role }};
SELECT is((core.run_maintenance_task('langgraph.remove_idle_threads(timestamptz)'::regprocedure)).outcome, 'ok',
          'maintenance runs the retention task (on the real clock)');
SELECT throws_ok($$SELECT langgraph.prune(ARRAY['r1'])$$, '42501', NULL, 'maintenance cannot prune at will');
SELECT throws_ok($$SELECT * FROM langgraph.checkpoints$$, '42501', NULL, 'nor read the checkpoints');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
