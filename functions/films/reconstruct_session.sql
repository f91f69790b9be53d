-- films.reconstruct_session(session, recent): everything ADK needs to restore a session, in one
-- round trip as one JSON document: the session, its full state (session keys plus app: and user:
-- keys with their prefixes restored) and its events' event_data in order, all of them or the most
-- recent p_recent. Events are read through (session_id, sequence_number) from partitions no older
-- than the session's start (pruned at run time), and returned as stored (json, no conversion).

CREATE OR REPLACE FUNCTION films.full_state(p_session films.sessions)
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p_session.state
        || coalesce((SELECT jsonb_object_agg('app:' || d.key, d.value)
                     FROM films.app_states AS a, jsonb_each(a.state) AS d
                     WHERE a.app_name = p_session.app_name), '{}')
        || coalesce((SELECT jsonb_object_agg('user:' || d.key, d.value)
                     FROM films.user_states AS u, jsonb_each(u.state) AS d
                     WHERE u.app_name = p_session.app_name AND u.user_id = p_session.user_id), '{}')
$$;

COMMENT ON FUNCTION films.full_state(films.sessions) IS
'The ADK state of a session as the agents see it: session keys, app:<key> and user:<key>.';

CREATE OR REPLACE FUNCTION films.session_row(p_session_id uuid)
RETURNS films.sessions
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session films.sessions;
BEGIN
    SELECT * INTO v_session FROM films.sessions AS s WHERE s.id = p_session_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('session %s does not exist', p_session_id),
            HINT = 'Check the session id; archived sessions older than the retention are deleted.';
    END IF;
    RETURN v_session;
END
$$;

COMMENT ON FUNCTION films.session_row(uuid) IS
'The session row, for the read functions; P0002 when there is no such session.';

CREATE OR REPLACE FUNCTION films.reconstruct_session(p_session_id uuid, p_recent integer DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session films.sessions;
    v_events json;
BEGIN
    IF p_recent < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('recent must not be negative, not %s', p_recent),
            HINT = 'Pass NULL for every event, or how many of the most recent to return.';
    END IF;
    v_session := films.session_row(p_session_id);
    SELECT coalesce(json_agg(e.event_data ORDER BY e.sequence_number), '[]') INTO v_events
    FROM films.events AS e
    WHERE e.session_id = p_session_id
      AND e.created_at >= v_session.started_at
      AND e.sequence_number > v_session.last_sequence - coalesce(p_recent, v_session.last_sequence);
    RETURN json_build_object(
        'id', v_session.id,
        'app_name', v_session.app_name,
        'user_id', v_session.user_id,
        'session_name', v_session.session_name,
        'status', v_session.status,
        'root_agent_name', v_session.root_agent_name,
        'agent_config', v_session.agent_config,
        'state', films.full_state(v_session),
        'last_sequence', v_session.last_sequence,
        'last_update_time', v_session.updated_at,
        'events', v_events
    );
END
$$;

COMMENT ON FUNCTION films.reconstruct_session(uuid, integer) IS
'A session restored as ADK needs it: metadata, full state, and event_data of all events (or the
p_recent most recent) in order, as one JSON document. P0002 for an unknown session.';
