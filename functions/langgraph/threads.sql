-- langgraph: a thread's row, found or made. Every write of a thread goes through here: it holds the
-- thread's partition key (created_at), and its row lock orders a thread's writers against prune and
-- retention (which lock it FOR UPDATE), so nothing is pruned under a write, nor written under a prune.

CREATE OR REPLACE FUNCTION langgraph.check_thread_id(p_thread_id text)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_thread_id IS NULL OR p_thread_id = '' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'a thread_id is required',
            HINT = 'Pass config={"configurable": {"thread_id": ...}} to the graph.';
    END IF;
END
$$;

COMMENT ON FUNCTION langgraph.check_thread_id(text) IS 'Raises 22004 for a NULL or empty thread_id.';

-- The thread's created_at for a write of its pending writes, made if missing; KEY SHARE: a writer of
-- pending writes does not wait for another, only for a prune or a removal of the thread.
CREATE OR REPLACE FUNCTION langgraph.thread_for_write(p_thread_id text)
RETURNS timestamptz
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_created timestamptz;
BEGIN
    PERFORM langgraph.check_thread_id(p_thread_id);
    LOOP
        SELECT t.created_at INTO v_created FROM langgraph.threads AS t WHERE t.thread_id = p_thread_id FOR KEY SHARE;
        IF FOUND THEN
            RETURN v_created;
        END IF;
        INSERT INTO langgraph.threads (thread_id) VALUES (p_thread_id) ON CONFLICT (thread_id) DO NOTHING;
    END LOOP;
END
$$;

COMMENT ON FUNCTION langgraph.thread_for_write(text) IS
'The created_at (partition key) of a thread, which is made if missing; holds a KEY SHARE lock on it.';

-- The thread's created_at for a checkpoint put: made if missing, its last activity moved to now.
CREATE OR REPLACE FUNCTION langgraph.touch_thread(p_thread_id text)
RETURNS timestamptz
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := now();  -- a value: Citus refuses now() in ON CONFLICT DO UPDATE SET
    v_created timestamptz;
BEGIN
    INSERT INTO langgraph.threads AS t (thread_id, created_at, last_activity_at) VALUES (p_thread_id, v_now, v_now)
    ON CONFLICT (thread_id) DO UPDATE SET last_activity_at = greatest(t.last_activity_at, v_now)
    RETURNING t.created_at INTO v_created;
    RETURN v_created;
END
$$;

COMMENT ON FUNCTION langgraph.touch_thread(text) IS
'The created_at (partition key) of a thread, made if missing, with last_activity_at moved to now().';

REVOKE ALL ON FUNCTION langgraph.check_thread_id(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.thread_for_write(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION langgraph.touch_thread(text) FROM PUBLIC;
