-- films.delete_archived_data(days): tier 3 of the spec's retention. Sessions archived and ended
-- more than p_days ago are deleted with everything that belongs to them; returns the rows removed
-- per table. Only archived sessions are touched.

CREATE OR REPLACE FUNCTION films.delete_archived_data(
    p_days integer DEFAULT 180, p_now timestamptz DEFAULT now()
)
RETURNS TABLE (table_name text, rows_deleted bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_sessions uuid[];
    v_table text;
    v_count bigint;
BEGIN
    IF p_days IS NULL OR p_days < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('days must not be negative, not %s', coalesce(p_days::text, 'NULL')),
            HINT = 'Pass a number of days, 0 or more.';
    END IF;
    PERFORM core.check_maintenance_clock(p_now);
    SELECT coalesce(array_agg(s.id), '{}') INTO v_sessions
    FROM films.sessions AS s
    WHERE s.status = 'archived' AND coalesce(s.ended_at, s.updated_at) < p_now - make_interval(days => p_days);

    -- Children first, so every count is what this call removed.
    FOREACH v_table IN ARRAY ARRAY[
        'agent_transfers', 'inferential_reasoning', 'answers', 'questions', 'state_snapshots',
        'film_projects', 'events'
    ] LOOP
        EXECUTE format('DELETE FROM films.%I WHERE session_id = ANY ($1)', v_table) USING v_sessions;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        table_name := v_table;
        rows_deleted := v_count;
        RETURN NEXT;
    END LOOP;
    DELETE FROM films.sessions AS s WHERE s.id = ANY (v_sessions);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    table_name := 'sessions';
    rows_deleted := v_count;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION films.delete_archived_data(integer, timestamptz) IS
'Deletes sessions archived and ended more than p_days ago with all their rows; rows removed per table.
SECURITY DEFINER for the maintenance role''s cron line, on the real clock (a later p_now is for
{{ owner_role }} only: 42501).';

REVOKE ALL ON FUNCTION films.delete_archived_data(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION films.delete_archived_data(integer, timestamptz) TO {{ maintenance_role }};
