-- assistant on Citus (docs/scale-out.md, partitions/assistant/distribution.sql): the plan, and proof
-- that the main functions stay on one chat session's shard. Every statement a function runs is
-- observed through pg_stat_xact_user_tables (tests.reads_beyond_key): no row of a distributed table
-- read beyond the session's own, on the generated volume (tests/assistant/helpers.sql: 4,000
-- sessions and one of 100,000 messages).
BEGIN;
SELECT plan(9);

SELECT is(
    ARRAY(SELECT concat_ws(' ', relation, kind, distribution_column, colocate_with) COLLATE "C"
          FROM core.distribution_plan WHERE relation::text LIKE 'assistant.%' ORDER BY relation::text),
    ARRAY['assistant.agent_states distributed session_id assistant.chat_sessions',
          'assistant.calendar_events local',
          'assistant.chat_messages distributed session_id assistant.chat_sessions',
          'assistant.chat_sessions distributed session_id'],
    'assistant: a chat session, its messages and its agents'' state co-located by session_id; the calendar local'
);

SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;

SELECT is(tests.reads_beyond_key($$SELECT * FROM assistant.session_history('vol-123', 20)$$, 'assistant', 'vol-123'),
          '{}', 'session_history reads only its session''s rows');
SELECT is(tests.reads_beyond_key($$SELECT * FROM assistant.messages_by_agent('vol-123', 'calendar')$$, 'assistant',
                                 'vol-123'),
          '{}', 'messages_by_agent reads only its session''s rows');
SELECT is(tests.reads_beyond_key($$SELECT * FROM assistant.search_messages('vol-123', 'dentist')$$, 'assistant',
                                 'vol-123'),
          '{}', 'search_messages reads only its session''s rows');
SELECT is(tests.reads_beyond_key($$SELECT * FROM assistant.add_message('vol-123', 'user', 'book a call')$$,
                                 'assistant', 'vol-123', '{"assistant.chat_sessions": 2}'),
          '{}', 'add_message reads only its session''s rows');
SELECT is(tests.reads_beyond_key($$SELECT * FROM assistant.save_agent_state('vol-123', 'calendar', '{"step": 1}')$$,
                                 'assistant', 'vol-123', '{"assistant.agent_states": 2}'),
          '{}', 'save_agent_state reads only its session''s rows');
SELECT is(tests.reads_beyond_key($$SELECT * FROM assistant.load_agent_state('vol-123', 'calendar')$$, 'assistant',
                                 'vol-123'),
          '{}', 'load_agent_state reads only its session''s rows');
SELECT is(tests.reads_beyond_key($$SELECT * FROM assistant.get_or_create_session('vol-123')$$, 'assistant',
                                 'vol-123', '{"assistant.chat_sessions": 1}'),
          '{}', 'get_or_create_session reads only its session''s rows');

-- The test of the test: a statement that does not filter on the session is caught.
SELECT isnt(tests.reads_beyond_key($$SELECT max(content) FROM assistant.chat_messages WHERE agent_type = 'router'$$, 'assistant', 'vol-123'),
            '{}', 'a query across sessions is reported');

SELECT * FROM finish();
ROLLBACK;
