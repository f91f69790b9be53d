-- memory: context snapshots and templates (spec 004 "Context Management Tables").

CREATE TABLE memory.context_snapshots (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    message_id uuid REFERENCES memory.chat_messages_v2 (id) ON DELETE CASCADE,
    agent_id uuid REFERENCES memory.agents (id) ON DELETE CASCADE,
    snapshot_data jsonb NOT NULL CHECK (jsonb_typeof(snapshot_data) = 'object'),
    total_tokens integer CHECK (total_tokens >= 0),
    compression_ratio double precision CHECK (compression_ratio > 0 AND compression_ratio <= 1),
    segment_count integer CHECK (segment_count >= 0),
    build_time_ms integer CHECK (build_time_ms >= 0),
    optimization_count integer CHECK (optimization_count >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.context_snapshots IS
'The context an agent built for a message (point-in-time save), with its token metrics.';
COMMENT ON COLUMN memory.context_snapshots.compression_ratio IS 'Tokens kept / tokens before optimisation, in (0, 1].';

CREATE INDEX context_snapshots_message ON memory.context_snapshots (message_id);
CREATE INDEX context_snapshots_agent ON memory.context_snapshots (agent_id, created_at);

CREATE TABLE memory.context_templates (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    description text,
    segments jsonb NOT NULL CHECK (jsonb_typeof(segments) = 'array'),
    variables jsonb CHECK (jsonb_typeof(variables) = 'object'),
    total_tokens integer CHECK (total_tokens >= 0),
    use_count integer NOT NULL DEFAULT 0 CHECK (use_count >= 0),
    use_cases text[],
    agent_types text[],
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.context_templates IS
'Reusable context patterns: ordered segments with variables. memory.use_context_template counts uses.';
COMMENT ON COLUMN memory.context_templates.segments IS 'The template''s segments, in order (JSON array).';
COMMENT ON COLUMN memory.context_templates.variables IS 'Variables the segments use, with their defaults.';

CREATE INDEX context_templates_name_trgm ON memory.context_templates
USING gin (name {{ extension_schema }}.gin_trgm_ops);
