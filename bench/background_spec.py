"""Spec 003's own DDL, verbatim (its nine tables and their indexes, nothing more), for the benchmark
and the client test to run the spec's statements on beside the background module."""

SPEC_DDL = """
CREATE TABLE agents (
    agent_id VARCHAR(255) PRIMARY KEY,
    state VARCHAR(50) NOT NULL,
    started_at TIMESTAMPTZ,
    stopped_at TIMESTAMPTZ,
    config JSONB,
    metadata JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX idx_agents_state ON agents(state);
CREATE INDEX idx_agents_started_at ON agents(started_at);
CREATE TABLE agent_heartbeats (
    id SERIAL PRIMARY KEY,
    agent_id VARCHAR(255) NOT NULL,
    timestamp TIMESTAMPTZ NOT NULL,
    state VARCHAR(50),
    error_count INTEGER DEFAULT 0,
    metrics JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    FOREIGN KEY (agent_id) REFERENCES agents(agent_id) ON DELETE CASCADE
);
CREATE INDEX idx_heartbeats_agent_timestamp ON agent_heartbeats(agent_id, timestamp DESC);
CREATE INDEX idx_heartbeats_timestamp ON agent_heartbeats(timestamp DESC);
CREATE TABLE performance_metrics (
    id SERIAL PRIMARY KEY,
    agent_id VARCHAR(255) NOT NULL,
    metric_name VARCHAR(255) NOT NULL,
    value NUMERIC,
    unit VARCHAR(50),
    timestamp TIMESTAMPTZ DEFAULT NOW(),
    metadata JSONB,
    FOREIGN KEY (agent_id) REFERENCES agents(agent_id) ON DELETE CASCADE
);
CREATE INDEX idx_metrics_agent_name_timestamp ON performance_metrics(agent_id, metric_name, timestamp DESC);
CREATE INDEX idx_metrics_timestamp ON performance_metrics(timestamp DESC);
CREATE TABLE system_state (
    id SERIAL PRIMARY KEY,
    key VARCHAR(255) UNIQUE NOT NULL,
    value JSONB,
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    updated_by VARCHAR(255)
);
CREATE INDEX idx_system_state_key ON system_state(key);
CREATE TABLE system_events (
    id SERIAL PRIMARY KEY,
    event_type VARCHAR(100) NOT NULL,
    event_data JSONB,
    agent_id VARCHAR(255),
    timestamp TIMESTAMPTZ DEFAULT NOW(),
    severity VARCHAR(20) DEFAULT 'INFO'
);
CREATE INDEX idx_events_type_timestamp ON system_events(event_type, timestamp DESC);
CREATE INDEX idx_events_agent_timestamp ON system_events(agent_id, timestamp DESC);
CREATE INDEX idx_events_severity ON system_events(severity);
CREATE TABLE help_requests (
    id SERIAL PRIMARY KEY,
    request_id VARCHAR(255) UNIQUE NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    content TEXT NOT NULL,
    context JSONB,
    status VARCHAR(50) DEFAULT 'pending',
    priority VARCHAR(20) DEFAULT 'medium',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX idx_help_requests_status ON help_requests(status);
CREATE INDEX idx_help_requests_user_id ON help_requests(user_id);
CREATE INDEX idx_help_requests_created_at ON help_requests(created_at DESC);
CREATE TABLE help_responses (
    id SERIAL PRIMARY KEY,
    request_id VARCHAR(255) NOT NULL,
    response_id VARCHAR(255) UNIQUE NOT NULL,
    content TEXT NOT NULL,
    confidence_score NUMERIC,
    sources JSONB,
    generated_at TIMESTAMPTZ DEFAULT NOW(),
    agent_id VARCHAR(255),
    FOREIGN KEY (request_id) REFERENCES help_requests(request_id) ON DELETE CASCADE
);
CREATE INDEX idx_help_responses_request_id ON help_responses(request_id);
CREATE INDEX idx_help_responses_confidence ON help_responses(confidence_score DESC);
CREATE TABLE agent_communications (
    id SERIAL PRIMARY KEY,
    from_agent VARCHAR(255) NOT NULL,
    to_agent VARCHAR(255) NOT NULL,
    message_type VARCHAR(100) NOT NULL,
    content JSONB,
    timestamp TIMESTAMPTZ DEFAULT NOW(),
    status VARCHAR(50) DEFAULT 'sent'
);
CREATE INDEX idx_communications_to_agent ON agent_communications(to_agent, timestamp DESC);
CREATE INDEX idx_communications_type ON agent_communications(message_type);
CREATE TABLE llm_conversations (
    id SERIAL PRIMARY KEY,
    conversation_id VARCHAR(255) NOT NULL,
    agent_id VARCHAR(255),
    prompt TEXT NOT NULL,
    response TEXT,
    model VARCHAR(100),
    tokens_used INTEGER,
    cost NUMERIC,
    timestamp TIMESTAMPTZ DEFAULT NOW(),
    metadata JSONB
);
CREATE INDEX idx_llm_conversations_agent ON llm_conversations(agent_id, timestamp DESC);
CREATE INDEX idx_llm_conversations_model ON llm_conversations(model, timestamp DESC);
"""

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
