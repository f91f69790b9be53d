-- background.agent_health_summary: spec 003's materialized view (section "Query Optimization"),
-- its query as the spec gives it: per agent, heartbeats of the last 24 hours, the latest one and
-- the average cpu_usage. Unique on agent_id, registered with core so every maintenance run
-- refreshes it CONCURRENTLY (readers are never blocked).

DROP MATERIALIZED VIEW IF EXISTS background.agent_health_summary;

CREATE MATERIALIZED VIEW background.agent_health_summary AS
SELECT
    agent_id,
    count(*) AS heartbeat_count,
    max(timestamp) AS last_heartbeat,
    avg((metrics ->> 'cpu_usage')::numeric) AS avg_cpu
FROM background.agent_heartbeats
WHERE timestamp > now() - interval '24 hours'
GROUP BY agent_id;

CREATE UNIQUE INDEX agent_health_summary_agent ON background.agent_health_summary (agent_id);

COMMENT ON MATERIALIZED VIEW background.agent_health_summary IS
'Spec 003: per agent over the last 24 hours, heartbeat count, latest heartbeat and average cpu_usage.
Refreshed by maintenance (CONCURRENTLY).';

SELECT core.register_materialized_view('background.agent_health_summary');
