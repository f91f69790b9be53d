-- films: the checks of an append, in one place for films.append_event and films.append_events.
--   films.event_problem(delta, time): what is wrong with one event on its own: a delta that is not
--     an object ('delta'), a non-finite time ('infinite'), a time more than
--     {{ films_event_future_seconds }} s after now() ('future'); NULL when nothing. A plain SQL
--     expression, inlined into the append functions' statements (qualified names, no SET clause).
--   films.first_event_out_of_order(events, default time, floor): the position of the first event
--     dated before the event it follows, or before the floor (the later of the session's start and its
--     last event's time); an event without a time takes the default time. NULL when time only moves
--     forward. A batch's check and its refusal's message both use it.
--   films.refuse_append(session, events, expected): called only when an append cannot go ahead;
--     finds the first reason and raises its error with its SQLSTATE, message and hint, looking in
--     this order: no events, a negative expected sequence, the first event with a problem of its
--     own, an unknown session, an archived one, a stale expected sequence, a time running backwards.
--     The happy path never runs it; the error path may take its time.

CREATE OR REPLACE FUNCTION films.event_problem(p_state_delta jsonb, p_created_at timestamptz)
RETURNS text
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN pg_catalog.jsonb_typeof(p_state_delta) OPERATOR(pg_catalog.<>) 'object' THEN 'delta'
        WHEN NOT pg_catalog.isfinite(p_created_at) THEN 'infinite'
        WHEN p_created_at OPERATOR(pg_catalog.>)
             (pg_catalog.now() OPERATOR(pg_catalog.+) '{{ films_event_future_seconds }} seconds'::pg_catalog.interval)
             THEN 'future'
    END
$$;

COMMENT ON FUNCTION films.event_problem(jsonb, timestamptz) IS
'What is wrong with one event of an append on its own (delta, infinite, future), NULL when nothing:
inlined into the append functions, which call films.refuse_append when it is not NULL.';

CREATE OR REPLACE FUNCTION films.first_event_out_of_order(
    p_events films.event_input[], p_default_at timestamptz, p_floor timestamptz
)
RETURNS bigint
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT min(t.ordinality)
    FROM (SELECT e.ordinality, coalesce(e.created_at, p_default_at) AS at,
                 lag(coalesce(e.created_at, p_default_at)) OVER (ORDER BY e.ordinality) AS previous
          FROM unnest(p_events) WITH ORDINALITY AS e) AS t
    WHERE t.at < greatest(t.previous, p_floor)
$$;

COMMENT ON FUNCTION films.first_event_out_of_order(films.event_input[], timestamptz, timestamptz) IS
'The position of the first event dated before the one it follows or before p_floor (events without a
time take p_default_at); NULL when time only moves forward.';

CREATE OR REPLACE FUNCTION films.refuse_append(
    p_session_id uuid, p_events films.event_input[], p_expected_sequence integer
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session record;
    v_problem record;
    v_backwards bigint;
BEGIN
    IF coalesce(cardinality(p_events), 0) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'no events to append',
            HINT = 'Pass at least one films.event_input.';
    END IF;
    IF p_expected_sequence < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('expected sequence must not be negative, not %s', p_expected_sequence),
            HINT = 'Pass the session''s last_sequence as read (0 for a session without events), or NULL.';
    END IF;
    SELECT e.ordinality, films.event_problem(e.state_delta, e.created_at) AS kind INTO v_problem
    FROM unnest(p_events) WITH ORDINALITY AS e
    WHERE films.event_problem(e.state_delta, e.created_at) IS NOT NULL
    ORDER BY e.ordinality LIMIT 1;
    IF v_problem.kind = 'delta' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('the state_delta of event %s of the batch is not a JSON object', v_problem.ordinality),
            HINT = 'Send the delta as {"key": value, ...}, or NULL for none.';
    ELSIF v_problem.kind = 'infinite' THEN
        RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow',
            MESSAGE = format('event %s of the batch has a non-finite time', v_problem.ordinality),
            HINT = 'Date events with a real time (or NULL for now()), never infinity.';
    ELSIF v_problem.kind = 'future' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('event %s of the batch is dated more than {{ films_event_future_seconds }} s after now()',
                             v_problem.ordinality),
            HINT = 'Check the client''s clock; the limit is the template variable films_event_future_seconds.';
    END IF;
    SELECT s.status, s.last_sequence, s.last_event_at, s.started_at INTO v_session
    FROM films.sessions AS s WHERE s.id = p_session_id;
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
    IF p_expected_sequence <> v_session.last_sequence THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
            MESSAGE = format('session %s is at event %s, not %s', p_session_id, v_session.last_sequence,
                             p_expected_sequence),
            DETAIL = 'Another writer appended events since this one read the session.',
            HINT = 'Reload the session (films.reconstruct_session) and retry.';
    END IF;
    v_backwards := films.first_event_out_of_order(p_events, greatest(now(), v_session.last_event_at),
                                                  greatest(v_session.started_at, v_session.last_event_at));
    IF v_backwards IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('event %s of the batch is dated before the event it follows in session %s',
                             v_backwards, p_session_id),
            DETAIL = format('The session started at %s; its last event is dated %s.', v_session.started_at,
                            coalesce(v_session.last_event_at::text, 'nothing yet')),
            HINT = 'Time only moves forward in a session: date events in the order they happen.';
    END IF;
    -- Every check passes now: the session changed between the append's attempt and this look.
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = format('session %s changed while events were being appended to it', p_session_id),
        HINT = 'Reload the session (films.reconstruct_session) and retry.';
END
$$;

COMMENT ON FUNCTION films.refuse_append(uuid, films.event_input[], integer) IS
'Raises the error that explains why films.append_event(s) refused a call (the first problem found,
in the order of the file header); called only on that path, as the owner.';

REVOKE ALL ON FUNCTION films.event_problem(jsonb, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION films.refuse_append(uuid, films.event_input[], integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION films.first_event_out_of_order(films.event_input[], timestamptz, timestamptz) FROM PUBLIC;
