-- memory.fold_memory_accesses(now): the accesses recall_memories recorded in memory.memory_accesses
-- (schema/memory/0019), added to agent_memories: access_count + the number of accesses,
-- last_accessed = the latest of them (never moved back). One statement takes the rows it folds (a
-- DELETE ... RETURNING) and applies them, so each access is folded exactly once, whatever runs at
-- the same time: recalls appending (rows they add after the statement started wait for the next
-- fold) or a second fold (it waits for the first's row locks, then finds those rows gone). Accesses
-- of memories deleted meanwhile are dropped. The UPDATE is audited like any other (acting role:
-- whoever folds). A core maintenance task (core.run_maintenance, dbctl maintain); the owner and the
-- application may call it at any time, e.g. before reading access_count.

CREATE OR REPLACE FUNCTION memory.fold_memory_accesses(p_now timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    -- p_now is the maintenance tasks' signature; the accesses carry their own times.
    WITH taken AS (
        DELETE FROM memory.memory_accesses AS q RETURNING q.agent_id, q.memory_ids, q.accessed_at
    ),
    folded AS (
        SELECT t.agent_id, u.memory_id, count(*) AS accesses, max(t.accessed_at) AS last_accessed
        FROM taken AS t CROSS JOIN LATERAL unnest(t.memory_ids) AS u (memory_id)
        GROUP BY t.agent_id, u.memory_id
    )
    UPDATE memory.agent_memories AS m
    SET access_count = m.access_count + f.accesses::integer, last_accessed = greatest(m.last_accessed, f.last_accessed)
    FROM folded AS f
    WHERE m.agent_id = f.agent_id AND m.id = f.memory_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION memory.fold_memory_accesses(timestamptz) IS
'Maintenance task: adds the accesses recall_memories recorded (memory.memory_accesses) to
agent_memories.access_count and last_accessed, each exactly once; returns the number of memories
updated. p_now is unused (the accesses carry their times).';

REVOKE ALL ON FUNCTION memory.fold_memory_accesses(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.fold_memory_accesses(timestamptz) TO {{ app_role }};

SELECT core.register_maintenance_task('memory.fold_memory_accesses(timestamptz)'::regprocedure,
                                      'memory: fold the accesses recall recorded into access_count and last_accessed');
