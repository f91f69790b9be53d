-- core: registries and log of the partition manager and of materialized-view refreshes.
-- Tables are registered by core.register_partitioned_table(), views by
-- core.register_materialized_view(); core.run_maintenance() (cron) and `dbctl maintain` work from
-- these rows and write one log row per action. DESIGN.md section 5; pg_partman's part_config is the
-- model.

CREATE TABLE core.partitioned_tables (
    parent regclass PRIMARY KEY,
    partition_interval text NOT NULL DEFAULT 'month'
    CHECK (partition_interval IN ('day', 'week', 'month')),
    premake integer NOT NULL DEFAULT 3 CHECK (premake BETWEEN 0 AND 366),
    retention interval CHECK (retention > interval '0'),
    retention_action text NOT NULL DEFAULT 'drop' CHECK (retention_action IN ('drop', 'detach')),
    detached_grace interval CHECK (detached_grace >= interval '0'),
    default_partition boolean NOT NULL DEFAULT TRUE,
    registered_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE core.partitioned_tables IS
'Range-partitioned tables whose partitions core maintains: made ahead, rescued from the default
partition, removed past retention.';
COMMENT ON COLUMN core.partitioned_tables.partition_interval IS
'Width of one partition: month (<table>_YYYY_MM), week (<table>_IYYY_wIW) or day (<table>_YYYY_MM_DD),
in UTC.';
COMMENT ON COLUMN core.partitioned_tables.premake IS
'How many partitions to keep made beyond the current one.';
COMMENT ON COLUMN core.partitioned_tables.retention IS
'Partitions wholly older than now() - retention are removed; NULL keeps everything.';
COMMENT ON COLUMN core.partitioned_tables.retention_action IS
'drop: drop the partition; detach: detach it and keep it as a table (see detached_grace).';
COMMENT ON COLUMN core.partitioned_tables.detached_grace IS
'How long a detached partition is kept before it is dropped; NULL keeps it forever.';
COMMENT ON COLUMN core.partitioned_tables.default_partition IS
'Whether the table has a default partition, so an insert outside the made partitions never fails.
PostgreSQL cannot DETACH ... CONCURRENTLY while one exists; without it, dbctl maintain can.';

CREATE TABLE core.detached_partitions (
    partition regclass PRIMARY KEY,
    parent regclass NOT NULL REFERENCES core.partitioned_tables (parent) ON DELETE CASCADE,
    detached_at timestamptz NOT NULL,
    drop_after timestamptz
);

COMMENT ON TABLE core.detached_partitions IS
'Partitions detached by retention (retention_action = detach), kept as tables until drop_after
(NULL: forever).';

CREATE TABLE core.materialized_views (
    view regclass PRIMARY KEY,
    registered_at timestamptz NOT NULL DEFAULT now(),
    last_refreshed_at timestamptz,
    last_duration interval,
    last_outcome text
);

COMMENT ON TABLE core.materialized_views IS
'Materialized views that maintenance refreshes: CONCURRENTLY when they have a unique index.';

CREATE TYPE core.maintenance_action AS (
    target text,
    action text,
    partition text,
    rows bigint,
    duration interval,
    outcome text,
    message text
);

COMMENT ON TYPE core.maintenance_action IS
'One row of a maintenance report: the table or view, what was done (create, rescue, drop, detach,
drop detached, finalize detach, refresh, skip), the partition, rows moved, how long it took, and
the outcome (ok, planned, skipped, failed) with a message.';

CREATE TABLE core.maintenance_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id uuid NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    target text NOT NULL,
    action text NOT NULL,
    partition text,
    rows bigint,
    duration interval,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'skipped', 'failed')),
    message text
);

COMMENT ON TABLE core.maintenance_log IS
'Every maintenance action taken (dry runs are not logged); kept 90 days.';

CREATE INDEX maintenance_log_target_latest ON core.maintenance_log (target, id DESC);
CREATE INDEX maintenance_log_logged_at ON core.maintenance_log (logged_at);

GRANT SELECT ON core.partitioned_tables, core.detached_partitions, core.materialized_views,
core.maintenance_log TO {{ owner_role }}, {{ readonly_role }}, {{ maintenance_role }};
