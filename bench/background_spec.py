"""Spec 003's own DDL, verbatim (its nine tables and their indexes, nothing more), for the benchmark
and the client test to run the spec's statements on beside the background module."""

from pathlib import Path

# The DDL is kept once, in the pgTAP helpers that build the same schema for the tests.
_HELPERS = Path(__file__).resolve().parents[1] / "tests" / "background" / "helpers.sql"
_BEGIN, _END = "-- spec 003's DDL begins", "-- spec 003's DDL ends"


def _spec_ddl() -> str:
    text = _HELPERS.read_text()
    return text[text.index(_BEGIN):text.index(_END)].split("\n", 1)[1]


SPEC_DDL = _spec_ddl()

# The spec's monitoring queries, verbatim.
ACTIVE_AGENTS = """
SELECT 
    agent_id,
    state,
    started_at,
    NOW() - started_at AS uptime
FROM agents 
WHERE state = 'running'
ORDER BY started_at;
"""

RECENT_HEARTBEATS = """
SELECT 
    agent_id,
    timestamp,
    state,
    error_count,
    metrics->'cpu_usage' as cpu_usage
FROM agent_heartbeats 
WHERE timestamp > NOW() - INTERVAL '5 minutes'
ORDER BY timestamp DESC;
"""

METRICS_SUMMARY = """
SELECT 
    agent_id,
    metric_name,
    AVG(value) as avg_value,
    MAX(value) as max_value,
    COUNT(*) as sample_count
FROM performance_metrics 
WHERE timestamp > NOW() - INTERVAL '1 hour'
GROUP BY agent_id, metric_name
ORDER BY agent_id, metric_name;
"""

HEALTH_OVERVIEW = """
SELECT 
    'Total Agents' as metric,
    COUNT(*) as value
FROM agents
UNION ALL
SELECT 
    'Running Agents' as metric,
    COUNT(*) as value
FROM agents WHERE state = 'running'
UNION ALL
SELECT 
    'Recent Heartbeats (5min)' as metric,
    COUNT(*) as value
FROM agent_heartbeats WHERE timestamp > NOW() - INTERVAL '5 minutes'
UNION ALL
SELECT 
    'Error Events (1hour)' as metric,
    COUNT(*) as value
FROM system_events WHERE severity = 'ERROR' AND timestamp > NOW() - INTERVAL '1 hour';
"""

EXPLAIN_EXAMPLE = """
EXPLAIN (ANALYZE, BUFFERS) 
SELECT * FROM agent_heartbeats 
WHERE agent_id = 'performance_monitor' 
AND timestamp > NOW() - INTERVAL '1 hour';
"""

HEALTH_SUMMARY_QUERY = """
SELECT 
    agent_id,
    COUNT(*) as heartbeat_count,
    MAX(timestamp) as last_heartbeat,
    AVG((metrics->>'cpu_usage')::numeric) as avg_cpu
FROM agent_heartbeats 
WHERE timestamp > NOW() - INTERVAL '24 hours'
GROUP BY agent_id;
"""

WEEKLY_DELETES = (
    "DELETE FROM agent_heartbeats WHERE timestamp < NOW() - INTERVAL '30 days';",
    "DELETE FROM performance_metrics WHERE timestamp < NOW() - INTERVAL '30 days';",
    "DELETE FROM system_events WHERE timestamp < NOW() - INTERVAL '30 days';",
)

# The one client statement the spec shows (through asyncpg).
INSERT_METRIC = "INSERT INTO performance_metrics (agent_id, metric_name, value) VALUES ($1, $2, $3)"
