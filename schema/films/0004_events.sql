-- films: the ADK event log (monthly range partitions on created_at, made by core's partition
-- manager in partitions/films/events.sql), agent transfers and state snapshots.
--
-- event_data is json, not jsonb: it is written once and read whole (session reconstruction returns
-- it as it came), and json is returned without conversion, which is what makes reconstructing a
-- 10,000-event session fast. state_delta stays jsonb: it is folded into state with ||.

CREATE TABLE films.events (
    id uuid NOT NULL DEFAULT core.uuidv7(),
    session_id uuid NOT NULL REFERENCES films.sessions (id) ON DELETE CASCADE,
    sequence_number integer NOT NULL CHECK (sequence_number > 0),
    event_type text NOT NULL CHECK (event_type IN (
        'user_message', 'agent_response', 'tool_call', 'tool_response',
        'agent_transfer', 'state_update', 'loop_iteration', 'error'
    )),
    agent_name text CHECK (length(agent_name) <= 100),
    parent_agent_name text CHECK (length(parent_agent_name) <= 100),
    event_data json NOT NULL CHECK (json_typeof(event_data) = 'object'),
    state_delta jsonb CHECK (jsonb_typeof(state_delta) = 'object'),
    tool_name text CHECK (length(tool_name) <= 100),
    tool_input jsonb,
    tool_output jsonb,
    duration_ms integer CHECK (duration_ms >= 0),
    tokens_used integer CHECK (tokens_used >= 0),
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

COMMENT ON TABLE films.events IS
'Every ADK event of every session, partitioned by month of created_at. Appended only through
films.append_event / append_events, which number them per session (sequence_number).';
COMMENT ON COLUMN films.events.event_data IS 'The ADK event as the application sent it (json, returned verbatim).';
COMMENT ON COLUMN films.events.state_delta IS
'The state change this event carried (temp: keys removed); app:/user: keys keep their prefix.';
COMMENT ON COLUMN films.events.sequence_number IS 'Position of the event in its session, from 1.';

-- Reconstruction, recent events and state evolution: one session's events in order.
CREATE INDEX events_session_sequence ON films.events (session_id, sequence_number);
-- Tool analytics: only tool events are indexed.
CREATE INDEX events_tool ON films.events (tool_name, created_at) WHERE tool_name IS NOT NULL;

CREATE TABLE films.agent_transfers (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    session_id uuid NOT NULL REFERENCES films.sessions (id) ON DELETE CASCADE,
    event_id uuid,
    event_created_at timestamptz,
    from_agent text NOT NULL CHECK (length(from_agent) BETWEEN 1 AND 100),
    to_agent text NOT NULL CHECK (length(to_agent) BETWEEN 1 AND 100),
    transfer_reason text,
    transferred_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agent_transfers_event_both CHECK ((event_id IS NULL) = (event_created_at IS NULL)),
    -- A key into a partitioned table must include its partition key. Deferrable, so that core's
    -- maintenance can move the event out of the default partition within one transaction.
    CONSTRAINT agent_transfers_event FOREIGN KEY (event_id, event_created_at)
    REFERENCES films.events (id, created_at) DEFERRABLE INITIALLY IMMEDIATE
);

COMMENT ON TABLE films.agent_transfers IS 'Hand-offs between agents, linked to the agent_transfer event.';

CREATE INDEX agent_transfers_session ON films.agent_transfers (session_id, transferred_at);
CREATE INDEX agent_transfers_event ON films.agent_transfers (event_id, event_created_at);

CREATE TABLE films.state_snapshots (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    session_id uuid NOT NULL REFERENCES films.sessions (id) ON DELETE CASCADE,
    snapshot_type text NOT NULL CHECK (snapshot_type IN ('manual', 'automatic', 'checkpoint')),
    state jsonb NOT NULL CHECK (jsonb_typeof(state) = 'object'),
    event_sequence_num integer NOT NULL CHECK (event_sequence_num >= 0),
    description text,
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE films.state_snapshots IS
'Session state after event event_sequence_num: automatic ones at 0 and every
{{ films_snapshot_every }} events bound the work of films.session_state_at().';

CREATE INDEX state_snapshots_session_sequence ON films.state_snapshots (session_id, event_sequence_num DESC);

CREATE TYPE films.event_input AS (
    event_type text,
    event_data json,
    state_delta jsonb,
    agent_name text,
    parent_agent_name text,
    tool_name text,
    tool_input jsonb,
    tool_output jsonb,
    duration_ms integer,
    tokens_used integer,
    error_message text,
    transfer_to_agent text,
    transfer_reason text,
    created_at timestamptz
);

COMMENT ON TYPE films.event_input IS
'One event for films.append_events(); created_at NULL means now(). For an agent_transfer event,
transfer_to_agent (and transfer_reason) also record a row in films.agent_transfers.';
