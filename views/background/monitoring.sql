-- background: spec 003's four monitoring queries as views (section "Monitoring Queries"), their
-- text as the spec gives it, schema-qualified: active_agents, recent_heartbeats, metrics_summary
-- (last hour), system_health_overview. The time-series ones read only the recent partitions
-- (pruned at execution on now()) through their timestamp indexes.

CREATE OR REPLACE VIEW background.active_agents AS
SELECT
    agent_id,
    state,
    started_at,
    now() - started_at AS uptime
FROM background.agents
WHERE state = 'running'
ORDER BY started_at;

COMMENT ON VIEW background.active_agents IS 'Spec 003 "Active Agents": running agents with their uptime.';

CREATE OR REPLACE VIEW background.recent_heartbeats AS
SELECT
    agent_id,
    timestamp,
    state,
    error_count,
    metrics -> 'cpu_usage' AS cpu_usage
FROM background.agent_heartbeats
WHERE timestamp > now() - interval '5 minutes'
ORDER BY timestamp DESC;

COMMENT ON VIEW background.recent_heartbeats IS 'Spec 003 "Recent Heartbeats": heartbeats of the last 5 minutes, newest first.';

CREATE OR REPLACE VIEW background.metrics_summary AS
SELECT
    agent_id,
    metric_name,
    avg(value) AS avg_value,
    max(value) AS max_value,
    count(*) AS sample_count
FROM background.performance_metrics
WHERE timestamp > now() - interval '1 hour'
GROUP BY agent_id, metric_name
ORDER BY agent_id, metric_name;

COMMENT ON VIEW background.metrics_summary IS
'Spec 003 "Performance Metrics Summary": average, maximum and count per agent and metric over the last hour.';

CREATE OR REPLACE VIEW background.system_health_overview AS
SELECT
    'Total Agents' AS metric,
    count(*) AS value
FROM background.agents
UNION ALL
SELECT
    'Running Agents' AS metric,
    count(*) AS value
FROM background.agents
WHERE state = 'running'
UNION ALL
SELECT
    'Recent Heartbeats (5min)' AS metric,
    count(*) AS value
FROM background.agent_heartbeats
WHERE timestamp > now() - interval '5 minutes'
UNION ALL
SELECT
    'Error Events (1hour)' AS metric,
    count(*) AS value
FROM background.system_events
WHERE severity = 'ERROR' AND timestamp > now() - interval '1 hour';

COMMENT ON VIEW background.system_health_overview IS
'Spec 003 "System Health Overview": total and running agents, heartbeats of the last 5 minutes,
ERROR events of the last hour (metric, value).';
