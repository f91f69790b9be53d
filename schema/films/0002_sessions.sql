-- films: users, sessions and the two state scopes ADK keeps outside a session.
-- ADK state keys prefixed app: are shared by every session of an app, user: by every session of a
-- user in that app; unprefixed keys belong to the session. They are stored without their prefix
-- (films.app_states, films.user_states, films.sessions.state) and put back together by
-- films.reconstruct_session().

CREATE TABLE films.users (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    email text NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    username text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    is_active boolean NOT NULL DEFAULT TRUE
);

COMMENT ON TABLE films.users IS 'People who run filmmaking sessions.';

CREATE TABLE films.sessions (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    app_name text NOT NULL DEFAULT 'films' CHECK (length(app_name) BETWEEN 1 AND 100),
    user_id uuid NOT NULL REFERENCES films.users (id),
    session_name text CHECK (length(session_name) <= 200),
    state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(state) = 'object'),
    agent_config jsonb CHECK (jsonb_typeof(agent_config) = 'object'),
    root_agent_name text CHECK (length(root_agent_name) <= 100),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'failed', 'archived')),
    total_events integer NOT NULL DEFAULT 0 CHECK (total_events >= 0),
    total_tool_calls integer NOT NULL DEFAULT 0 CHECK (total_tool_calls >= 0),
    total_tokens_used bigint NOT NULL DEFAULT 0 CHECK (total_tokens_used >= 0),
    last_sequence integer NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_ended_after_start CHECK (ended_at >= started_at)
) WITH (fillfactor = 70);

-- fillfactor 70: every event updates its session row; the free space lets that update stay on the
-- page (HOT) while the state, the only indexed column that changes, is unchanged.
COMMENT ON TABLE films.sessions IS
'ADK sessions. state is the session-scoped ADK state dictionary (keys without app:/user:/temp:),
changed by films.append_event(); counters and last_sequence move with every event.';
COMMENT ON COLUMN films.sessions.state IS 'ADK session state (source of truth for film_projects).';
COMMENT ON COLUMN films.sessions.app_name IS 'ADK app name: the scope of app: state keys.';
COMMENT ON COLUMN films.sessions.last_sequence IS
'Sequence number of the newest event; pass it to append_event as expected sequence to detect stale writers.';

-- Containment (@>) and key existence (?, ?&, ?|) on the state: one jsonb_ops index serves both
-- (jsonb_path_ops cannot answer ?), and a single GIN keeps append_event's write cost down.
CREATE INDEX sessions_state ON films.sessions USING gin (state);
-- The active-sessions listing (status = 'active' ORDER BY started_at DESC).
CREATE INDEX sessions_active ON films.sessions (status, started_at DESC) WHERE status = 'active';
-- A user's sessions, newest first, answered from the index alone.
CREATE INDEX sessions_user_covering ON films.sessions (user_id, started_at DESC)
INCLUDE (session_name, status);

CREATE TABLE films.app_states (
    app_name text PRIMARY KEY CHECK (length(app_name) BETWEEN 1 AND 100),
    state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(state) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE films.app_states IS 'ADK app-scoped state (keys app:<name>, stored without the prefix).';

CREATE TABLE films.user_states (
    app_name text NOT NULL CHECK (length(app_name) BETWEEN 1 AND 100),
    user_id uuid NOT NULL REFERENCES films.users (id),
    state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(state) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app_name, user_id)
);

COMMENT ON TABLE films.user_states IS 'ADK user-scoped state (keys user:<name>, stored without the prefix).';

CREATE INDEX user_states_user ON films.user_states (user_id);
