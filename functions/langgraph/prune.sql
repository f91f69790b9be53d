-- langgraph: pruning a thread's history safely. BaseCheckpointSaver.prune (keep_latest keeps one
-- checkpoint per namespace) and maintenance's history cap (keeps {{ langgraph_history_cap }}) both
-- keep the newest N checkpoints of each namespace *and what they need to be restored*:
--   * the blobs of the channel versions they name (blobs nothing kept names are deleted);
--   * for a DeltaChannel (metadata counters_since_delta_snapshot names it), the ancestors from the
--     checkpoint's parent back to the nearest one holding a stored value of the channel (a
--     _DeltaSnapshot blob or an inline value), with their writes: get_delta_channel_history replays
--     exactly these; each ancestor kept is itself kept restorable (its own delta channels too);
--     a thread marked delta_writes_versioned (LangGraph.js) keeps every ancestor;
--   * for a checkpoint of format v < 4, its parent if it has TASKS writes (read as pending sends).
-- A subgraph call's namespace (a ':' in it) goes whole once the root checkpoint it ran from is older
-- than every checkpoint kept in the root namespace, as PostgresSaver's keep_latest removes calls.
-- PostgresSaver refuses keep_latest on DeltaChannel threads (NotImplementedError); this keeps them.

-- Channels whose value the checkpoint does not hold itself (inline, not null, or a non-empty blob).
CREATE OR REPLACE FUNCTION langgraph.unstored_channels(
    p_thread_id text, p_created timestamptz, p_checkpoint_ns text, p_checkpoint jsonb, p_channels text[]
)
RETURNS text[]
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(DISTINCT ch.name ORDER BY ch.name), '{}')
    FROM unnest(p_channels) AS ch (name)
    WHERE coalesce(jsonb_typeof(p_checkpoint -> 'channel_values' -> ch.name), 'null') = 'null'
      AND NOT EXISTS (
          SELECT 1 FROM langgraph.checkpoint_blobs AS b
          WHERE b.thread_id = p_thread_id AND b.thread_created_at = p_created AND b.checkpoint_ns = p_checkpoint_ns
            AND b.channel = ch.name AND b.version = p_checkpoint -> 'channel_versions' ->> ch.name
            AND b.type <> 'empty'
      )
$$;

COMMENT ON FUNCTION langgraph.unstored_channels(text, timestamptz, text, jsonb, text[]) IS
'Of p_channels, those the checkpoint holds no value of (neither inline nor in a non-empty blob): a
restore replays them from ancestors.';

-- The DeltaChannel channels of a checkpoint that its own history may be needed for. A channel the
-- checkpoint snapshotted is not named (its counters were reset); '' stands for "every ancestor".
CREATE OR REPLACE FUNCTION langgraph.delta_channels(p_metadata jsonb)
RETURNS text[]
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY(
        SELECT k FROM jsonb_object_keys(CASE WHEN jsonb_typeof(p_metadata -> 'counters_since_delta_snapshot') = 'object'
                                             THEN p_metadata -> 'counters_since_delta_snapshot' ELSE '{}' END) AS k
        UNION
        SELECT '' WHERE p_metadata ? 'delta_writes_versioned'
    )
$$;

COMMENT ON FUNCTION langgraph.delta_channels(jsonb) IS
'The DeltaChannel names in a checkpoint''s metadata (counters_since_delta_snapshot), plus '''' (never
stored: keep every ancestor) for a thread marked delta_writes_versioned.';

-- The checkpoints of a thread's namespace that keeping its newest p_keep means keeping. The test
-- of unstored_channels is written out in the query (not called): on Citus the query runs on the
-- thread's shard, where a function reading a distributed table would be a nested distributed query.
CREATE OR REPLACE FUNCTION langgraph.kept_checkpoints(
    p_thread_id text, p_created timestamptz, p_checkpoint_ns text, p_keep integer
)
RETURNS TABLE (checkpoint_id text)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE newest AS MATERIALIZED (
        SELECT c.checkpoint_id, c.parent_checkpoint_id, c.checkpoint, c.metadata
        FROM langgraph.checkpoints AS c
        WHERE c.thread_id = p_thread_id AND c.thread_created_at = p_created AND c.checkpoint_ns = p_checkpoint_ns
        ORDER BY c.checkpoint_id DESC
        LIMIT p_keep
    ),
    walk (checkpoint_id, parent_id, pending) AS (
        SELECT n.checkpoint_id, n.parent_checkpoint_id,
               (SELECT coalesce(array_agg(DISTINCT ch.name ORDER BY ch.name), '{}')
                FROM unnest(langgraph.delta_channels(n.metadata)) AS ch (name)
                WHERE coalesce(jsonb_typeof(n.checkpoint -> 'channel_values' -> ch.name), 'null') = 'null'
                  AND NOT EXISTS (
                      SELECT 1 FROM langgraph.checkpoint_blobs AS b
                      WHERE b.thread_id = p_thread_id AND b.thread_created_at = p_created
                        AND b.checkpoint_ns = p_checkpoint_ns AND b.channel = ch.name
                        AND b.version = n.checkpoint -> 'channel_versions' ->> ch.name AND b.type <> 'empty'))
        FROM newest AS n
        UNION
        -- the parent of a checkpoint of format v < 4 (its pending sends are the parent's TASKS writes)
        SELECT n.parent_checkpoint_id, NULL, '{}'::text[]
        FROM newest AS n
        WHERE n.parent_checkpoint_id IS NOT NULL AND coalesce((n.checkpoint ->> 'v')::integer, 1) < 4
          AND EXISTS (SELECT 1 FROM langgraph.checkpoint_writes AS w
                      WHERE w.thread_id = p_thread_id AND w.thread_created_at = p_created
                        AND w.checkpoint_ns = p_checkpoint_ns AND w.checkpoint_id = n.parent_checkpoint_id
                        AND w.channel = '__pregel_tasks')
        UNION
        SELECT p.checkpoint_id, p.parent_checkpoint_id,
               (SELECT coalesce(array_agg(DISTINCT ch.name ORDER BY ch.name), '{}')
                FROM unnest(ARRAY(SELECT unnest(w.pending) UNION SELECT unnest(langgraph.delta_channels(p.metadata)))) AS ch (name)
                WHERE coalesce(jsonb_typeof(p.checkpoint -> 'channel_values' -> ch.name), 'null') = 'null'
                  AND NOT EXISTS (
                      SELECT 1 FROM langgraph.checkpoint_blobs AS b
                      WHERE b.thread_id = p_thread_id AND b.thread_created_at = p_created
                        AND b.checkpoint_ns = p_checkpoint_ns AND b.channel = ch.name
                        AND b.version = p.checkpoint -> 'channel_versions' ->> ch.name AND b.type <> 'empty'))
        FROM walk AS w
        INNER JOIN langgraph.checkpoints AS p
            ON p.thread_id = p_thread_id AND p.thread_created_at = p_created AND p.checkpoint_ns = p_checkpoint_ns
           AND p.checkpoint_id = w.parent_id
        WHERE cardinality(w.pending) > 0
    )
    SELECT DISTINCT w.checkpoint_id FROM walk AS w
$$;

COMMENT ON FUNCTION langgraph.kept_checkpoints(text, timestamptz, text, integer) IS
'The newest p_keep checkpoints of a thread''s namespace and every ancestor they need to be restored
(DeltaChannel histories back to their stored values, the parent of a pre-v4 checkpoint).';

CREATE OR REPLACE FUNCTION langgraph.prune_thread(p_thread_id text, p_keep integer)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_created timestamptz;
    v_ns text;
    v_oldest_root text;
    v_calls text[];
    v_kept text[];
    v_deleted text[];
    v_count bigint := 0;
    v_n bigint;
BEGIN
    PERFORM langgraph.check_thread_id(p_thread_id);
    IF p_keep IS NULL OR p_keep < 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('a prune keeps at least one checkpoint per namespace, not %s', coalesce(p_keep::text, 'NULL')),
            HINT = 'To remove a thread whole, use langgraph.delete_thread().';
    END IF;
    SELECT t.created_at INTO v_created FROM langgraph.threads AS t WHERE t.thread_id = p_thread_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    -- Root namespace first: which subgraph calls ran from checkpoints it no longer keeps.
    FOR v_ns IN
        SELECT DISTINCT c.checkpoint_ns FROM langgraph.checkpoints AS c
        WHERE c.thread_id = p_thread_id AND c.thread_created_at = v_created
        ORDER BY c.checkpoint_ns
    LOOP
        IF v_ns <> '' AND strpos(v_ns, ':') > 0 AND v_oldest_root IS NOT NULL
           AND (SELECT max(c.metadata -> 'parents' ->> '') FROM langgraph.checkpoints AS c
                WHERE c.thread_id = p_thread_id AND c.thread_created_at = v_created AND c.checkpoint_ns = v_ns)
               < v_oldest_root THEN
            v_calls := array_append(v_calls, v_ns);
            CONTINUE;
        END IF;
        IF (SELECT count(*) FROM langgraph.checkpoints AS c
            WHERE c.thread_id = p_thread_id AND c.thread_created_at = v_created AND c.checkpoint_ns = v_ns) <= p_keep THEN
            IF v_ns = '' THEN
                SELECT min(c.checkpoint_id) INTO v_oldest_root FROM langgraph.checkpoints AS c
                WHERE c.thread_id = p_thread_id AND c.thread_created_at = v_created AND c.checkpoint_ns = '';
            END IF;
            CONTINUE;  -- every checkpoint is among the newest p_keep
        END IF;
        v_kept := ARRAY(SELECT k.checkpoint_id FROM langgraph.kept_checkpoints(p_thread_id, v_created, v_ns, p_keep) AS k);
        IF v_ns = '' THEN
            SELECT min(k) INTO v_oldest_root FROM unnest(v_kept) AS k;
        END IF;
        WITH gone AS (
            DELETE FROM langgraph.checkpoints AS c
            WHERE c.thread_id = p_thread_id AND c.thread_created_at = v_created AND c.checkpoint_ns = v_ns
              AND c.checkpoint_id <> ALL (v_kept)
            RETURNING c.checkpoint_id
        )
        SELECT array_agg(g.checkpoint_id) INTO v_deleted FROM gone AS g;
        v_count := v_count + coalesce(cardinality(v_deleted), 0);
        PERFORM langgraph.forget_checkpoints(p_thread_id, v_created, v_ns, v_deleted);
    END LOOP;

    IF v_calls IS NOT NULL THEN
        DELETE FROM langgraph.checkpoint_writes AS w
        WHERE w.thread_id = p_thread_id AND w.thread_created_at = v_created AND w.checkpoint_ns = ANY (v_calls);
        DELETE FROM langgraph.checkpoint_blobs AS b
        WHERE b.thread_id = p_thread_id AND b.thread_created_at = v_created AND b.checkpoint_ns = ANY (v_calls);
        DELETE FROM langgraph.checkpoints AS c
        WHERE c.thread_id = p_thread_id AND c.thread_created_at = v_created AND c.checkpoint_ns = ANY (v_calls);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_count := v_count + v_n;
    END IF;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.prune_thread(text, integer) IS
'Keeps the newest p_keep checkpoints of each namespace of a thread and what they need to be restored
(langgraph.kept_checkpoints); removes the other checkpoints with their writes, the blobs nothing kept
reads, and the subgraph calls that ran from root checkpoints older than every one kept. Returns the
number of checkpoints removed. Errors: 22004 no thread_id, 22023 p_keep below 1.';

CREATE OR REPLACE FUNCTION langgraph.prune(p_thread_ids text[], p_strategy text DEFAULT 'keep_latest')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_thread text;
    v_count bigint := 0;
BEGIN
    IF p_strategy IS NULL OR p_strategy NOT IN ('keep_latest', 'delete') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown prune strategy %L', p_strategy),
            HINT = 'Use keep_latest (the newest checkpoint of each namespace and what it needs) or delete.';
    END IF;
    -- In thread order, so two prunes of overlapping threads lock them in one order.
    FOR v_thread IN SELECT DISTINCT t FROM unnest(p_thread_ids) AS t ORDER BY t LOOP
        IF p_strategy = 'delete' THEN
            v_count := v_count + langgraph.delete_thread(v_thread);
        ELSE
            v_count := v_count + langgraph.prune_thread(v_thread, 1);
        END IF;
    END LOOP;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.prune(text[], text) IS
'BaseCheckpointSaver.prune: keep_latest keeps each namespace''s newest checkpoint and what it needs
(safe with DeltaChannel), delete removes the threads whole. Returns the checkpoints removed.
Errors: 22023 unknown strategy.';

REVOKE ALL ON FUNCTION langgraph.unstored_channels(text, timestamptz, text, jsonb, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.delta_channels(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.kept_checkpoints(text, timestamptz, text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.prune_thread(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.prune(text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION langgraph.prune_thread(text, integer) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION langgraph.prune(text[], text) TO {{ app_role }};
