-- memory: remembering, recalling and consolidating (spec 004 "Memory Storage Requirements").
--   remember(agent, type, content, embedding, importance, ...): a new memory;
--   nearest_memories, approximate_nearest_memories, exact_nearest_memories: the searches
--     recall_memories (functions/memory/recall.sql) runs;
--   consolidate_memories(agent, sources, type, content, embedding): the consolidated memory and its
--     consolidation row in one transaction, with tokens_saved.
-- Effective importance = importance * exp(-decay_rate * days since last_accessed): a memory fades
-- unless recalled, and recalling it makes it fresh again (last_accessed = now).
-- All are SECURITY INVOKER: the application reaches an agent's memories under row-level security.

CREATE OR REPLACE FUNCTION memory.effective_importance(
    p_importance double precision, p_decay_rate double precision, p_last_accessed timestamptz, p_now timestamptz
)
RETURNS double precision
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
-- No SET clause, so that the planner inlines it into recall_memories' statement (a call with a SET
-- clause runs as a function of its own for each row); every function and operator is qualified.
AS $$
    SELECT p_importance OPERATOR(pg_catalog.*) pg_catalog.exp(
        OPERATOR(pg_catalog.-) p_decay_rate
        OPERATOR(pg_catalog.*) greatest(pg_catalog.extract('epoch', p_now OPERATOR(pg_catalog.-) p_last_accessed), 0)
        OPERATOR(pg_catalog./) 86400.0
    )
$$;

COMMENT ON FUNCTION memory.effective_importance(double precision, double precision, timestamptz, timestamptz) IS
'importance * exp(-decay_rate * days since last access): the importance a memory still has at p_now.';

CREATE OR REPLACE FUNCTION memory.remember(
    p_agent_id uuid, p_memory_type text, p_content jsonb,
    p_embedding {{ extension_schema }}.vector, p_importance double precision DEFAULT 0.5,
    p_decay_rate double precision DEFAULT 0.1, p_source_message_id uuid DEFAULT NULL,
    p_related_memories uuid[] DEFAULT NULL, p_expires_at timestamptz DEFAULT NULL, p_now timestamptz DEFAULT now()
)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id uuid;
    v_now timestamptz := core.application_time(p_now);
BEGIN
    IF p_embedding IS NOT NULL AND {{ extension_schema }}.vector_dims(p_embedding) <> {{ memory_embedding_dim }} THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('an embedding has %s dimensions, not %s',
                             {{ memory_embedding_dim }}, {{ extension_schema }}.vector_dims(p_embedding)),
            HINT = 'Embed with the model the database is configured for (memory_embedding_dim).';
    END IF;
    INSERT INTO memory.agent_memories (
        agent_id, memory_type, content, embeddings, importance, decay_rate, related_memories, source_message_id,
        last_accessed, created_at, expires_at
    )
    VALUES (
        p_agent_id, p_memory_type, p_content, p_embedding, p_importance, p_decay_rate, p_related_memories,
        p_source_message_id, v_now, v_now, p_expires_at
    )
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION memory.remember(
    uuid, text, jsonb, {{ extension_schema }}.vector, double precision, double precision, uuid, uuid[],
    timestamptz, timestamptz
) IS
'Stores a memory of an agent and returns its id; the table''s constraints check type, content keys,
importance and decay. p_now (created_at, last_accessed) is the application''s: core.application_time.';

-- An inlinable SQL function (no SET clause, hence no pinned search_path: every name and operator in
-- it is schema-qualified instead): the planner sees through it, so the HNSW index serves its
-- ORDER BY ... LIMIT, and EXPLAIN shows it.
CREATE OR REPLACE FUNCTION memory.nearest_memories(
    p_agent_id uuid, p_query {{ extension_schema }}.vector, p_k integer, p_types text[],
    p_min_importance double precision, p_now timestamptz
)
RETURNS TABLE (id uuid, distance double precision)
LANGUAGE sql
STABLE
AS $$
    SELECT m.id, m.embeddings OPERATOR({{ extension_schema }}.<=>) p_query
    FROM memory.agent_memories AS m
    WHERE m.agent_id OPERATOR(pg_catalog.=) p_agent_id
      AND (p_types IS NULL OR m.memory_type OPERATOR(pg_catalog.=) ANY (p_types))
      AND m.importance OPERATOR(pg_catalog.>=) p_min_importance
      AND (m.expires_at IS NULL OR m.expires_at OPERATOR(pg_catalog.>) p_now)
    ORDER BY m.embeddings OPERATOR({{ extension_schema }}.<=>) p_query
    LIMIT p_k
$$;

COMMENT ON FUNCTION memory.nearest_memories(
    uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
) IS
'The k memories of an agent nearest to a query embedding by cosine distance, filtered by type,
importance and expiry: the index search recall_memories ranks.';

-- hnsw.ef_search bounds the candidates of one pass of the index: recall_memories sets it to 2k, at
-- least 40 (measured: recall@10 0.995 at 40 on 100,000 memories, no better at 100), at most 1,000
-- (pgvector's limit), and its SET clause restores the caller's value on return. The iterative scan
-- goes on until k rows pass the filters (or hnsw.max_scan_tuples). pgvector defines its settings
-- when its library loads; a vector value loads it, so that the SET clauses below name known
-- settings (a placeholder would need a superuser).
SELECT '[0]'::{{ extension_schema }}.vector IS NOT NULL AS vector_loaded;

-- The same search forced onto the HNSW index. With embeddings of 1536 dimensions stored out of line
-- (TOAST), the planner prices "every memory of the agent through a b-tree, then sort by distance" far
-- below its real cost, which detoasts each embedding (measured: 150 ms for an agent of 15,000
-- memories); with sorting disabled only the HNSW index can produce the order.
CREATE OR REPLACE FUNCTION memory.approximate_nearest_memories(
    p_agent_id uuid, p_query {{ extension_schema }}.vector, p_k integer, p_types text[],
    p_min_importance double precision, p_now timestamptz
)
RETURNS TABLE (id uuid, distance double precision)
LANGUAGE sql
STABLE
ROWS 10
SET search_path = pg_catalog, pg_temp
SET enable_sort = off
SET "hnsw.iterative_scan" = 'relaxed_order'
AS $$
    SELECT n.id, n.distance FROM memory.nearest_memories(p_agent_id, p_query, p_k, p_types, p_min_importance, p_now) AS n
$$;

COMMENT ON FUNCTION memory.approximate_nearest_memories(
    uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
) IS
'nearest_memories through the HNSW index (iterative scan), whatever the planner''s estimates: for
agents with many matching memories.';

-- The same search, exact by construction: it orders the rows of a subquery that OFFSET 0 keeps from
-- being merged into it, and no index orders a subquery's output, so whatever the settings and
-- estimates the plan is the agent's memories through the b-tree, each distance computed once (an
-- embedding is detoasted once: an ORDER BY on another expression of it would detoast it twice), then
-- a top-k sort. recall_memories uses it for up to 1,000 matching memories, where
-- the HNSW index with a selective filter would walk most of the graph (measured: 94 ms for an agent
-- of 505 of 100,000 memories, against 3-4 ms exact). Inlinable (no SET clause; names qualified).
-- The importance filter is written `(importance >= p_min_importance) IS TRUE` (the same rows: the
-- column is NOT NULL) so that no plan can serve it from idx_memories_importance: recall_memories
-- keeps one generic plan of this search per session, and a generic plan, which knows neither the
-- agent nor the threshold, read every entry of that index for an agent of 10 memories (a BitmapAnd;
-- tests/memory/07_plans.sql).
CREATE OR REPLACE FUNCTION memory.exact_nearest_memories(
    p_agent_id uuid, p_query {{ extension_schema }}.vector, p_k integer, p_types text[],
    p_min_importance double precision, p_now timestamptz
)
RETURNS TABLE (id uuid, distance double precision)
LANGUAGE sql
STABLE
AS $$
    SELECT c.id, c.distance FROM (
        SELECT m.id, m.embeddings OPERATOR({{ extension_schema }}.<=>) p_query AS distance
        FROM memory.agent_memories AS m
        WHERE m.agent_id OPERATOR(pg_catalog.=) p_agent_id
          AND (p_types IS NULL OR m.memory_type OPERATOR(pg_catalog.=) ANY (p_types))
          AND (m.importance OPERATOR(pg_catalog.>=) p_min_importance) IS TRUE
          AND (m.expires_at IS NULL OR m.expires_at OPERATOR(pg_catalog.>) p_now)
        OFFSET 0
    ) AS c
    ORDER BY c.distance
    LIMIT p_k
$$;

COMMENT ON FUNCTION memory.exact_nearest_memories(
    uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
) IS
'nearest_memories computed exactly (the agent''s memories through the b-tree, then sorted by distance;
never the HNSW index): for agents with few matching memories.';

-- On a Citus cluster both search functions run as functions of their own, not inlined: Citus
-- plans a statement as distributed only when the statement itself names a distributed table (a
-- table reached through an inlined function is refused), so a SET clause keeps PostgreSQL from
-- inlining nearest_memories there. recall_memories' statement names the agent, so Citus sends it
-- whole to the agent's shard, with these calls in it: each then reads the agent's memories on that
-- same node, in the same transaction, which Citus allows a function only when told
-- (citus.allow_nested_distributed_execution, set for these two read-only functions only). The
-- search then runs next to the data with its own settings (iterative HNSW scan, ef_search). On one
-- server nothing changes.
DO $citus$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        ALTER FUNCTION memory.nearest_memories(
            uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
        ) SET search_path = pg_catalog, pg_temp;
        ALTER FUNCTION memory.nearest_memories(
            uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
        ) SET citus.allow_nested_distributed_execution = on;
        ALTER FUNCTION memory.approximate_nearest_memories(
            uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
        ) SET citus.allow_nested_distributed_execution = on;
        ALTER FUNCTION memory.exact_nearest_memories(
            uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
        ) SET search_path = pg_catalog, pg_temp;
        ALTER FUNCTION memory.exact_nearest_memories(
            uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz
        ) SET citus.allow_nested_distributed_execution = on;
    END IF;
END
$citus$;

CREATE OR REPLACE FUNCTION memory.consolidate_memories(
    p_agent_id uuid, p_source_ids uuid[], p_consolidation_type text, p_content jsonb,
    p_embedding {{ extension_schema }}.vector, p_memory_type text DEFAULT 'semantic',
    p_importance double precision DEFAULT NULL, p_now timestamptz DEFAULT now()
)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_found integer;
    v_importance double precision;
    v_source_tokens integer;
    v_id uuid;
    v_now timestamptz;
BEGIN
    IF p_agent_id IS NULL OR p_source_ids IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'agent and source memories must not be NULL',
            HINT = 'Pass the agent''s id and the ids of the memories being consolidated.';
    END IF;
    v_now := core.application_time(p_now);
    IF cardinality(p_source_ids) = 0 OR array_position(p_source_ids, NULL) IS NOT NULL
       OR (SELECT count(DISTINCT s) FROM unnest(p_source_ids) AS s) <> cardinality(p_source_ids) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'source memories must be a non-empty list of distinct ids',
            HINT = 'Pass the ids of the memories being consolidated, each once.';
    END IF;
    SELECT count(*), max(m.importance), sum(ceil(octet_length(m.content::text) / 4.0))::integer
    INTO v_found, v_importance, v_source_tokens
    FROM memory.agent_memories AS m
    WHERE m.id = ANY (p_source_ids) AND m.agent_id = p_agent_id;
    IF v_found <> cardinality(p_source_ids) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('%s of the %s source memories are not memories of agent %s',
                             cardinality(p_source_ids) - v_found, cardinality(p_source_ids), p_agent_id),
            HINT = 'Consolidate only memories of one agent that exist (and are visible to the acting agent).';
    END IF;
    v_id := memory.remember(p_agent_id, p_memory_type, p_content, p_embedding, coalesce(p_importance, v_importance),
                            p_related_memories => p_source_ids, p_now => v_now);
    INSERT INTO memory.memory_consolidations (
        agent_id, source_memories, consolidated_memory_id, consolidation_type, tokens_saved, created_at
    )
    VALUES (
        p_agent_id, p_source_ids, v_id, p_consolidation_type,
        v_source_tokens - ceil(octet_length(p_content::text) / 4.0)::integer, v_now
    );
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION memory.consolidate_memories(
    uuid, uuid[], text, jsonb, {{ extension_schema }}.vector, text, double precision, timestamptz
) IS
'Writes a consolidated memory (related_memories = the sources, importance = theirs at most unless given)
and its memory_consolidations row in one transaction; returns the new memory''s id. tokens_saved
estimates 4 bytes of JSON per token. The sources are kept.';

REVOKE ALL ON FUNCTION
memory.effective_importance(double precision, double precision, timestamptz, timestamptz),
memory.remember(uuid, text, jsonb, {{ extension_schema }}.vector, double precision, double precision, uuid, uuid[],
                timestamptz, timestamptz),
memory.nearest_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz),
memory.approximate_nearest_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision,
                                    timestamptz),
memory.exact_nearest_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz),
memory.consolidate_memories(uuid, uuid[], text, jsonb, {{ extension_schema }}.vector, text, double precision,
                            timestamptz)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
memory.effective_importance(double precision, double precision, timestamptz, timestamptz),
memory.remember(uuid, text, jsonb, {{ extension_schema }}.vector, double precision, double precision, uuid, uuid[],
                timestamptz, timestamptz),
memory.nearest_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz),
memory.approximate_nearest_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision,
                                    timestamptz),
memory.exact_nearest_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz),
memory.consolidate_memories(uuid, uuid[], text, jsonb, {{ extension_schema }}.vector, text, double precision,
                            timestamptz)
TO {{ app_role }};
