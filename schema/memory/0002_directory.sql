-- memory: the tables spec 004 refers to but does not define ("Current Tables": users, workspaces,
-- channels, agents, agent_datastores, and the v1 chat_messages), with the columns listed there.
-- agents.owner_user_id is added: row-level security lets a user see the memories and states of
-- the agents they own, and forget_user() removes them.

CREATE TABLE memory.users (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.users IS 'People who chat with agents (spec 004 references users(id)).';

CREATE TABLE memory.workspaces (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    context_window_size integer CHECK (context_window_size > 0),
    context_window_token_limit integer CHECK (context_window_token_limit > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.workspaces IS 'Workspaces with their context-window configuration (spec 004 "Current Tables").';
COMMENT ON COLUMN memory.workspaces.context_window_size IS 'Messages kept in an agent''s context window.';
COMMENT ON COLUMN memory.workspaces.context_window_token_limit IS 'Tokens allowed in an agent''s context window.';

CREATE TABLE memory.channels (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    workspace_id uuid REFERENCES memory.workspaces (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.channels IS 'Chat channels of a workspace (spec 004 references channels(id)).';

CREATE INDEX channels_workspace ON memory.channels (workspace_id);

CREATE TABLE memory.agents (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    system_instructions text,
    assistant_instructions text,
    personality text,
    workspace_id uuid REFERENCES memory.workspaces (id),
    owner_user_id uuid REFERENCES memory.users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.agents IS 'AI agents (spec 004 "Current Tables"), with the workspace and the user who owns them.';
COMMENT ON COLUMN memory.agents.owner_user_id IS
'The user who owns the agent: sees its memories and states under row-level security; forget_user removes it.';

CREATE INDEX agents_workspace ON memory.agents (workspace_id);
-- The per-agent row-level security policies look agents up by owner.
CREATE INDEX agents_owner ON memory.agents (owner_user_id, id);

CREATE TABLE memory.agent_datastores (
    agent_id uuid NOT NULL REFERENCES memory.agents (id) ON DELETE CASCADE,
    datastore_id uuid NOT NULL,
    PRIMARY KEY (agent_id, datastore_id)
);

COMMENT ON TABLE memory.agent_datastores IS 'Links agents to external vector stores (spec 004 "Current Tables").';

-- The v1 table. The spec lists no key; id is added so that the migration can map v1 rows to v2.
CREATE TABLE memory.chat_messages (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    channel_id uuid NOT NULL REFERENCES memory.channels (id),
    content text NOT NULL,
    sender_user_id uuid REFERENCES memory.users (id),
    sender_agent_id uuid REFERENCES memory.agents (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.chat_messages IS
'v1 chat messages (spec 004 "Current Tables"): plain text, no metadata, no versions. Migrated to
chat_messages_v2 by the dual-write trigger and backfill_messages_v2().';

CREATE INDEX chat_messages_channel ON memory.chat_messages (channel_id, created_at);
