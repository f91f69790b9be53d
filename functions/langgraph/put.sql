-- langgraph.put_checkpoint / put_writes: what AgentDbSaver.put and put_writes store, one call each
-- (one round trip). The serialization is the client's (LangGraph's serde), as langgraph-checkpoint-
-- postgres does it: blobs per channel version, primitive values inline in the checkpoint, writes per
-- task and index (special channels at negative indexes, replaced when written again).

CREATE OR REPLACE FUNCTION langgraph.put_checkpoint(
    p_thread_id text,
    p_checkpoint_ns text,
    p_checkpoint_id text,
    p_parent_checkpoint_id text,
    p_checkpoint jsonb,
    p_metadata jsonb,
    p_created_at timestamptz DEFAULT NULL,
    p_blob_channels text[] DEFAULT '{}',
    p_blob_versions text[] DEFAULT '{}',
    p_blob_types text[] DEFAULT '{}',
    p_blobs bytea[] DEFAULT '{}'
)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_created timestamptz;
BEGIN
    PERFORM langgraph.check_thread_id(p_thread_id);
    IF p_checkpoint_id IS NULL OR p_checkpoint IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'a checkpoint and its id are required',
            HINT = 'put_checkpoint stores one LangGraph checkpoint (its "id" is the checkpoint_id).';
    END IF;
    IF cardinality(p_blob_channels) IS DISTINCT FROM cardinality(p_blob_versions)
       OR cardinality(p_blob_channels) IS DISTINCT FROM cardinality(p_blob_types)
       OR cardinality(p_blob_channels) IS DISTINCT FROM cardinality(p_blobs) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'blob channels, versions, types and values must be arrays of one length',
            HINT = 'One element per channel version stored.';
    END IF;
    v_created := langgraph.touch_thread(p_thread_id);
    INSERT INTO langgraph.checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob, thread_created_at)
    SELECT p_thread_id, coalesce(p_checkpoint_ns, ''), b.channel, b.version, b.type, b.blob, v_created
    FROM unnest(p_blob_channels, p_blob_versions, p_blob_types, p_blobs) AS b (channel, version, type, blob)
    ON CONFLICT (thread_id, checkpoint_ns, channel, version, thread_created_at) DO NOTHING;
    INSERT INTO langgraph.checkpoints AS c (
        thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata, created_at,
        thread_created_at
    )
    VALUES (p_thread_id, coalesce(p_checkpoint_ns, ''), p_checkpoint_id, p_parent_checkpoint_id, p_checkpoint,
            coalesce(p_metadata, '{}'), coalesce(p_created_at, now()), v_created)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, thread_created_at) DO UPDATE
    SET checkpoint = excluded.checkpoint, metadata = excluded.metadata;
END
$$;

COMMENT ON FUNCTION langgraph.put_checkpoint(text, text, text, text, jsonb, jsonb, timestamptz, text[], text[], text[], bytea[]) IS
'Stores a checkpoint (replacing one of the same id) and the blobs of its new channel versions (kept
if already there), making the thread if missing and moving its last activity to now().
Errors: 22004 no thread_id or checkpoint, 22023 blob arrays of different lengths.';

CREATE OR REPLACE FUNCTION langgraph.put_writes(
    p_thread_id text,
    p_checkpoint_ns text,
    p_checkpoint_id text,
    p_task_id text,
    p_task_path text,
    p_idx integer[],
    p_channels text[],
    p_types text[],
    p_blobs bytea[],
    p_replace boolean DEFAULT FALSE
)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_created timestamptz;
BEGIN
    IF p_checkpoint_id IS NULL OR p_task_id IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'pending writes need their checkpoint_id and task_id',
            HINT = 'put_writes stores the writes of one task of one checkpoint.';
    END IF;
    IF cardinality(p_idx) IS DISTINCT FROM cardinality(p_channels)
       OR cardinality(p_idx) IS DISTINCT FROM cardinality(p_types)
       OR cardinality(p_idx) IS DISTINCT FROM cardinality(p_blobs) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'write indexes, channels, types and values must be arrays of one length',
            HINT = 'One element per write.';
    END IF;
    v_created := langgraph.thread_for_write(p_thread_id);
    IF p_replace THEN
        -- Special channels: the last write of an index wins, as with one upsert per write.
        INSERT INTO langgraph.checkpoint_writes AS w (
            thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob, thread_created_at
        )
        SELECT DISTINCT ON (x.idx) p_thread_id, coalesce(p_checkpoint_ns, ''), p_checkpoint_id, p_task_id,
               coalesce(p_task_path, ''), x.idx, x.channel, x.type, x.blob, v_created
        FROM unnest(p_idx, p_channels, p_types, p_blobs) WITH ORDINALITY AS x (idx, channel, type, blob, n)
        ORDER BY x.idx, x.n DESC
        ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, thread_created_at) DO UPDATE
        SET channel = excluded.channel, type = excluded.type, blob = excluded.blob;
    ELSE
        INSERT INTO langgraph.checkpoint_writes (
            thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob, thread_created_at
        )
        SELECT p_thread_id, coalesce(p_checkpoint_ns, ''), p_checkpoint_id, p_task_id, coalesce(p_task_path, ''),
               x.idx, x.channel, x.type, x.blob, v_created
        FROM unnest(p_idx, p_channels, p_types, p_blobs) AS x (idx, channel, type, blob)
        ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, thread_created_at) DO NOTHING;
    END IF;
END
$$;

COMMENT ON FUNCTION langgraph.put_writes(text, text, text, text, text, integer[], text[], text[], bytea[], boolean) IS
'Stores the pending writes of one task of a checkpoint: kept as first written, or replaced when
p_replace (every write to a special channel, as PostgresSaver does). Errors: 22004 missing ids,
22023 arrays of different lengths.';

REVOKE ALL ON FUNCTION langgraph.put_checkpoint(text, text, text, text, jsonb, jsonb, timestamptz, text[], text[], text[], bytea[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.put_writes(text, text, text, text, text, integer[], text[], text[], bytea[], boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION langgraph.put_checkpoint(text, text, text, text, jsonb, jsonb, timestamptz, text[], text[], text[], bytea[]) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION langgraph.put_writes(text, text, text, text, text, integer[], text[], text[], bytea[], boolean) TO {{ app_role }};
