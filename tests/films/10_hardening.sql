-- films under an adversarial client, a careless client and a compromised application role: bad
-- times, unknown fields, rewriting the log, initial state with scoped keys, the documented cron lines
-- as the maintenance role, and retention that meets a foreign key. Every refusal changes nothing.
BEGIN;
SELECT plan(35);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000e001', 'h@example.com', 'h');
INSERT INTO films.sessions (id, app_name, user_id, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000e002', 'studio', '0190a0c0-0000-7000-8000-00000000e001', now() - interval '1 hour');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{"n": 1}', '{"step": 1}',
                          p_created_at => now() - interval '30 minutes');
CREATE TEMP TABLE before_refusals AS
SELECT s.state, s.last_sequence, s.last_event_at, (SELECT count(*) FROM films.events AS e WHERE e.session_id = s.id) AS events
FROM films.sessions AS s WHERE s.id = '0190a0c0-0000-7000-8000-00000000e002';

-- Times (items 2 and 3)
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{}',
                                             p_created_at => 'infinity')$$,
                 '22008', NULL, 'an event dated infinity is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{}',
                                             p_created_at => '-infinity')$$,
                 '22008', NULL, 'an event dated -infinity is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{}',
                                             p_created_at => '294276-01-01 00:00+00')$$,
                 '22023', NULL, 'an event dated in year 294276 is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{}',
                                             p_created_at => now() + interval '{{ films_event_future_seconds }} seconds' + interval '1 minute')$$,
                 '22023', NULL, 'an event dated beyond the future horizon is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{}',
                                             p_created_at => now() - interval '45 minutes')$$,
                 '22023', NULL, 'an event dated before the previous event of its session is refused');
SELECT throws_ok($$SELECT films.append_events_json('0190a0c0-0000-7000-8000-00000000e002',
                   '[{"event_type": "user_message", "event_data": {}, "created_at": "2099-01-01T00:00:00Z"},
                     {"event_type": "user_message", "event_data": {}}]')$$,
                 '22023', NULL, 'a batch with one absurd time is refused whole');
SELECT throws_ok($$SELECT films.append_events_json('0190a0c0-0000-7000-8000-00000000e002',
                   format('[{"event_type": "user_message", "event_data": {}, "created_at": "%s"},
                            {"event_type": "user_message", "event_data": {}, "created_at": "%s"}]',
                          now() - interval '10 minutes', now() - interval '20 minutes')::json)$$,
                 '22023', NULL, 'a batch whose times run backwards is refused');

-- Unknown fields and bad arguments (items 7 and 12)
SELECT throws_ok($$SELECT films.append_events_json('0190a0c0-0000-7000-8000-00000000e002',
                   '[{"event_type": "state_update", "event_data": {}, "state_delt": {"lost": true}}]')$$,
                 '22023', 'unknown event field state_delt', 'an unknown field is refused, naming it');
SELECT throws_ok($$SELECT films.append_events_json('0190a0c0-0000-7000-8000-00000000e002', '{"event_type": "x"}')$$,
                 '22023', NULL, 'a batch that is not a JSON array is refused');
SELECT throws_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{}',
                                             p_expected_sequence => -1)$$,
                 '22023', NULL, 'a negative expected sequence is refused as bad input, not as a stale writer');
SELECT results_eq($$SELECT s.state, s.last_sequence, s.last_event_at,
                           (SELECT count(*) FROM films.events AS e WHERE e.session_id = s.id)
                    FROM films.sessions AS s WHERE s.id = '0190a0c0-0000-7000-8000-00000000e002'$$,
                  $$SELECT * FROM before_refusals$$, 'the refusals changed nothing');
SELECT lives_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'user_message', '{}')$$,
                'an event without a time is dated now()');
SELECT throws_ok($$SELECT films.take_snapshot('0190a0c0-0000-7000-8000-0000000000ff')$$, 'P0002', NULL,
                 'a snapshot of an unknown session is refused');
SELECT throws_ok($$SELECT films.session_state_at('0190a0c0-0000-7000-8000-00000000e002', NULL::timestamptz)$$,
                 '22004', NULL, 'time travel to a NULL time is refused');

-- A session's initial state is split into its scopes, as ADK's create_session does (item 12)
INSERT INTO films.sessions (id, app_name, user_id, state)
VALUES ('0190a0c0-0000-7000-8000-00000000e003', 'studio', '0190a0c0-0000-7000-8000-00000000e001',
        '{"topic": "doctor", "app:palette": "sepia", "user:name": "Ada", "temp:draft": 1}');
SELECT is((SELECT state FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000e003'),
          '{"topic": "doctor"}'::jsonb, 'the session keeps only its own keys of the initial state');
SELECT is((SELECT state FROM films.app_states WHERE app_name = 'studio'), '{"palette": "sepia"}'::jsonb,
          'app: keys of the initial state go to the app state');
SELECT is((SELECT state FROM films.user_states WHERE app_name = 'studio'
           AND user_id = '0190a0c0-0000-7000-8000-00000000e001'), '{"name": "Ada"}'::jsonb,
          'user: keys go to the user state; temp: keys nowhere');

-- The application cannot rewrite the log (item 5)
SET LOCAL ROLE {{ app_role }};
SELECT throws_ok($$INSERT INTO films.events (session_id, sequence_number, event_type, event_data)
                   VALUES ('0190a0c0-0000-7000-8000-00000000e002', 1, 'user_message', '{}')$$,
                 '42501', NULL, 'the application cannot insert an event with an existing sequence number');
SELECT throws_ok($$INSERT INTO films.events_default (session_id, sequence_number, event_type, event_data)
                   VALUES ('0190a0c0-0000-7000-8000-00000000e002', 1, 'user_message', '{}')$$,
                 '42501', NULL, 'nor write a partition directly');
SELECT throws_ok($$DELETE FROM films.state_snapshots$$, '42501', NULL, 'the application cannot delete snapshots');
SELECT throws_ok($$INSERT INTO films.state_snapshots (session_id, snapshot_type, state, event_sequence_num)
                   VALUES ('0190a0c0-0000-7000-8000-00000000e002', 'manual', '{}', 999)$$,
                 '42501', NULL, 'nor insert a snapshot beyond the session''s last event');
SELECT throws_ok($$UPDATE films.sessions SET last_sequence = 0 WHERE id = '0190a0c0-0000-7000-8000-00000000e002'$$,
                 '42501', NULL, 'nor move a session''s sequence');
SELECT lives_ok($$UPDATE films.sessions SET status = 'completed', ended_at = now()
                  WHERE id = '0190a0c0-0000-7000-8000-00000000e003'$$,
                'the application still updates a session''s descriptive columns');
SELECT lives_ok($$SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e002', 'state_update', '{}', '{"step": 2}')$$,
                'the application appends through films.append_event');
SELECT isnt(films.take_snapshot('0190a0c0-0000-7000-8000-00000000e002', 'checkpoint'), NULL,
            'and takes a snapshot through films.take_snapshot');
RESET ROLE;

-- Time travel folds from the start when no snapshot applies (item 5)
DELETE FROM films.state_snapshots WHERE session_id = '0190a0c0-0000-7000-8000-00000000e002';
SELECT is(films.session_state_at('0190a0c0-0000-7000-8000-00000000e002', 1), '{"step": 1}'::jsonb,
          'without any snapshot, time travel folds the deltas from the first event');

-- The documented cron lines, as the maintenance role (items 10 and 12)
SET LOCAL ROLE {{ maintenance_role }};
SELECT lives_ok($$SELECT films.archive_old_sessions(90)$$, 'archive_old_sessions(90) runs as the maintenance role');
SELECT lives_ok($$SELECT * FROM films.delete_archived_data(180)$$, 'delete_archived_data(180) runs as the maintenance role');
SELECT lives_ok($$SELECT * FROM films.drop_old_event_partitions(12)$$,
                'drop_old_event_partitions(12) runs as the maintenance role');
SELECT throws_ok($$SELECT * FROM films.drop_old_event_partitions(12, now() + interval '5 years')$$, '42501', NULL,
                 'the maintenance role cannot move retention''s clock ahead');
SELECT throws_ok($$SELECT films.archive_old_sessions(90, NULL)$$, '22004', NULL,
                 'a NULL clock is refused, not a silent no-op');
RESET ROLE;

-- An archived session's transfers point into an old partition: they go with it (item 4)
INSERT INTO films.sessions (id, user_id, started_at, status)
VALUES ('0190a0c0-0000-7000-8000-00000000e004', '0190a0c0-0000-7000-8000-00000000e001', '2022-05-01+00', 'active');
SELECT films.create_events_partition('2022-05-01');
SELECT films.create_events_partition('2022-06-01');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000e004', 'agent_transfer', '{}', p_agent_name => 'greeter',
                          p_transfer_to_agent => 'critic', p_created_at => '2022-05-02+00');
UPDATE films.sessions SET status = 'archived', ended_at = '2022-05-03+00' WHERE id = '0190a0c0-0000-7000-8000-00000000e004';
SELECT results_eq(
    $$SELECT partition, outcome, message FROM films.drop_old_event_partitions(12, '2024-01-01+00')
      WHERE partition IN ('films.events_2022_05', 'films.events_2022_06')$$,
    $$VALUES ('films.events_2022_05', 'ok', 'with 1 agent transfers'), ('films.events_2022_06', 'ok', NULL)$$,
    'a partition referenced by an archived session''s transfers is dropped with them, and the next one still runs'
);
SELECT is((SELECT count(*)::int FROM films.agent_transfers WHERE session_id = '0190a0c0-0000-7000-8000-00000000e004'), 0,
          'the transfers went with their partition');

-- Deleting a session (the application may) removes its events and snapshots with it
SET LOCAL ROLE {{ app_role }};
DELETE FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000e002';
RESET ROLE;
SELECT is((SELECT count(*)::int FROM films.events WHERE session_id = '0190a0c0-0000-7000-8000-00000000e002'), 0,
          'the events of a session the application deleted are gone');
SELECT is((SELECT count(*)::int FROM films.state_snapshots WHERE session_id = '0190a0c0-0000-7000-8000-00000000e002'), 0,
          'and its snapshots');
ROLLBACK;
