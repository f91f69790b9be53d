-- core.check_clock(p_now): the refusal every function that takes a p_now applies to it, in one place.
-- docs/core.md "Bad input": NULL is refused with 22004, a non-finite time ('infinity') with 22008.
-- core.check_maintenance_clock adds the maintenance role's rule on top; core.application_time (below)
-- the application's.

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

-- core.application_time(p_now, p_what): the time to record for a p_now the application passed to a
-- function that writes (docs/core.md "The clock"), after core.check_clock. The application cannot date
-- what it writes after the server's clock:
--   * a p_now more than {{ clock_skew_seconds }} s (clock_skew_seconds) after statement_timestamp(), the
--     moment the server received the statement, is refused with 22023 (a bad argument: retrying cannot
--     help). statement_timestamp(), not now(): a client's own time late in a long transaction is
--     later than the transaction's start, not wrong;
--   * a p_now after now() but within the skew (a client clock slightly fast) is recorded as now(), so
--     nothing the application writes starts after the transaction that writes it;
--   * an earlier p_now is recorded as it is (backdating, replays).
-- Members of {{ owner_role }} (tests, imports) get p_now back as it is, ahead or not: they may write
-- those rows directly anyway. Only a p_now after now() asks who the caller is, and only a NULL or
-- non-finite one calls core.check_clock (a nested call with a SET clause costs microseconds, and the
-- common case is p_now = now()). SECURITY DEFINER, so that the application's invoker functions can
-- ask core.calling_role(); it reads nothing else.
CREATE OR REPLACE FUNCTION core.application_time(p_now timestamptz, p_what text DEFAULT 'p_now')
RETURNS timestamptz
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_now IS NULL OR NOT isfinite(p_now) THEN
        PERFORM core.check_clock(p_now);  -- raises: the one refusal of NULL and non-finite times
    END IF;
    IF p_now <= now() THEN
        RETURN p_now;
    END IF;
    IF pg_has_role(core.calling_role(), '{{ owner_role }}', 'MEMBER') THEN
        RETURN p_now;
    END IF;
    IF p_now > statement_timestamp() + interval '{{ clock_skew_seconds }} seconds' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('%s is %s, more than {{ clock_skew_seconds }} s after the server''s clock (%s)',
                             coalesce(p_what, 'p_now'), p_now, statement_timestamp()),
            DETAIL = 'The application cannot date what it writes after the server''s clock.',
            HINT = 'Leave p_now out to use the server''s clock, or correct the client''s clock '
                   '(the skew allowed is the template variable clock_skew_seconds).';
    END IF;
    RETURN now();
END
$$;

COMMENT ON FUNCTION core.application_time(timestamptz, text) IS
'The time to record for a p_now the application passed: core.check_clock (22004 NULL, 22008 non-finite);
22023 when more than {{ clock_skew_seconds }} s after statement_timestamp(); now() when after now() within
that skew; else p_now. Members of {{ owner_role }} get p_now as it is.';

REVOKE ALL ON FUNCTION core.application_time(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.application_time(timestamptz, text) TO {{ app_role }};
