-- memory: the accesses recall_memories records, and their fold into agent_memories.
--
-- memory.fold_memory_accesses(now): the accesses recall_memories recorded in memory.memory_accesses
-- (schema/memory/0019), added to agent_memories: access_count + the number of accesses,
-- last_accessed = the latest of them (never moved back). One statement takes the rows it folds (a
-- DELETE ... RETURNING) and applies them, so each access is folded exactly once, whatever runs at
-- the same time: recalls appending (rows they add after the statement started wait for the next
-- fold) or a second fold (it waits for the first's row locks, then finds those rows gone). Accesses
-- of memories deleted meanwhile are dropped. The UPDATE is audited like any other (acting role:
-- whoever folds). A core maintenance task (core.run_maintenance, dbctl maintain); the owner and the
-- application may call it at any time, e.g. before reading access_count.

-- memory.record_memory_accesses(agent, memories, now): what recall_memories calls to record the
-- accesses of the memories it returned, one memory_accesses row each (schema/memory/0019).
-- SECURITY DEFINER, as the application may not write the table directly: it checks that the caller
-- acts for the agent (memory.require_agent, the policies' rule), so nobody raises the access counts
-- of another agent's memories (the fold matches each access to a memory of the same agent), and the
-- time is the application's (core.application_time). Owner-run, the insert is one a Citus
-- coordinator may carry out as a COPY, which row-level security would refuse for the application.
CREATE OR REPLACE FUNCTION memory.record_memory_accesses(p_agent_id uuid, p_memory_ids uuid[], p_now timestamptz)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM memory.require_agent(p_agent_id);
    INSERT INTO memory.memory_accesses (agent_id, memory_id, accessed_at)
    SELECT p_agent_id, u.id, CASE WHEN p_now = now() THEN p_now ELSE core.application_time(p_now) END
    FROM unnest(p_memory_ids) AS u (id)
    WHERE u.id IS NOT NULL;
END
$$;

COMMENT ON FUNCTION memory.record_memory_accesses(uuid, uuid[], timestamptz) IS
'Records an access of each memory at p_now (the application''s: core.application_time) for
memory.fold_memory_accesses; the caller must act for the agent (memory.require_agent). Called by
recall_memories.';

REVOKE ALL ON FUNCTION memory.record_memory_accesses(uuid, uuid[], timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.record_memory_accesses(uuid, uuid[], timestamptz) TO {{ app_role }};

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
        DELETE FROM memory.memory_accesses AS q RETURNING q.agent_id, q.memory_id, q.accessed_at
    ),
    folded AS (
        SELECT t.agent_id, t.memory_id, count(*) AS accesses, max(t.accessed_at) AS last_accessed
        FROM taken AS t GROUP BY t.agent_id, t.memory_id
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
