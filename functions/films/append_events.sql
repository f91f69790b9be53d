-- films.append_events(session, events[], expected_sequence) and films.append_event(...): the only
-- way events enter a session (films.events and films.state_snapshots are closed to direct writes by
-- {{ app_role }}; these functions are SECURITY DEFINER, owned by {{ owner_role }}). One call, one
-- transaction, ADK's semantics:
--   * each event gets the next sequence number of its session (the session row is locked, so
--     concurrent writers queue); a stale expected_sequence is refused with SQLSTATE 40001 (retry);
--   * state_delta keys: unprefixed -> sessions.state, app: -> app_states, user: -> user_states,
--     temp: -> nowhere durable and not stored in the event; a JSON null is stored as a value (ADK);
--   * total_events, total_tool_calls and total_tokens_used move with the events;
--   * an automatic snapshot is written at every multiple of {{ films_snapshot_every }} events;
--   * an agent_transfer event with transfer_to_agent also records films.agent_transfers.
-- Time only moves forward within a session: an event may not be dated before its session's start
-- or before the session's previous event (22023), nor more than {{ films_event_future_seconds }} s
-- after now() (22023); 'infinity' and other non-finite times are refused (22008). An event without
-- a time gets now(), or the previous event's time if a client clock put that slightly ahead.
-- Refusals change nothing: unknown session (23503), archived session (55000), no events, a negative
-- expected sequence or a delta that is not an object (22023), CHECK violations (23514).

CREATE OR REPLACE FUNCTION films.append_events(
    p_session_id uuid, p_events films.event_input[], p_expected_sequence integer DEFAULT NULL
)
RETURNS TABLE (event_id uuid, sequence_number integer, created_at timestamptz)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_session record;
    v_old_state jsonb;
    v_count integer := coalesce(cardinality(p_events), 0);
    v_check record;
    v_backwards bigint;
    v_part jsonb;
    v_every constant integer := {{ films_snapshot_every }};
BEGIN
    IF v_count = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'no events to append',
            HINT = 'Pass at least one films.event_input.';
    END IF;
    IF p_expected_sequence < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('expected sequence must not be negative, not %s', p_expected_sequence),
            HINT = 'Pass the session''s last_sequence as read (0 for a session without events), or NULL.';
    END IF;
    -- Lock the session (concurrent writers queue here) and read only what the checks need: the state
    -- is read again below only when a snapshot is due.
    SELECT s.status, s.last_sequence, s.last_event_at, s.started_at, s.app_name, s.user_id INTO v_session
    FROM films.sessions AS s WHERE s.id = p_session_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('session %s does not exist', p_session_id),
            HINT = 'Create the session (films.sessions) before appending its events.';
    END IF;
    IF v_session.status = 'archived' THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('session %s is archived', p_session_id),
            HINT = 'Archived sessions are read-only; start a new session.';
    END IF;
    IF p_expected_sequence IS DISTINCT FROM NULL AND p_expected_sequence <> v_session.last_sequence THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
            MESSAGE = format('session %s is at event %s, not %s', p_session_id, v_session.last_sequence,
                             p_expected_sequence),
            DETAIL = 'Another writer appended events since this one read the session.',
            HINT = 'Reload the session (films.reconstruct_session) and retry.';
    END IF;
    -- One pass over the batch: the merged delta (NULL when no event changes the state, which skips
    -- all state work), the counters, and what would make the batch invalid. An event without a time
    -- is dated now(), or the previous event's time when a client clock put that ahead.
    SELECT nullif(films.merge_deltas(films.without_temp_keys(e.state_delta) ORDER BY e.ordinality)
                      FILTER (WHERE e.state_delta IS NOT NULL), '{}') AS delta,
           count(*) FILTER (WHERE e.event_type = 'tool_call') AS tool_calls,
           count(*) FILTER (WHERE e.event_type = 'agent_transfer' AND e.transfer_to_agent IS NOT NULL) AS transfers,
           coalesce(sum(e.tokens_used), 0) AS tokens,
           count(*) FILTER (WHERE jsonb_typeof(e.state_delta) <> 'object') AS not_object,
           min(e.ordinality) FILTER (WHERE NOT isfinite(e.created_at)) AS not_finite,
           min(e.ordinality) FILTER (WHERE e.created_at > now() + interval '{{ films_event_future_seconds }} seconds') AS future,
           min(coalesce(e.created_at, greatest(now(), v_session.last_event_at))) AS first_at,
           max(coalesce(e.created_at, greatest(now(), v_session.last_event_at))) AS last_at
    INTO v_check
    FROM unnest(p_events) WITH ORDINALITY AS e;
    IF v_count > 1 AND v_check.not_finite IS NULL THEN
        -- within a batch, each event's time at or after the one before it
        SELECT min(t.ordinality) INTO v_backwards
        FROM (SELECT e.ordinality, coalesce(e.created_at, greatest(now(), v_session.last_event_at)) AS at,
                     lag(coalesce(e.created_at, greatest(now(), v_session.last_event_at)))
                         OVER (ORDER BY e.ordinality) AS previous
              FROM unnest(p_events) WITH ORDINALITY AS e) AS t
        WHERE t.at < t.previous;
    END IF;
    IF v_check.first_at < v_session.started_at OR v_check.first_at < v_session.last_event_at THEN
        v_backwards := 1;
    END IF;
    IF v_check.not_object > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'every state_delta must be a JSON object',
            HINT = 'Send the delta as {"key": value, ...}, or NULL for none.';
    ELSIF v_check.not_finite IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow',
            MESSAGE = format('event %s of the batch has a non-finite time', v_check.not_finite),
            HINT = 'Date events with a real time (or NULL for now()), never infinity.';
    ELSIF v_check.future IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('event %s of the batch is dated more than {{ films_event_future_seconds }} s after now()',
                             v_check.future),
            HINT = 'Check the client''s clock; the limit is the template variable films_event_future_seconds.';
    ELSIF v_backwards IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('event %s of the batch is dated before the event it follows in session %s',
                             v_backwards, p_session_id),
            DETAIL = format('The session started at %s; its last event is dated %s.', v_session.started_at,
                            coalesce(v_session.last_event_at::text, 'nothing yet')),
            HINT = 'Time only moves forward in a session: date events in the order they happen.';
    END IF;

    IF (v_session.last_sequence + v_count) / v_every > v_session.last_sequence / v_every THEN
        SELECT s.state INTO v_old_state FROM films.sessions AS s WHERE s.id = p_session_id;
    END IF;

    -- The events and the session's new state and counters, in one statement.
    RETURN QUERY
    WITH input AS (
        SELECT e.*, v_session.last_sequence + e.ordinality::integer AS seq
        FROM unnest(p_events) WITH ORDINALITY AS e
    ),
    inserted AS (
        INSERT INTO films.events (
            id, session_id, sequence_number, event_type, agent_name, parent_agent_name, event_data,
            state_delta, tool_name, tool_input, tool_output, duration_ms, tokens_used, error_message,
            created_at
        )
        SELECT core.uuidv7(), p_session_id, i.seq, i.event_type, i.agent_name, i.parent_agent_name,
               i.event_data, films.without_temp_keys(i.state_delta), i.tool_name, i.tool_input,
               i.tool_output, i.duration_ms, i.tokens_used, i.error_message,
               coalesce(i.created_at, greatest(now(), v_session.last_event_at))
        FROM input AS i
        RETURNING id, sequence_number, created_at
    ),
    session_update AS (
        UPDATE films.sessions AS s SET
            state = CASE WHEN v_check.delta IS NULL THEN s.state
                         ELSE films.apply_delta(s.state, films.delta_scope(v_check.delta, 'session')) END,
            total_events = s.total_events + v_count,
            total_tool_calls = s.total_tool_calls + v_check.tool_calls,
            total_tokens_used = s.total_tokens_used + v_check.tokens,
            last_sequence = s.last_sequence + v_count,
            last_event_at = v_check.last_at,
            updated_at = now()
        WHERE s.id = p_session_id
    )
    SELECT n.id, n.sequence_number, n.created_at FROM inserted AS n ORDER BY n.sequence_number;

    IF v_check.transfers > 0 THEN
        INSERT INTO films.agent_transfers (
            session_id, event_id, event_created_at, from_agent, to_agent, transfer_reason, transferred_at
        )
        SELECT p_session_id, n.id, n.created_at, coalesce(e.agent_name, 'unknown'), e.transfer_to_agent,
               e.transfer_reason, n.created_at
        FROM unnest(p_events) WITH ORDINALITY AS e
        INNER JOIN films.events AS n
            ON n.session_id = p_session_id AND n.sequence_number = v_session.last_sequence + e.ordinality::integer
           AND n.created_at >= v_session.started_at
        WHERE e.event_type = 'agent_transfer' AND e.transfer_to_agent IS NOT NULL;
    END IF;

    IF (v_session.last_sequence + v_count) / v_every > v_session.last_sequence / v_every THEN
        INSERT INTO films.state_snapshots (session_id, snapshot_type, state, event_sequence_num, description)
        SELECT p_session_id, 'automatic',
               films.apply_delta(v_old_state, films.delta_scope(w.merged, 'session')), w.seq,
               format('after event %s', w.seq)
        FROM (
            SELECT v_session.last_sequence + e.ordinality::integer AS seq,
                   films.merge_deltas(coalesce(films.without_temp_keys(e.state_delta), '{}'))
                       OVER (ORDER BY e.ordinality) AS merged
            FROM unnest(p_events) WITH ORDINALITY AS e
            -- Only rows that change the state or are snapshot points matter to the running merge.
            WHERE e.state_delta IS NOT NULL OR (v_session.last_sequence + e.ordinality::integer) % v_every = 0
        ) AS w
        WHERE w.seq % v_every = 0;
    END IF;

    v_part := films.delta_scope(v_check.delta, 'app');
    IF v_part <> '{}' THEN
        INSERT INTO films.app_states AS a (app_name, state) VALUES (v_session.app_name, films.apply_delta('{}', v_part))
        ON CONFLICT (app_name) DO UPDATE SET state = films.apply_delta(a.state, v_part), updated_at = now();
    END IF;
    v_part := films.delta_scope(v_check.delta, 'user');
    IF v_part <> '{}' THEN
        INSERT INTO films.user_states AS u (app_name, user_id, state)
        VALUES (v_session.app_name, v_session.user_id, films.apply_delta('{}', v_part))
        ON CONFLICT (app_name, user_id) DO UPDATE SET state = films.apply_delta(u.state, v_part), updated_at = now();
    END IF;
END
$$;

COMMENT ON FUNCTION films.append_events(uuid, films.event_input[], integer) IS
'Appends events to a session in one transaction with ADK state semantics (see the file header);
returns each event''s id, sequence number and time. For ingest: one call per batch.';

CREATE OR REPLACE FUNCTION films.append_event(
    p_session_id uuid,
    p_event_type text,
    p_event_data json,
    p_state_delta jsonb DEFAULT NULL,
    p_agent_name text DEFAULT NULL,
    p_parent_agent_name text DEFAULT NULL,
    p_tool_name text DEFAULT NULL,
    p_tool_input jsonb DEFAULT NULL,
    p_tool_output jsonb DEFAULT NULL,
    p_duration_ms integer DEFAULT NULL,
    p_tokens_used integer DEFAULT NULL,
    p_error_message text DEFAULT NULL,
    p_transfer_to_agent text DEFAULT NULL,
    p_transfer_reason text DEFAULT NULL,
    p_expected_sequence integer DEFAULT NULL,
    p_created_at timestamptz DEFAULT NULL
)
RETURNS TABLE (event_id uuid, sequence_number integer, created_at timestamptz)
LANGUAGE sql
AS $$
    SELECT * FROM films.append_events(
        p_session_id,
        ARRAY[ROW(p_event_type, p_event_data, p_state_delta, p_agent_name, p_parent_agent_name, p_tool_name,
                  p_tool_input, p_tool_output, p_duration_ms, p_tokens_used, p_error_message,
                  p_transfer_to_agent, p_transfer_reason, p_created_at)::films.event_input],
        p_expected_sequence
    )
$$;

COMMENT ON FUNCTION films.append_event(
    uuid, text, json, jsonb, text, text, text, jsonb, jsonb, integer, integer, text, text, text, integer, timestamptz
) IS
'Appends one event (see films.append_events): one round trip, state applied in the same transaction.';

CREATE OR REPLACE FUNCTION films.append_events_json(
    p_session_id uuid, p_events json, p_expected_sequence integer DEFAULT NULL
)
RETURNS TABLE (event_id uuid, sequence_number integer, created_at timestamptz)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_unknown text;
BEGIN
    -- A misspelt field would otherwise be dropped in silence (json_populate_recordset ignores it).
    SELECT k INTO v_unknown
    FROM json_array_elements(p_events) AS e, json_object_keys(e) AS k
    WHERE k <> ALL (ARRAY[
        'event_type', 'event_data', 'state_delta', 'agent_name', 'parent_agent_name', 'tool_name',
        'tool_input', 'tool_output', 'duration_ms', 'tokens_used', 'error_message', 'transfer_to_agent',
        'transfer_reason', 'created_at'
    ])
    LIMIT 1;
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown event field %I', v_unknown),
            HINT = 'The fields are those of films.event_input: event_type, event_data, state_delta, '
                   'agent_name, parent_agent_name, tool_name, tool_input, tool_output, duration_ms, '
                   'tokens_used, error_message, transfer_to_agent, transfer_reason, created_at.';
    END IF;
    RETURN QUERY SELECT * FROM films.append_events(
        p_session_id,
        ARRAY(SELECT e FROM json_populate_recordset(NULL::films.event_input, p_events) AS e),
        p_expected_sequence
    );
END
$$;

COMMENT ON FUNCTION films.append_events_json(uuid, json, integer) IS
'films.append_events for a JSON array of objects with films.event_input''s fields (event_data as a
JSON object): one parameter a client serialises in one call, the fastest way in for a batch. A field
that is not one of event_input''s is refused (22023), never dropped.';

REVOKE ALL ON FUNCTION films.append_events(uuid, films.event_input[], integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION films.append_event(
    uuid, text, json, jsonb, text, text, text, jsonb, jsonb, integer, integer, text, text, text, integer, timestamptz
) FROM PUBLIC;
REVOKE ALL ON FUNCTION films.append_events_json(uuid, json, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION films.append_events(uuid, films.event_input[], integer) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION films.append_event(
    uuid, text, json, jsonb, text, text, text, jsonb, jsonb, integer, integer, text, text, text, integer, timestamptz
) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION films.append_events_json(uuid, json, integer) TO {{ app_role }};
