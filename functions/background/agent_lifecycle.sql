-- background: the agent life cycle of spec 003 ("Agent Registration Flow") as functions, each one
-- round trip: register_agent (start-up upsert), heartbeat (the heartbeat loop), stop_agent
-- (graceful shutdown). The spec's plain INSERT/UPDATE statements keep working beside them.

CREATE OR REPLACE FUNCTION background.register_agent(
    p_agent_id text,
    p_config jsonb DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL,
    p_state text DEFAULT 'running',
    p_now timestamptz DEFAULT now()
)
RETURNS background.agents
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_agent background.agents;
BEGIN
    INSERT INTO background.agents AS a (agent_id, state, started_at, stopped_at, config, metadata)
    VALUES (background.checked_text(p_agent_id, 'agent_id'), background.checked_text(p_state, 'state'),
            background.checked_time(p_now), NULL, p_config, p_metadata)
    ON CONFLICT (agent_id) DO UPDATE SET
        state = excluded.state,
        started_at = excluded.started_at,
        stopped_at = NULL,
        config = coalesce(excluded.config, a.config),
        metadata = coalesce(excluded.metadata, a.metadata)
    RETURNING * INTO v_agent;
    RETURN v_agent;
END
$$;

COMMENT ON FUNCTION background.register_agent(text, jsonb, jsonb, text, timestamptz) IS
'Start-up: inserts or re-registers the agent with state p_state (running), started_at p_now and no
stopped_at; config and metadata are replaced when given. Returns the agent row.';

CREATE OR REPLACE FUNCTION background.heartbeat(
    p_agent_id text,
    p_state text DEFAULT 'running',
    p_error_count integer DEFAULT 0,
    p_metrics jsonb DEFAULT NULL,
    p_now timestamptz DEFAULT now()
)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
    -- An assignment, not a query (PERFORM): the check costs no executor start-up.
    v_now timestamptz := background.checked_time(p_now);
BEGIN
    IF NOT EXISTS (SELECT FROM background.agents AS a WHERE a.agent_id = p_agent_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('agent %L is not registered', p_agent_id),
            HINT = 'Register the agent first: background.register_agent(agent_id).';
    END IF;
    -- The trigger agent_heartbeats_last moves agents.last_heartbeat_at.
    INSERT INTO background.agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
    VALUES (p_agent_id, v_now, p_state, p_error_count, p_metrics)
    RETURNING id INTO v_id;
    -- Always after the insert, never from a state read before it: a state another session set in
    -- between (maintenance marking the agent stale in that instant) is set back by this heartbeat.
    IF p_state IS NOT NULL THEN
        UPDATE background.agents AS a SET state = p_state
        WHERE a.agent_id = p_agent_id AND a.state IS DISTINCT FROM p_state;
    END IF;
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION background.heartbeat(text, text, integer, jsonb, timestamptz) IS
'One heartbeat in one round trip: stores it, moves the agent''s last_heartbeat_at and, when p_state
is given, its state (a stale agent that beats again is running again). Returns the heartbeat id.
Unknown agent: 23503.';

CREATE OR REPLACE FUNCTION background.stop_agent(p_agent_id text, p_now timestamptz DEFAULT now())
RETURNS background.agents
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_agent background.agents;
BEGIN
    UPDATE background.agents AS a SET state = 'stopped', stopped_at = background.checked_time(p_now)
    WHERE a.agent_id = p_agent_id
    RETURNING * INTO v_agent;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('agent %L is not registered', p_agent_id),
            HINT = 'Only a registered agent can be stopped.';
    END IF;
    RETURN v_agent;
END
$$;

COMMENT ON FUNCTION background.stop_agent(text, timestamptz) IS
'Graceful shutdown: state stopped, stopped_at p_now. Unknown agent: P0002.';

REVOKE ALL ON FUNCTION background.register_agent(text, jsonb, jsonb, text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.heartbeat(text, text, integer, jsonb, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.stop_agent(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.register_agent(text, jsonb, jsonb, text, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.heartbeat(text, text, integer, jsonb, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.stop_agent(text, timestamptz) TO {{ app_role }}, {{ background_agents_role }};
