-- core.partition_slot(interval, at): the bounds of the partition that holds a moment.
-- Slots are computed in UTC so every session, whatever its TimeZone, agrees on them.

CREATE OR REPLACE FUNCTION core.partition_slot(
    p_interval text, p_at timestamptz, OUT lower_bound timestamptz, OUT upper_bound timestamptz
)
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
AS $$
BEGIN
    IF p_interval IS NULL OR p_interval NOT IN ('day', 'week', 'month') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown partition interval %L', p_interval),
            HINT = 'Use month, week (ISO weeks, from Monday) or day.';
    END IF;
    IF p_at IS NULL OR isfinite(p_at) IS NOT TRUE THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('no partition holds the moment %L', p_at),
            HINT = 'Pass a finite timestamp.';
    END IF;
    lower_bound := date_trunc(p_interval, p_at);
    upper_bound := lower_bound + ('1 ' || p_interval)::interval;
END
$$;

COMMENT ON FUNCTION core.partition_slot(text, timestamptz) IS
'[lower_bound, upper_bound) of the day, ISO week or month (UTC) that contains p_at.';
