-- memory: where its rows live on a Citus cluster (docs/scale-out.md, DESIGN.md section 8).
-- The directory (users, workspaces, channels, agents, templates) is small and joined by everything:
-- reference tables. The rest stays on the coordinator for now: distributing it by agent and by
-- conversation session needs the key changes listed in docs/scale-out.md (agent_id and session_id
-- in every primary key, foreign keys that cross the two groups dropped, message_versions carrying
-- its session), which are not made yet. Local tables keep every key and policy as they are.

SELECT core.register_distribution(t.relation, 'reference', t.reason)
FROM (
    VALUES
    ('memory.users'::regclass, 'the directory of people: small, joined by sessions, agents and policies'),
    ('memory.workspaces', 'the directory of workspaces: small'),
    ('memory.channels', 'the directory of channels: small'),
    ('memory.agents', 'the directory of agents: small, referenced by every per-agent table'),
    ('memory.context_templates', 'shared prompt templates: small, read by every agent')
) AS t (relation, reason);
SELECT core.register_distribution(t.relation, 'local', t.reason || ' (to distribute: docs/scale-out.md)')
FROM (
    VALUES
    ('memory.agent_datastores'::regclass, 'an agent''s datastores, to go with the agent group'),
    ('memory.agent_memories', 'the agent group''s leader once its keys carry agent_id'),
    ('memory.memory_consolidations', 'agent group'),
    ('memory.agent_states', 'agent group'),
    ('memory.state_checkpoints', 'agent group'),
    ('memory.state_transitions', 'agent group'),
    ('memory.context_snapshots', 'agent group once agent_id is NOT NULL'),
    ('memory.conversation_sessions', 'the session group''s leader'),
    ('memory.chat_messages_v2', 'session group once its keys carry session_id'),
    ('memory.message_versions', 'session group once it carries session_id'),
    ('memory.chat_messages', 'v1, retired by finish_messages_v2 before scaling out'),
    ('memory.message_id_map', 'bookkeeping of the v1 to v2 migration'),
    ('memory.messages_v2_migration', 'bookkeeping of the v1 to v2 migration'),
    ('memory.audit_log', 'append-only audit, written by triggers on the other tables'),
    ('memory.user_pii', 'personal data stays on the coordinator, never copied to the workers')
) AS t (relation, reason);
