-- langgraph.remove_idle_threads(now): retention of LangGraph threads, a core maintenance task.
-- A thread idle (no checkpoint put) for {{ langgraph_thread_ttl_days }} days goes with its
-- checkpoints, blobs and writes:
--   * a month whose partitions lie wholly before the cutoff and none of whose threads is active:
--     its idle threads' rows are deleted from langgraph.threads, then its three partitions are
--     dropped (core.retire_partition): no row-by-row delete, no dead tuples left to vacuum;
--   * otherwise (a month with an active thread, the default partition), idle threads are deleted
--     row by row, at most {{ langgraph_retention_batch }} a run, oldest activity first.
-- Order of locks: a thread's row first (a writer of the thread holds it while it writes), then a
-- month's partitions, so a write and the retention of its thread never wait for each other in a cycle.

CREATE OR REPLACE FUNCTION langgraph.remove_idle_threads(p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cutoff timestamptz;
    v_month record;
    v_partition regclass;
    v_parent regclass;
    v_thread record;
    v_n bigint;
    v_count bigint := 0;
BEGIN
    PERFORM core.check_clock(p_now);
    v_cutoff := p_now - make_interval(days => {{ langgraph_thread_ttl_days }});
    FOR v_month IN
        SELECT p.lower_bound, p.upper_bound FROM core.partitions_of('langgraph.checkpoints') AS p
        WHERE NOT p.is_default AND p.upper_bound <= v_cutoff
        ORDER BY p.lower_bound
    LOOP
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM langgraph.threads AS t
            WHERE t.created_at >= v_month.lower_bound AND t.created_at < v_month.upper_bound
              AND t.last_activity_at >= v_cutoff
        );
        DELETE FROM langgraph.threads AS t
        WHERE t.created_at >= v_month.lower_bound AND t.created_at < v_month.upper_bound
          AND t.last_activity_at < v_cutoff;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_count := v_count + v_n;
        IF EXISTS (SELECT 1 FROM langgraph.threads AS t
                   WHERE t.created_at >= v_month.lower_bound AND t.created_at < v_month.upper_bound) THEN
            -- A thread of the month came back to life meanwhile: its month stays, the others' rows go.
            DELETE FROM langgraph.checkpoint_writes AS w
            WHERE w.thread_created_at >= v_month.lower_bound AND w.thread_created_at < v_month.upper_bound
              AND NOT EXISTS (SELECT 1 FROM langgraph.threads AS t WHERE t.thread_id = w.thread_id);
            DELETE FROM langgraph.checkpoint_blobs AS b
            WHERE b.thread_created_at >= v_month.lower_bound AND b.thread_created_at < v_month.upper_bound
              AND NOT EXISTS (SELECT 1 FROM langgraph.threads AS t WHERE t.thread_id = b.thread_id);
            DELETE FROM langgraph.checkpoints AS c
            WHERE c.thread_created_at >= v_month.lower_bound AND c.thread_created_at < v_month.upper_bound
              AND NOT EXISTS (SELECT 1 FROM langgraph.threads AS t WHERE t.thread_id = c.thread_id);
            CONTINUE;
        END IF;
        FOREACH v_parent IN ARRAY ARRAY['langgraph.checkpoint_writes', 'langgraph.checkpoint_blobs',
                                        'langgraph.checkpoints']::regclass[] LOOP
            SELECT p.partition INTO v_partition FROM core.partitions_of(v_parent) AS p
            WHERE NOT p.is_default AND p.lower_bound = v_month.lower_bound AND p.upper_bound = v_month.upper_bound;
            IF v_partition IS NOT NULL THEN
                EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_partition);
                PERFORM core.retire_partition(v_parent, v_partition, p_now);
            END IF;
        END LOOP;
    END LOOP;

    -- The rest, row by row: threads of months that keep an active thread, or in the default partition.
    -- Each candidate is locked by its key and checked again under the lock (a writer holding it is
    -- skipped): Citus locks rows only in a statement on one shard.
    FOR v_thread IN
        SELECT t.thread_id, t.created_at FROM langgraph.threads AS t
        WHERE t.last_activity_at < v_cutoff
        ORDER BY t.last_activity_at
        LIMIT {{ langgraph_retention_batch }}
    LOOP
        PERFORM FROM langgraph.threads AS t
        WHERE t.thread_id = v_thread.thread_id AND t.last_activity_at < v_cutoff
        FOR UPDATE SKIP LOCKED;
        CONTINUE WHEN NOT FOUND;
        DELETE FROM langgraph.checkpoint_writes AS w
        WHERE w.thread_id = v_thread.thread_id AND w.thread_created_at = v_thread.created_at;
        DELETE FROM langgraph.checkpoint_blobs AS b
        WHERE b.thread_id = v_thread.thread_id AND b.thread_created_at = v_thread.created_at;
        DELETE FROM langgraph.checkpoints AS c
        WHERE c.thread_id = v_thread.thread_id AND c.thread_created_at = v_thread.created_at;
        DELETE FROM langgraph.threads AS t WHERE t.thread_id = v_thread.thread_id;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.remove_idle_threads(timestamptz) IS
'Maintenance task: removes threads idle for {{ langgraph_thread_ttl_days }} days at p_now with their
checkpoints, blobs and writes (whole monthly partitions dropped where every thread of the month is
idle, row by row otherwise, {{ langgraph_retention_batch }} threads a run); returns the threads removed.';

REVOKE ALL ON FUNCTION langgraph.remove_idle_threads(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task('langgraph.remove_idle_threads(timestamptz)'::regprocedure,
                                      'langgraph: remove threads idle past the TTL, with their checkpoints');
