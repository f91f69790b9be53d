-- films on Citus (docs/scale-out.md, partitions/films/distribution.sql): the plan, and proof that
-- the main functions stay on one session's shard. Citus routes a statement to one shard when it
-- filters on the distribution column; here every statement a function runs is observed through
-- pg_stat_xact_user_tables (what this transaction read, table by table, partitions summed): no
-- row of a distributed table read beyond the session's own (plus a few re-reads of its session
-- row), on the generated volume (tests/films/helpers.sql: a 10,000-event
-- session among 20,000 others). The inlinable query functions also show an Index Cond on session_id.
BEGIN;
SELECT plan(15);

SELECT is(
    ARRAY(SELECT concat_ws(' ', relation, kind, distribution_column, colocate_with) COLLATE "C"
          FROM core.distribution_plan WHERE relation::text LIKE 'films.%' ORDER BY relation::text),
    ARRAY['films.agent_transfers distributed session_id films.sessions',
          'films.answers distributed session_id films.sessions',
          'films.app_states reference',
          'films.events distributed session_id films.sessions',
          'films.film_projects distributed session_id films.sessions',
          'films.inferential_reasoning distributed session_id films.sessions',
          'films.questions distributed session_id films.sessions',
          'films.sessions distributed id',
          'films.state_snapshots distributed session_id films.sessions',
          'films.system_config reference',
          'films.user_states reference',
          'films.users reference'],
    'films: everything of a session distributed by session and co-located with sessions; shared tables reference'
);

-- The volume's small tables (agent_transfers) would be read whole, and a bitmap scan reads whole
-- pages: both prove nothing either way. Without them, a statement that has its session condition
-- reads exactly its session's rows, and one that lacks it still has to read other sessions' rows.
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;

-- What a statement read beyond one session's rows (tests.reads_beyond_key), allowing a few re-reads
-- of the session row itself.
CREATE FUNCTION pg_temp.beyond_session(p_statement text, p_session uuid)
RETURNS text []
LANGUAGE sql AS $$
    SELECT tests.reads_beyond_key(p_statement, 'films', p_session::text, '{"films.sessions": 4}')
$$;

CREATE TEMP TABLE v AS SELECT
    (SELECT id FROM tests.films_volume WHERE name = 'long_session') AS session_id;

SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.reconstruct_session(%L)$$, session_id), session_id),
          '{}', 'reconstruct_session reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.reconstruct_session(%L, 100)$$, session_id), session_id),
          '{}', 'reconstruct_session with recent events reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.session_state_at(%L, 5050)$$, session_id), session_id),
          '{}', 'session_state_at(sequence) reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.session_state_at(%L, '2026-03-15+00'::timestamptz)$$, session_id),
                                 session_id),
          '{}', 'session_state_at(time) reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.conversation_history(%L)$$, session_id), session_id),
          '{}', 'conversation_history reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.agent_workflow(%L)$$, session_id), session_id),
          '{}', 'agent_workflow reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.state_evolution(%L)$$, session_id), session_id),
          '{}', 'state_evolution reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format($$SELECT * FROM films.take_snapshot(%L, 'checkpoint', 'x')$$, session_id),
                                 session_id),
          '{}', 'take_snapshot reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format(
    $$SELECT * FROM films.append_event(%L, 'agent_response', '{"author": "critic"}',
                                       p_state_delta => '{"k": 1, "app:a": 2, "user:u": 3}', p_agent_name => 'critic')$$,
    session_id), session_id),
    '{}', 'append_event reads only its session''s rows') FROM v;
SELECT is(pg_temp.beyond_session(format(
    $$SELECT * FROM films.append_events_json(%L, '[{"event_type": "agent_transfer", "event_data": {"a": 1},
        "agent_name": "critic", "transfer_to_agent": "writer"}, {"event_type": "tool_call", "event_data": {}}]')$$,
    session_id), session_id),
    '{}', 'append_events_json with a transfer reads only its session''s rows') FROM v;

-- The test of the test: a statement that does not filter on the session is caught.
SELECT isnt(pg_temp.beyond_session($$SELECT max(tokens_used) FROM films.events WHERE agent_name = 'critic'$$, session_id),
            '{}', 'a query across sessions is reported') FROM v;

-- The query functions are inlined: their plans show the session in every Index Cond.
SELECT ok(
    tests.plan_values(plan, 'Index Cond') <> '{}'
    AND (SELECT bool_and(c LIKE '%session_id = %') FROM unnest(tests.plan_values(plan, 'Index Cond')) AS c),
    format('%s looks its rows up by session_id', f)
)
FROM v,
    LATERAL (VALUES ('conversation_history'), ('agent_workflow'), ('state_evolution')) AS q (f),
    LATERAL (SELECT tests.explain(format('SELECT * FROM films.%I(%L)', f, session_id)) AS plan) AS p;

SELECT * FROM finish();
ROLLBACK;
