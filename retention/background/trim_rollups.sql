-- background.trim_rollups(p_now): drops the rollup minutes (heartbeat_minutes, metric_minutes, metric_ten_minutes) older
-- than two days, run by every maintenance run (core.register_maintenance_task). The monitoring views
-- read at most the last hour of them.

CREATE OR REPLACE FUNCTION background.trim_rollups(p_now timestamptz)
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH h AS (
        DELETE FROM background.heartbeat_minutes WHERE minute < background.checked_time(p_now) - interval '2 days'
        RETURNING 1
    ), m AS (
        DELETE FROM background.metric_minutes WHERE minute < background.checked_time(p_now) - interval '2 days'
        RETURNING 1
    ), t AS (
        DELETE FROM background.metric_ten_minutes WHERE minute < background.checked_time(p_now) - interval '2 days'
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM h) + (SELECT count(*) FROM m) + (SELECT count(*) FROM t)
$$;

COMMENT ON FUNCTION background.trim_rollups(timestamptz) IS
'Deletes rollup minutes older than two days before p_now; returns how many. A registered maintenance task.';

REVOKE ALL ON FUNCTION background.trim_rollups(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task(
    'background.trim_rollups(timestamptz)'::pg_catalog.regprocedure,
    'background: rollup minutes (heartbeat_minutes, metric_minutes, metric_ten_minutes) older than two days are deleted'
);
