-- assistant: bad input, through the functions and written directly as the spec's clients do, gets
-- a clear error with its SQLSTATE and changes nothing.
BEGIN;
SELECT plan(30);

SELECT assistant.get_or_create_session('c-1', '2026-05-01+00');
SELECT assistant.add_message('c-1', 'user', 'hello', 'router', '2026-05-01 00:01+00');
SELECT assistant.save_agent_state('c-1', 'calendar', '{"step": 1}', '2026-05-01 00:01+00');
SELECT assistant.create_event('Kept', '2026-05-02 10:00+00', '2026-05-02 11:00+00');
CREATE TEMP TABLE before_counts AS
SELECT (SELECT count(*) FROM assistant.chat_sessions) AS sessions, (SELECT count(*) FROM assistant.chat_messages) AS messages,
       (SELECT count(*) FROM assistant.agent_states) AS states, (SELECT count(*) FROM assistant.calendar_events) AS events;

-- Messages.
SELECT throws_ok($$SELECT assistant.add_message('c-1', 'system', 'x')$$, '22023',
                 'role must be user or assistant, not ''system''', 'add_message refuses a role outside the list');
SELECT throws_ok($$INSERT INTO assistant.chat_messages (session_id, role, content) VALUES ('c-1', 'system', 'x')$$,
                 '23514', NULL, 'a direct insert with a role outside the list is refused');
SELECT throws_ok($$SELECT assistant.add_message('nobody', 'user', 'x')$$, '23503',
                 'session ''nobody'' does not exist', 'add_message refuses a message for a missing session');
SELECT throws_ok($$INSERT INTO assistant.chat_messages (session_id, role, content) VALUES ('nobody', 'user', 'x')$$,
                 '23503', NULL, 'a direct insert for a missing session is refused');
SELECT throws_ok($$SELECT assistant.add_message('c-1', 'user', NULL)$$, '22004', NULL, 'NULL content is refused');
SELECT throws_ok($$SELECT assistant.add_message('c-1', 'user', repeat('x', 1000001))$$, '23514', NULL,
                 'content over 1,000,000 characters is refused');
SELECT throws_ok($$SELECT assistant.add_message('c-1', 'user', 'x', repeat('a', 51))$$, '23514', NULL,
                 'an agent_type over 50 characters is refused');
SELECT throws_ok($$INSERT INTO assistant.chat_messages (session_id, role, content, timestamp)
                   VALUES ('c-1', 'user', 'x', 'infinity')$$, '23514', NULL, 'an infinite timestamp is refused');

-- Sessions.
SELECT throws_ok($$SELECT assistant.get_or_create_session(repeat('s', 101))$$, '22023', NULL,
                 'a session key over 100 characters is refused');
SELECT throws_ok($$INSERT INTO assistant.chat_sessions (session_id) VALUES (repeat('s', 101))$$, '23514', NULL,
                 'a direct insert of a key over 100 characters is refused');
SELECT throws_ok($$SELECT assistant.get_or_create_session('')$$, '22023', NULL, 'an empty session key is refused');
SELECT throws_ok($$SELECT assistant.get_or_create_session(NULL)$$, '22004', NULL, 'a NULL session key is refused');
SELECT throws_ok($$INSERT INTO assistant.chat_sessions (session_id) VALUES ('c-1')$$, '23505', NULL,
                 'a second session with the same key is refused');

-- Agent states.
SELECT throws_ok($$SELECT assistant.save_agent_state('c-1', 'calendar', '[1, 2]')$$, '22023',
                 'agent state must be a JSON object, not array', 'a non-object state is refused');
SELECT throws_ok($$INSERT INTO assistant.agent_states (session_id, agent_type, state_data) VALUES ('c-1', 'general', '"text"')$$,
                 '23514', NULL, 'a direct insert of a non-object state is refused');
SELECT throws_ok($$UPDATE assistant.agent_states SET state_data = '{"unclosed": ' WHERE session_id = 'c-1'$$,
                 '22P02', NULL, 'state_data that is not JSON is refused');
SELECT throws_ok($$SELECT assistant.save_agent_state('c-1', NULL, '{}')$$, '22004', NULL, 'a NULL agent_type is refused');

-- Calendar.
SELECT throws_ok($$SELECT assistant.create_event('Backwards', '2026-05-02 11:00+00', '2026-05-02 10:00+00')$$, '22023',
                 NULL, 'create_event refuses an end before the start');
SELECT throws_ok($$INSERT INTO assistant.calendar_events (title, start_time, end_time)
                   VALUES ('Backwards', '2026-05-02 11:00+00', '2026-05-02 10:00+00')$$, '23514', NULL,
                 'a direct insert ending before it starts is refused');
SELECT throws_ok($$SELECT assistant.create_event('Instant', '2026-05-02 11:00+00', '2026-05-02 11:00+00')$$, '22023',
                 NULL, 'a timed event of no length is refused');
SELECT throws_ok($$SELECT assistant.create_event(' ', '2026-05-02 10:00+00', '2026-05-02 11:00+00')$$, '22023',
                 'an event needs a title', 'create_event refuses an empty title');
SELECT throws_ok($$INSERT INTO assistant.calendar_events (title, start_time, end_time)
                   VALUES ('', '2026-05-02 10:00+00', '2026-05-02 11:00+00')$$, '23514', NULL,
                 'a direct insert with an empty title is refused');
SELECT throws_ok($$SELECT assistant.create_event(repeat('t', 201), '2026-05-02 10:00+00', '2026-05-02 11:00+00')$$,
                 '23514', NULL, 'a title over 200 characters is refused');
SELECT throws_ok($$SELECT assistant.create_event('Forever', '2026-05-02 10:00+00', 'infinity')$$, '22008', NULL,
                 'an infinite end is refused');
SELECT throws_ok($$INSERT INTO assistant.calendar_events (title, start_time, end_time)
                   VALUES ('Far', '2026-05-02 10:00+00', '294276-01-01 00:00+00')$$, '23514', NULL,
                 'a direct insert in year 294276 is refused');
SELECT throws_ok($$SELECT assistant.find_conflicts(NULL, '2026-05-02 10:00+00')$$, '22004', NULL,
                 'find_conflicts refuses a NULL start');
SELECT throws_ok($$SELECT assistant.session_history('c-1', 0)$$, '22023', NULL, 'a page size of 0 is refused');
SELECT throws_ok($$SELECT assistant.session_history('c-1', 20, -5)$$, 'P0002', NULL,
                 'a keyset id that is not a message of the session is refused');

SELECT results_eq(
    $$SELECT (SELECT count(*) FROM assistant.chat_sessions), (SELECT count(*) FROM assistant.chat_messages),
             (SELECT count(*) FROM assistant.agent_states), (SELECT count(*) FROM assistant.calendar_events)$$,
    $$SELECT sessions, messages, states, events FROM before_counts$$,
    'none of the refused writes changed a table'
);
SELECT is(assistant.load_agent_state('c-1', 'calendar'), '{"step": 1}'::jsonb, 'and the saved state is intact');
SELECT * FROM finish();
ROLLBACK;
