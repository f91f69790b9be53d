-- films: the spec's "Common Query Patterns" (000) as functions, for the frequent ones.
-- The spec's SQL itself runs verbatim too (SET search_path = films, core, {{ extension_schema }}).
-- Each is one SELECT with every name and operator qualified and no SET clause, so PostgreSQL inlines
-- it into the calling query and plans it with the caller's arguments, as fast as the query written out.

CREATE OR REPLACE FUNCTION films.conversation_history(p_session_id uuid)
RETURNS TABLE (sequence_number integer, type text, content text, agent text, ts timestamptz)
LANGUAGE sql
STABLE
AS $$
    SELECT c.* FROM (
        SELECT q.sequence_number, 'question', q.content, NULL, q.asked_at
        FROM films.questions AS q WHERE q.session_id OPERATOR(pg_catalog.=) p_session_id
        UNION ALL
        SELECT a.sequence_number, 'answer', a.content, a.agent_name, a.answered_at
        FROM films.answers AS a WHERE a.session_id OPERATOR(pg_catalog.=) p_session_id
    ) AS c (sequence_number, type, content, agent, ts)
    ORDER BY c.sequence_number, c.ts
$$;

COMMENT ON FUNCTION films.conversation_history(uuid) IS 'Questions and answers of a session, in order.';

CREATE OR REPLACE FUNCTION films.agent_workflow(p_session_id uuid)
RETURNS TABLE (from_agent text, to_agent text, transfer_reason text, transferred_at timestamptz)
LANGUAGE sql
STABLE
AS $$
    SELECT t.from_agent, t.to_agent, t.transfer_reason, t.transferred_at
    FROM films.agent_transfers AS t
    WHERE t.session_id OPERATOR(pg_catalog.=) p_session_id
    ORDER BY t.transferred_at
$$;

COMMENT ON FUNCTION films.agent_workflow(uuid) IS 'The agent transfer flow of a session, in order.';

CREATE OR REPLACE FUNCTION films.state_evolution(p_session_id uuid)
RETURNS TABLE (sequence_number integer, created_at timestamptz, agent_name text, state_delta jsonb)
LANGUAGE sql
STABLE
AS $$
    SELECT e.sequence_number, e.created_at, e.agent_name, e.state_delta
    FROM films.events AS e
    WHERE e.session_id OPERATOR(pg_catalog.=) p_session_id AND e.state_delta IS NOT NULL
    ORDER BY e.sequence_number
$$;

COMMENT ON FUNCTION films.state_evolution(uuid) IS 'Every state change of a session, in order.';

CREATE OR REPLACE FUNCTION films.search_films(p_query text, p_limit integer DEFAULT 20)
RETURNS TABLE (id uuid, title text, historical_subject text, similarity real)
LANGUAGE sql
STABLE
AS $$
    SELECT f.id, f.title, f.historical_subject, {{ extension_schema }}.similarity(f.title, p_query) AS sim
    FROM films.film_projects AS f
    WHERE f.title OPERATOR({{ extension_schema }}.%) p_query
    ORDER BY sim DESC, f.title
    LIMIT p_limit
$$;

COMMENT ON FUNCTION films.search_films(text, integer) IS
'Film projects whose title is similar to p_query (pg_trgm %, trigram index), most similar first.';

-- On a Citus cluster the four functions above run as functions of their own, not inlined: Citus
-- plans a statement as distributed when the statement itself names a distributed table, and
-- refuses one that reaches a distributed table only once PostgreSQL has inlined a function into it
-- ("parameterized queries for SQL functions referencing distributed tables are not supported").
-- A SET clause keeps PostgreSQL from inlining them; each function's own statement is then planned
-- by Citus, and routed to the session's shard by its session_id. On one server (no citus
-- extension) nothing changes: they are inlined, as tests/films/11_distribution.sql checks.
DO $citus$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        ALTER FUNCTION films.conversation_history(uuid) SET search_path = pg_catalog, pg_temp;
        ALTER FUNCTION films.agent_workflow(uuid) SET search_path = pg_catalog, pg_temp;
        ALTER FUNCTION films.state_evolution(uuid) SET search_path = pg_catalog, pg_temp;
        ALTER FUNCTION films.search_films(text, integer) SET search_path = pg_catalog, pg_temp;
    END IF;
END
$citus$;
