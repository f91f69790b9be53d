-- films: the rules on a session's and an event's columns are one CHECK per table (schema/films/0019),
-- so a writing statement reads and plans one short expression instead of eleven (sessions) or nine
-- (events); every rule still refuses its rows, for every writer, with SQLSTATE 23514 and the name of
-- the rule's former constraint. append_event's update of a session does not consider the
-- updated_at trigger (its column list leaves the counters out), which still serves other updates.
BEGIN;
SELECT plan(32);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000c001', 'c@example.com', 'c');
INSERT INTO films.sessions (id, user_id, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000c002', '0190a0c0-0000-7000-8000-00000000c001', '2026-05-01+00');

-- The SQLSTATE and constraint name of the error a statement raises (NULL when it succeeds).
CREATE FUNCTION tests.refusal(p_sql text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_state text;
    v_constraint text;
BEGIN
    EXECUTE p_sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_constraint = CONSTRAINT_NAME;
    RETURN v_state || ' ' || coalesce(v_constraint, '');
END
$$;

SELECT is((SELECT count(*)::integer FROM pg_constraint WHERE conrelid = 'films.sessions'::regclass AND contype = 'c'),
          1, 'films.sessions has one CHECK constraint: one expression for each statement that writes it');
SELECT is((SELECT count(*)::integer FROM pg_constraint WHERE conrelid = 'films.events'::regclass AND contype = 'c'),
          1, 'films.events has one CHECK constraint: one expression for each statement that writes it');
SELECT ok((SELECT bool_and(c.convalidated) FROM pg_constraint AS c
           WHERE c.conname IN ('sessions_row_check', 'events_row_check')),
          'the row checks are validated, on events and on each of its partitions');

SELECT is(tests.refusal(t.statement), '23514 ' || t.rule, t.description)
FROM (VALUES
    ($$UPDATE films.sessions SET agent_config = '[]' WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_agent_config_check', 'agent_config that is not an object: 23514, sessions_agent_config_check'),
    ($$INSERT INTO films.sessions (user_id, app_name) VALUES ('0190a0c0-0000-7000-8000-00000000c001', '')$$,
     'sessions_app_name_check', 'an empty app_name: 23514, sessions_app_name_check'),
    ($$UPDATE films.sessions SET ended_at = started_at - interval '1 second'
       WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_ended_after_start', 'ended_at before started_at: 23514, sessions_ended_after_start'),
    ($$UPDATE films.sessions SET last_sequence = -1 WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_last_sequence_check', 'a negative last_sequence (the owner''s own update): sessions_last_sequence_check'),
    ($$UPDATE films.sessions SET root_agent_name = repeat('r', 101) WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_root_agent_name_check', 'a root_agent_name of 101 characters: sessions_root_agent_name_check'),
    ($$INSERT INTO films.sessions (user_id, session_name)
       VALUES ('0190a0c0-0000-7000-8000-00000000c001', repeat('s', 201))$$,
     'sessions_session_name_check', 'a session_name of 201 characters: sessions_session_name_check'),
    ($$INSERT INTO films.sessions (user_id, state) VALUES ('0190a0c0-0000-7000-8000-00000000c001', '[1, 2]')$$,
     'sessions_state_check', 'a state that is not an object: 23514, sessions_state_check'),
    ($$UPDATE films.sessions SET status = 'paused' WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_status_check', 'an unknown status: 23514, sessions_status_check'),
    ($$UPDATE films.sessions SET total_events = -1 WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_total_events_check', 'negative total_events: sessions_total_events_check'),
    ($$UPDATE films.sessions SET total_tokens_used = -1 WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_total_tokens_used_check', 'negative total_tokens_used: sessions_total_tokens_used_check'),
    ($$UPDATE films.sessions SET total_tool_calls = -1 WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
     'sessions_total_tool_calls_check', 'negative total_tool_calls: sessions_total_tool_calls_check'),
    ($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '{}',
                                 p_agent_name => repeat('a', 101))$$,
     'events_agent_name_check', 'append_event: an agent_name of 101 characters: events_agent_name_check'),
    ($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'tool_call', '{}', p_duration_ms => -5)$$,
     'events_duration_ms_check', 'append_event: a negative duration: events_duration_ms_check'),
    ($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '[1]')$$,
     'events_event_data_check', 'append_event: event_data that is not an object: events_event_data_check'),
    ($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'telepathy', '{}')$$,
     'events_event_type_check', 'append_event: an unknown event_type: events_event_type_check'),
    ($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'user_message', '{}',
                                 p_parent_agent_name => repeat('p', 101))$$,
     'events_parent_agent_name_check', 'append_event: a parent_agent_name of 101 characters: events_parent_agent_name_check'),
    ($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'tool_call', '{}', p_tokens_used => -1)$$,
     'sessions_total_tokens_used_check',
     'append_event: negative tokens (the session''s total goes below 0 first): sessions_total_tokens_used_check'),
    ($$INSERT INTO films.events (session_id, sequence_number, event_type, event_data, tokens_used, created_at)
       VALUES ('0190a0c0-0000-7000-8000-00000000c002', 9, 'tool_call', '{}', -1, '2026-05-02+00')$$,
     'events_tokens_used_check', 'a direct INSERT: negative tokens: events_tokens_used_check'),
    ($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'tool_call', '{}',
                                 p_tool_name => repeat('t', 101))$$,
     'events_tool_name_check', 'append_event: a tool_name of 101 characters: events_tool_name_check'),
    ($$INSERT INTO films.events (session_id, sequence_number, event_type, event_data, created_at)
       VALUES ('0190a0c0-0000-7000-8000-00000000c002', 0, 'user_message', '{}', '2026-05-02+00')$$,
     'events_sequence_number_check', 'a direct INSERT (the owner): sequence number 0: events_sequence_number_check'),
    ($$INSERT INTO films.events (session_id, sequence_number, event_type, event_data, state_delta, created_at)
       VALUES ('0190a0c0-0000-7000-8000-00000000c002', 9, 'state_update', '{}', '[1]', '2026-05-02+00')$$,
     'events_state_delta_check', 'a direct INSERT: a state_delta that is not an object: events_state_delta_check'),
    ($$INSERT INTO films.events (session_id, sequence_number, event_type, event_data, created_at)
       VALUES ('0190a0c0-0000-7000-8000-00000000c002', 9, 'dreaming', '{}', '2026-05-02+00')$$,
     'events_event_type_check', 'a direct INSERT: an unknown event_type: events_event_type_check'),
    ($$SELECT count(*) FROM films.append_events('0190a0c0-0000-7000-8000-00000000c002', ARRAY[
           ROW('user_message', '{}', NULL, 'a', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
           ROW('tool_call', '{}', NULL, 'a', NULL, NULL, NULL, NULL, NULL, -3, NULL, NULL, NULL, NULL)
       ]::films.event_input[])$$,
     'sessions_total_tokens_used_check', 'append_events: a batch whose tokens add up below 0: sessions_total_tokens_used_check')
) AS t (statement, rule, description);

SELECT results_eq(
    $$SELECT last_sequence, total_events, status, ended_at IS NULL FROM films.sessions
      WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
    $$VALUES (0, 0, 'active'::text, TRUE)$$,
    'none of the refused statements changed the session'
);
SELECT is((SELECT count(*)::integer FROM films.events WHERE session_id = '0190a0c0-0000-7000-8000-00000000c002'), 0,
          'and none stored an event');
SELECT is(tests.refusal($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'tool_call',
                                                    '{"author": "a"}', '{"k": null}', p_agent_name => 'critic',
                                                    p_tool_name => 'wikipedia', p_duration_ms => 0,
                                                    p_tokens_used => 0)$$),
          NULL, 'an event within every rule is appended');

-- updated_at: the trigger does not name the columns an append changes besides the state.
SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attname)
           FROM pg_trigger AS t CROSS JOIN unnest(t.tgattr) AS k (attnum)
           INNER JOIN pg_attribute AS a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum
           WHERE t.tgrelid = 'films.sessions'::regclass AND t.tgname = 'sessions_updated_at'),
          ARRAY['agent_config', 'app_name', 'ended_at', 'id', 'root_agent_name', 'session_name', 'started_at', 'state',
                'status', 'user_id'],
          'sessions_updated_at fires on updates of the session''s own columns, not of its counters');
UPDATE films.sessions SET updated_at = '2026-05-01+00' WHERE id = '0190a0c0-0000-7000-8000-00000000c002';
UPDATE films.sessions SET status = 'completed' WHERE id = '0190a0c0-0000-7000-8000-00000000c002';
SELECT is((SELECT updated_at FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000c002'), now(),
          'an update of the status still moves updated_at');
UPDATE films.sessions SET updated_at = '2026-05-01+00' WHERE id = '0190a0c0-0000-7000-8000-00000000c002';
UPDATE films.sessions SET session_name = 'renamed', updated_at = '2026-05-02+00'
WHERE id = '0190a0c0-0000-7000-8000-00000000c002';
SELECT is((SELECT updated_at FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000c002'),
          '2026-05-02+00'::timestamptz, 'an update that sets updated_at keeps the value it set');

SELECT * FROM finish();
ROLLBACK;
