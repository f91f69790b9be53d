-- core.record_table_growth(now): the maintenance task that fills core.table_growth (spec 004,
-- "Monitoring": table growth per day). Module schemas are those the migration ledger knows.

CREATE OR REPLACE FUNCTION core.record_table_growth(p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_day date;
    v_rows bigint;
BEGIN
    PERFORM core.check_clock(p_now);
    v_day := (p_now AT TIME ZONE 'UTC')::date;
    WITH module_table AS (
        SELECT c.oid, n.nspname, c.relname
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname IN (SELECT l.module FROM core.migration_ledger AS l)
          AND c.relkind IN ('r', 'p')
          AND NOT c.relispartition
    ),
    measured AS (
        SELECT t.nspname, t.relname,
               sum(pg_total_relation_size(p.relid)) AS total_bytes,
               sum(pg_table_size(p.relid)) AS table_bytes,
               sum(pg_indexes_size(p.relid)) AS index_bytes,
               sum(pg_stat_get_live_tuples(p.relid)) AS live_rows
        FROM module_table AS t
        CROSS JOIN LATERAL (
            -- pg_partition_tree lists a partitioned table's tree; a plain table is its own tree
            SELECT tree.relid FROM pg_partition_tree(t.oid) AS tree
            UNION
            SELECT t.oid::regclass
        ) AS p
        GROUP BY t.nspname, t.relname
    ),
    written AS (
        INSERT INTO core.table_growth AS g
            (day, table_schema, table_name, total_bytes, table_bytes, index_bytes, live_rows)
        SELECT v_day, m.nspname, m.relname, m.total_bytes, m.table_bytes, m.index_bytes, m.live_rows
        FROM measured AS m
        ON CONFLICT (table_schema, table_name, day) DO UPDATE
        SET total_bytes = excluded.total_bytes,
            table_bytes = excluded.table_bytes,
            index_bytes = excluded.index_bytes,
            live_rows = excluded.live_rows,
            recorded_at = excluded.recorded_at
        RETURNING 1
    )
    SELECT count(*) INTO v_rows FROM written;
    DELETE FROM core.table_growth WHERE day < v_day - 400;
    RETURN v_rows;
END
$$;

COMMENT ON FUNCTION core.record_table_growth(timestamptz) IS
'Maintenance task: records (or updates) for the UTC day of p_now the size and live rows of every table
of every module schema, partitioned tables with their partitions summed, and forgets days older than
400; returns the tables recorded. 22004 for a NULL or non-finite p_now.';

REVOKE ALL ON FUNCTION core.record_table_growth(timestamptz) FROM PUBLIC;

SELECT core.register_maintenance_task(
    'core.record_table_growth(timestamptz)'::regprocedure,
    'records size and live rows of every module table for the day (core.table_growth)'
);
