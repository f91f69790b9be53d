-- langgraph.copy_thread: BaseCheckpointSaver.copy_thread. Every checkpoint of every namespace with
-- its writes and blobs (the complete parent chain, so DeltaChannel state stays restorable), same ids,
-- into a new thread. The source is locked FOR SHARE: no prune removes a row half-way through.

CREATE OR REPLACE FUNCTION langgraph.copy_thread(p_source_thread_id text, p_target_thread_id text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_source timestamptz;
    v_target timestamptz;
    v_count bigint;
BEGIN
    PERFORM langgraph.check_thread_id(p_source_thread_id);
    PERFORM langgraph.check_thread_id(p_target_thread_id);
    IF p_source_thread_id = p_target_thread_id THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('cannot copy thread %L onto itself', p_source_thread_id),
            HINT = 'Copy into a thread_id that does not exist yet.';
    END IF;
    SELECT t.created_at INTO v_source FROM langgraph.threads AS t WHERE t.thread_id = p_source_thread_id FOR SHARE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    INSERT INTO langgraph.threads AS t (thread_id) VALUES (p_target_thread_id)
    ON CONFLICT (thread_id) DO NOTHING
    RETURNING t.created_at INTO v_target;
    IF v_target IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'unique_violation',
            MESSAGE = format('thread %L already exists', p_target_thread_id),
            HINT = 'copy_thread makes a new thread: delete the target first, or choose another thread_id.';
    END IF;
    INSERT INTO langgraph.checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob, thread_created_at)
    SELECT p_target_thread_id, b.checkpoint_ns, b.channel, b.version, b.type, b.blob, v_target
    FROM langgraph.checkpoint_blobs AS b
    WHERE b.thread_id = p_source_thread_id AND b.thread_created_at = v_source;
    INSERT INTO langgraph.checkpoint_writes (
        thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob, thread_created_at
    )
    SELECT p_target_thread_id, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.task_path, w.idx, w.channel, w.type,
           w.blob, v_target
    FROM langgraph.checkpoint_writes AS w
    WHERE w.thread_id = p_source_thread_id AND w.thread_created_at = v_source;
    INSERT INTO langgraph.checkpoints (
        thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata, created_at,
        thread_created_at
    )
    SELECT p_target_thread_id, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.checkpoint, c.metadata,
           c.created_at, v_target
    FROM langgraph.checkpoints AS c
    WHERE c.thread_id = p_source_thread_id AND c.thread_created_at = v_source;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.copy_thread(text, text) IS
'Copies every checkpoint, write and blob of a thread into a new thread (same checkpoint ids); returns
the checkpoints copied (0, and nothing made, for an unknown source). Errors: 22004 no thread_id,
22023 source = target, 23505 the target thread exists.';

REVOKE ALL ON FUNCTION langgraph.copy_thread(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION langgraph.copy_thread(text, text) TO {{ app_role }};
