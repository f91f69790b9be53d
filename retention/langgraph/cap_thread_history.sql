-- langgraph.cap_thread_history(now): the per-thread history cap, a core maintenance task. Each thread
-- written since it was last capped keeps the newest {{ langgraph_history_cap }} checkpoints of each
-- namespace and what they need to be restored (langgraph.prune_thread); at most
-- {{ langgraph_retention_batch }} threads a run, least recently capped first. A graph that runs for
-- ever on one thread keeps bounded tables.

CREATE OR REPLACE FUNCTION langgraph.cap_thread_history(p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_thread record;
    v_count bigint := 0;
BEGIN
    PERFORM core.check_clock(p_now);
    FOR v_thread IN
        SELECT t.thread_id FROM langgraph.threads AS t
        WHERE t.capped_at IS NULL OR t.last_activity_at > t.capped_at
        ORDER BY t.capped_at NULLS FIRST, t.thread_id
        LIMIT {{ langgraph_retention_batch }}
    LOOP
        v_count := v_count + langgraph.prune_thread(v_thread.thread_id, {{ langgraph_history_cap }});
        -- prune_thread holds the thread's lock: no put came in between.
        UPDATE langgraph.threads AS t SET capped_at = t.last_activity_at WHERE t.thread_id = v_thread.thread_id;
    END LOOP;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.cap_thread_history(timestamptz) IS
'Maintenance task: keeps the newest {{ langgraph_history_cap }} checkpoints of each namespace of every
thread written since it was last capped (and what they need); returns the checkpoints removed.';

REVOKE ALL ON FUNCTION langgraph.cap_thread_history(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task('langgraph.cap_thread_history(timestamptz)'::regprocedure,
                                      'langgraph: keep each thread''s newest checkpoints (history cap)');
