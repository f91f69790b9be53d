-- background: the help workflow (spec 003 tables 6 and 7). A request's status only moves forward,
-- pending -> in_progress -> answered -> closed (steps may be skipped, never undone): the trigger
-- help_requests_status refuses anything else with SQLSTATE 55000, whoever writes. updated_at is
-- maintained by core.set_updated_at(). respond_to_help stores a response and marks the request
-- answered in one transaction; set_help_status moves a request (in_progress, closed).

CREATE OR REPLACE FUNCTION background.check_help_transition()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_order constant text[] := ARRAY['pending', 'in_progress', 'answered', 'closed'];
BEGIN
    IF array_position(v_order, NEW.status) <= array_position(v_order, OLD.status) THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('help request %s cannot go from %s to %s', OLD.request_id, OLD.status, NEW.status),
            HINT = 'A help request moves pending -> in_progress -> answered -> closed, never back.';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION background.check_help_transition() IS
'BEFORE UPDATE OF status trigger on help_requests: only forward moves of the workflow.';

REVOKE ALL ON FUNCTION background.check_help_transition() FROM PUBLIC;

CREATE OR REPLACE TRIGGER help_requests_status BEFORE UPDATE OF status ON background.help_requests
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION background.check_help_transition();

CREATE OR REPLACE TRIGGER help_requests_updated_at BEFORE UPDATE ON background.help_requests
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();

CREATE OR REPLACE FUNCTION background.set_help_status(
    p_request_id text, p_status text, p_now timestamptz DEFAULT now()
)
RETURNS background.help_requests
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_request background.help_requests;
BEGIN
    UPDATE background.help_requests AS r
    SET status = background.checked_text(p_status, 'status'), updated_at = background.checked_time(p_now)
    WHERE r.request_id = p_request_id
    RETURNING * INTO v_request;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('help request %L does not exist', p_request_id),
            HINT = 'Check the request_id.';
    END IF;
    RETURN v_request;
END
$$;

COMMENT ON FUNCTION background.set_help_status(text, text, timestamptz) IS
'Moves a help request forward (in_progress when an agent takes it, closed when done); a move
backwards is refused (55000), an unknown request too (P0002). Returns the request.';

CREATE OR REPLACE FUNCTION background.respond_to_help(
    p_request_id text,
    p_response_id text,
    p_content text,
    p_confidence_score numeric DEFAULT NULL,
    p_sources jsonb DEFAULT NULL,
    p_agent_id text DEFAULT NULL,
    p_now timestamptz DEFAULT now()
)
RETURNS background.help_responses
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
    v_response background.help_responses;
BEGIN
    PERFORM background.checked_time(p_now);
    SELECT r.status INTO v_status FROM background.help_requests AS r WHERE r.request_id = p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('help request %L does not exist', p_request_id),
            HINT = 'Check the request_id.';
    END IF;
    IF v_status = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('help request %L is closed', p_request_id),
            HINT = 'A closed request takes no more responses; file a new one.';
    END IF;
    INSERT INTO background.help_responses (
        request_id, response_id, content, confidence_score, sources, generated_at, agent_id
    )
    VALUES (p_request_id, background.checked_text(p_response_id, 'response_id'),
            background.checked_text(p_content, 'content'), p_confidence_score, p_sources, p_now, p_agent_id)
    RETURNING * INTO v_response;
    UPDATE background.help_requests AS r SET status = 'answered', updated_at = p_now
    WHERE r.request_id = p_request_id AND r.status <> 'answered';
    RETURN v_response;
END
$$;

COMMENT ON FUNCTION background.respond_to_help(text, text, text, numeric, jsonb, text, timestamptz) IS
'Stores a response to a help request and marks the request answered, in one transaction. Unknown
request: P0002; closed request: 55000; duplicate response_id: 23505. Returns the response.';

REVOKE ALL ON FUNCTION background.set_help_status(text, text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.respond_to_help(text, text, text, numeric, jsonb, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.set_help_status(text, text, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.respond_to_help(text, text, text, numeric, jsonb, text, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
