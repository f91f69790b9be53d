-- films: what the module does differently for a Citus cluster (docs/scale-out.md), seen from one
-- server, where nothing may change: a new session's counters come from a trigger (no column
-- defaults, which Citus would write out where the application may not insert), the statement form of
-- the session delete trigger, and the query functions still inlined (no SET clause).
BEGIN;
SELECT plan(8);

SELECT ok(NOT EXISTS (SELECT FROM pg_attrdef AS d INNER JOIN pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                      WHERE d.adrelid = 'films.sessions'::regclass
                        AND a.attname IN ('total_events', 'total_tool_calls', 'total_tokens_used', 'last_sequence',
                                          'updated_at')),
          'the counters and updated_at of films.sessions have no default');

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-0000000c5001', 'cf@example.com', 'cf');
SET LOCAL ROLE {{ app_role }};
INSERT INTO films.sessions (id, user_id) VALUES ('0190a0c0-0000-7000-8000-0000000c5002', '0190a0c0-0000-7000-8000-0000000c5001');
SELECT results_eq(
    $$SELECT total_events, total_tool_calls, total_tokens_used, last_sequence, updated_at = now()
      FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-0000000c5002'$$,
    $$VALUES (0, 0, 0::bigint, 0, TRUE)$$,
    'a session the application creates starts with its counters at 0 and updated_at now()'
);
SELECT throws_ok($$INSERT INTO films.sessions (user_id, total_events) VALUES ('0190a0c0-0000-7000-8000-0000000c5001', 5)$$,
                 '42501', NULL, 'the application still cannot set a counter');
RESET ROLE;
SELECT is((SELECT sequence_number FROM films.append_event('0190a0c0-0000-7000-8000-0000000c5002', 'user_message', '{}')),
          1, 'the first event of the new session is number 1');
SELECT is((SELECT total_events FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-0000000c5002'), 1,
          'and the counters follow the events');

SELECT is((SELECT t.tgtype::integer & 1 FROM pg_trigger AS t
           WHERE t.tgrelid = 'films.sessions'::regclass AND t.tgname = 'sessions_delete_events'), 0,
          'on one server the session delete trigger is a statement trigger (a row trigger on Citus only)');
SELECT is((SELECT t.tgoldtable::text FROM pg_trigger AS t
           WHERE t.tgrelid = 'films.sessions'::regclass AND t.tgname = 'sessions_delete_events'), 'deleted_sessions',
          'reading the deleted sessions as a transition table');
SELECT is(ARRAY(SELECT p.proname::text FROM pg_proc AS p
                WHERE p.pronamespace = 'films'::regnamespace
                  AND p.proname IN ('conversation_history', 'agent_workflow', 'state_evolution', 'search_films')
                  AND p.proconfig IS NOT NULL),
          '{}', 'on one server the query functions have no SET clause, so PostgreSQL inlines them');

SELECT * FROM finish();
ROLLBACK;
