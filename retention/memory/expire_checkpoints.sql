-- memory.expire_checkpoints(now): spec 004 "States: archive old checkpoints". Temporary checkpoints
-- expire {{ memory_checkpoint_ttl_days }} days after they are taken (memory.create_checkpoint) and are
-- deleted here; permanent and archive checkpoints are kept. Registered with core maintenance.

CREATE OR REPLACE FUNCTION memory.expire_checkpoints(p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    DELETE FROM memory.state_checkpoints AS c WHERE c.retention_policy = 'temporary' AND c.expires_at <= p_now;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION memory.expire_checkpoints(timestamptz) IS
'Maintenance task: deletes the temporary state checkpoints expired at p_now; returns how many.';

REVOKE ALL ON FUNCTION memory.expire_checkpoints(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task('memory.expire_checkpoints(timestamptz)'::regprocedure,
                                      'memory: delete temporary state checkpoints past their expires_at');
