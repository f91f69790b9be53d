-- films: the rules on a session's and an event's columns as one CHECK per table (step 1 of 2).
-- PostgreSQL keeps a CHECK constraint as node text in its relation cache and reads, plans and
-- compiles every CHECK of a table again for each statement that writes it (one append_event: one
-- UPDATE of sessions, one INSERT into events). Twenty small CHECKs (11 on sessions, 9 on events,
-- 13 KB of node text) took about a fifth of the server CPU of an append. Each table now has one
-- CHECK that passes its columns to a plpgsql function, so a statement reads one short expression;
-- the function tests the same rules in the order PostgreSQL tested the constraints (by name) and
-- refuses a row as they did: SQLSTATE 23514 (check_violation), with the name of the rule's former
-- constraint as the error's constraint name (sessions_status_check, events_event_type_check, ...).
-- The rules are unchanged, for every writer: append_event(s), the application's own INSERT and
-- UPDATE of sessions, the owner's direct INSERTs.
-- The functions are IMMUTABLE (their result depends only on their arguments) and have no SET
-- clause (a SET clause would save and restore settings at every call): every operator and function
-- in them is qualified with pg_catalog. The new CHECKs are added NOT VALID (no scan under this
-- file's lock: the rows already satisfy the constraints dropped here), then validated by 0020
-- without blocking writers.

CREATE FUNCTION films.session_row_check(
    p_app_name text, p_session_name text, p_state jsonb, p_agent_config jsonb, p_root_agent_name text,
    p_status text, p_total_events integer, p_total_tool_calls integer, p_total_tokens_used bigint,
    p_last_sequence integer, p_started_at timestamptz, p_ended_at timestamptz
)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_broken text;
BEGIN
    -- A rule holds unless its test is false (NULL passes, as in a CHECK constraint).
    v_broken := CASE
        WHEN pg_catalog.jsonb_typeof(p_agent_config) OPERATOR(pg_catalog.<>) 'object' THEN 'sessions_agent_config_check'
        WHEN NOT (pg_catalog.length(p_app_name) OPERATOR(pg_catalog.>=) 1
                  AND pg_catalog.length(p_app_name) OPERATOR(pg_catalog.<=) 100) THEN 'sessions_app_name_check'
        WHEN p_ended_at OPERATOR(pg_catalog.<) p_started_at THEN 'sessions_ended_after_start'
        WHEN p_last_sequence OPERATOR(pg_catalog.<) 0 THEN 'sessions_last_sequence_check'
        WHEN pg_catalog.length(p_root_agent_name) OPERATOR(pg_catalog.>) 100 THEN 'sessions_root_agent_name_check'
        WHEN pg_catalog.length(p_session_name) OPERATOR(pg_catalog.>) 200 THEN 'sessions_session_name_check'
        WHEN pg_catalog.jsonb_typeof(p_state) OPERATOR(pg_catalog.<>) 'object' THEN 'sessions_state_check'
        WHEN NOT (p_status OPERATOR(pg_catalog.=) ANY ('{active,completed,failed,archived}'::pg_catalog.text[]))
            THEN 'sessions_status_check'
        WHEN p_total_events OPERATOR(pg_catalog.<) 0 THEN 'sessions_total_events_check'
        WHEN p_total_tokens_used OPERATOR(pg_catalog.<) 0 THEN 'sessions_total_tokens_used_check'
        WHEN p_total_tool_calls OPERATOR(pg_catalog.<) 0 THEN 'sessions_total_tool_calls_check'
    END;
    IF v_broken IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = v_broken, SCHEMA = 'films',
            TABLE = 'sessions',
            MESSAGE = pg_catalog.format('new row for relation "sessions" violates check constraint "%s"', v_broken),
            HINT = 'app_name 1 to 100 characters, session_name up to 200, root_agent_name up to 100; state and '
                   'agent_config JSON objects; status active, completed, failed or archived; counters not '
                   'negative; ended_at not before started_at.';
    END IF;
    RETURN TRUE;
END
$$;

COMMENT ON FUNCTION films.session_row_check(
    text, text, jsonb, jsonb, text, text, integer, integer, bigint, integer, timestamptz, timestamptz
) IS
'The CHECK of films.sessions (sessions_row_check): TRUE, or SQLSTATE 23514 naming the broken rule
(sessions_status_check, ...). One short expression for each statement to read instead of eleven.';

CREATE FUNCTION films.event_row_check(
    p_sequence_number integer, p_event_type text, p_agent_name text, p_parent_agent_name text,
    p_event_data json, p_state_delta jsonb, p_tool_name text, p_duration_ms integer, p_tokens_used integer
)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_broken text;
BEGIN
    -- A rule holds unless its test is false (NULL passes, as in a CHECK constraint).
    v_broken := CASE
        WHEN pg_catalog.length(p_agent_name) OPERATOR(pg_catalog.>) 100 THEN 'events_agent_name_check'
        WHEN p_duration_ms OPERATOR(pg_catalog.<) 0 THEN 'events_duration_ms_check'
        WHEN pg_catalog.json_typeof(p_event_data) OPERATOR(pg_catalog.<>) 'object' THEN 'events_event_data_check'
        WHEN NOT (p_event_type OPERATOR(pg_catalog.=) ANY ('{user_message,agent_response,tool_call,tool_response,'
                                                          'agent_transfer,state_update,loop_iteration,error}'::pg_catalog.text[]))
            THEN 'events_event_type_check'
        WHEN pg_catalog.length(p_parent_agent_name) OPERATOR(pg_catalog.>) 100 THEN 'events_parent_agent_name_check'
        WHEN p_sequence_number OPERATOR(pg_catalog.<=) 0 THEN 'events_sequence_number_check'
        WHEN pg_catalog.jsonb_typeof(p_state_delta) OPERATOR(pg_catalog.<>) 'object' THEN 'events_state_delta_check'
        WHEN p_tokens_used OPERATOR(pg_catalog.<) 0 THEN 'events_tokens_used_check'
        WHEN pg_catalog.length(p_tool_name) OPERATOR(pg_catalog.>) 100 THEN 'events_tool_name_check'
    END;
    IF v_broken IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = v_broken, SCHEMA = 'films',
            TABLE = 'events',
            MESSAGE = pg_catalog.format('new row for relation "events" violates check constraint "%s"', v_broken),
            HINT = 'event_type one of user_message, agent_response, tool_call, tool_response, agent_transfer, '
                   'state_update, loop_iteration, error; event_data and state_delta JSON objects; agent, '
                   'parent agent and tool names up to 100 characters; sequence_number from 1; durations and '
                   'tokens not negative.';
    END IF;
    RETURN TRUE;
END
$$;

COMMENT ON FUNCTION films.event_row_check(integer, text, text, text, json, jsonb, text, integer, integer) IS
'The CHECK of films.events (events_row_check): TRUE, or SQLSTATE 23514 naming the broken rule
(events_event_type_check, ...). One short expression for each statement to read instead of nine.';

ALTER TABLE films.sessions ADD CONSTRAINT sessions_row_check CHECK (films.session_row_check(
    app_name, session_name, state, agent_config, root_agent_name, status, total_events, total_tool_calls,
    total_tokens_used, last_sequence, started_at, ended_at
)) NOT VALID;

-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_agent_config_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_app_name_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_ended_after_start;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_last_sequence_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_root_agent_name_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_session_name_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_state_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_status_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_total_events_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_total_tokens_used_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.sessions DROP CONSTRAINT sessions_total_tool_calls_check;

ALTER TABLE films.events ADD CONSTRAINT events_row_check CHECK (films.event_row_check(
    sequence_number, event_type, agent_name, parent_agent_name, event_data, state_delta, tool_name, duration_ms,
    tokens_used
)) NOT VALID;

-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_agent_name_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_duration_ms_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_event_data_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_event_type_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_parent_agent_name_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_sequence_number_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_state_delta_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_tokens_used_check;
-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_tool_name_check;

COMMENT ON CONSTRAINT sessions_row_check ON films.sessions IS
'Every rule on a session''s own columns (films.session_row_check); a broken rule is reported by its own name.';
COMMENT ON CONSTRAINT events_row_check ON films.events IS
'Every rule on an event''s own columns (films.event_row_check); a broken rule is reported by its own name.';
