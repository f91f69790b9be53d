-- langgraph.delete_thread / delete_for_runs: BaseCheckpointSaver.delete_thread and delete_for_runs.
-- A thread is locked (FOR UPDATE on its row) before its rows go, so no write of it lands half-way.

CREATE OR REPLACE FUNCTION langgraph.delete_thread(p_thread_id text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_created timestamptz;
    v_count bigint;
BEGIN
    PERFORM langgraph.check_thread_id(p_thread_id);
    SELECT t.created_at INTO v_created FROM langgraph.threads AS t WHERE t.thread_id = p_thread_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    DELETE FROM langgraph.checkpoint_writes AS w WHERE w.thread_id = p_thread_id AND w.thread_created_at = v_created;
    DELETE FROM langgraph.checkpoint_blobs AS b WHERE b.thread_id = p_thread_id AND b.thread_created_at = v_created;
    DELETE FROM langgraph.checkpoints AS c WHERE c.thread_id = p_thread_id AND c.thread_created_at = v_created;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    DELETE FROM langgraph.threads AS t WHERE t.thread_id = p_thread_id;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.delete_thread(text) IS
'Removes a thread with all its checkpoints, blobs and writes in every namespace; returns the number
of checkpoints removed (0 for an unknown thread). Errors: 22004 no thread_id.';

-- The blobs of a thread's namespace that no checkpoint of it names in its channel_versions.
CREATE OR REPLACE FUNCTION langgraph.delete_unreferenced_blobs(
    p_thread_id text, p_created timestamptz, p_checkpoint_ns text
)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    -- The versions still read, once (a hash anti join), not one scan of the checkpoints per blob.
    WITH referenced AS MATERIALIZED (
        SELECT DISTINCT v.key AS channel, v.value AS version
        FROM langgraph.checkpoints AS c
        CROSS JOIN LATERAL jsonb_each_text(c.checkpoint -> 'channel_versions') AS v
        WHERE c.thread_id = p_thread_id AND c.thread_created_at = p_created AND c.checkpoint_ns = p_checkpoint_ns
    )
    DELETE FROM langgraph.checkpoint_blobs AS b
    WHERE b.thread_id = p_thread_id AND b.thread_created_at = p_created AND b.checkpoint_ns = p_checkpoint_ns
      AND NOT EXISTS (SELECT 1 FROM referenced AS r WHERE r.channel = b.channel AND r.version = b.version);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.delete_unreferenced_blobs(text, timestamptz, text) IS
'Deletes the blobs of a thread''s namespace that no remaining checkpoint of it reads; the caller holds
the thread''s lock (a put stores its blobs and its checkpoint in one transaction).';

CREATE OR REPLACE FUNCTION langgraph.delete_for_runs(p_run_ids text[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_thread record;
    v_ns text;
    v_deleted text[];
    v_count bigint := 0;
BEGIN
    FOR v_thread IN
        SELECT t.thread_id, t.created_at FROM langgraph.threads AS t
        WHERE t.thread_id IN (SELECT c.thread_id FROM langgraph.checkpoints AS c
                              WHERE c.metadata ? 'run_id' AND c.metadata ->> 'run_id' = ANY (p_run_ids))
        ORDER BY t.thread_id
    LOOP
        -- Locked by its key, one thread at a time (Citus locks rows only in a statement on one shard).
        PERFORM FROM langgraph.threads AS t WHERE t.thread_id = v_thread.thread_id FOR UPDATE;
        CONTINUE WHEN NOT FOUND;
        FOR v_ns IN
            SELECT DISTINCT c.checkpoint_ns FROM langgraph.checkpoints AS c
            WHERE c.thread_id = v_thread.thread_id AND c.thread_created_at = v_thread.created_at
              AND c.metadata ? 'run_id' AND c.metadata ->> 'run_id' = ANY (p_run_ids)
        LOOP
            WITH gone AS (
                DELETE FROM langgraph.checkpoints AS c
                WHERE c.thread_id = v_thread.thread_id AND c.thread_created_at = v_thread.created_at
                  AND c.checkpoint_ns = v_ns AND c.metadata ? 'run_id' AND c.metadata ->> 'run_id' = ANY (p_run_ids)
                RETURNING c.checkpoint_id
            )
            SELECT array_agg(g.checkpoint_id) INTO v_deleted FROM gone AS g;
            v_count := v_count + cardinality(v_deleted);
            PERFORM langgraph.forget_checkpoints(v_thread.thread_id, v_thread.created_at, v_ns, v_deleted);
        END LOOP;
    END LOOP;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.delete_for_runs(text[]) IS
'Removes the checkpoints whose metadata run_id is one of p_run_ids, in every thread and namespace,
with their writes and the blobs no remaining checkpoint reads; a remaining checkpoint whose parent
went loses its parent link. Returns the number of checkpoints removed.';

-- What goes with checkpoints just deleted from a thread's namespace: their writes, the parent links
-- to them, and the blobs nothing reads any more.
CREATE OR REPLACE FUNCTION langgraph.forget_checkpoints(
    p_thread_id text, p_created timestamptz, p_checkpoint_ns text, p_deleted text[]
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF coalesce(cardinality(p_deleted), 0) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM langgraph.checkpoint_writes AS w
    WHERE w.thread_id = p_thread_id AND w.thread_created_at = p_created AND w.checkpoint_ns = p_checkpoint_ns
      AND w.checkpoint_id = ANY (p_deleted);
    UPDATE langgraph.checkpoints AS c SET parent_checkpoint_id = NULL
    WHERE c.thread_id = p_thread_id AND c.thread_created_at = p_created AND c.checkpoint_ns = p_checkpoint_ns
      AND c.parent_checkpoint_id = ANY (p_deleted);
    PERFORM langgraph.delete_unreferenced_blobs(p_thread_id, p_created, p_checkpoint_ns);
END
$$;

COMMENT ON FUNCTION langgraph.forget_checkpoints(text, timestamptz, text, text[]) IS
'After checkpoints of a thread''s namespace were deleted: their writes, the parent links to them and
the blobs no remaining checkpoint reads go too.';

REVOKE ALL ON FUNCTION langgraph.delete_thread(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.delete_unreferenced_blobs(text, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.delete_for_runs(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.forget_checkpoints(text, timestamptz, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION langgraph.delete_thread(text) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION langgraph.delete_for_runs(text[]) TO {{ app_role }};
