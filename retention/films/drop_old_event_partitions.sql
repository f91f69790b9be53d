-- films.drop_old_event_partitions(months): the spec's monthly partition cleanup. Drops events
-- partitions wholly older than p_months months, except one that still holds an event of a session
-- that is not archived (an active session's history is never removed); those are reported as
-- skipped. Uses core.retire_partition, so the drop is core's own.

CREATE OR REPLACE FUNCTION films.drop_old_event_partitions(
    p_months integer DEFAULT 12, p_now timestamptz DEFAULT now()
)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_partition record;
    v_name text;
    v_in_use boolean;
    v_started timestamptz;
BEGIN
    IF p_months IS NULL OR p_months < 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('months must be at least 1, not %s', coalesce(p_months::text, 'NULL'));
    END IF;
    FOR v_partition IN
        SELECT p.partition FROM core.partitions_of('films.events') AS p
        WHERE NOT p.is_default AND p.upper_bound <= p_now - make_interval(months => p_months)
        ORDER BY p.lower_bound
    LOOP
        v_started := clock_timestamp();
        v_name := v_partition.partition::text;
        EXECUTE format(
            'SELECT EXISTS (SELECT FROM %s AS e INNER JOIN films.sessions AS s ON s.id = e.session_id '
            'WHERE s.status <> %L)', v_partition.partition, 'archived'
        ) INTO v_in_use;
        IF v_in_use THEN
            RETURN NEXT ROW('films.events', 'drop', v_name, NULL, clock_timestamp() - v_started, 'skipped',
                            'holds events of sessions that are not archived')::core.maintenance_action;
            CONTINUE;
        END IF;
        PERFORM core.retire_partition('films.events', v_partition.partition, p_now);
        RETURN NEXT ROW('films.events', 'drop', v_name, NULL, clock_timestamp() - v_started, 'ok', NULL)
            ::core.maintenance_action;
    END LOOP;
END
$$;

COMMENT ON FUNCTION films.drop_old_event_partitions(integer, timestamptz) IS
'Drops films.events partitions wholly older than p_months months unless they hold events of
sessions that are not archived (reported as skipped).';

REVOKE ALL ON FUNCTION films.drop_old_event_partitions(integer, timestamptz) FROM PUBLIC;
