-- langgraph.remove_idle_threads(now): retention of LangGraph threads, a core maintenance task.
-- A thread idle (no checkpoint put) for {{ langgraph_thread_ttl_days }} days goes with its
-- checkpoints, blobs and writes:
--   * a month whose partitions lie wholly before the cutoff and none of whose threads is active:
--     its idle threads' rows are deleted from langgraph.threads, then its three partitions are
--     dropped, by one DROP TABLE (what core.retire_partition does for tables whose retention action
--     is 'drop', without its DETACH first), or by core.retire_partition otherwise (action 'detach',
--     a detach pending): no row-by-row delete, no dead tuples left to vacuum. The partitions of the
--     three tables are read once a run (core.partitions_of parses every bound of a table);
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
    v_parents constant regclass[] := ARRAY['langgraph.checkpoint_writes', 'langgraph.checkpoint_blobs',
                                            'langgraph.checkpoints']::regclass[];
    v_drop boolean;
    v_month record;
    v_n_partition integer;
    v_thread record;
    v_n bigint;
    v_count bigint := 0;
BEGIN
    PERFORM core.check_clock(p_now);
    v_cutoff := p_now - make_interval(days => {{ langgraph_thread_ttl_days }});
    -- Dropped outright where every table's retention action is 'drop'.
    SELECT count(*) = cardinality(v_parents) AND bool_and(t.retention_action = 'drop') INTO v_drop
    FROM core.partitioned_tables AS t WHERE t.parent = ANY (v_parents);
    FOR v_month IN
        SELECT p.lower_bound, p.upper_bound,
               array_agg(p.partition ORDER BY t.n) AS partitions,
               array_agg(t.parent ORDER BY t.n) AS parents,
               bool_or(p.detach_pending) AS detach_pending
        FROM unnest(v_parents) WITH ORDINALITY AS t (parent, n)
        CROSS JOIN LATERAL core.partitions_of(t.parent) AS p
        WHERE NOT p.is_default AND p.upper_bound <= v_cutoff
        GROUP BY p.lower_bound, p.upper_bound
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
        -- Locked writes, blobs, checkpoints (the order every remover of a thread's rows takes).
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE',
                       (SELECT string_agg(format('%s', p.partition), ', ' ORDER BY p.n)
                        FROM unnest(v_month.partitions) WITH ORDINALITY AS p (partition, n)));
        IF v_drop AND NOT v_month.detach_pending THEN
            EXECUTE format('DROP TABLE %s',
                           (SELECT string_agg(format('%s', p.partition), ', ' ORDER BY p.n)
                            FROM unnest(v_month.partitions) WITH ORDINALITY AS p (partition, n)));
        ELSE
            FOR v_n_partition IN 1 .. cardinality(v_month.partitions) LOOP
                PERFORM core.retire_partition(v_month.parents[v_n_partition], v_month.partitions[v_n_partition], p_now);
            END LOOP;
        END IF;
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
