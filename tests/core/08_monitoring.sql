-- core monitoring: table growth recorded by maintenance, unused indexes, slow statements (with and
-- without pg_stat_statements) and the alerts (storage over capacity, growth spikes, slow statements).
BEGIN;
SELECT plan(33);

SELECT has_table('core', 'table_growth', 'core.table_growth exists');
SELECT columns_are(
    'core', 'table_growth',
    ARRAY['day', 'table_schema', 'table_name', 'total_bytes', 'table_bytes', 'index_bytes', 'live_rows',
          'recorded_at'],
    'table_growth has exactly its columns'
);
SELECT col_is_pk('core', 'table_growth', ARRAY['table_schema', 'table_name', 'day'],
                 'one row per table and day');
SELECT has_view('core', 'unused_indexes', 'core.unused_indexes exists');
SELECT has_view('core', 'slow_statements', 'core.slow_statements exists');
SELECT has_view('core', 'monitoring_alerts', 'core.monitoring_alerts exists');
SELECT is(
    (SELECT description FROM core.maintenance_tasks
     WHERE task = 'core.record_table_growth(timestamptz)'::regprocedure) IS NOT NULL,
    TRUE, 'record_table_growth is a registered maintenance task'
);

-- A module of the test's own: a plain table and a partitioned one with two partitions.
CREATE SCHEMA probe AUTHORIZATION {{ owner_role }};
INSERT INTO core.migration_ledger (module, kind, file, version, checksum, duration)
VALUES ('probe', 'schema', 'schema/probe/0001_schema.sql', 1, repeat('0', 64), '0');
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE probe.plain (id integer PRIMARY KEY, v integer);
CREATE INDEX plain_v ON probe.plain (v);
CREATE TABLE probe.events (id integer, at date NOT NULL) PARTITION BY RANGE (at);
CREATE INDEX events_id ON probe.events (id);
CREATE TABLE probe.events_2030_01 PARTITION OF probe.events FOR VALUES FROM ('2030-01-01') TO ('2030-02-01');
CREATE TABLE probe.events_2030_02 PARTITION OF probe.events FOR VALUES FROM ('2030-02-01') TO ('2030-03-01');
INSERT INTO probe.events SELECT i, date '2030-01-01' + i % 50 FROM generate_series(1, 1000) AS i;
RESET ROLE;

-- Recording: every table of every module schema, partitioned tables once with their partitions.
DELETE FROM core.table_growth;
SELECT is(
    core.record_table_growth('2030-01-15 12:00+00'),
    (SELECT count(*) FROM pg_class AS c INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
     WHERE n.nspname IN (SELECT module FROM core.migration_ledger)
       AND c.relkind IN ('r', 'p') AND NOT c.relispartition),
    'record_table_growth records every table of every module schema and returns how many'
);
SELECT results_eq(
    $$SELECT total_bytes FROM core.table_growth WHERE table_schema = 'probe' AND table_name = 'events'$$,
    $$SELECT sum(pg_total_relation_size(relid))::bigint FROM pg_partition_tree('probe.events')$$,
    'a partitioned table is recorded once, with the sizes of its partitions summed'
);
SELECT is_empty(
    $$SELECT table_name FROM core.table_growth WHERE table_schema = 'probe' AND table_name <> ALL ('{plain,events}')$$,
    'partitions are not recorded on their own'
);
SELECT is(
    (SELECT DISTINCT day FROM core.table_growth), '2030-01-15'::date, 'the day is the UTC day of p_now'
);
SELECT lives_ok($$SELECT core.record_table_growth('2030-01-15 23:00+00')$$, 'a second run the same day');
SELECT is(
    (SELECT count(*) FROM core.table_growth),
    (SELECT count(*) FROM (SELECT DISTINCT table_schema, table_name FROM core.table_growth) AS t),
    'a second run the same day overwrites the day''s rows (idempotent)'
);
INSERT INTO core.table_growth (day, table_schema, table_name, total_bytes, table_bytes, index_bytes, live_rows)
VALUES ('2028-01-01', 'probe', 'ancient', 1, 1, 0, 1);
SELECT lives_ok($$SELECT core.record_table_growth('2030-01-16 00:00+00')$$, 'the next day is recorded');
SELECT is_empty($$SELECT 1 FROM core.table_growth WHERE table_name = 'ancient'$$,
                'days older than 400 are forgotten');
SELECT throws_ok($$SELECT core.record_table_growth(NULL)$$, '22004', NULL, 'a NULL p_now is refused');
SELECT throws_ok($$SELECT core.record_table_growth('infinity')$$, '22008', NULL,
                 'a non-finite p_now is refused');
SELECT results_eq(
    $$SELECT outcome FROM core.run_maintenance() WHERE target = 'core.record_table_growth(timestamp with time zone)'$$,
    $$VALUES ('ok')$$,
    'core.run_maintenance() runs the growth recording'
);

-- Growth spikes against the recorded history.
DELETE FROM core.table_growth;
INSERT INTO core.table_growth (day, table_schema, table_name, total_bytes, table_bytes, index_bytes, live_rows)
SELECT d::date, 'probe', t.name,
       CASE WHEN t.name = 'spiky' AND d = '2030-02-15' THEN 100 * 1048576 ELSE 0 END
       + (d::date - '2030-02-01'::date) * 1048576,
       0, 0, 0
FROM generate_series(timestamp '2030-02-01', timestamp '2030-02-15', interval '1 day') AS d
CROSS JOIN (VALUES ('spiky'), ('steady')) AS t (name);
SELECT results_eq(
    $$SELECT kind, target FROM core.monitoring_alerts('2030-02-15 12:00+00', 0) WHERE kind = 'growth spike'$$,
    $$VALUES ('growth spike', 'probe.spiky')$$,
    'a table growing 101 MiB in a day against a median of 1 MiB is a spike; a steady one is not'
);
SELECT is_empty(
    $$SELECT 1 FROM core.monitoring_alerts('2030-02-14 12:00+00', 0) WHERE kind = 'growth spike'$$,
    'the day before the spike has no alert'
);

-- Storage against capacity.
SELECT results_eq(
    $$SELECT severity, kind FROM core.monitoring_alerts(now(), pg_database_size(current_database()))
      WHERE kind = 'storage'$$,
    $$VALUES ('warning', 'storage')$$,
    'a database at 100 % of its capacity is an alert'
);
SELECT is_empty(
    $$SELECT 1 FROM core.monitoring_alerts(now(), 100 * pg_database_size(current_database()))
      WHERE kind = 'storage'$$,
    'a database at 1 % of its capacity is not'
);
SELECT throws_ok($$SELECT * FROM core.monitoring_alerts(NULL)$$, '22004', NULL, 'a NULL p_now is refused');
SELECT throws_ok($$SELECT * FROM core.monitoring_alerts('infinity')$$, '22008', NULL,
                 'a non-finite p_now is refused (core.check_clock)');

-- Slow statements: without pg_stat_statements the view is empty and the alerts say how to enable it.
SELECT is(core.statement_statistics(), 'not installed', 'pg_stat_statements is not installed here');
SELECT is_empty($$SELECT * FROM core.slow_statements$$, 'no pg_stat_statements here: no slow statements');
SELECT results_eq(
    $$SELECT severity, kind FROM core.monitoring_alerts WHERE target = 'pg_stat_statements'$$,
    $$VALUES ('info', 'monitoring')$$,
    'the alerts say slow statements are not tracked, and how to track them'
);

-- Unused indexes: module indexes never scanned, partitioned ones once, primary keys left out.
CREATE EXTENSION pg_stat_statements WITH SCHEMA {{ extension_schema }};
SELECT CASE WHEN core.statement_statistics() = 'ready'
            THEN isnt_empty($$SELECT * FROM core.slow_statements(0)$$,
                            'with pg_stat_statements loaded and installed, statements are listed')
            ELSE skip('the server does not preload pg_stat_statements') END;
SELECT CASE WHEN core.statement_statistics() = 'ready'
            THEN is_empty($$SELECT * FROM core.monitoring_alerts WHERE target = 'pg_stat_statements'$$,
                          'and the alerts no longer say it is missing')
            ELSE skip('the server does not preload pg_stat_statements') END;

SELECT results_eq(
    $$SELECT index_name::text, scans FROM core.unused_indexes WHERE index_schema = 'probe' ORDER BY 1$$,
    $$VALUES ('probe.events_id', 0::bigint), ('probe.plain_v', 0::bigint)$$,
    'new indexes are unused, a partitioned one listed once; primary keys are not listed'
);
SELECT is_empty(
    $$SELECT u.index_name FROM core.unused_indexes AS u JOIN pg_class AS c ON c.oid = u.index_name
      WHERE c.relispartition OR u.index_name::text LIKE '%\_pkey'$$,
    'no partition index and no primary key among the unused indexes'
);

-- Who may look.
SET LOCAL ROLE {{ readonly_role }};
SELECT lives_ok($$SELECT * FROM core.monitoring_alerts$$, 'the read-only role reads the alerts');
RESET ROLE;
SET LOCAL ROLE {{ app_role }};
SELECT throws_ok($$SELECT * FROM core.monitoring_alerts$$, '42501', NULL,
                 'the application role does not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
