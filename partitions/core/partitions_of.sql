-- core.partitions_of(parent): a table's partitions with their bounds as timestamps.
-- Bounds are read from the catalog (pg_get_expr of relpartbound) under UTC, so partitions made by
-- hand, with any name, are seen as well as core's own.

CREATE OR REPLACE FUNCTION core.partitions_of(p_parent regclass)
RETURNS TABLE (
    partition regclass,
    lower_bound timestamptz,
    upper_bound timestamptz,
    is_default boolean,
    detach_pending boolean
)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
AS $$
    SELECT
        c.oid::regclass,
        (regexp_match(b.expr, 'FROM \(''([^'']+)''\)'))[1]::timestamptz,
        (regexp_match(b.expr, 'TO \(''([^'']+)''\)'))[1]::timestamptz,
        b.expr = 'DEFAULT',
        i.inhdetachpending
    FROM pg_inherits AS i
    INNER JOIN pg_class AS c ON i.inhrelid = c.oid
    CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) AS b
    WHERE i.inhparent = p_parent
    ORDER BY 3 NULLS FIRST
$$;

COMMENT ON FUNCTION core.partitions_of(regclass) IS
'Partitions of a range-partitioned table: bounds (NULL for MINVALUE/MAXVALUE and the default),
whether it is the default partition, and whether a concurrent detach is pending.';
