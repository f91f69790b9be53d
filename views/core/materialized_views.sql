-- core: the materialized-view registry's functions. Modules register their views here (in their
-- views/ files) and maintenance refreshes them, CONCURRENTLY when a unique index allows it, so
-- readers are never blocked by a refresh.

CREATE OR REPLACE FUNCTION core.register_materialized_view(p_view regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = p_view AND relkind = 'm') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'wrong_object_type',
            MESSAGE = format('%s is not a materialized view', p_view),
            HINT = 'Only materialized views are refreshed by maintenance.';
    END IF;
    INSERT INTO core.materialized_views (view) VALUES (p_view) ON CONFLICT (view) DO NOTHING;
END
$$;

COMMENT ON FUNCTION core.register_materialized_view(regclass) IS
'Adds a materialized view to those core.run_maintenance() refreshes. Idempotent; 42809 if not one.';

CREATE OR REPLACE FUNCTION core.refresh_materialized_view(
    p_view regclass, p_dry_run boolean DEFAULT FALSE, p_run_id uuid DEFAULT NULL
)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = {{ maintenance_lock_timeout_ms }}
AS $$
DECLARE
    v_run uuid := coalesce(p_run_id, core.uuidv7());
    v_concurrently boolean;
    v_result core.maintenance_action;
    v_started timestamptz := clock_timestamp();
BEGIN
    IF NOT EXISTS (SELECT FROM core.materialized_views WHERE view = p_view) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'undefined_object',
            MESSAGE = format('%s is not a registered materialized view', p_view),
            HINT = 'Maintenance refreshes only views registered with core.register_materialized_view().';
    END IF;
    v_result := core.claim_for_maintenance(p_view, v_run, p_dry_run);
    IF v_result.action IS NOT NULL THEN
        RETURN NEXT v_result;
        RETURN;
    END IF;
    -- CONCURRENTLY needs a populated view and a unique index on plain columns covering all rows.
    SELECT c.relispopulated AND EXISTS (
        SELECT FROM pg_index AS i
        WHERE i.indrelid = p_view AND i.indisunique AND i.indisvalid
          AND i.indpred IS NULL AND i.indexprs IS NULL
    ) INTO v_concurrently
    FROM pg_class AS c WHERE c.oid = p_view;

    v_result := ROW(p_view::text, 'refresh', NULL, NULL, NULL, 'planned',
                    CASE WHEN v_concurrently THEN 'concurrently' ELSE 'blocking: no unique index' END
                   )::core.maintenance_action;
    IF p_dry_run THEN
        RETURN NEXT v_result;
        RETURN;
    END IF;
    BEGIN
        EXECUTE format('REFRESH MATERIALIZED VIEW %s%s',
                       CASE WHEN v_concurrently THEN 'CONCURRENTLY ' ELSE '' END, p_view);
        v_result.outcome := 'ok';
    EXCEPTION WHEN OTHERS THEN
        v_result.outcome := 'failed';
        v_result.message := SQLSTATE || ': ' || SQLERRM;
    END;
    v_result.duration := clock_timestamp() - v_started;
    UPDATE core.materialized_views
    SET last_refreshed_at = CASE WHEN v_result.outcome = 'ok' THEN clock_timestamp() ELSE last_refreshed_at END,
        last_duration = v_result.duration,
        last_outcome = v_result.outcome
    WHERE view = p_view;
    PERFORM core.log_maintenance(v_run, v_result, p_dry_run);
    RETURN NEXT v_result;
END
$$;

COMMENT ON FUNCTION core.refresh_materialized_view(regclass, boolean, uuid) IS
'Refreshes one registered materialized view (CONCURRENTLY when possible) and records the outcome.';

REVOKE ALL ON FUNCTION core.register_materialized_view(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.refresh_materialized_view(regclass, boolean, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.refresh_materialized_view(regclass, boolean, uuid) TO {{ maintenance_role }};
