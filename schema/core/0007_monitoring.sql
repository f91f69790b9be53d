-- core: the table-growth history that monitoring keeps for every module (spec 004, "Monitoring").
-- Maintenance records once per day (UTC) the size and the live rows of every table of every module
-- schema (core.record_table_growth, a registered maintenance task); core.monitoring_alerts compares
-- the latest day with this history to find growth spikes.

CREATE TABLE core.table_growth (
    day date NOT NULL,
    table_schema name NOT NULL,
    table_name name NOT NULL,
    total_bytes bigint NOT NULL CHECK (total_bytes >= 0),
    table_bytes bigint NOT NULL CHECK (table_bytes >= 0),
    index_bytes bigint NOT NULL CHECK (index_bytes >= 0),
    live_rows bigint NOT NULL CHECK (live_rows >= 0),
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (table_schema, table_name, day)
);

COMMENT ON TABLE core.table_growth IS
'Size and live rows of every table of every module schema, one row per table and day (UTC), written
by the maintenance task core.record_table_growth; a later run the same day overwrites the day''s row.
Partitioned tables are recorded once, with their partitions summed. Kept 400 days.';
COMMENT ON COLUMN core.table_growth.total_bytes IS
'pg_total_relation_size: heap, TOAST and indexes (of every partition, for a partitioned table).';
COMMENT ON COLUMN core.table_growth.table_bytes IS 'Heap and TOAST bytes (pg_table_size).';
COMMENT ON COLUMN core.table_growth.index_bytes IS 'Index bytes (pg_indexes_size).';
COMMENT ON COLUMN core.table_growth.live_rows IS
'Live rows as the statistics collector counts them (pg_stat_get_live_tuples): an estimate, no scan.';

CREATE INDEX table_growth_day ON core.table_growth (day);

GRANT SELECT ON core.table_growth TO {{ readonly_role }}, {{ maintenance_role }};
