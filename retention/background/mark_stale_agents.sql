-- background.mark_stale_agents(p_now): the lifeline for dead workers, run by every maintenance run
-- (core.register_maintenance_task). A running agent whose last heartbeat (or, if it never beat,
-- its start) is older than two heartbeat intervals ({{ background_heartbeat_interval_seconds }} s each)
-- becomes stale, and a WARNING system event agent_stale records it. Idempotent: a stale agent is
-- not running, so a second run changes nothing. Reads agents only (agents.last_heartbeat_at).
-- The time series themselves are kept {{ background_retention_days }} days by core's partition
-- retention (partitions/background/time_series.sql), not here.

CREATE OR REPLACE FUNCTION background.mark_stale_agents(p_now timestamptz)
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH stale AS (
        UPDATE background.agents AS a SET state = 'stale'
        WHERE a.state = 'running'
          AND coalesce(a.last_heartbeat_at, a.started_at, a.created_at)
              < background.checked_time(p_now) - make_interval(secs => 2 * {{ background_heartbeat_interval_seconds }})
        RETURNING a.agent_id, coalesce(a.last_heartbeat_at, a.started_at, a.created_at) AS last_seen
    ),
    logged AS (
        INSERT INTO background.system_events (event_type, event_data, agent_id, timestamp, severity)
        SELECT 'agent_stale',
               jsonb_build_object('last_seen', s.last_seen,
                                  'silent_seconds', round(extract(EPOCH FROM p_now - s.last_seen))),
               s.agent_id, p_now, 'WARNING'
        FROM stale AS s
    )
    SELECT count(*) FROM stale
$$;

COMMENT ON FUNCTION background.mark_stale_agents(timestamptz) IS
'Marks running agents silent for two heartbeat intervals as stale and logs an agent_stale WARNING
event for each; returns how many. A registered maintenance task.';

REVOKE ALL ON FUNCTION background.mark_stale_agents(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task(
    'background.mark_stale_agents(timestamptz)'::pg_catalog.regprocedure,
    'background: running agents silent for two heartbeat intervals become stale (system event agent_stale)'
);
