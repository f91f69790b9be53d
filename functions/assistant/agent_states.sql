-- assistant: the spec's save_agent_state / load_agent_state as functions (spec 002, "Agent State
-- Management"). The state is a JSON object; it is stored as the text the spec's clients read back
-- (state_data) and, generated from it, as jsonb (state).

CREATE OR REPLACE FUNCTION assistant.save_agent_state(
    p_session_id text, p_agent_type text, p_state jsonb, p_now timestamptz DEFAULT now()
)
RETURNS assistant.agent_states
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row assistant.agent_states;
BEGIN
    PERFORM assistant.check_session_id(p_session_id);
    IF p_agent_type IS NULL OR p_state IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'agent_type and state must not be NULL',
            HINT = 'An agent without state saves {}.';
    END IF;
    IF jsonb_typeof(p_state) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('agent state must be a JSON object, not %s', jsonb_typeof(p_state)),
            HINT = 'Wrap the value in an object: {"value": ...}.';
    END IF;
    INSERT INTO assistant.agent_states AS a (session_id, agent_type, state_data, updated_at)
    VALUES (p_session_id, p_agent_type, p_state::text, p_now)
    ON CONFLICT (session_id, agent_type)
    DO UPDATE SET state_data = excluded.state_data, updated_at = excluded.updated_at
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;

COMMENT ON FUNCTION assistant.save_agent_state(text, text, jsonb, timestamptz) IS
'Saves (inserts or replaces) an agent''s state in a session; the session need not exist. Errors:
22004 NULL argument, 22023 a state that is not a JSON object or a bad session key, 23514 agent_type
over 50 characters.';

CREATE OR REPLACE FUNCTION assistant.load_agent_state(p_session_id text, p_agent_type text)
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
        (SELECT a.state FROM assistant.agent_states AS a WHERE a.session_id = p_session_id AND a.agent_type = p_agent_type),
        '{}'
    )
$$;

COMMENT ON FUNCTION assistant.load_agent_state(text, text) IS
'An agent''s state in a session, {} when none was saved (as the spec''s load_agent_state).';
