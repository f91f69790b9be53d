-- core: the distribution plan, how every table of every module is meant to be placed on a Citus
-- cluster (DESIGN.md section 8, docs/scale-out.md). Each module fills it from its repeatable file
-- partitions/<module>/distribution.sql with core.register_distribution(); core.distribution_problems()
-- checks the catalog against it, and `dbctl render --citus` turns it into the
-- create_reference_table / create_distributed_table script.

CREATE TABLE core.distribution_plan (
    relation regclass PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('distributed', 'reference', 'local')),
    distribution_column name,
    colocate_with regclass REFERENCES core.distribution_plan (relation),
    reason text NOT NULL CHECK (reason <> ''),
    registered_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT distribution_plan_column CHECK ((kind = 'distributed') = (distribution_column IS NOT NULL)),
    CONSTRAINT distribution_plan_colocation CHECK (
        colocate_with IS NULL OR (kind = 'distributed' AND colocate_with <> relation)
    )
);

COMMENT ON TABLE core.distribution_plan IS
'How each table of each module goes onto a Citus cluster: distributed by a column (co-located with
a group leader), a reference table copied to every node, or local to the coordinator. Filled by
core.register_distribution() from partitions/<module>/distribution.sql.';
COMMENT ON COLUMN core.distribution_plan.distribution_column IS
'The column a distributed table is sharded by; every primary key, unique key and foreign key
between distributed tables must contain it (core.distribution_problems()).';
COMMENT ON COLUMN core.distribution_plan.colocate_with IS
'The leader of the co-location group (a distributed table with no colocate_with itself); NULL for a
leader, which starts its own group.';
COMMENT ON COLUMN core.distribution_plan.reason IS 'Why the table is placed so (the docs quote it).';

CREATE INDEX distribution_plan_colocate_with ON core.distribution_plan (colocate_with);

GRANT SELECT ON core.distribution_plan TO {{ readonly_role }}, {{ maintenance_role }};
