-- films.append_event / append_events: ADK state semantics case by case.
BEGIN;
SELECT plan(19);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000a001', 'a@example.com', 'a');
INSERT INTO films.sessions (id, app_name, user_id, state, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000a002', 'studio', '0190a0c0-0000-7000-8000-00000000a001',
        '{"kept": true, "doomed": 1}', '2026-05-01+00'),
       ('0190a0c0-0000-7000-8000-00000000a003', 'studio', '0190a0c0-0000-7000-8000-00000000a001', '{}', '2026-05-01+00');

SELECT results_eq(
    $$SELECT sequence_number FROM films.append_event(
        '0190a0c0-0000-7000-8000-00000000a002', 'state_update', '{"author": "critic"}',
        '{"draft": "v1", "doomed": null, "app:house_style": "noir", "user:language": "fr", "temp:scratch": "x"}',
        p_agent_name => 'critic', p_tokens_used => 30, p_created_at => '2026-05-01 00:01+00')$$,
    ARRAY[1], 'the first event of a session is number 1'
);
SELECT is((SELECT state FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000a002'),
          '{"kept": true, "draft": "v1", "doomed": null}'::jsonb,
          'unprefixed keys go to the session state; a JSON null is kept as a value, as ADK keeps it');
SELECT is((SELECT state FROM films.app_states WHERE app_name = 'studio'), '{"house_style": "noir"}'::jsonb,
          'app: keys go to the app state, without the prefix');
SELECT is((SELECT state FROM films.user_states WHERE app_name = 'studio'
           AND user_id = '0190a0c0-0000-7000-8000-00000000a001'),
          '{"language": "fr"}'::jsonb, 'user: keys go to the user state, without the prefix');
SELECT is((SELECT state_delta FROM films.events WHERE session_id = '0190a0c0-0000-7000-8000-00000000a002'),
          '{"draft": "v1", "doomed": null, "app:house_style": "noir", "user:language": "fr"}'::jsonb,
          'the stored delta keeps app: and user: keys and loses temp: keys');
SELECT is((films.reconstruct_session('0190a0c0-0000-7000-8000-00000000a003') ->> 'state')::jsonb,
          '{"app:house_style": "noir", "user:language": "fr"}'::jsonb,
          'another session of the same app and user sees the app: and user: state');

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000a002', 'tool_call', '{}', p_tool_name => 'search',
                          p_tokens_used => 12, p_expected_sequence => 1, p_created_at => '2026-05-01 00:02+00');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000a002', 'tool_response', '{}', '{"app:house_style": null}',
                          p_created_at => '2026-05-01 00:03+00');
SELECT results_eq(
    $$SELECT total_events, total_tool_calls, total_tokens_used, last_sequence FROM films.sessions
      WHERE id = '0190a0c0-0000-7000-8000-00000000a002'$$,
    $$VALUES (3, 1, 42::bigint, 3)$$, 'events, tool calls and tokens are counted'
);
SELECT is((SELECT state FROM films.app_states WHERE app_name = 'studio'), '{"house_style": null}'::jsonb,
          'a null app: key is kept with value null too');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000a002', 'user_message', '{}',
                                             p_expected_sequence => 2)$$,
                 '40001', 'session 0190a0c0-0000-7000-8000-00000000a002 is at event 3, not 2',
                 'a writer that expected event 2 when the session is at 3 is told to retry');
SELECT lives_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000a002', 'user_message', '{}',
                                            p_expected_sequence => 3, p_created_at => '2026-05-01 00:04+00')$$,
                'the same writer succeeds with the current sequence');

CREATE TEMP TABLE transfer_event AS
SELECT * FROM films.append_event(
    '0190a0c0-0000-7000-8000-00000000a002', 'agent_transfer', '{}', p_agent_name => 'greeter',
    p_transfer_to_agent => 'researcher', p_transfer_reason => 'needs facts', p_created_at => '2026-05-01 00:05+00'
);
SELECT results_eq(
    $$SELECT from_agent, to_agent, transfer_reason FROM transfer_event AS e
      INNER JOIN films.agent_transfers AS t ON t.event_id = e.event_id AND t.event_created_at = e.created_at$$,
    $$VALUES ('greeter', 'researcher', 'needs facts')$$,
    'an agent_transfer event records the transfer, linked to the event'
);

-- The batch form: same result as one event at a time.
INSERT INTO films.sessions (id, user_id, started_at) VALUES
    ('0190a0c0-0000-7000-8000-00000000a010', '0190a0c0-0000-7000-8000-00000000a001', '2026-05-01+00'),
    ('0190a0c0-0000-7000-8000-00000000a011', '0190a0c0-0000-7000-8000-00000000a001', '2026-05-01+00');
CREATE TEMP TABLE batch AS
SELECT n, ROW('agent_response', json_build_object('n', n),
              CASE WHEN n % 3 = 0 THEN jsonb_build_object('k' || n % 4, n, 'gone', CASE WHEN n % 2 = 0 THEN NULL ELSE n END) END,
              'a', NULL, NULL, NULL, NULL, n, n, NULL, NULL, NULL, '2026-05-01+00'::timestamptz + n * interval '1 minute'
          )::films.event_input AS e
FROM generate_series(1, 250) AS n;
SELECT is((SELECT count(*)::int FROM films.append_events('0190a0c0-0000-7000-8000-00000000a010',
                                                         ARRAY(SELECT e FROM batch ORDER BY n))),
          250, 'a batch of 250 events is appended in one call');
SELECT count(*) FROM batch AS b, LATERAL films.append_events('0190a0c0-0000-7000-8000-00000000a011', ARRAY[b.e]);
SELECT results_eq(
    $$SELECT state, total_events, total_tokens_used, last_sequence FROM films.sessions
      WHERE id = '0190a0c0-0000-7000-8000-00000000a010'$$,
    $$SELECT state, total_events, total_tokens_used, last_sequence FROM films.sessions
      WHERE id = '0190a0c0-0000-7000-8000-00000000a011'$$,
    'a batch leaves the session exactly as the same events one by one'
);
INSERT INTO films.sessions (id, user_id, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000a012', '0190a0c0-0000-7000-8000-00000000a001', '2026-05-01+00');
SELECT count(*) FROM films.append_events_json('0190a0c0-0000-7000-8000-00000000a012',
                                              (SELECT json_agg(e ORDER BY n) FROM batch));
SELECT results_eq(
    $$SELECT state, total_events, total_tokens_used, last_sequence,
             (SELECT array_agg(event_data::text ORDER BY sequence_number) FROM films.events
              WHERE session_id = '0190a0c0-0000-7000-8000-00000000a012')
      FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000a012'$$,
    $$SELECT state, total_events, total_tokens_used, last_sequence,
             (SELECT array_agg(event_data::text ORDER BY sequence_number) FROM films.events
              WHERE session_id = '0190a0c0-0000-7000-8000-00000000a010')
      FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000a010'$$,
    'append_events_json (a JSON array) gives the same session and events as append_events'
);
SELECT results_eq(
    $$SELECT event_sequence_num, state FROM films.state_snapshots
      WHERE session_id = '0190a0c0-0000-7000-8000-00000000a010' ORDER BY 1$$,
    $$SELECT event_sequence_num, state FROM films.state_snapshots
      WHERE session_id = '0190a0c0-0000-7000-8000-00000000a011' ORDER BY 1$$,
    'and writes the same snapshots'
);
SELECT results_eq(
    $$SELECT event_sequence_num FROM films.state_snapshots
      WHERE session_id = '0190a0c0-0000-7000-8000-00000000a010' ORDER BY 1$$,
    ARRAY[0, {{ films_snapshot_every }}, 2 * {{ films_snapshot_every }}],
    'automatic snapshots are taken at 0 and every {{ films_snapshot_every }} events'
);
SELECT results_eq(
    $$SELECT sequence_number FROM films.events WHERE session_id = '0190a0c0-0000-7000-8000-00000000a010'
      ORDER BY sequence_number$$,
    $$SELECT generate_series(1, 250)$$, 'sequence numbers have no gaps and no duplicates'
);
SELECT is(
    (SELECT json_array_length(films.reconstruct_session('0190a0c0-0000-7000-8000-00000000a010') -> 'events')), 250,
    'reconstruction returns every event'
);
SELECT results_eq(
    $$SELECT value ->> 'n' FROM json_array_elements(
        films.reconstruct_session('0190a0c0-0000-7000-8000-00000000a010', 3) -> 'events')$$,
    ARRAY['248', '249', '250'], 'recent 3 are the last three, in order'
);
ROLLBACK;
