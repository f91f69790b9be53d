-- memory.expire_memories(now): spec 004 "Retention Policies: automatic expiration". Memories whose
-- expires_at has passed are deleted; consolidations keep their row, their consolidated_memory_id
-- cleared here first (the key is NO ACTION: Citus refuses ON DELETE SET NULL on a key that carries
-- the distribution column, schema/memory/0015). Registered with core, so core.run_maintenance() / dbctl maintain run it with the real clock.

CREATE OR REPLACE FUNCTION memory.expire_memories(p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    UPDATE memory.memory_consolidations AS c SET consolidated_memory_id = NULL
    FROM memory.agent_memories AS m
    WHERE m.expires_at <= p_now AND c.agent_id = m.agent_id AND c.consolidated_memory_id = m.id;
    DELETE FROM memory.agent_memories AS m WHERE m.expires_at <= p_now;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION memory.expire_memories(timestamptz) IS
'Maintenance task: deletes the agent memories expired at p_now; returns how many.';

REVOKE ALL ON FUNCTION memory.expire_memories(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task('memory.expire_memories(timestamptz)'::regprocedure,
                                      'memory: delete agent memories past their expires_at');
