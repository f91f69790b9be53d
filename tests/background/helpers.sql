-- background test volume, generated once per test database by `dbctl test` (then VACUUM ANALYZE):
-- a fleet of 1,000 agents (state busy, so the stale-agent tests and the seed's running fleet are
-- unaffected) with one day of heartbeats, a heartbeat a minute each (1,440,000 rows) up to the
-- minute the volume is made, a cpu sample every 5 minutes (288,000 rows) and 10,000 system events
-- (one in ten an ERROR). The time series end at now(), so the spec's monitoring queries (which read
-- the last minutes or hour before now()) run against them; the plan tests assert index use and
-- partition pruning, never exact counts.

SELECT setseed(0.11);

-- The partitions of the two days before today (registration made today's onwards): the day the
-- volume begins in, and an empty one before it that every windowed query prunes.
SELECT core.create_partition(t, now() - d * interval '1 day')
FROM unnest(ARRAY['background.agent_heartbeats', 'background.performance_metrics', 'background.system_events']::regclass[]) AS t
CROSS JOIN generate_series(1, 2) AS d;

INSERT INTO background.agents (agent_id, state, started_at, config)
SELECT format('volume-%s', lpad(g::text, 4, '0')), 'busy', date_trunc('minute', now()) - interval '2 days',
       jsonb_build_object('worker', g)
FROM generate_series(1, 1000) AS g;

INSERT INTO background.agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
SELECT format('volume-%s', lpad(a::text, 4, '0')), date_trunc('minute', now()) - m * interval '1 minute', 'busy',
       (a + m) % 3, jsonb_build_object('cpu_usage', (a * 7 + m) % 100, 'memory_mb', 256 + a % 512)
FROM generate_series(0, 1439) AS m
CROSS JOIN generate_series(1, 1000) AS a;

INSERT INTO background.performance_metrics (agent_id, metric_name, value, unit, timestamp)
SELECT format('volume-%s', lpad(a::text, 4, '0')), 'cpu_usage', (a * 7 + m) % 100 + 0.5, 'percent',
       date_trunc('minute', now()) - m * interval '5 minutes'
FROM generate_series(0, 287) AS m
CROSS JOIN generate_series(1, 1000) AS a;

INSERT INTO background.system_events (event_type, event_data, agent_id, timestamp, severity)
SELECT 'task_finished', jsonb_build_object('n', g), format('volume-%s', lpad((1 + g % 1000)::text, 4, '0')),
       date_trunc('minute', now()) - (g % 1440) * interval '1 minute',
       CASE WHEN g % 10 = 0 THEN 'ERROR' ELSE 'INFO' END
FROM generate_series(1, 10000) AS g;

-- Spec 003's own DDL, verbatim, in schema spec003: tests/background/05_spec_statements.sql runs the
-- spec's statements on it and on background and compares the rows; the benchmark and the asyncpg
-- client test build their spec003 schema from the same text.
-- The spec's text is kept as it is written, so the linter is off for it.
-- noqa: disable=all
CREATE SCHEMA spec003;
SET search_path = spec003;
-- spec 003's DDL begins (bench/background_spec.py reads the text from here to its end)
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
-- spec 003's DDL ends
RESET search_path;
-- noqa: enable=all
