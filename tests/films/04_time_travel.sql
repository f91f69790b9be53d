-- films.session_state_at: the state at any event or time equals folding every delta from the start,
-- while reading at most {{ films_snapshot_every }} deltas past the nearest snapshot.
BEGIN;
SELECT plan(9);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000b001', 'b@example.com', 'b');
INSERT INTO films.sessions (id, user_id, state, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000b002', '0190a0c0-0000-7000-8000-00000000b001', '{"initial": true}',
        '2026-05-01+00');
SELECT count(*) FROM films.append_events('0190a0c0-0000-7000-8000-00000000b002', ARRAY(
    SELECT ROW(
        'state_update', '{}',
        jsonb_build_object('step', n, 'app:seen', n)
            || CASE WHEN n % 7 = 0 THEN jsonb_build_object('odd', NULL)
                    WHEN n % 5 = 0 THEN jsonb_build_object('odd', n) ELSE '{}' END
            || CASE WHEN n = 120 THEN '{"initial": null}'::jsonb ELSE '{}' END,
        'a', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        '2026-05-01+00'::timestamptz + n * interval '1 minute'
    )::films.event_input FROM generate_series(1, 250) AS n ORDER BY n
));

-- The reference: fold the deltas one event at a time from the initial state.
CREATE TEMP TABLE reference AS
WITH RECURSIVE fold (seq, state) AS (
    SELECT 0, '{"initial": true}'::jsonb
    UNION ALL
    SELECT f.seq + 1, films.apply_delta(f.state, films.delta_scope(e.state_delta, 'session'))
    FROM fold AS f INNER JOIN films.events AS e
        ON e.session_id = '0190a0c0-0000-7000-8000-00000000b002' AND e.sequence_number = f.seq + 1
)
SELECT * FROM fold;

SELECT is((SELECT count(*)::int FROM reference), 251, 'the reference has the state before and after every event');
SELECT is_empty(
    $$SELECT seq FROM reference WHERE films.session_state_at('0190a0c0-0000-7000-8000-00000000b002', seq) <> state$$,
    'at every one of the 251 points, time travel equals the full fold'
);
SELECT is(films.session_state_at('0190a0c0-0000-7000-8000-00000000b002', 250),
          (SELECT state FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000b002'),
          'the state after the last event is the session''s state');
SELECT is(films.session_state_at('0190a0c0-0000-7000-8000-00000000b002', '2026-05-01 02:30:30+00'::timestamptz),
          (SELECT state FROM reference WHERE seq = 150), 'by time: the state after the last event at or before it');
SELECT is(films.session_state_at('0190a0c0-0000-7000-8000-00000000b002', '2026-04-01+00'::timestamptz),
          '{"initial": true}'::jsonb, 'before the first event: the initial state');
SELECT is_empty(
    $$SELECT k FROM generate_series(0, 250) AS k
      WHERE k - (SELECT max(event_sequence_num) FROM films.state_snapshots
                 WHERE session_id = '0190a0c0-0000-7000-8000-00000000b002' AND event_sequence_num <= k)
            >= {{ films_snapshot_every }}$$,
    'no point is {{ films_snapshot_every }} or more deltas away from a snapshot'
);
SELECT isnt(films.take_snapshot('0190a0c0-0000-7000-8000-00000000b002', 'checkpoint', 'before the edit'), NULL,
            'take_snapshot records a checkpoint');
SELECT throws_ok($$SELECT films.session_state_at('0190a0c0-0000-7000-8000-00000000b002', 251)$$, '22023',
                 'session 0190a0c0-0000-7000-8000-00000000b002 has events 0 to 250, not 251',
                 'a point past the last event is refused');
SELECT throws_ok($$SELECT films.session_state_at('0190a0c0-0000-7000-8000-0000000000ff', 1)$$, 'P0002', NULL,
                 'an unknown session is refused');
ROLLBACK;
