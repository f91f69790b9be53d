-- core's own tables in the distribution plan (schema/core/0008_distribution_plan.sql, docs/scale-out.md):
-- all local. They describe this database's migrations and maintenance, which run on the Citus
-- coordinator only; no worker reads them and no distributed table points at them.

SELECT core.register_distribution(t.relation, 'local', t.reason)
FROM (VALUES
    ('core.migration_ledger'::regclass, 'migrations are applied on the coordinator, which propagates DDL'),
    ('core.partitioned_tables', 'the partition manager runs on the coordinator; Citus propagates the partitions it creates'),
    ('core.detached_partitions', 'partition manager bookkeeping, coordinator only'),
    ('core.materialized_views', 'materialized views live on the coordinator, refreshed there'),
    ('core.maintenance_log', 'written by maintenance, which runs on the coordinator'),
    ('core.maintenance_tasks', 'maintenance runs on the coordinator'),
    ('core.table_growth', 'monitoring of the coordinator''s view of the tables'),
    ('core.distribution_plan', 'the plan itself, read by dbctl render --citus on the coordinator')
) AS t (relation, reason)
ORDER BY t.relation::text;
