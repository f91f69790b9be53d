-- core.run_maintenance(now, dry_run): the one entry point for cron.
--   psql -c 'SELECT * FROM core.run_maintenance()'
-- Maintains every registered table, runs every registered maintenance task, then refreshes every
-- registered materialized view, and returns
-- (and logs) one row per action. A table that fails is reported and the others still run. Safe to
-- run at any time and twice at once (per-table advisory locks). It runs in the caller's transaction,
-- so the locks it takes are held until it returns; `dbctl maintain` commits after every table.

CREATE OR REPLACE FUNCTION core.run_maintenance(
    p_now timestamptz DEFAULT now(), p_dry_run boolean DEFAULT FALSE
)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_run uuid := core.uuidv7();
    v_target regclass;
    v_task regprocedure;
    v_result core.maintenance_action;
BEGIN
    PERFORM core.check_maintenance_clock(p_now);
    FOR v_target IN SELECT t.parent FROM core.partitioned_tables AS t ORDER BY t.parent::text LOOP
        BEGIN
            RETURN QUERY SELECT * FROM core.maintain_table(v_target, p_now, p_dry_run, v_run);
        EXCEPTION WHEN OTHERS THEN
            v_result := ROW(v_target::text, 'maintain', NULL, NULL, NULL, 'failed',
                            SQLSTATE || ': ' || SQLERRM)::core.maintenance_action;
            PERFORM core.log_maintenance(v_run, v_result, p_dry_run);
            RETURN NEXT v_result;
        END;
    END LOOP;
    FOR v_task IN SELECT t.task FROM core.maintenance_tasks AS t ORDER BY t.task::text LOOP
        v_result := core.run_maintenance_task(v_task, p_now, p_dry_run, v_run);
        RETURN NEXT v_result;
    END LOOP;
    FOR v_target IN SELECT v.view FROM core.materialized_views AS v ORDER BY v.view::text LOOP
        RETURN QUERY SELECT * FROM core.refresh_materialized_view(v_target, p_dry_run, v_run);
    END LOOP;
    IF NOT p_dry_run THEN
        DELETE FROM core.maintenance_log WHERE logged_at < now() - interval '90 days';
    END IF;
END
$$;

COMMENT ON FUNCTION core.run_maintenance(timestamptz, boolean) IS
'Cron entry point: partitions made ahead, rows rescued from default partitions, retention, detached
partitions dropped after grace, registered maintenance tasks, materialized views refreshed. p_now
ahead of now() only for members of {{ owner_role }} (42501). One row per action, also logged in
core.maintenance_log. p_dry_run reports what would be done.';

REVOKE ALL ON FUNCTION core.run_maintenance(timestamptz, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.run_maintenance(timestamptz, boolean) TO {{ maintenance_role }};
