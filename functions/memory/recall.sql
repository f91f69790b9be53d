-- memory.recall_memories(agent, query, k, types, min_importance): the k nearest memories of an agent
-- by cosine distance, ranked by similarity x effective importance, their access recorded (spec 004
-- "Memory Storage Requirements"; docs/memory.md "Memories"). The searches are in
-- functions/memory/memories.sql (nearest_memories through the HNSW index, exact_nearest_memories
-- through the b-tree); the accesses go to memory.memory_accesses through record_memory_accesses
-- (functions/memory/memory_accesses.sql), folded into access_count and last_accessed by maintenance.
-- SECURITY INVOKER: the application reaches an agent's memories under row-level security.

-- pgvector defines its settings when its library loads; a vector value loads it, so that the SET
-- clauses below name known settings (a placeholder would need a superuser).
SELECT '[0]'::{{ extension_schema }}.vector IS NOT NULL AS vector_loaded;

CREATE OR REPLACE FUNCTION memory.recall_memories(
    p_agent_id uuid, p_query_embedding {{ extension_schema }}.vector, p_k integer DEFAULT 10,
    p_types text[] DEFAULT NULL, p_min_importance double precision DEFAULT 0, p_now timestamptz DEFAULT now()
)
RETURNS TABLE (
    memory_id uuid, memory_type text, content jsonb, similarity double precision,
    effective_importance double precision, score double precision
)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET "hnsw.iterative_scan" = 'relaxed_order'
SET "hnsw.ef_search" = '40'
SET enable_sort = off
SET enable_seqscan = off
SET plan_cache_mode = 'force_generic_plan'
AS $$
DECLARE
    v_approximate boolean;
    v_now timestamptz;
    v_ids uuid[] := '{}';
BEGIN
    IF p_agent_id IS NULL OR p_query_embedding IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'agent and query embedding are required',
            HINT = 'Pass the agent''s id and the embedding of what to recall.';
    END IF;
    IF p_k IS NULL OR p_min_importance IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'k and min_importance must not be NULL',
            HINT = 'Leave them out for their defaults (10 and 0).';
    END IF;
    IF p_k < 1 OR p_k > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('k must be between 1 and 1000, not %s', p_k),
            HINT = 'Ask for the few memories the context has room for.';
    END IF;
    IF NOT p_min_importance BETWEEN 0 AND 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('min_importance must be in [0, 1], not %s', p_min_importance),
            HINT = 'Importance is a fraction: 0 recalls everything.';
    END IF;
    IF p_types IS NOT NULL
       AND (cardinality(p_types) = 0 OR NOT p_types <@ ARRAY['episodic', 'semantic', 'procedural', 'working']) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown memory types in %s', p_types),
            HINT = 'Memory types are episodic, semantic, procedural and working; NULL means all.';
    END IF;
    -- recall writes last_accessed: a time ahead would keep its memories from fading until then. The
    -- default, p_now = now(), is what core.application_time returns for it, without the call.
    v_now := CASE WHEN p_now = now() THEN p_now ELSE core.application_time(p_now) END;
    PERFORM set_config('hnsw.ef_search', least(greatest(2 * p_k, 40), 1000)::text, TRUE);
    -- Up to 1,000 matching memories an exact search (b-tree, then sort) is fast and exact; beyond,
    -- the HNSW index (these conditions are nearest_memories' filter). The count reads the covering
    -- index idx_memories_agent_type alone (schema/memory/0020); its importance filter is written as
    -- in exact_nearest_memories, so that its generic plan (below) cannot read idx_memories_importance.
    v_approximate := (
        SELECT count(*) > 1000 FROM (
            SELECT FROM memory.agent_memories AS m
            WHERE m.agent_id = p_agent_id AND (p_types IS NULL OR m.memory_type = ANY (p_types))
              AND (m.importance >= p_min_importance) IS TRUE AND (m.expires_at IS NULL OR m.expires_at > v_now)
            LIMIT 1001
        ) AS c
    );
    -- Two statements, one per search, each planned once per session and kept (plan_cache_mode
    -- force_generic_plan, a SET clause, as for the count above): planned on every call, the
    -- statement around the exact search cost 0.15-0.5 ms (measured on the benchmark's volume), the
    -- largest part of what recall added to a 2-4 ms search, and the HNSW one 0.25 ms. Their generic
    -- plans cannot go wrong for an agent of any size (tests/memory/07_plans.sql, generic plans):
    -- - the HNSW one: with sorts disabled only the HNSW index can order nearest_memories;
    -- - the exact one: exact_nearest_memories orders a subquery's output, which no index serves, and
    --   reads the agent's memories through idx_memories_agent_type, the only index its conditions
    --   can use (sequential scans are disabled, and its importance filter is written so that
    --   idx_memories_importance cannot serve it: a generic plan read every entry of that index),
    --   whatever share of the table a generic plan assumes an agent has. Only agents with up to
    --   1,000 matching memories take it.
    -- On a Citus cluster the count and the exact statement are planned on each call, as Citus cannot
    -- plan them as distributed statements with parameters (the DO block below sets plan_cache_mode
    -- auto there): only the HNSW statement keeps its generic plan, set here for it (which changes
    -- nothing on one server).
    IF v_approximate THEN
        PERFORM set_config('plan_cache_mode', 'force_generic_plan', TRUE);
        FOR memory_id, memory_type, content, similarity, effective_importance, score IN
        WITH nearest AS MATERIALIZED (
            SELECT a.id, a.distance
            FROM memory.nearest_memories(p_agent_id, p_query_embedding, p_k, p_types, p_min_importance, v_now) AS a
        ),
        recalled AS MATERIALIZED (
            -- A memory's last access is the later of its folded last_accessed and its accesses
            -- still waiting in memory.memory_accesses (the end of its range in their index), so the
            -- decay is measured from it.
            SELECT m.id, m.memory_type, m.content, n.distance,
                   memory.effective_importance(m.importance, m.decay_rate, greatest(m.last_accessed, (
                       SELECT max(q.accessed_at) FROM memory.memory_accesses AS q
                       WHERE q.agent_id = p_agent_id AND q.memory_id = m.id
                   )), v_now) AS importance
            FROM nearest AS n INNER JOIN memory.agent_memories AS m ON m.agent_id = p_agent_id AND m.id = n.id
        )
        SELECT r.id, r.memory_type, r.content, 1 - r.distance, r.importance, (1 - r.distance) * r.importance
        FROM recalled AS r
        ORDER BY 6 DESC, r.distance
        LOOP
            v_ids := v_ids || memory_id;
            RETURN NEXT;
        END LOOP;
    ELSE
        -- The same statement around the exact search.
        FOR memory_id, memory_type, content, similarity, effective_importance, score IN
        WITH nearest AS MATERIALIZED (
            SELECT e.id, e.distance
            FROM memory.exact_nearest_memories(p_agent_id, p_query_embedding, p_k, p_types, p_min_importance, v_now) AS e
        ),
        recalled AS MATERIALIZED (
            SELECT m.id, m.memory_type, m.content, n.distance,
                   memory.effective_importance(m.importance, m.decay_rate, greatest(m.last_accessed, (
                       SELECT max(q.accessed_at) FROM memory.memory_accesses AS q
                       WHERE q.agent_id = p_agent_id AND q.memory_id = m.id
                   )), v_now) AS importance
            FROM nearest AS n INNER JOIN memory.agent_memories AS m ON m.agent_id = p_agent_id AND m.id = n.id
        )
        SELECT r.id, r.memory_type, r.content, 1 - r.distance, r.importance, (1 - r.distance) * r.importance
        FROM recalled AS r
        ORDER BY 6 DESC, r.distance
        LOOP
            v_ids := v_ids || memory_id;
            RETURN NEXT;
        END LOOP;
    END IF;
    -- The access is recorded, not applied: rows appended to an unlogged table, so that the read
    -- writes no WAL and its commit waits for no flush; maintenance folds them into access_count and
    -- last_accessed (memory.fold_memory_accesses), in one audited UPDATE.
    IF cardinality(v_ids) > 0 THEN
        PERFORM memory.record_memory_accesses(p_agent_id, v_ids, v_now);
    END IF;
END
$$;

-- Citus plans a statement over a distributed table with parameters only in the forms it can route
-- (measured: a generic plan of recall's count is refused, "could not create distributed plan"):
-- there recall plans its count and exact search on each call, as before it kept generic plans.
DO $citus$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        ALTER FUNCTION memory.recall_memories(
            uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
        ) SET plan_cache_mode = 'auto';
    END IF;
END
$citus$;

COMMENT ON FUNCTION memory.recall_memories(
    uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
) IS
'The k memories of an agent nearest to the query (cosine), ranked by score = similarity (1 - cosine
distance) x effective importance; records the access of each (memory.memory_accesses), which
memory.fold_memory_accesses adds to access_count and last_accessed. Filters:
memory types (NULL: all) and importance >= min_importance (stored importance). p_now is the application''s
(core.application_time).';

REVOKE ALL ON FUNCTION
memory.recall_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
memory.recall_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz)
TO {{ app_role }};
