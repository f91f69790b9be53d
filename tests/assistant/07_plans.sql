-- assistant query plans on the generated volume (tests/assistant/helpers.sql: a 100,000-message
-- session among 500,000 messages, 500,000 calendar events), analysed and vacuumed.
BEGIN;
SELECT plan(14);

SELECT is((SELECT count(*)::int FROM assistant.chat_messages WHERE session_id = 'vol-long'), 100000,
          'the long session has 100,000 messages');

-- Keyset history: the same single index range scan at page 1 and ~page 5,000 (99,000 messages deep).
CREATE TEMP TABLE deep AS SELECT tests.explain(format(
    $$SELECT m.* FROM assistant.chat_messages AS m
      WHERE m.session_id = 'vol-long' AND (m.timestamp, m.id) < (%L::timestamptz, %s::bigint)
      ORDER BY m.timestamp DESC, m.id DESC LIMIT 20$$,
    (SELECT timestamp FROM assistant.chat_messages WHERE id = (SELECT value::bigint FROM tests.assistant_volume WHERE name = 'deep_message')),
    (SELECT value FROM tests.assistant_volume WHERE name = 'deep_message')
), TRUE) AS plan;
SELECT is(tests.plan_values(plan, 'Index Name'), ARRAY['chat_messages_session_history'],
          'a page 99,000 messages deep is read from the history index')
FROM deep;
SELECT is(tests.scanned_rows(plan), 20::numeric, 'and touches only the 20 rows of the page') FROM deep;
SELECT is(tests.scanned_rows(tests.explain(
    $$SELECT m.* FROM assistant.chat_messages AS m WHERE m.session_id = 'vol-long'
      ORDER BY m.timestamp DESC, m.id DESC LIMIT 20$$, TRUE)), 20::numeric,
    'as does the first page');
SELECT is((SELECT count(*)::int FROM assistant.session_history('vol-long', 20,
            (SELECT value::bigint FROM tests.assistant_volume WHERE name = 'deep_message'))), 20,
          'session_history returns that deep page');

-- Conflicts through GiST: only the rows that overlap are read.
CREATE TEMP TABLE conflicts AS SELECT tests.explain(
    $$SELECT e.* FROM assistant.calendar_events AS e
      WHERE tstzrange(e.start_time, e.end_time) && tstzrange('2015-06-01 10:00+00', '2015-06-01 11:00+00')$$, TRUE) AS plan;
SELECT is(tests.plan_values(plan, 'Index Name'), ARRAY['calendar_events_during'], 'conflict search uses the GiST index')
FROM conflicts;
SELECT cmp_ok(tests.scanned_rows(plan), '<', 20::numeric, 'and reads only the few overlapping events') FROM conflicts;

-- Title search through GIN; date range through the start_time index.
SELECT ok('calendar_events_title_fts' = ANY (tests.plan_values(tests.explain(
    $$SELECT e.* FROM assistant.calendar_events AS e
      WHERE to_tsvector('english', e.title) @@ websearch_to_tsquery('english', 'lisbon')$$), 'Index Name')),
    'title search uses the GIN index');
SELECT is(tests.plan_values(tests.explain(
    $$SELECT e.* FROM assistant.calendar_events AS e
      WHERE e.start_time >= '2015-06-01+00' AND e.start_time < '2015-06-08+00' ORDER BY e.start_time, e.id$$), 'Index Name'),
    ARRAY['calendar_events_start_time'], 'a week''s listing reads the start_time index, already in order');

-- Message search: a rare word through the GIN index, a common one along the session's history.
SELECT is(tests.plan_values(tests.explain(
    $$SELECT m.* FROM assistant.chat_messages AS m WHERE m.session_id = 'vol-long'
      AND to_tsvector('english', m.content) @@ websearch_to_tsquery('english', 'zanzibar')
      ORDER BY m.timestamp DESC, m.id DESC LIMIT 50$$), 'Index Name'),
    ARRAY['chat_messages_content_fts'], 'a rare word is found through the full-text index');
SELECT is(tests.plan_values(tests.explain(
    $$SELECT m.* FROM assistant.chat_messages AS m WHERE m.session_id = 'vol-long'
      AND to_tsvector('english', m.content) @@ websearch_to_tsquery('english', 'dentist')
      ORDER BY m.timestamp DESC, m.id DESC LIMIT 50$$), 'Index Name'),
    ARRAY['chat_messages_session_history'], 'a common one by walking the session''s history');
SELECT set_eq(
    $$SELECT p.proname::text FROM pg_proc AS p
      WHERE p.pronamespace = 'assistant'::regnamespace AND 'plan_cache_mode=force_custom_plan' = ANY (p.proconfig)$$,
    ARRAY['search_messages', 'search_events'],
    'the search functions plan for the words at hand, never a generic plan'
);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'assistant.session_history(text, integer, bigint)'::regprocedure),
          ARRAY['search_path=pg_catalog, pg_temp', 'plan_cache_mode=force_generic_plan'],
          'session_history plans its queries once (their plan does not depend on the arguments)');
SELECT ok((SELECT 'plan_cache_mode=force_generic_plan' = ANY (proconfig) FROM pg_proc
           WHERE oid = 'assistant.find_conflicts(timestamptz, timestamptz)'::regprocedure),
          'as does find_conflicts (always the GiST index)');
SELECT * FROM finish();
ROLLBACK;
