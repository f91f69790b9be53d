-- background: where its rows live on a Citus cluster (docs/scale-out.md, DESIGN.md section 8).
-- An agent, its heartbeats, metrics and inbox are one co-location group distributed by agent id;
-- LLM conversations by conversation, system events by id (their agent may be NULL); the small shared
-- tables the spec's clients upsert are reference tables; import bookkeeping stays on the coordinator.

SELECT core.register_distribution(
    'background.agents', 'distributed',
    'leads the agent group: an agent''s heartbeats, metrics and inbox live on its shard', p_column => 'agent_id'
);
SELECT core.register_distribution(
    t.relation, 'distributed', t.reason, p_column => t.column_name, p_colocate_with => 'background.agents'
)
FROM (
    VALUES
    ('background.agent_heartbeats'::regclass, 'agent_id'::name, 'an agent''s heartbeats'),
    ('background.performance_metrics', 'agent_id', 'an agent''s metrics'),
    ('background.agent_communications', 'to_agent', 'an agent''s inbox'),
    ('background.heartbeat_minutes', 'agent_id', 'an agent''s heartbeats per minute'),
    ('background.metric_minutes', 'agent_id', 'an agent''s metrics per minute'),
    ('background.metric_ten_minutes', 'agent_id', 'an agent''s metrics per ten minutes')
) AS t (relation, column_name, reason);
SELECT core.register_distribution(
    'background.llm_conversations', 'distributed',
    'a conversation is read whole; agent_id may be NULL', p_column => 'conversation_id'
);
SELECT core.register_distribution(
    'background.system_events', 'distributed',
    'agent_id may be NULL; read by type and time across agents', p_column => 'id'
);
SELECT core.register_distribution(t.relation, 'reference', t.reason)
FROM (
    VALUES
    ('background.system_state'::regclass, 'the fleet''s key/value state, upserted ON CONFLICT (key)'),
    ('background.help_requests', 'small; upserted ON CONFLICT (request_id)'),
    ('background.help_responses', 'small; ON CONFLICT (response_id) needs a unique index on response_id alone')
) AS t (relation, reason);
SELECT core.register_distribution(
    'background.sqlite_imports', 'local', 'bookkeeping of one-off imports run on the coordinator'
);
