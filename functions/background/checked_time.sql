-- background.checked_time(at, what): the one check every time-taking function of the module applies
-- to its p_now (and other timestamps): NULL is refused with SQLSTATE 22004, infinite and absurd
-- times with 22008.

CREATE OR REPLACE FUNCTION background.checked_time(p_at timestamptz, p_what text DEFAULT 'p_now')
RETURNS timestamptz
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = format('%s must not be NULL', p_what),
            HINT = 'Pass a time, or omit it to use now().';
    END IF;
    IF NOT isfinite(p_at) OR p_at < '2000-01-01+00' OR p_at >= '2200-01-01+00' THEN
        RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow',
            MESSAGE = format('%s must be a time between 2000 and 2200, not %s', p_what, p_at),
            HINT = 'Pass a real time, or omit it to use now().';
    END IF;
    RETURN p_at;
END
$$;

COMMENT ON FUNCTION background.checked_time(timestamptz, text) IS
'Returns p_at, or raises 22004 when it is NULL, 22008 when it is infinite or outside 2000-2200
(p_what names it in the message).';

REVOKE ALL ON FUNCTION background.checked_time(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.checked_time(timestamptz, text) TO {{ app_role }}, {{ background_agents_role }};

-- background.checked_text(value, what): NULL or empty required text is refused with SQLSTATE 22004.
CREATE OR REPLACE FUNCTION background.checked_text(p_value text, p_what text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_value IS NULL OR btrim(p_value) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be NULL or empty', p_what),
            HINT = format('Pass a non-empty %s.', p_what);
    END IF;
    RETURN p_value;
END
$$;

COMMENT ON FUNCTION background.checked_text(text, text) IS
'Returns p_value, or raises 22004 when it is NULL or blank (p_what names it in the message).';

REVOKE ALL ON FUNCTION background.checked_text(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.checked_text(text, text) TO {{ app_role }}, {{ background_agents_role }};
