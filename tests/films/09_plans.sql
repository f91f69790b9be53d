-- Query plans on the generated volume (tests/films/helpers.sql: a 10,000-event session among
-- 200,000 other events, 20,000 sessions, 20,000 film projects), analysed and vacuumed.
BEGIN;
SELECT plan(13);

CREATE TEMP TABLE v AS SELECT
    (SELECT id FROM tests.films_volume WHERE name = 'long_session') AS session_id,
    (SELECT id FROM tests.films_volume WHERE name = 'busy_user') AS user_id;

SELECT is((SELECT last_sequence FROM films.sessions WHERE id = (SELECT session_id FROM v)), 10000,
          'the long session has 10,000 events');

-- Reconstruction: the query reconstruct_session runs, on the session's own rows only.
CREATE TEMP TABLE reconstruction AS SELECT tests.explain(format(
    $$SELECT json_agg(e.event_data ORDER BY e.sequence_number) FROM films.events AS e
      WHERE e.session_id = %L AND e.created_at >= %L AND e.sequence_number > 0$$,
    (SELECT session_id FROM v), (SELECT started_at FROM films.sessions WHERE id = (SELECT session_id FROM v))
), TRUE) AS plan;
SELECT ok('events_2026_03_session_id_sequence_number_idx' = ANY (tests.plan_values(plan, 'Index Name')),
          'reconstruction reads the session''s month through the (session_id, sequence_number) index')
FROM reconstruction;
SELECT is(tests.scanned_rows(plan), 10000::numeric, 'and touches only that session''s 10,000 rows')
FROM reconstruction;
SELECT is((SELECT coalesce(sum(r::numeric), 0) FROM unnest(tests.plan_values(plan, 'Rows Removed by Filter')) AS r),
          0::numeric, 'no row is read and thrown away')
FROM reconstruction;

-- Conversation history of 100 Q&A among 20,000 other sessions' conversations.
SELECT ok(tests.plan_values(tests.explain(format(
    $$SELECT * FROM films.conversation_history(%L)$$, (SELECT session_id FROM v))), 'Node Type')
    && ARRAY['Seq Scan'] IS FALSE, 'conversation history does not scan whole tables');
SELECT set_eq(
    $$SELECT unnest(tests.plan_values(tests.explain(format(
        'SELECT sequence_number, content FROM films.questions WHERE session_id = %L
         UNION ALL SELECT sequence_number, content FROM films.answers WHERE session_id = %L',
        (SELECT session_id FROM v), (SELECT session_id FROM v))), 'Index Name'))$$,
    ARRAY['questions_session_id_sequence_number_key', 'answers_session_sequence'],
    'conversation history reads the questions and answers indexes'
);

-- A time-bounded events query prunes partitions.
SELECT is(tests.plan_values(tests.explain(format(
    $$SELECT * FROM films.events WHERE created_at >= '2026-03-01+00' AND created_at < '2026-04-01+00' AND session_id = %L$$,
    (SELECT session_id FROM v))), 'Relation Name'),
    ARRAY['events_2026_03'], 'a one-month events query scans one partition');

-- Session state: containment and key existence through the GIN index.
SELECT ok('sessions_state' = ANY (tests.plan_values(tests.explain(
    $$SELECT id FROM films.sessions WHERE state @> '{"PLOT_OUTLINE": "outline 500"}'$$), 'Index Name')),
    'containment (@>) uses the GIN index');
SELECT ok('sessions_state' = ANY (tests.plan_values(tests.explain(
    $$SELECT id FROM films.sessions WHERE state ? 'PLOT_OUTLINE'$$), 'Index Name')),
    'key existence (?) uses the GIN index');
SELECT ok('sessions_state' = ANY (tests.plan_values(tests.explain(
    $$SELECT id FROM films.sessions WHERE state ?& array['PLOT_OUTLINE', 'research']$$), 'Index Name')),
    'all-keys existence (?&) uses the GIN index');

-- Listings.
SELECT is(tests.plan_values(tests.explain(
    $$SELECT id, started_at FROM films.sessions WHERE status = 'active' ORDER BY started_at DESC LIMIT 20$$),
    'Index Name'), ARRAY['sessions_active'], 'the active-sessions listing uses the partial index');
SELECT results_eq(
    $$SELECT unnest(tests.plan_values(tests.explain(format(
        'SELECT session_name, status, started_at FROM films.sessions WHERE user_id = %L ORDER BY started_at DESC',
        (SELECT user_id FROM v))), 'Node Type')) LIMIT 1$$,
    ARRAY['Index Only Scan'], 'a user''s sessions listing is an index-only scan'
);

-- Film search among 20,000 titles.
SELECT is(tests.plan_values(tests.explain(
    $$SELECT title FROM films.film_projects WHERE title OPERATOR({{ extension_schema }}.%) 'hidden garden'$$), 'Index Name'),
    ARRAY['film_projects_title_trgm'], 'film search by similarity (the query of search_films) uses the trigram index');
ROLLBACK;
