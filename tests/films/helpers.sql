-- films test volume, generated once per test database by `dbctl test` (then VACUUM ANALYZE), so
-- plan tests run against realistic sizes: 20,000 sessions of 2,000 users (10% active, varied
-- state), 200,000 events in March 2026 (the hardest month: the one the long session lives in), one
-- session of 10,000 events appended through films.append_events, 100 question/answer pairs in it and 20,000 elsewhere, and
-- 20,000 film projects. Fixed timestamps and seeds keep the plans independent of today's date.
-- tests.films_volume names the rows tests refer to.

CREATE TABLE tests.films_volume (name text PRIMARY KEY, id uuid NOT NULL);

SELECT setseed(0.42);

INSERT INTO films.users (id, email, username)
SELECT core.uuidv7('2026-01-01+00'::timestamptz + g * interval '1 second'),
       format('volume%s@example.com', g), format('volume_user_%s', g)
FROM generate_series(1, 2000) AS g;

INSERT INTO films.sessions (id, user_id, session_name, state, status, started_at, total_events, last_sequence)
SELECT core.uuidv7('2026-01-01+00'::timestamptz + g * interval '25 minutes'),
       u.id,
       format('volume session %s', g),
       jsonb_build_object(
           'genre', (ARRAY['drama', 'noir', 'epic', 'comedy', 'documentary'])[1 + g % 5],
           'iteration_count', g % 7,
           'attractions', CASE WHEN g % 3 = 0 THEN '["Sphinx", "Pyramids"]'::jsonb ELSE '[]'::jsonb END
       ) || CASE WHEN g % 500 = 0 THEN jsonb_build_object('PLOT_OUTLINE', 'outline ' || g) ELSE '{}' END,
       CASE WHEN g % 10 = 0 THEN 'active' ELSE 'completed' END,
       '2026-02-01+00'::timestamptz + g * interval '1 minute',
       CASE WHEN g <= 2000 THEN 100 ELSE 0 END,
       CASE WHEN g <= 2000 THEN 100 ELSE 0 END
FROM generate_series(1, 20000) AS g
INNER JOIN LATERAL (
    SELECT id FROM films.users WHERE username = format('volume_user_%s', 1 + g % 2000)
) AS u ON TRUE;

-- 200,000 events: 100 for each of the first 2,000 sessions, all in March 2026.
INSERT INTO films.events (session_id, sequence_number, event_type, agent_name, event_data, state_delta,
                          tool_name, duration_ms, tokens_used, created_at)
SELECT s.id, e.n AS sequence_number,
       (ARRAY['user_message', 'agent_response', 'tool_call', 'tool_response'])[1 + e.n % 4],
       (ARRAY['researcher', 'screenwriter', 'critic', 'file_writer'])[1 + e.n % 4],
       json_build_object('author', 'agent', 'text', repeat('lorem ipsum ', 20), 'n', e.n),
       CASE WHEN e.n % 10 = 0 THEN jsonb_build_object('step', e.n) END,
       CASE WHEN e.n % 4 = 2 THEN 'wikipedia' END,
       e.n * 3 AS duration_ms, e.n AS tokens_used,
       '2026-03-01+00'::timestamptz + (s.rn * interval '19 minutes') + e.n * interval '1 second'
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM films.sessions
      WHERE session_name LIKE 'volume session %' ORDER BY id LIMIT 2000) AS s
CROSS JOIN generate_series(1, 100) AS e(n);

-- The session under study: 10,000 events through the real write path, in batches.
INSERT INTO films.sessions (id, user_id, session_name, started_at)
SELECT '0190a0c0-0000-7000-8000-0000000000aa', id, 'the long session', '2026-03-01+00'
FROM films.users WHERE username = 'volume_user_1';
INSERT INTO tests.films_volume VALUES
('long_session', '0190a0c0-0000-7000-8000-0000000000aa'),
('busy_user', (SELECT id FROM films.users WHERE username = 'volume_user_1'));

SELECT count(*) FROM generate_series(0, 9) AS b,
LATERAL films.append_events(
    '0190a0c0-0000-7000-8000-0000000000aa',
    ARRAY(
        SELECT ROW(
            (ARRAY['user_message', 'agent_response', 'tool_call', 'tool_response'])[1 + n % 4],
            json_build_object('author', 'agent', 'text', repeat('lorem ipsum ', 20), 'n', n),
            CASE WHEN n % 10 = 0 THEN jsonb_build_object('step', n) END,
            'screenwriter', NULL, NULL, NULL, NULL, 5, 10, NULL, NULL, NULL,
            '2026-03-01+00'::timestamptz + n * interval '10 seconds'
        )::films.event_input
        FROM generate_series(b * 1000 + 1, b * 1000 + 1000) AS n ORDER BY n
    )
);

-- Conversations: 100 question/answer pairs in the long session, one pair in each of 20,000 others.
INSERT INTO films.questions (session_id, content, sequence_number, asked_at)
SELECT '0190a0c0-0000-7000-8000-0000000000aa', 'question ' || n, n, '2026-03-01+00'::timestamptz + n * interval '1 minute'
FROM generate_series(1, 100) AS n;
INSERT INTO films.answers (session_id, content, agent_name, sequence_number, tokens_used, response_time_ms, answered_at)
SELECT '0190a0c0-0000-7000-8000-0000000000aa', 'answer ' || n, 'screenwriter', n, 100, 900,
       '2026-03-01+00'::timestamptz + n * interval '1 minute' + interval '20 seconds'
FROM generate_series(1, 100) AS n;
INSERT INTO films.questions (session_id, content, sequence_number, asked_at)
SELECT id, 'question', 1, started_at FROM films.sessions WHERE session_name LIKE 'volume session %';
INSERT INTO films.answers (session_id, content, agent_name, sequence_number, answered_at)
SELECT id, 'answer', 'critic', 1, started_at FROM films.sessions WHERE session_name LIKE 'volume session %';

INSERT INTO films.film_projects (session_id, user_id, title, historical_subject)
SELECT s.id, s.user_id,
       initcap((ARRAY['silent', 'golden', 'last', 'hidden', 'burning'])[1 + g % 5] || ' '
               || (ARRAY['river', 'empire', 'garden', 'voyage', 'mountain'])[1 + (g / 5) % 5] || ' '
               || md5(g::text)),
       'subject ' || g
FROM (SELECT id, user_id, row_number() OVER (ORDER BY id) AS g FROM films.sessions
      WHERE session_name LIKE 'volume session %') AS s;

-- Partitions for what was written (rows outside the made partitions wait in the default one).
SELECT count(*) FROM core.run_maintenance();
