-- films.append_event(...) and films.append_events(session, events[], expected_sequence): the only
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
--
-- Two ways in, one set of rules:
--   * append_event, one event (the common call), is two statements: the update of its session row,
--     whose WHERE clause holds every check against the session (and takes the row lock), and the
--     insert of the event;
--   * append_events, a batch, locks and reads its session first (an event sent without a time takes
--     the session's last time into account), checks and summarises the batch in one pass, then
--     updates the session once and inserts the events in one statement.
-- The rules on an event's own fields are films.event_problem, inlined into both; when a check fails,
-- films.refuse_append finds which one and raises its error (functions/films/append_checks.sql).

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
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_delta jsonb;          -- the delta without temp: keys; NULL for none
    v_session_delta jsonb;  -- its unprefixed keys; NULL when the session state does not change
    v_head record;          -- the session after the update: the event's sequence and time, app, user
    v_refused boolean;
    -- now() as a value: Citus sends a statement's stable functions to the shard only outside CASE and
    -- COALESCE, so the update below names the transaction's time through this variable.
    v_now constant timestamptz := now();
BEGIN
    -- The event's own fields first: a refused event goes no further than the update's WHERE clause.
    v_refused := coalesce(p_expected_sequence, 0) < 0 OR films.event_problem(p_state_delta, p_created_at) IS NOT NULL;
    IF p_state_delta IS NOT NULL AND NOT v_refused THEN
        v_delta := nullif(films.without_temp_keys(p_state_delta), '{}');
    END IF;

    -- The session's counters, and its state when the delta has session keys; the conditions are the
    -- checks against the session. The event's time is the session's new last time: p_created_at, or
    -- now() unless the last event is later.
    -- Most events leave the session state alone: their update does not name the state column, so the
    -- triggers that follow the state (UPDATE OF state: film projects) are not even considered, and a
    -- large state is not read to compare it. The two statements differ only in that column.
    -- A delta is nearly always of session keys alone; then it is its own session part, found by one
    -- jsonpath test instead of films.delta_scope (a SQL function with a query of its own, run at each
    -- call: about a tenth of an append's server CPU).
    IF v_delta IS NOT NULL
       AND NOT jsonb_path_exists(v_delta, '$.keyvalue() ? (@.key starts with "app:" || @.key starts with "user:")')
    THEN
        v_session_delta := v_delta;
    ELSE
        v_session_delta := nullif(films.delta_scope(v_delta, 'session'), '{}');
    END IF;
    IF v_session_delta IS NULL THEN
        UPDATE films.sessions AS s SET
            total_events = s.total_events + 1,
            total_tool_calls = s.total_tool_calls + (p_event_type = 'tool_call')::integer,
            total_tokens_used = s.total_tokens_used + coalesce(p_tokens_used, 0),
            last_sequence = s.last_sequence + 1,
            last_event_at = coalesce(p_created_at, greatest(v_now, s.last_event_at)),
            updated_at = v_now
        WHERE s.id = p_session_id
          AND NOT v_refused
          AND s.status <> 'archived'
          AND (p_expected_sequence IS NULL OR s.last_sequence = p_expected_sequence)
          AND coalesce(p_created_at, greatest(v_now, s.last_event_at)) >= s.started_at
          AND (p_created_at IS NULL OR s.last_event_at IS NULL OR p_created_at >= s.last_event_at)
        RETURNING s.last_sequence, s.last_event_at, s.app_name, s.user_id INTO v_head;
    ELSE
        UPDATE films.sessions AS s SET
            state = films.apply_delta(s.state, v_session_delta),
            total_events = s.total_events + 1,
            total_tool_calls = s.total_tool_calls + (p_event_type = 'tool_call')::integer,
            total_tokens_used = s.total_tokens_used + coalesce(p_tokens_used, 0),
            last_sequence = s.last_sequence + 1,
            last_event_at = coalesce(p_created_at, greatest(v_now, s.last_event_at)),
            updated_at = v_now
        WHERE s.id = p_session_id
          AND NOT v_refused
          AND s.status <> 'archived'
          AND (p_expected_sequence IS NULL OR s.last_sequence = p_expected_sequence)
          AND coalesce(p_created_at, greatest(v_now, s.last_event_at)) >= s.started_at
          AND (p_created_at IS NULL OR s.last_event_at IS NULL OR p_created_at >= s.last_event_at)
        RETURNING s.last_sequence, s.last_event_at, s.app_name, s.user_id INTO v_head;
    END IF;
    IF NOT FOUND THEN
        PERFORM films.refuse_append(p_session_id, ARRAY[ROW(
            p_event_type, p_event_data, p_state_delta, p_agent_name, p_parent_agent_name, p_tool_name, p_tool_input,
            p_tool_output, p_duration_ms, p_tokens_used, p_error_message, p_transfer_to_agent, p_transfer_reason,
            p_created_at)::films.event_input], p_expected_sequence);
    END IF;

    INSERT INTO films.events AS e (
        id, session_id, sequence_number, event_type, agent_name, parent_agent_name, event_data, state_delta,
        tool_name, tool_input, tool_output, duration_ms, tokens_used, error_message, created_at
    )
    VALUES (
        core.uuidv7(), p_session_id, v_head.last_sequence, p_event_type, p_agent_name, p_parent_agent_name,
        p_event_data, v_delta, p_tool_name, p_tool_input, p_tool_output, p_duration_ms, p_tokens_used,
        p_error_message, v_head.last_event_at
    )
    RETURNING e.id INTO event_id;
    sequence_number := v_head.last_sequence;
    created_at := v_head.last_event_at;

    IF p_event_type = 'agent_transfer' AND p_transfer_to_agent IS NOT NULL THEN
        INSERT INTO films.agent_transfers (
            session_id, event_id, event_created_at, from_agent, to_agent, transfer_reason, transferred_at
        )
        VALUES (p_session_id, event_id, created_at, coalesce(p_agent_name, 'unknown'), p_transfer_to_agent,
                p_transfer_reason, created_at);
    END IF;
    IF v_head.last_sequence % {{ films_snapshot_every }} = 0 THEN
        INSERT INTO films.state_snapshots (session_id, snapshot_type, state, event_sequence_num, description)
        SELECT p_session_id, 'automatic', s.state, s.last_sequence, format('after event %s', s.last_sequence)
        FROM films.sessions AS s WHERE s.id = p_session_id;
    END IF;
    IF v_delta IS NOT NULL AND v_session_delta IS DISTINCT FROM v_delta THEN
        PERFORM films.apply_scoped_state(v_head.app_name, v_head.user_id, v_delta);
    END IF;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION films.append_event(
    uuid, text, json, jsonb, text, text, text, jsonb, jsonb, integer, integer, text, text, text, integer, timestamptz
) IS
'Appends one event (rules: films.append_events): one round trip, two statements, the state applied
in the same transaction; returns the event''s id, sequence number and time.';

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
    v_count constant integer := coalesce(cardinality(p_events), 0);
    v_every constant integer := {{ films_snapshot_every }};
    v_session record;       -- the locked session as it was before the batch
    v_default_at timestamptz; -- the time of an event sent without one
    v_batch record;         -- the summary of the batch
    v_old_state jsonb;
    v_session_delta jsonb;
    v_first_id constant uuid := core.uuidv7();  -- the events' ids are a run from it (core.uuidv7_run)
BEGIN
    SELECT s.status, s.last_sequence, s.last_event_at, s.started_at, s.app_name, s.user_id INTO v_session
    FROM films.sessions AS s WHERE s.id = p_session_id FOR NO KEY UPDATE;
    IF NOT FOUND OR v_count = 0 OR v_session.status = 'archived' OR coalesce(p_expected_sequence, 0) < 0
       OR p_expected_sequence <> v_session.last_sequence THEN
        PERFORM films.refuse_append(p_session_id, p_events, p_expected_sequence);
    END IF;
    v_default_at := greatest(now(), v_session.last_event_at);
    -- One pass: the merged delta (NULL when no event changes the state), the counters, and whether
    -- any event breaks a rule (its own fields, or time running backwards).
    SELECT nullif(films.merge_deltas(films.without_temp_keys(e.state_delta) ORDER BY e.ordinality)
                      FILTER (WHERE e.state_delta IS NOT NULL), '{}') AS delta,
           count(*) FILTER (WHERE e.event_type = 'tool_call') AS tool_calls,
           count(*) FILTER (WHERE e.event_type = 'agent_transfer' AND e.transfer_to_agent IS NOT NULL) AS transfers,
           coalesce(sum(e.tokens_used), 0) AS tokens,
           min(coalesce(e.created_at, v_default_at)) AS first_at,
           max(coalesce(e.created_at, v_default_at)) AS last_at,
           bool_or(films.event_problem(e.state_delta, e.created_at) IS NOT NULL)
               OR films.first_event_out_of_order(p_events, v_default_at,
                                                 greatest(v_session.started_at, v_session.last_event_at)) IS NOT NULL
               AS refused
    INTO v_batch
    FROM unnest(p_events) WITH ORDINALITY AS e;
    IF v_batch.refused THEN
        PERFORM films.refuse_append(p_session_id, p_events, p_expected_sequence);
    END IF;

    IF (v_session.last_sequence + v_count) / v_every > v_session.last_sequence / v_every THEN
        SELECT s.state INTO v_old_state FROM films.sessions AS s WHERE s.id = p_session_id;
    END IF;
    v_session_delta := nullif(films.delta_scope(v_batch.delta, 'session'), '{}');
    UPDATE films.sessions AS s SET
        state = CASE WHEN v_session_delta IS NULL THEN s.state ELSE films.apply_delta(s.state, v_session_delta) END,
        total_events = s.total_events + v_count,
        total_tool_calls = s.total_tool_calls + v_batch.tool_calls,
        total_tokens_used = s.total_tokens_used + v_batch.tokens,
        last_sequence = s.last_sequence + v_count,
        last_event_at = v_batch.last_at,
        updated_at = now()
    WHERE s.id = p_session_id;

    -- The events, returned in the order they are inserted: the order of p_events.
    RETURN QUERY
    INSERT INTO films.events AS n (
        id, session_id, sequence_number, event_type, agent_name, parent_agent_name, event_data, state_delta,
        tool_name, tool_input, tool_output, duration_ms, tokens_used, error_message, created_at
    )
    SELECT core.uuidv7_run(v_first_id, e.ordinality - 1), p_session_id,
           v_session.last_sequence + e.ordinality::integer, e.event_type, e.agent_name, e.parent_agent_name,
           e.event_data, films.without_temp_keys(e.state_delta),
           e.tool_name, e.tool_input, e.tool_output, e.duration_ms, e.tokens_used, e.error_message,
           coalesce(e.created_at, v_default_at)
    FROM unnest(p_events) WITH ORDINALITY AS e
    RETURNING n.id, n.sequence_number, n.created_at;

    IF v_batch.transfers > 0 THEN
        INSERT INTO films.agent_transfers (
            session_id, event_id, event_created_at, from_agent, to_agent, transfer_reason, transferred_at
        )
        SELECT p_session_id, n.id, n.created_at, coalesce(e.agent_name, 'unknown'), e.transfer_to_agent,
               e.transfer_reason, n.created_at
        FROM unnest(p_events) WITH ORDINALITY AS e
        INNER JOIN films.events AS n
            ON n.session_id = p_session_id AND n.sequence_number = v_session.last_sequence + e.ordinality::integer
           AND n.created_at >= v_batch.first_at
        WHERE e.event_type = 'agent_transfer' AND e.transfer_to_agent IS NOT NULL;
    END IF;

    IF v_old_state IS NOT NULL THEN
        -- the state at each snapshot point: the old state and the deltas up to that event
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
    IF v_batch.delta IS NOT NULL AND v_session_delta IS DISTINCT FROM v_batch.delta THEN
        PERFORM films.apply_scoped_state(v_session.app_name, v_session.user_id, v_batch.delta);
    END IF;
END
$$;

COMMENT ON FUNCTION films.append_events(uuid, films.event_input[], integer) IS
'Appends events to a session in one transaction with ADK state semantics (see the file header);
returns each event''s id, sequence number and time, in order. For ingest: one call per batch.';

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
JSON object): one parameter a client serialises in one call, with no composite type to register. A
field that is not one of event_input''s is refused (22023), never dropped.';

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
