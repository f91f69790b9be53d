-- assistant: retention with the spec's names, at fixed moments (before the generated volume and the
-- seed, so they are not candidates). "Old" means idle: created before the cutoff and no message
-- since. Orphaned agent states go once unsaved for the grace period.
BEGIN;
SELECT plan(14);

-- r-idle: created 40 days before Jan 31, last message 35 days before. r-active: created 40 days
-- before, a message the day before. r-new: created 5 days before, no messages.
SELECT assistant.get_or_create_session('r-idle', '2025-12-22+00');
SELECT assistant.add_message('r-idle', 'user', 'old', NULL, '2025-12-27+00');
SELECT assistant.get_or_create_session('r-active', '2025-12-22+00');
SELECT assistant.add_message('r-active', 'user', 'recent', NULL, '2026-01-30+00');
SELECT assistant.get_or_create_session('r-new', '2026-01-26+00');
SELECT assistant.save_agent_state('r-idle', 'calendar', '{}', '2025-12-27+00');
SELECT assistant.save_agent_state('r-orphan-old', 'calendar', '{}', '2026-01-31 10:00+00');
SELECT assistant.save_agent_state('r-orphan-new', 'calendar', '{}', '2026-01-31 23:30+00');
CREATE TEMP TABLE untouched AS SELECT session_id FROM assistant.chat_sessions WHERE session_id NOT LIKE 'r-%';

SELECT is(assistant.cleanup_old_sessions(30, '2026-01-25+00'), 0::bigint,
          'on Jan 25 nothing is idle for 30 days (r-idle had a message on Dec 27)');

-- The registered task, as core's maintenance runs it, as the maintenance role.
SET LOCAL ROLE {{ maintenance_role }};
SELECT results_eq(
    $$SELECT outcome, rows FROM core.run_maintenance_task('assistant.retention_task(timestamptz)'::regprocedure,
                                                          '2026-01-31+00')$$,
    $$VALUES ('ok', 2::bigint)$$,
    'the maintenance task on Jan 31 removes the idle session and then its orphaned state'
);
SELECT throws_ok($$SELECT assistant.cleanup_old_sessions(30)$$, '42501', NULL,
                 'the maintenance role cannot call the cleanups directly (with a clock of its choosing)');
SELECT throws_ok($$SELECT core.run_maintenance_task('assistant.retention_task(timestamptz)'::regprocedure,
                                                    now() + interval '1 year')$$, '42501', NULL,
                 'nor run the task ahead of the real clock');
RESET ROLE;
SELECT set_eq($$SELECT session_id FROM assistant.chat_sessions WHERE session_id LIKE 'r-%'$$,
              ARRAY['r-active', 'r-new'],
              'the session created 40 days ago with a message the day before stays');
SELECT is((SELECT count(*)::int FROM assistant.chat_messages WHERE session_id = 'r-idle'), 0,
          'the idle session''s messages went with it');
SELECT is(assistant.cleanup_old_sessions(30, '2026-01-31+00'), 0::bigint, 'a second run removes nothing');
SELECT set_eq($$SELECT session_id FROM assistant.chat_sessions WHERE session_id NOT LIKE 'r-%'$$,
              $$SELECT session_id FROM untouched$$, 'no other session was touched');

SELECT is(assistant.cleanup_orphaned_agent_states('2026-02-01 00:00+00'), 1::bigint,
          'cleanup_orphaned_agent_states removes the state without a session saved over an hour before');
SELECT set_eq($$SELECT session_id FROM assistant.agent_states WHERE session_id LIKE 'r-%'$$,
              ARRAY['r-orphan-new'], 'the state saved half an hour before stays (its session may be on its way)');

SELECT is(assistant.cleanup_old_sessions(1, '2026-01-31+00'), 1::bigint,
          'cleanup_old_sessions(1) removes the session idle since its creation');
SELECT set_eq($$SELECT session_id FROM assistant.chat_sessions WHERE session_id LIKE 'r-%'$$, ARRAY['r-active'],
              'and keeps the one whose last message is exactly at the cutoff');

SELECT throws_ok($$SELECT assistant.cleanup_old_sessions(-1)$$, '22023', NULL, 'negative days are refused');
SELECT throws_ok($$SELECT assistant.cleanup_orphaned_agent_states('infinity')$$, '22008', NULL,
                 'an infinite clock is refused');
SELECT * FROM finish();
ROLLBACK;
