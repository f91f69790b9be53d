-- films.session_state_at(session, sequence | time): time travel over the session state.
-- Starts from the nearest automatic/manual/checkpoint snapshot at or before the point and folds the
-- session-scoped part of the deltas after it: at most {{ films_snapshot_every }} of them, however
-- long the session. With no snapshot at or before the point (only an owner can delete snapshots),
-- it folds every delta from the start instead. films.take_snapshot() records a manual or
-- checkpoint snapshot (SECURITY DEFINER: {{ app_role }} cannot write snapshots directly).

CREATE OR REPLACE FUNCTION films.session_state_at(p_session_id uuid, p_sequence integer)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session films.sessions;
    v_base jsonb;
    v_base_sequence integer;
    v_delta jsonb;
BEGIN
    v_session := films.session_row(p_session_id);
    IF p_sequence IS NULL OR p_sequence < 0 OR p_sequence > v_session.last_sequence THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('session %s has events 0 to %s, not %s', p_session_id, v_session.last_sequence,
                             coalesce(p_sequence::text, 'NULL'));
    END IF;
    SELECT n.state, n.event_sequence_num INTO v_base, v_base_sequence
    FROM films.state_snapshots AS n
    WHERE n.session_id = p_session_id AND n.event_sequence_num <= p_sequence
    ORDER BY n.event_sequence_num DESC
    LIMIT 1;
    v_base := coalesce(v_base, '{}');
    v_base_sequence := coalesce(v_base_sequence, 0);
    SELECT films.merge_deltas(e.state_delta ORDER BY e.sequence_number) INTO v_delta
    FROM films.events AS e
    WHERE e.session_id = p_session_id
      AND e.created_at >= v_session.started_at
      AND e.sequence_number > v_base_sequence AND e.sequence_number <= p_sequence
      AND e.state_delta IS NOT NULL;
    RETURN films.apply_delta(v_base, films.delta_scope(v_delta, 'session'));
END
$$;

CREATE OR REPLACE FUNCTION films.session_state_at(p_session_id uuid, p_at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'session_state_at needs a point in time, not NULL',
            HINT = 'Pass a timestamptz (or a sequence number: session_state_at(session, 42)).';
    END IF;
    -- Events are dated in sequence order (append_events refuses time running backwards), so the
    -- last event at or before p_at is the newest one dated then.
    RETURN films.session_state_at(p_session_id, coalesce((
        SELECT max(e.sequence_number) FROM films.events AS e
        WHERE e.session_id = p_session_id AND e.created_at <= p_at
          AND e.created_at >= (SELECT s.started_at FROM films.sessions AS s WHERE s.id = p_session_id)
    ), 0));
END
$$;

COMMENT ON FUNCTION films.session_state_at(uuid, integer) IS
'Session-scoped state right after event p_sequence (0: the initial state). 22023 outside 0..last.';
COMMENT ON FUNCTION films.session_state_at(uuid, timestamptz) IS
'Session-scoped state as it was at time p_at (after the last event at or before it). 22004 for NULL.';

CREATE OR REPLACE FUNCTION films.take_snapshot(
    p_session_id uuid, p_snapshot_type text DEFAULT 'manual', p_description text DEFAULT NULL
)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session films.sessions := films.session_row(p_session_id);
    v_id uuid;
BEGIN
    INSERT INTO films.state_snapshots (session_id, snapshot_type, state, event_sequence_num, description)
    VALUES (v_session.id, p_snapshot_type, v_session.state, v_session.last_sequence, p_description)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION films.take_snapshot(uuid, text, text) IS
'Records the session''s current state as a manual or checkpoint snapshot; returns its id.
P0002 for an unknown session, 23514 for an unknown snapshot type.';

REVOKE ALL ON FUNCTION films.take_snapshot(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION films.take_snapshot(uuid, text, text) TO {{ app_role }};
