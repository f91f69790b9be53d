-- core.check_maintenance_clock(now): the maintenance role's clock is the real one.
-- p_now parameters exist for tests and for the owner (DESIGN.md section 6). Maintenance entry points
-- run as the owner (SECURITY DEFINER), so they check who called them: a caller that is not a member
-- of {{ owner_role }} (the maintenance role, in cron) may not move p_now ahead of now(), which would
-- age data out early (retention drops partitions, cleanups delete rows), nor pass NULL.
-- Inside a SECURITY DEFINER function current_user is the owner: the caller is core.calling_role().

CREATE OR REPLACE FUNCTION core.check_maintenance_clock(p_now timestamptz)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM core.check_clock(p_now);
    IF p_now > now() AND NOT pg_has_role(core.calling_role(), '{{ owner_role }}', 'MEMBER') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = format('%s may not run maintenance at a time ahead of now() (%s > %s)',
                             core.calling_role(), p_now, now()),
            HINT = 'Leave p_now out: maintenance uses the real clock; only {{ owner_role }} may pass a later one.';
    END IF;
END
$$;

COMMENT ON FUNCTION core.check_maintenance_clock(timestamptz) IS
'Refuses a NULL (22004) or non-finite (22008) p_now (core.check_clock), and a p_now ahead of now() unless the caller is a member
of {{ owner_role }} (42501): the maintenance role works on the real clock.';

REVOKE ALL ON FUNCTION core.check_maintenance_clock(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.check_maintenance_clock(timestamptz) TO {{ maintenance_role }};
