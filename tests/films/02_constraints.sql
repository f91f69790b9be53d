-- films: bad input gets a clear error with the right SQLSTATE and changes nothing.
BEGIN;
SELECT plan(23);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000c001', 'c@example.com', 'c');
INSERT INTO films.sessions (id, user_id, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000c002', '0190a0c0-0000-7000-8000-00000000c001', '2026-05-01+00');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '{"text": "hi"}',
                          '{"k": 1}', p_created_at => '2026-05-01 00:01+00');

SELECT throws_ok($$UPDATE films.sessions SET status = 'paused' WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
                 '23514', NULL, 'an unknown session status is refused');
SELECT throws_ok($$INSERT INTO films.sessions (user_id, state) VALUES ('0190a0c0-0000-7000-8000-00000000c001', '[1, 2]')$$,
                 '23514', NULL, 'a session state that is not a JSON object is refused');
SELECT throws_ok($$UPDATE films.sessions SET ended_at = started_at - interval '1 second'
                   WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
                 '23514', NULL, 'ended_at before started_at is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'telepathy', '{}')$$,
                 '23514', NULL, 'an unknown event_type is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'tool_call', '{}',
                                             p_tokens_used => -1)$$,
                 '23514', NULL, 'negative tokens are refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'tool_call', '{}',
                                             p_duration_ms => -5)$$,
                 '23514', NULL, 'a negative duration is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '[1]')$$,
                 '23514', NULL, 'event_data that is not a JSON object is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'state_update', '{}', '"x"')$$,
                 '22023', NULL, 'a state delta that is not a JSON object is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '{}',
                                             p_created_at => '2026-04-30+00')$$,
                 '22023', NULL, 'an event before its session started is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-0000000000ff', 'user_message', '{}')$$,
                 '23503', 'session 0190a0c0-0000-7000-8000-0000000000ff does not exist',
                 'an event for a session that does not exist is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '{}',
                                             p_expected_sequence => 0)$$,
                 '40001', NULL, 'a stale expected sequence is refused as a serialization failure');
SELECT throws_ok($$SELECT films.append_events('0190a0c0-0000-7000-8000-00000000c002', ARRAY[]::films.event_input[])$$,
                 '22023', NULL, 'an empty batch is refused');
SELECT results_eq(
    $$SELECT last_sequence, total_events, state FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
    $$VALUES (1, 1, '{"k": 1}'::jsonb)$$,
    'none of the refused events changed the session'
);
SELECT is((SELECT count(*)::int FROM films.events WHERE session_id = '0190a0c0-0000-7000-8000-00000000c002'), 1,
          'and none was stored');

SELECT throws_ok($$INSERT INTO films.inferential_reasoning (session_id, agent_name, reasoning_type, content, sequence_number)
                   VALUES ('0190a0c0-0000-7000-8000-00000000c002', 'critic', 'daydreaming', 'x', 1)$$,
                 '23514', NULL, 'an unknown reasoning_type is refused');
SELECT throws_ok($$INSERT INTO films.state_snapshots (session_id, snapshot_type, state, event_sequence_num)
                   VALUES ('0190a0c0-0000-7000-8000-00000000c002', 'hourly', '{}', 1)$$,
                 '23514', NULL, 'an unknown snapshot_type is refused');
SELECT throws_ok($$INSERT INTO films.answers (session_id, content, agent_name, sequence_number, response_time_ms)
                   VALUES ('0190a0c0-0000-7000-8000-00000000c002', 'x', 'critic', 1, -1)$$,
                 '23514', NULL, 'a negative response time is refused');
SELECT throws_ok($$INSERT INTO films.questions (session_id, content, sequence_number)
                   VALUES ('0190a0c0-0000-7000-8000-00000000c002', 'x', 0)$$,
                 '23514', NULL, 'a sequence number below 1 is refused');
SELECT throws_ok($$INSERT INTO films.film_projects (session_id, user_id, title, status)
                   VALUES ('0190a0c0-0000-7000-8000-00000000c002', '0190a0c0-0000-7000-8000-00000000c001', 't', 'shelved')$$,
                 '23514', NULL, 'an unknown film status is refused');
SELECT throws_ok($$SELECT films.reconstruct_session('0190a0c0-0000-7000-8000-0000000000ff')$$,
                 'P0002', 'session 0190a0c0-0000-7000-8000-0000000000ff does not exist',
                 'reconstructing a session that does not exist is refused');
SELECT throws_ok($$SELECT films.reconstruct_session('0190a0c0-0000-7000-8000-00000000c002', -1)$$,
                 '22023', NULL, 'a negative count of recent events is refused');

UPDATE films.sessions SET status = 'archived' WHERE id = '0190a0c0-0000-7000-8000-00000000c002';
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '{}')$$,
                 '55000', NULL, 'an event for an archived session is refused');
SELECT is((SELECT last_sequence FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000c002'), 1,
          'and changed nothing');
ROLLBACK;
