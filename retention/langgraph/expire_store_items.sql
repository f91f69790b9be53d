-- langgraph.expire_store_items(now): store items past their TTL (expires_at) are deleted with their
-- embeddings; a core maintenance task (PostgresStore's sweep_ttl, run by maintenance instead of a
-- thread in the application).

CREATE OR REPLACE FUNCTION langgraph.expire_store_items(p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    PERFORM core.check_clock(p_now);
    DELETE FROM langgraph.store AS s WHERE s.expires_at <= p_now;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION langgraph.expire_store_items(timestamptz) IS
'Maintenance task: deletes the store items expired at p_now (their embeddings cascade); returns how many.';

REVOKE ALL ON FUNCTION langgraph.expire_store_items(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task('langgraph.expire_store_items(timestamptz)'::regprocedure,
                                      'langgraph: delete store items past their TTL');
