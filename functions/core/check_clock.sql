-- core.check_clock(p_now): the refusal every function that takes a p_now applies to it, in one place.
-- docs/core.md "Bad input": NULL is refused with 22004, a non-finite time ('infinity') with 22008.
-- core.check_maintenance_clock adds the maintenance role's rule on top.

CREATE OR REPLACE FUNCTION core.check_clock(p_now timestamptz)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_now IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'p_now must not be NULL',
            HINT = 'Leave p_now out to use the real clock.';
    END IF;
    IF NOT isfinite(p_now) THEN
        RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow',
            MESSAGE = format('p_now must be a finite time, not %s', p_now),
            HINT = 'Leave p_now out to use the real clock.';
    END IF;
END
$$;

COMMENT ON FUNCTION core.check_clock(timestamptz) IS
'Raises 22004 for a NULL p_now and 22008 for a non-finite one; every p_now parameter is checked by it.';
