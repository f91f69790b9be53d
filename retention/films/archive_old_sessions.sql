-- films.archive_old_sessions(days): tier 2 of the spec's retention. Sessions that ended (completed
-- or failed) more than p_days ago become archived: read-only and out of analytics. Active sessions
-- are never archived, however old.

CREATE OR REPLACE FUNCTION films.archive_old_sessions(
    p_days integer DEFAULT 90, p_now timestamptz DEFAULT now()
)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count integer;
BEGIN
    IF p_days IS NULL OR p_days < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('days must not be negative, not %s', coalesce(p_days::text, 'NULL')),
            HINT = 'Pass a number of days, 0 or more.';
    END IF;
    PERFORM core.check_maintenance_clock(p_now);
    UPDATE films.sessions AS s SET status = 'archived'
    WHERE s.status IN ('completed', 'failed')
      AND coalesce(s.ended_at, s.updated_at) < p_now - make_interval(days => p_days);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION films.archive_old_sessions(integer, timestamptz) IS
'Archives sessions that ended more than p_days ago; returns how many. Never touches active sessions.
SECURITY DEFINER for the maintenance role''s cron line, on the real clock (a later p_now is for
{{ owner_role }} only: 42501).';

REVOKE ALL ON FUNCTION films.archive_old_sessions(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION films.archive_old_sessions(integer, timestamptz) TO {{ maintenance_role }};
