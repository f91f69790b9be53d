"""The spec's naive SQL: spec 000's own tables (its DDL, its indexes, nothing more) in schema
spec_naive, filled with the same rows as films, queried with the spec's own statements verbatim."""

import psycopg
from psycopg.types.string import TextLoader

DDL = """
DROP SCHEMA IF EXISTS spec_naive CASCADE;
CREATE SCHEMA spec_naive;
SET search_path = spec_naive;
CREATE TABLE sessions (
    id UUID PRIMARY KEY,
    user_id UUID,
    session_name VARCHAR(200),
    state JSONB NOT NULL DEFAULT '{}',
    agent_config JSONB,
    root_agent_name VARCHAR(100),
    status VARCHAR(50) DEFAULT 'active',
    total_events INTEGER DEFAULT 0,
    total_tool_calls INTEGER DEFAULT 0,
    total_tokens_used INTEGER DEFAULT 0,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ
);
CREATE INDEX idx_sessions_state ON sessions USING GIN(state jsonb_path_ops);
CREATE INDEX idx_sessions_active ON sessions(status, started_at DESC) WHERE status = 'active';
CREATE INDEX idx_sessions_user_covering ON sessions(user_id, started_at DESC) INCLUDE (session_name, status);
CREATE TABLE events (
    id UUID,
    session_id UUID NOT NULL,
    event_type VARCHAR(100) NOT NULL,
    agent_name VARCHAR(100),
    parent_agent_name VARCHAR(100),
    event_data JSONB NOT NULL,
    state_delta JSONB,
    tool_name VARCHAR(100),
    tool_input JSONB,
    tool_output JSONB,
    duration_ms INTEGER,
    tokens_used INTEGER,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE OR REPLACE FUNCTION create_events_partition(partition_date DATE)
RETURNS void AS $$
DECLARE
    partition_name TEXT;
    start_date DATE;
    end_date DATE;
BEGIN
    partition_name := 'events_' || TO_CHAR(partition_date, 'YYYY_MM');
    start_date := DATE_TRUNC('month', partition_date);
    end_date := start_date + INTERVAL '1 month';

    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I PARTITION OF events
         FOR VALUES FROM (%L) TO (%L)',
        partition_name, start_date, end_date
    );
END;
$$ LANGUAGE plpgsql;
CREATE TABLE questions (id UUID PRIMARY KEY, session_id UUID NOT NULL, content TEXT NOT NULL,
                        sequence_number INTEGER NOT NULL, asked_at TIMESTAMPTZ NOT NULL);
CREATE TABLE answers (id UUID PRIMARY KEY, session_id UUID NOT NULL, question_id UUID, content TEXT NOT NULL,
                      agent_name VARCHAR(100), sequence_number INTEGER NOT NULL, answered_at TIMESTAMPTZ NOT NULL);
CREATE TABLE agent_transfers (id UUID PRIMARY KEY, session_id UUID NOT NULL, event_id UUID, from_agent VARCHAR(100),
                              to_agent VARCHAR(100), transfer_reason TEXT, transferred_at TIMESTAMPTZ NOT NULL);
"""

COPY = """
SET search_path = spec_naive;
SELECT create_events_partition(m::date)
FROM generate_series((SELECT date_trunc('month', min(created_at)) FROM films.events),
                     (SELECT max(created_at) FROM films.events), interval '1 month') AS m;
INSERT INTO sessions (id, user_id, session_name, state, agent_config, root_agent_name, status, total_events,
                      started_at, ended_at)
SELECT id, user_id, session_name, state, agent_config, root_agent_name, status, total_events, started_at, ended_at
FROM films.sessions;
INSERT INTO events SELECT id, session_id, event_type, agent_name, parent_agent_name, event_data::jsonb, state_delta,
                          tool_name, tool_input, tool_output, duration_ms, tokens_used, created_at
FROM films.events;
INSERT INTO questions SELECT id, session_id, content, sequence_number, asked_at FROM films.questions;
INSERT INTO answers SELECT id, session_id, question_id, content, agent_name, sequence_number, answered_at FROM films.answers;
INSERT INTO agent_transfers SELECT id, session_id, event_id, from_agent, to_agent, transfer_reason, transferred_at
FROM films.agent_transfers;
ANALYZE sessions, events, questions, answers, agent_transfers;
"""

RECONSTRUCTION = """
SELECT
    s.state,
    s.agent_config,
    JSON_AGG(e.event_data ORDER BY e.created_at) AS events
FROM sessions s
LEFT JOIN events e ON s.id = e.session_id
WHERE s.id = %s
GROUP BY s.id;
"""
CONVERSATION = """
WITH conversation AS (
    SELECT sequence_number, 'question' AS type, content, NULL AS agent, asked_at AS ts
    FROM questions WHERE session_id = %s
    UNION ALL
    SELECT sequence_number, 'answer' AS type, content, agent_name AS agent, answered_at AS ts
    FROM answers WHERE session_id = %s
)
SELECT * FROM conversation ORDER BY sequence_number, ts;
"""
TRANSFERS = """
SELECT from_agent, to_agent, transfer_reason, transferred_at
FROM agent_transfers
WHERE session_id = %s
ORDER BY transferred_at;
"""


class Spec:
    def __init__(self, dsn: str):
        self.conn = psycopg.connect(dsn, autocommit=True, options="-c search_path=spec_naive")
        for name in ("json", "jsonb"):  # raw: the JSON text as the server sends it
            self.conn.adapters.register_loader(name, TextLoader)
        self.session = None

    def copy_from_films(self):
        self.conn.execute(DDL)
        self.conn.execute(COPY)
        self.session = self.conn.execute(
            "SELECT session_id FROM events GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]

    def reconstruct_raw(self) -> str:
        return self.conn.execute(RECONSTRUCTION, (self.session,)).fetchone()[2]

    def conversation(self):
        return self.conn.execute(CONVERSATION, (self.session, self.session)).fetchall()

    def transfers(self):
        return self.conn.execute(TRANSFERS, (self.session,)).fetchall()
