-- core: the registry of maintenance tasks, the periodic work of modules that is not a partition or a
-- view (a retention cleanup that must DELETE, stale-agent marking, expiry of memories).
-- A module registers a function `(p_now timestamptz) RETURNS bigint` (rows affected) with
-- core.register_maintenance_task(); core.run_maintenance() and `dbctl maintain` call every registered
-- task after the partitioned tables and before the materialized views, each in its own subtransaction,
-- and log it as action `task`.

CREATE TABLE core.maintenance_tasks (
    task regprocedure PRIMARY KEY,
    description text NOT NULL CHECK (description <> ''),
    registered_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE core.maintenance_tasks IS
'Functions (p_now timestamptz) RETURNS bigint that maintenance calls on every run, after partitions
and before materialized views; each returns the number of rows it changed.';

GRANT SELECT ON core.maintenance_tasks TO {{ readonly_role }}, {{ maintenance_role }};
