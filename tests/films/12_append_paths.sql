-- films.append_event (one event: the session update's WHERE clause is the check) and
-- films.append_events (a batch: lock, one summary pass) refuse the same things with the same
-- SQLSTATE, through one films.refuse_append, and neither changes anything when it refuses. Also the
-- cases the two paths compute differently: the default time of an event sent without one, and a
-- delta whose keys belong to the app and user scopes only.
BEGIN;
SELECT plan(24);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000f001', 'p@example.com', 'p');
INSERT INTO films.sessions (id, app_name, user_id, started_at) VALUES
    ('0190a0c0-0000-7000-8000-00000000f002', 'paths', '0190a0c0-0000-7000-8000-00000000f001', now() - interval '1 hour'),
    ('0190a0c0-0000-7000-8000-00000000f003', 'paths', '0190a0c0-0000-7000-8000-00000000f001', now() - interval '1 hour');
INSERT INTO films.sessions (id, app_name, user_id, started_at, status) VALUES
    ('0190a0c0-0000-7000-8000-00000000f004', 'paths', '0190a0c0-0000-7000-8000-00000000f001', now() - interval '1 hour',
     'archived');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f002', 'user_message', '{"n": 1}', '{"step": 1}',
                          p_created_at => now() - interval '30 minutes');

-- Each refusal, once as one event and once as the second event of a batch of two.
CREATE TEMP TABLE refusal (label text, sqlstate text, session uuid, expected integer, bad films.event_input);
INSERT INTO refusal VALUES
    ('a delta that is not an object', '22023', '0190a0c0-0000-7000-8000-00000000f002', NULL,
     ROW('state_update', '{}', '[1]', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)),
    ('a non-finite time', '22008', '0190a0c0-0000-7000-8000-00000000f002', NULL,
     ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'infinity')),
    ('a time beyond the horizon', '22023', '0190a0c0-0000-7000-8000-00000000f002', NULL,
     ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, now() + interval '2 days')),
    ('a time before the previous event', '22023', '0190a0c0-0000-7000-8000-00000000f002', NULL,
     ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, now() - interval '50 minutes')),
    ('an unknown event type', '23514', '0190a0c0-0000-7000-8000-00000000f002', NULL,
     ROW('telepathy', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)),
    ('a stale expected sequence', '40001', '0190a0c0-0000-7000-8000-00000000f002', 0,
     ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)),
    ('a negative expected sequence', '22023', '0190a0c0-0000-7000-8000-00000000f002', -1,
     ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)),
    ('an archived session', '55000', '0190a0c0-0000-7000-8000-00000000f004', NULL,
     ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)),
    ('an unknown session', '23503', '0190a0c0-0000-7000-8000-0000000000ff', NULL,
     ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));

CREATE TEMP TABLE before_refusals AS
SELECT s.id, s.state, s.last_sequence, s.total_events, s.last_event_at, s.updated_at
FROM films.sessions AS s WHERE s.app_name = 'paths';

SELECT throws_ok(
    format('SELECT films.append_event(%L, %L, %L, %L, p_expected_sequence => %s, p_created_at => %L)',
           r.session, (r.bad).event_type, (r.bad).event_data, (r.bad).state_delta,
           coalesce(r.expected::text, 'NULL'), (r.bad).created_at),
    r.sqlstate, NULL, 'one event: ' || r.label || ' is refused')
FROM refusal AS r ORDER BY r.label;
SELECT throws_ok(
    format('SELECT films.append_events(%L, ARRAY[ROW(''user_message'', ''{}'', NULL, NULL, NULL, NULL, NULL, NULL,
                   NULL, NULL, NULL, NULL, NULL, NULL)::films.event_input, %L::films.event_input], %s)',
           r.session, r.bad, coalesce(r.expected::text, 'NULL')),
    r.sqlstate, NULL, 'a batch: ' || r.label || ' is refused')
FROM refusal AS r ORDER BY r.label;

SELECT throws_ok(
    $$SELECT films.append_events('0190a0c0-0000-7000-8000-00000000f002', ARRAY[
        ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        ROW('state_update', '{}', '[1]', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ]::films.event_input[])$$,
    '22023', 'the state_delta of event 2 of the batch is not a JSON object',
    'a batch names the event whose delta is not an object'
);
SELECT results_eq(
    $$SELECT s.id, s.state, s.last_sequence, s.total_events, s.last_event_at, s.updated_at
      FROM films.sessions AS s WHERE s.app_name = 'paths' ORDER BY s.id$$,
    $$SELECT * FROM before_refusals ORDER BY id$$,
    'no refusal changed a session'
);
SELECT is((SELECT count(*)::int FROM films.events AS e
           WHERE e.session_id IN (SELECT id FROM before_refusals)), 1, 'and none stored an event');

-- Events sent without a time: now(), or the last event's time when a client clock put that ahead.
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f003', 'user_message', '{}',
                          p_created_at => now() + interval '10 minutes');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f003', 'user_message', '{}');
SELECT films.append_events('0190a0c0-0000-7000-8000-00000000f003', ARRAY[
    ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ROW('user_message', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
]::films.event_input[]);
SELECT results_eq(
    $$SELECT sequence_number, created_at FROM films.events
      WHERE session_id = '0190a0c0-0000-7000-8000-00000000f003' ORDER BY sequence_number$$,
    $$SELECT n, now() + interval '10 minutes' FROM generate_series(1, 4) AS n$$,
    'an event without a time, alone or in a batch, takes the later of now() and the last event''s time'
);

-- A delta with app: and user: keys only leaves the session state alone, on both paths.
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f003', 'state_update', '{}',
                          '{"app:tone": "dry", "temp:x": 1}');
SELECT films.append_events('0190a0c0-0000-7000-8000-00000000f003', ARRAY[
    ROW('state_update', '{}', '{"user:lang": "de"}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ROW('state_update', '{}', '{"user:lang": "fr"}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
]::films.event_input[]);
SELECT results_eq(
    $$SELECT s.state, s.last_sequence,
             (SELECT a.state FROM films.app_states AS a WHERE a.app_name = 'paths'),
             (SELECT u.state FROM films.user_states AS u WHERE u.app_name = 'paths')
      FROM films.sessions AS s WHERE s.id = '0190a0c0-0000-7000-8000-00000000f003'$$,
    $$VALUES ('{}'::jsonb, 7, '{"tone": "dry"}'::jsonb, '{"lang": "fr"}'::jsonb)$$,
    'app: and user: keys go to their scopes; the session state stays as it was'
);
SELECT is((SELECT state_delta FROM films.events
           WHERE session_id = '0190a0c0-0000-7000-8000-00000000f003' AND sequence_number = 5),
          '{"app:tone": "dry"}'::jsonb, 'the stored delta keeps the scoped key and loses the temp: key');
ROLLBACK;
