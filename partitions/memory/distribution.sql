-- memory: where its rows live on a Citus cluster (docs/scale-out.md, DESIGN.md section 8).
-- Two co-location groups, the two ways the row-level security policies scope rows:
--   * by agent (agent_id), led by agent_memories: an agent's memories, consolidations, states,
--     checkpoints, transitions, datastores and context snapshots, so recall, remember, state writes,
--     time travel and checkpoints each run on the agent's shard;
--   * by conversation session, led by conversation_sessions: a session's messages and their versions,
--     so history and edits run on the session's shard, and the messages' policy (a co-located join
--     with the sessions) is pushed down to every shard.
-- The directory (users, workspaces, channels, agents, templates) is small and joined by everything:
-- reference tables, which every distributed table may point at. The v1 chat_messages, read and
-- written by channel until the v2 migration finishes, is distributed by channel in a group of its
-- own; the audit log by its id, in its own group. The migration's bookkeeping and personal data stay
-- on the coordinator. The keys that make this possible: schema/memory/0011 to 0016.

SELECT core.register_distribution(t.relation, 'reference', t.reason)
FROM (
    VALUES
    ('memory.users'::regclass, 'the directory of people: small, joined by sessions, agents and policies'),
    ('memory.workspaces', 'the directory of workspaces: small'),
    ('memory.channels', 'the directory of channels: small, referenced by messages of both versions'),
    ('memory.agents', 'the directory of agents: small, referenced by every per-agent table and by messages'),
    ('memory.context_templates', 'shared prompt templates: small, read by every agent')
) AS t (relation, reason);

SELECT core.register_distribution(
    'memory.agent_memories', 'distributed',
    'leads the agent group: recall searches one agent''s memories (its shard''s HNSW index)', p_column => 'agent_id'
);
SELECT core.register_distribution(
    t.relation, 'distributed', t.reason, p_column => 'agent_id', p_colocate_with => 'memory.agent_memories'
)
FROM (
    VALUES
    ('memory.memory_consolidations'::regclass, 'an agent''s consolidations, pointing at its memories'),
    ('memory.agent_states', 'an agent''s state versions, written under the agent''s lock'),
    ('memory.state_checkpoints', 'an agent''s checkpoints, pointing at its states'),
    ('memory.state_transitions', 'an agent''s transitions, pointing at its states'),
    ('memory.agent_datastores', 'an agent''s external vector stores'),
    ('memory.context_snapshots', 'the contexts an agent built (agent_id NOT NULL since 0015)'),
    ('memory.memory_accesses', 'recall''s pending accesses of an agent''s memories, folded into them (unlogged)')
) AS t (relation, reason);

SELECT core.register_distribution(
    'memory.conversation_sessions', 'distributed',
    'leads the session group: a session''s messages and versions live on its shard', p_column => 'id'
);
SELECT core.register_distribution(
    t.relation, 'distributed', t.reason, p_column => 'session_id', p_colocate_with => 'memory.conversation_sessions'
)
FROM (
    VALUES
    ('memory.chat_messages_v2'::regclass, 'a session''s messages; their counters update the session row'),
    ('memory.message_versions', 'earlier versions of a session''s messages (session_id since 0011)')
) AS t (relation, reason);

-- The v1 table is where finish_messages_v2 left it (memory, or memory_archive once archived).
SELECT core.register_distribution(
    coalesce(to_regclass('memory.chat_messages'), to_regclass('memory_archive.chat_messages')), 'distributed',
    'v1 messages, read and written by channel by the spec''s v1 clients until the v2 migration finishes',
    p_column => 'channel_id'
);
SELECT core.register_distribution(
    'memory.audit_log', 'distributed',
    'append-only, written from every shard, read by key and time across tenants: spread by its id', p_column => 'id'
);

SELECT core.register_distribution(t.relation, 'local', t.reason)
FROM (
    VALUES
    ('memory.message_id_map'::regclass,
     'bookkeeping of the v1 to v2 migration, written by its functions on the coordinator; finish the migration before distributing'),
    ('memory.messages_v2_migration', 'the state of the v1 to v2 migration: one row'),
    ('memory.user_pii', 'personal data stays on the coordinator, never copied to the workers')
) AS t (relation, reason);
