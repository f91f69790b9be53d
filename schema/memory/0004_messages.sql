-- memory: conversation sessions, structured messages (chat_messages_v2) and their versions (spec 004
-- "Core Message Tables", "Supporting Tables").
-- chat_messages_v2 is not partitioned (docs/memory.md "Partitioning"): message_versions,
-- agent_memories, context_snapshots and the message itself (parent_message_id) hold foreign keys into
-- it, which would all have to carry created_at, and its reads go by conversation or session, never by
-- a time range that pruning would serve.
-- Counters of conversation_sessions follow the messages (trigger, functions/memory/messages.sql) and
-- are not writable by the application (column privileges below).

CREATE TABLE memory.conversation_sessions (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    conversation_id uuid NOT NULL,
    user_id uuid REFERENCES memory.users (id),
    agent_id uuid REFERENCES memory.agents (id),
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    last_active timestamptz NOT NULL DEFAULT now(),
    message_count integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    total_tokens_used integer NOT NULL DEFAULT 0 CHECK (total_tokens_used >= 0),
    tool_calls_count integer NOT NULL DEFAULT 0 CHECK (tool_calls_count >= 0),
    session_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(session_state) = 'object'),
    interruption_context jsonb CHECK (jsonb_typeof(interruption_context) = 'object'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed', 'abandoned')),
    CONSTRAINT conversation_sessions_ended_after_start CHECK (ended_at >= started_at),
    -- Target of the messages' (session_id, conversation_id) key: a message's conversation is its session's.
    CONSTRAINT conversation_sessions_conversation UNIQUE (id, conversation_id)
) WITH (fillfactor = 80);

-- fillfactor 80: every message updates its session's counters; free space keeps those updates HOT.
COMMENT ON TABLE memory.conversation_sessions IS
'A user''s session with an agent in a conversation. message_count, total_tokens_used,
tool_calls_count and last_active follow the session''s messages (trigger); the application cannot
write them.';
COMMENT ON COLUMN memory.conversation_sessions.total_tokens_used IS
'Sum of metadata->>''tokens'' of the session''s messages.';
COMMENT ON COLUMN memory.conversation_sessions.tool_calls_count IS
'Sum of the lengths of the tools arrays of the session''s messages.';
COMMENT ON COLUMN memory.conversation_sessions.interruption_context IS
'What the agent needs to resume an interrupted (paused) session.';

-- Row-level security: a user's sessions.
CREATE INDEX conversation_sessions_user ON memory.conversation_sessions (user_id, started_at DESC);
CREATE INDEX conversation_sessions_conversation_id ON memory.conversation_sessions (conversation_id);
CREATE INDEX conversation_sessions_agent ON memory.conversation_sessions (agent_id);

REVOKE INSERT, UPDATE ON memory.conversation_sessions FROM {{ app_role }};
GRANT INSERT (id, conversation_id, user_id, agent_id, started_at, ended_at, last_active, session_state,
              interruption_context, status),
      UPDATE (ended_at, last_active, session_state, interruption_context, status)
ON memory.conversation_sessions TO {{ app_role }};

CREATE TABLE memory.chat_messages_v2 (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    version text NOT NULL DEFAULT '1.0.0' CHECK (version ~ '^[0-9]+\.[0-9]+\.[0-9]+$' AND length(version) <= 10),
    conversation_id uuid NOT NULL,
    session_id uuid NOT NULL,
    parent_message_id uuid REFERENCES memory.chat_messages_v2 (id),
    channel_id uuid REFERENCES memory.channels (id),
    sender_user_id uuid REFERENCES memory.users (id),
    sender_agent_id uuid REFERENCES memory.agents (id),
    role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content jsonb NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    context jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(context) = 'object'),
    tools jsonb CHECK (jsonb_typeof(tools) = 'array'),
    memory_refs uuid[],
    state_snapshot_id uuid REFERENCES memory.agent_states (id) ON DELETE SET NULL,
    audit jsonb CHECK (jsonb_typeof(audit) = 'object'),
    current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT check_content_structure CHECK (
        jsonb_typeof(content) = 'object'
        AND content ? 'type'
        AND content ->> 'type' IN ('text', 'structured', 'multimodal', 'tool_result')
    ),
    CONSTRAINT chat_messages_v2_tokens CHECK (
        NOT metadata ? 'tokens' OR (jsonb_typeof(metadata -> 'tokens') = 'number' AND (metadata ->> 'tokens')::numeric >= 0)
    ),
    CONSTRAINT chat_messages_v2_session FOREIGN KEY (session_id, conversation_id)
    REFERENCES memory.conversation_sessions (id, conversation_id)
);

COMMENT ON TABLE memory.chat_messages_v2 IS
'Structured, versioned chat messages (spec 004). Editing content or metadata keeps the previous
version in message_versions (trigger) and bumps current_version and updated_at.';
COMMENT ON COLUMN memory.chat_messages_v2.version IS 'Version of the message format (semver), not of the message.';
COMMENT ON COLUMN memory.chat_messages_v2.content IS
'{"type": "text" | "structured" | "multimodal" | "tool_result", ...}; text messages carry "text".';
COMMENT ON COLUMN memory.chat_messages_v2.metadata IS
'Performance metrics: "tokens" (a non-negative number, summed into the session), confidence, latency...';
COMMENT ON COLUMN memory.chat_messages_v2.tools IS 'Tool calls of the message (JSON array, counted into the session).';
COMMENT ON COLUMN memory.chat_messages_v2.memory_refs IS 'agent_memories the message drew on (no foreign key: an array).';
COMMENT ON COLUMN memory.chat_messages_v2.state_snapshot_id IS 'The agent_states version the message was produced in.';
COMMENT ON COLUMN memory.chat_messages_v2.current_version IS
'Number of this version of the message: 1 as written, +1 per edit; earlier ones are in message_versions.';

CREATE INDEX idx_messages_conversation ON memory.chat_messages_v2 (conversation_id, created_at);
CREATE INDEX idx_messages_session ON memory.chat_messages_v2 (session_id);
CREATE INDEX idx_messages_channel ON memory.chat_messages_v2 (channel_id);
CREATE INDEX idx_messages_parent ON memory.chat_messages_v2 (parent_message_id) WHERE parent_message_id IS NOT NULL;
CREATE INDEX idx_messages_sender_user ON memory.chat_messages_v2 (sender_user_id);
CREATE INDEX idx_messages_sender_agent ON memory.chat_messages_v2 (sender_agent_id);
CREATE INDEX idx_messages_state_snapshot ON memory.chat_messages_v2 (state_snapshot_id) WHERE state_snapshot_id IS NOT NULL;
CREATE INDEX idx_messages_content_gin ON memory.chat_messages_v2 USING gin (content);
CREATE INDEX idx_messages_metadata_gin ON memory.chat_messages_v2 USING gin (metadata);

REVOKE UPDATE ON memory.chat_messages_v2 FROM {{ app_role }};
GRANT UPDATE (content, metadata, context, tools, memory_refs, state_snapshot_id, audit)
ON memory.chat_messages_v2 TO {{ app_role }};

CREATE TABLE memory.message_versions (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    message_id uuid NOT NULL REFERENCES memory.chat_messages_v2 (id) ON DELETE CASCADE,
    version_number integer NOT NULL CHECK (version_number >= 1),
    content jsonb NOT NULL,
    metadata jsonb,
    changed_by uuid REFERENCES memory.users (id) ON DELETE SET NULL,
    change_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (message_id, version_number)
);

COMMENT ON TABLE memory.message_versions IS
'Earlier versions of chat_messages_v2 rows, 1, 2, 3... without gaps, written only by the edit trigger
(the application may read them, not write them). created_at is when the version was replaced.';
COMMENT ON COLUMN memory.message_versions.changed_by IS 'The user who replaced this version (setting agentdb.user_id).';
COMMENT ON COLUMN memory.message_versions.change_reason IS 'Why it was replaced (memory.edit_message''s p_reason).';

CREATE INDEX message_versions_changed_by ON memory.message_versions (changed_by);

REVOKE INSERT, UPDATE, DELETE ON memory.message_versions FROM {{ app_role }};
