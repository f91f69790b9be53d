-- films.create_events_partition(date): the spec's name for making one month's events partition,
-- now a wrapper of core.create_partition (which also moves in rows waiting in the default partition).

CREATE OR REPLACE FUNCTION films.create_events_partition(p_partition_date date)
RETURNS SETOF core.maintenance_action
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM core.create_partition('films.events', p_partition_date::timestamptz)
$$;

COMMENT ON FUNCTION films.create_events_partition(date) IS
'Creates the films.events partition for the month of p_partition_date (no-op if it exists).';

REVOKE ALL ON FUNCTION films.create_events_partition(date) FROM PUBLIC;
