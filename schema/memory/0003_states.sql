-- memory: versioned agent state, checkpoints and transitions (spec 004 "State Management Tables").
-- The spec's UNIQUE (agent_id, is_current) WHERE is_current = true is not valid SQL; one current state
-- per agent is the partial unique index unique_current_state. The three tables are written only by
-- the owner-owned functions of functions/memory/states.sql (update_agent_state, rollback_state,
-- create_checkpoint, restore_checkpoint): the application reads them, under row-level security.
-- state_hash is checked against the partitions by a constraint, so no path can store a wrong hash.

CREATE FUNCTION memory.state_hash(p_local jsonb, p_shared jsonb, p_session jsonb, p_persistent jsonb)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        pg_catalog.jsonb_build_array(p_local, p_shared, p_session, p_persistent)::text, 'UTF8')), 'hex')
$$;

COMMENT ON FUNCTION memory.state_hash(jsonb, jsonb, jsonb, jsonb) IS
'SHA-256 (hex) of the canonical form of an agent state: the jsonb text of [local, shared, session,
persistent]. jsonb''s text form is canonical (keys sorted and unique, fixed spacing), so equal states
hash equally whatever order their keys were written in.';

REVOKE ALL ON FUNCTION memory.state_hash(jsonb, jsonb, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.state_hash(jsonb, jsonb, jsonb, jsonb) TO {{ app_role }}, {{ readonly_role }};

CREATE TABLE memory.agent_states (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    agent_id uuid NOT NULL REFERENCES memory.agents (id) ON DELETE CASCADE,
    version_number integer NOT NULL CHECK (version_number >= 1),
    version text GENERATED ALWAYS AS (version_number::text) STORED,
    local_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(local_state) = 'object'),
    shared_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(shared_state) = 'object'),
    session_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(session_state) = 'object'),
    persistent_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(persistent_state) = 'object'),
    state_hash text NOT NULL,
    modification_count integer NOT NULL DEFAULT 0 CHECK (modification_count >= 0),
    valid_from timestamptz NOT NULL DEFAULT now(),
    valid_until timestamptz,
    is_current boolean NOT NULL DEFAULT TRUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_modified timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agent_states_hash CHECK (
        state_hash = memory.state_hash(local_state, shared_state, session_state, persistent_state)
    ),
    CONSTRAINT agent_states_validity CHECK (valid_until >= valid_from),
    CONSTRAINT agent_states_current_open CHECK (is_current = (valid_until IS NULL)),
    UNIQUE (agent_id, version_number)
);

COMMENT ON TABLE memory.agent_states IS
'Every version of every agent''s state; exactly one per agent is current (valid_until NULL). Written
only by update_agent_state / rollback_state / restore_checkpoint.';
COMMENT ON COLUMN memory.agent_states.version_number IS 'Version of the agent''s state: 1, 2, 3... per agent.';
COMMENT ON COLUMN memory.agent_states.version IS 'The spec''s version column: version_number as text.';
COMMENT ON COLUMN memory.agent_states.local_state IS 'State private to the agent.';
COMMENT ON COLUMN memory.agent_states.shared_state IS 'State the agent shares with other agents.';
COMMENT ON COLUMN memory.agent_states.session_state IS 'State of the agent''s current session.';
COMMENT ON COLUMN memory.agent_states.persistent_state IS 'State that outlives sessions.';
COMMENT ON COLUMN memory.agent_states.state_hash IS 'memory.state_hash() of the four partitions (checked by a constraint).';
COMMENT ON COLUMN memory.agent_states.modification_count IS
'Keys changed since the agent''s first state: the previous version''s count plus the keys this version changed.';
COMMENT ON COLUMN memory.agent_states.valid_from IS 'When this version became current.';
COMMENT ON COLUMN memory.agent_states.valid_until IS 'When the next version replaced it (NULL while current).';

-- The spec's unique_current_state: one current state per agent.
CREATE UNIQUE INDEX unique_current_state ON memory.agent_states (agent_id) WHERE is_current;
-- agent_state_at: the version of an agent valid at a time.
CREATE INDEX idx_states_valid_range ON memory.agent_states (agent_id, valid_from, valid_until);

CREATE TABLE memory.state_checkpoints (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    agent_id uuid NOT NULL REFERENCES memory.agents (id) ON DELETE CASCADE,
    state_id uuid NOT NULL REFERENCES memory.agent_states (id) ON DELETE CASCADE,
    checkpoint_type text NOT NULL CHECK (checkpoint_type IN ('manual', 'automatic', 'error_recovery', 'milestone')),
    trigger_reason text,
    state_data jsonb NOT NULL CHECK (jsonb_typeof(state_data) = 'object'),
    compression_type text NOT NULL DEFAULT 'pglz' CHECK (compression_type IN ('none', 'pglz', 'lz4')),
    size_bytes integer CHECK (size_bytes >= 0),
    restoration_time_ms integer CHECK (restoration_time_ms >= 0),
    restoration_count integer NOT NULL DEFAULT 0 CHECK (restoration_count >= 0),
    retention_policy text NOT NULL DEFAULT 'temporary'
    CHECK (retention_policy IN ('temporary', 'permanent', 'archive')),
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT state_checkpoints_expiry CHECK ((retention_policy = 'temporary') = (expires_at IS NOT NULL)),
    CONSTRAINT state_checkpoints_expires_after_creation CHECK (expires_at > created_at)
);

COMMENT ON TABLE memory.state_checkpoints IS
'Recovery points of an agent''s state. Temporary ones expire (expires_at) and are removed by core
maintenance; permanent and archive ones are kept.';
COMMENT ON COLUMN memory.state_checkpoints.state_data IS
'{"version_number", "state_hash", "local_state", "shared_state", "session_state", "persistent_state"}.';
COMMENT ON COLUMN memory.state_checkpoints.compression_type IS
'How PostgreSQL stores state_data (TOAST: pglz by default, lz4 where configured).';
COMMENT ON COLUMN memory.state_checkpoints.size_bytes IS 'Size of state_data as text, in bytes.';
COMMENT ON COLUMN memory.state_checkpoints.restoration_time_ms IS 'Duration of the last restore_checkpoint, measured.';

CREATE INDEX state_checkpoints_agent ON memory.state_checkpoints (agent_id, created_at DESC);
CREATE INDEX state_checkpoints_state ON memory.state_checkpoints (state_id);
CREATE INDEX state_checkpoints_expiry ON memory.state_checkpoints (expires_at) WHERE retention_policy = 'temporary';

CREATE TABLE memory.state_transitions (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    agent_id uuid NOT NULL REFERENCES memory.agents (id) ON DELETE CASCADE,
    from_state_id uuid REFERENCES memory.agent_states (id) ON DELETE CASCADE,
    to_state_id uuid NOT NULL REFERENCES memory.agent_states (id) ON DELETE CASCADE,
    transition_type text NOT NULL CHECK (transition_type IN ('update', 'merge', 'reset', 'restore')),
    trigger text CHECK (length(trigger) <= 50),
    changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
    rollback_available boolean NOT NULL DEFAULT TRUE,
    rollback_data jsonb CHECK (jsonb_typeof(rollback_data) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT state_transitions_rollback CHECK (NOT rollback_available OR rollback_data IS NOT NULL)
);

COMMENT ON TABLE memory.state_transitions IS
'How each agent state version came from the previous one: the changes (per partition, JSON null =
key removed) and the rollback data that undoes them (the previous values of the changed keys).';
COMMENT ON COLUMN memory.state_transitions.trigger IS 'What caused the transition (caller''s label, at most 50 characters).';
COMMENT ON COLUMN memory.state_transitions.changes IS
'{"local": {...}, "shared": {...}, "session": {...}, "persistent": {...}}: new values, null = removed.';
COMMENT ON COLUMN memory.state_transitions.rollback_data IS 'The same shape: the values before the transition.';

CREATE INDEX state_transitions_agent ON memory.state_transitions (agent_id, created_at);
CREATE INDEX state_transitions_from ON memory.state_transitions (from_state_id);
CREATE INDEX state_transitions_to ON memory.state_transitions (to_state_id);

REVOKE INSERT, UPDATE, DELETE ON memory.agent_states, memory.state_checkpoints, memory.state_transitions
FROM {{ app_role }};
