-- films.drop_old_event_partitions(months, now): the spec's monthly partition cleanup. Drops events
-- partitions wholly older than p_months months, except one that still holds an event of a session
-- that is not archived (an active session's history is never removed): those are reported skipped.
--
-- The decision and the drop are one atomic step: each partition is first locked (ACCESS EXCLUSIVE,
-- under maintenance's lock_timeout), then checked, then its agent transfers and the partition itself
-- are removed, all in one subtransaction. A backdated append into the partition either committed
-- before the lock (the check sees it: skipped) or waits for the lock and then finds its partition
-- gone (it fails or lands in the default partition; nothing is dropped under it). A partition whose
-- lock is not granted, or whose removal fails, is reported and the next one is still processed.
-- SECURITY DEFINER for the maintenance role's cron line; that role gets the real clock only.

CREATE OR REPLACE FUNCTION films.drop_old_event_partitions(
    p_months integer DEFAULT 12, p_now timestamptz DEFAULT now()
)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = {{ maintenance_lock_timeout_ms }}
AS $$
DECLARE
    v_partition regclass;
    v_name text;
    v_in_use boolean;
    v_transfers bigint;
    v_started timestamptz;
    v_result core.maintenance_action;
BEGIN
    IF p_months IS NULL OR p_months < 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('months must be at least 1, not %s', coalesce(p_months::text, 'NULL')),
            HINT = 'Pass how many months of events to keep (the spec keeps 12).';
    END IF;
    PERFORM core.check_maintenance_clock(p_now);
    FOR v_partition IN
        SELECT p.partition FROM core.partitions_of('films.events') AS p
        WHERE NOT p.is_default AND p.upper_bound <= p_now - make_interval(months => p_months)
        ORDER BY p.lower_bound
    LOOP
        v_started := clock_timestamp();
        v_name := v_partition::text;
        BEGIN
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_partition);
            EXECUTE format(
                -- SELECT 1: Citus reads an empty select list over many shards wrongly ("a column
                -- definition list is required").
                'SELECT EXISTS (SELECT 1 FROM %s AS e INNER JOIN films.sessions AS s ON s.id = e.session_id '
                'WHERE s.status <> %L)', v_partition, 'archived'
            ) INTO v_in_use;
            IF v_in_use THEN
                v_result := ROW('films.events', 'drop', v_name, NULL, clock_timestamp() - v_started, 'skipped',
                                'holds events of sessions that are not archived')::core.maintenance_action;
                RETURN NEXT v_result;
                CONTINUE;
            END IF;
            -- Transfers of archived sessions point at events of this partition: they go with it.
            EXECUTE format(
                'DELETE FROM films.agent_transfers AS t USING %s AS e '
                'WHERE t.session_id = e.session_id AND t.event_id = e.id AND t.event_created_at = e.created_at',
                v_partition
            );
            GET DIAGNOSTICS v_transfers = ROW_COUNT;
            PERFORM core.retire_partition('films.events', v_partition, p_now);
            v_result := ROW('films.events', 'drop', v_name, NULL, clock_timestamp() - v_started, 'ok',
                            CASE WHEN v_transfers > 0 THEN format('with %s agent transfers', v_transfers) END)
                ::core.maintenance_action;
            RETURN NEXT v_result;
        EXCEPTION WHEN OTHERS THEN
            v_result := ROW('films.events', 'drop', v_name, NULL, clock_timestamp() - v_started, 'failed',
                            SQLSTATE || ': ' || SQLERRM)::core.maintenance_action;
            RETURN NEXT v_result;
        END;
    END LOOP;
END
$$;

COMMENT ON FUNCTION films.drop_old_event_partitions(integer, timestamptz) IS
'Drops films.events partitions wholly older than p_months months (with the agent transfers that
point into them) unless they hold events of sessions that are not archived (skipped). Each partition
is locked, checked and dropped atomically; a lock not granted or a failure is reported (failed) and
the others still run. p_now ahead of now() only for {{ owner_role }}.';

REVOKE ALL ON FUNCTION films.drop_old_event_partitions(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION films.drop_old_event_partitions(integer, timestamptz) TO {{ maintenance_role }};
