-- assistant: argument checks shared by the module's functions, so every entry point refuses bad
-- input with the same SQLSTATE, message and hint (and before it changes anything).

CREATE OR REPLACE FUNCTION assistant.check_session_id(p_session_id text)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_session_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'session_id must not be NULL',
            HINT = 'Pass the client''s session key, e.g. ''abc123''.';
    END IF;
    IF p_session_id = '' OR length(p_session_id) > 100 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('session_id must be 1 to 100 characters, not %s', length(p_session_id)),
            HINT = 'Session keys are VARCHAR(100), as in the spec.';
    END IF;
END
$$;

COMMENT ON FUNCTION assistant.check_session_id(text) IS
'Raises 22004 for a NULL session key and 22023 for an empty one or one over 100 characters.';

CREATE OR REPLACE FUNCTION assistant.check_time_range(
    p_start timestamptz, p_end timestamptz, p_allow_empty boolean
)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_start IS NULL OR p_end IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'start and end must not be NULL',
            HINT = 'Pass both ends of the time range.';
    END IF;
    IF NOT (isfinite(p_start) AND isfinite(p_end)) THEN
        RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow',
            MESSAGE = format('%s to %s is not a finite time range', p_start, p_end),
            HINT = 'infinity is not a time: pass both ends.';
    END IF;
    IF p_start < '1900-01-01 00:00+00' OR p_end > '3000-01-01 00:00+00' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('%s to %s is not a plausible time range', p_start, p_end),
            HINT = 'Calendar times lie between 1900 and 3000.';
    END IF;
    IF p_end < p_start OR (p_end = p_start AND NOT p_allow_empty) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('end %s is not after start %s', p_end, p_start),
            HINT = 'An event occupies [start, end): the end must be later than the start.';
    END IF;
END
$$;

COMMENT ON FUNCTION assistant.check_time_range(timestamptz, timestamptz, boolean) IS
'Raises 22004 for a NULL end, 22008 for an infinite one, 22023 for times outside 1900-3000 and for
an end before the start (or equal to it, unless p_allow_empty).';

CREATE OR REPLACE FUNCTION assistant.check_new_event(
    p_title text, p_start_time timestamptz, p_end_time timestamptz, p_all_day boolean
)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_title IS NULL OR btrim(p_title) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'an event needs a title',
            HINT = 'Titles are 1 to 200 characters.';
    END IF;
    PERFORM assistant.check_time_range(p_start_time, p_end_time, coalesce(p_all_day, FALSE));
END
$$;

COMMENT ON FUNCTION assistant.check_new_event(text, timestamptz, timestamptz, boolean) IS
'What create_event and book_event refuse before writing: an empty title (22023) and a bad time
range (assistant.check_time_range).';

CREATE OR REPLACE FUNCTION assistant.check_limit(p_limit integer)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('limit must be between 1 and 10000, not %s', coalesce(p_limit::text, 'NULL')),
            HINT = 'Page through longer results with the keyset argument.';
    END IF;
END
$$;

COMMENT ON FUNCTION assistant.check_limit(integer) IS 'Raises 22023 unless 1 <= limit <= 10000.';
