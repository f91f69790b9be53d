-- core.partition_timeline: every partition of every registered table on one time axis, for the
-- report's partitions-and-retention picture (dbctl report) and for psql: bounds, the statistics'
-- row estimate (no table is scanned), size, and whether it is the default partition. Exact rows of
-- a default partition (and the unroutable ones) are core.maintenance_health's.
-- core.partitions_of reads only the catalog, which every role may read: the read-only role may
-- execute it so that this view works for reporting logins.

GRANT EXECUTE ON FUNCTION core.partitions_of(regclass) TO {{ readonly_role }};

CREATE OR REPLACE VIEW core.partition_timeline AS
SELECT
    t.parent,
    p.partition,
    p.lower_bound,
    p.upper_bound,
    p.is_default,
    p.detach_pending,
    pg_catalog.pg_stat_get_live_tuples(p.partition::oid) AS estimated_rows,
    pg_catalog.pg_total_relation_size(p.partition) AS total_bytes
FROM core.partitioned_tables AS t
CROSS JOIN LATERAL core.partitions_of(t.parent) AS p
WHERE EXISTS (
    SELECT FROM pg_catalog.pg_class AS c
    WHERE c.oid = t.parent
);

COMMENT ON VIEW core.partition_timeline IS
'Every partition of every registered partitioned table: bounds (NULL for the default partition),
whether it is the default, a pending concurrent detach, live rows as the statistics estimate them
(no scan) and total size with indexes and TOAST.';

GRANT SELECT ON core.partition_timeline TO {{ owner_role }}, {{ readonly_role }}, {{ maintenance_role }};
