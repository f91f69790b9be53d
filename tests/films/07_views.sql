-- The materialized views' contents on the seeded story, and their refresh by core maintenance.
BEGIN;
SELECT plan(5);

SELECT results_eq(
    $$SELECT action, outcome, message FROM core.run_maintenance('2026-06-01+00')
      WHERE target LIKE 'films.%' AND action = 'refresh' ORDER BY target$$,
    $$VALUES ('refresh', 'ok', 'concurrently'), ('refresh', 'ok', 'concurrently'), ('refresh', 'ok', 'concurrently'),
             ('refresh', 'ok', 'concurrently')$$,
    'maintenance refreshes the four views concurrently'
);
SELECT results_eq(
    $$SELECT status, duration_seconds, total_events, total_questions, total_answers, total_reasoning_events,
             agents_used, film_title, film_status
      FROM films.session_summary WHERE session_id = '0190a0c0-0000-7000-8000-000000000002'$$,
    $$VALUES ('completed', 1800::bigint, 12, 1::bigint, 1::bigint, 3::bigint,
              ARRAY['critic', 'file_writer', 'researcher', 'screenwriter'],
              'The Ancient Doctor of Changsha', 'writing')$$,
    'session_summary sums up the story'
);
SELECT results_eq(
    $$SELECT total_responses, avg_tokens, avg_response_time_ms, first_used, last_used, sessions_count
      FROM films.agent_performance WHERE agent_name = 'file_writer'$$,
    $$VALUES (1::bigint, 2500.00, 3200.00, '2025-01-25 10:01:45+00'::timestamptz, '2025-01-25 10:01:45+00'::timestamptz,
              1::bigint)$$,
    'agent_performance: file_writer answered once, 2500 tokens in 3.2 s'
);
SELECT results_eq(
    $$SELECT sessions_count, total_events, tool_calls_count, total_tokens, avg_event_duration_ms
      FROM films.daily_activity WHERE activity_date = '2025-01-25'$$,
    $$VALUES (1::bigint, 12::bigint, 2::bigint, 5530::bigint, 1931.43)$$,
    'daily_activity: the story''s day'
);

UPDATE films.sessions SET status = 'archived' WHERE id = '0190a0c0-0000-7000-8000-000000000002';
REFRESH MATERIALIZED VIEW CONCURRENTLY films.session_summary;
SELECT is_empty($$SELECT FROM films.session_summary WHERE session_id = '0190a0c0-0000-7000-8000-000000000002'$$,
                'archived sessions leave the analytics');
ROLLBACK;
