-- assistant test volume, generated once per test database by `dbctl test` (then VACUUM ANALYZE), so
-- plan tests run on realistic sizes: one session of 100,000 messages among 500,000 messages (4,000
-- other sessions of 100), and 500,000 calendar events (one every 30 minutes from 2000 to 2028, 30 to
-- 120 minutes long, so a few overlap any moment). Half the issue's 1,000,000 rows: enough to prove
-- the plans while building in about 45 s; the benchmark runs the full sizes. Fixed times keep the
-- plans independent of today's date. tests.assistant_volume names the rows tests refer to.

CREATE TABLE tests.assistant_volume (name text PRIMARY KEY, value text NOT NULL);

INSERT INTO assistant.chat_sessions (session_id, created_at)
SELECT 'vol-' || g, '2026-03-01+00'::timestamptz + g * interval '1 second'
FROM generate_series(1, 4000) AS g;
INSERT INTO assistant.chat_sessions (session_id, created_at) VALUES ('vol-long', '2026-02-01+00');

INSERT INTO assistant.chat_messages (session_id, role, content, agent_type, timestamp)
SELECT 'vol-' || s, (ARRAY['user', 'assistant'])[1 + n % 2],
       (ARRAY['please', 'could you', 'remind me to', 'cancel', 'move'])[1 + (s + n) % 5] || ' '
       || (ARRAY['book', 'schedule', 'check', 'plan', 'confirm'])[1 + n % 5] || ' '
       || (ARRAY['lunch', 'dentist', 'standup', 'flight', 'review', 'call'])[1 + (s * n) % 6] || ' ' || n,
       (ARRAY['router', 'calendar', 'general'])[1 + n % 3],
       '2026-03-01+00'::timestamptz + s * interval '1 second' + n * interval '1 minute'
FROM generate_series(1, 4000) AS s
CROSS JOIN generate_series(1, 100) AS n;

INSERT INTO assistant.chat_messages (session_id, role, content, agent_type, timestamp)
SELECT 'vol-long', (ARRAY['user', 'assistant'])[1 + n % 2],
       (ARRAY['please', 'could you', 'remind me to'])[1 + n % 3] || ' '
       || (ARRAY['book', 'schedule', 'check'])[1 + n % 3] || ' '
       || (ARRAY['lunch', 'dentist', 'standup', 'flight'])[1 + n % 4] || ' ' || n
       || CASE WHEN n = 4242 THEN ' zanzibar' ELSE '' END,
       (ARRAY['router', 'calendar', 'general'])[1 + n % 3],
       -- Ten messages share each second: the keyset must break ties by id.
       '2026-02-01+00'::timestamptz + (n / 10) * interval '1 second'
FROM generate_series(1, 100000) AS n;

INSERT INTO assistant.calendar_events (title, start_time, end_time, location, created_at)
SELECT (ARRAY['Standup', 'Dentist', 'Lunch with Ana', 'Budget review', 'Flight to Lisbon', 'Yoga'])[1 + g % 6]
       || ' ' || g,
       '2000-01-01+00'::timestamptz + g * interval '30 minutes',
       '2000-01-01+00'::timestamptz + g * interval '30 minutes' + (30 + (g * 7) % 91) * interval '1 minute',
       CASE WHEN g % 4 = 0 THEN 'Room ' || g % 50 END,
       '2026-01-01+00'
FROM generate_series(1, 500000) AS g;

-- deep_message: the 1,001st oldest message of the long session, 99,000 messages below the newest.
INSERT INTO tests.assistant_volume (name, value)
SELECT 'deep_message', m.id::text FROM assistant.chat_messages AS m
WHERE m.session_id = 'vol-long'
ORDER BY m.timestamp, m.id
LIMIT 1 OFFSET 1000;
