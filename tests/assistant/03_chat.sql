-- assistant: sessions and messages through the functions (the spec's SessionManager and
-- MessageManager), keyset pages, search, and the cascade from a session to its messages.
BEGIN;
SELECT plan(16);

SELECT is((assistant.get_or_create_session('h-1', '2026-05-01+00')).created_at, '2026-05-01+00'::timestamptz,
          'get_or_create_session creates a session at p_now');
SELECT is((assistant.get_or_create_session('h-1', '2026-06-01+00')).created_at, '2026-05-01+00'::timestamptz,
          'and returns the existing one on the next call');
SELECT is((SELECT count(*)::int FROM assistant.chat_sessions WHERE session_id = 'h-1'), 1, 'one row for the key');

-- 25 messages, five sharing each second: ties are broken by id.
SELECT count(*) FROM generate_series(1, 25) AS n,
LATERAL assistant.add_message('h-1', CASE WHEN n % 2 = 1 THEN 'user' ELSE 'assistant' END, 'message ' || n,
                              (ARRAY['router', 'calendar', 'general'])[1 + n % 3],
                              '2026-05-01 00:00+00'::timestamptz + (n / 5) * interval '1 second');
CREATE TEMP TABLE expected AS
SELECT id, row_number() OVER (ORDER BY timestamp DESC, id DESC) AS position
FROM assistant.chat_messages WHERE session_id = 'h-1';

SELECT results_eq($$SELECT id FROM assistant.session_history('h-1', 10)$$,
                  $$SELECT id FROM expected WHERE position <= 10 ORDER BY position$$,
                  'the first page holds the 10 newest messages, newest first');
SELECT results_eq(
    $$SELECT id FROM assistant.session_history('h-1', 10, (SELECT id FROM expected WHERE position = 10))$$,
    $$SELECT id FROM expected WHERE position BETWEEN 11 AND 20 ORDER BY position$$,
    'the next page starts right after the last message of the first, even inside a tie'
);
SELECT results_eq(
    $$SELECT id FROM assistant.session_history('h-1', 10, (SELECT id FROM expected WHERE position = 20))$$,
    $$SELECT id FROM expected WHERE position > 20 ORDER BY position$$,
    'the last page holds the rest'
);
SELECT is_empty($$SELECT * FROM assistant.session_history('h-1', 10, (SELECT id FROM expected WHERE position = 25))$$,
                'after the oldest message there is nothing');
SELECT is_empty($$SELECT * FROM assistant.session_history('unknown', 10)$$, 'an unknown session has no history');

SELECT results_eq(
    $$SELECT content FROM assistant.messages_by_agent('h-1', 'calendar')$$,
    $$SELECT 'message ' || n FROM generate_series(1, 25) AS n WHERE 1 + n % 3 = 2 ORDER BY n$$,
    'messages_by_agent: the calendar agent''s messages, oldest first'
);
SELECT is((assistant.add_message('h-1', 'user', 'Book the dentist', p_now => '2026-05-02+00')).agent_type, NULL,
          'a message without an agent has agent_type NULL');

SELECT assistant.add_message('h-1', 'assistant', 'Your dentist appointments are booked', 'calendar', '2026-05-03+00');
SELECT results_eq($$SELECT content FROM assistant.search_messages('h-1', 'dentists booking')$$,
                  ARRAY['Your dentist appointments are booked', 'Book the dentist'],
                  'search_messages finds stemmed words, newest first');
SELECT results_eq($$SELECT content FROM assistant.search_messages('h-1', 'dentist -appointments')$$,
                  ARRAY['Book the dentist'], 'web-search syntax excludes words');

-- The cascade.
SELECT assistant.get_or_create_session('h-2', '2026-05-01+00');
SELECT assistant.add_message('h-2', 'user', 'stays', NULL, '2026-05-01+00');
DELETE FROM assistant.chat_sessions WHERE session_id = 'h-1';
SELECT is((SELECT count(*)::int FROM assistant.chat_messages WHERE session_id = 'h-1'), 0,
          'deleting a session deletes its messages');
SELECT is((SELECT count(*)::int FROM assistant.chat_messages WHERE session_id = 'h-2'), 1,
          'and only its messages');

-- Role: the application writes directly, as the spec's clients do.
SET LOCAL ROLE {{ app_role }};
INSERT INTO assistant.chat_sessions (session_id) VALUES ('h-3');
INSERT INTO assistant.chat_messages (session_id, role, content, agent_type)
VALUES ('h-3'::varchar, 'user', 'one', 'router'), ('h-3'::varchar, 'assistant', 'two', 'general');
SELECT is((SELECT count(*)::int FROM assistant.session_history('h-3', 50)), 2,
          'the application role writes and reads directly (multi-row insert with ::VARCHAR keys)');
SELECT is((SELECT (assistant.get_or_create_session('h-3')).id), (SELECT id FROM assistant.chat_sessions WHERE session_id = 'h-3'),
          'and calls the functions');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
