-- core: what every maintenance step shares. claim_for_maintenance() decides whether a registered
-- table or view can be worked on now (it still exists; no other run holds it); log_maintenance()
-- appends an action to core.maintenance_log.

CREATE OR REPLACE FUNCTION core.log_maintenance(
    p_run_id uuid, p_action core.maintenance_action, p_dry_run boolean
)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO core.maintenance_log (run_id, target, action, partition, rows, duration, outcome, message)
    SELECT p_run_id, p_action.target, p_action.action, p_action.partition, p_action.rows,
           p_action.duration, p_action.outcome, p_action.message
    WHERE NOT p_dry_run AND p_action.outcome <> 'planned'
$$;

COMMENT ON FUNCTION core.log_maintenance(uuid, core.maintenance_action, boolean) IS
'Appends an action to core.maintenance_log (not for dry runs or planned actions).';

CREATE OR REPLACE FUNCTION core.claim_for_maintenance(
    p_target regclass, p_run_id uuid, p_dry_run boolean
)
RETURNS core.maintenance_action
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_result core.maintenance_action;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = p_target) THEN
        DELETE FROM core.partitioned_tables WHERE parent = p_target;
        DELETE FROM core.materialized_views WHERE view = p_target;
        v_result := ROW(p_target::oid::text, 'unregister', NULL, NULL, NULL, 'ok',
                        'it no longer exists')::core.maintenance_action;
        PERFORM core.log_maintenance(p_run_id, v_result, p_dry_run);
        RETURN v_result;
    END IF;
    -- Held to the end of the transaction; a concurrent run skips this target instead of waiting.
    IF NOT pg_try_advisory_xact_lock(core.lock_key('maintain', p_target)) THEN
        RETURN ROW(p_target::text, 'skip', NULL, NULL, NULL, 'skipped',
                   'another maintenance run is working on it')::core.maintenance_action;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION core.claim_for_maintenance(regclass, uuid, boolean) IS
'NULL when maintenance may work on the table or view now; otherwise the action to report instead:
unregister (it was dropped; its registry row is removed) or skip (another run holds it).';

REVOKE ALL ON FUNCTION core.log_maintenance(uuid, core.maintenance_action, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.claim_for_maintenance(regclass, uuid, boolean) FROM PUBLIC;
