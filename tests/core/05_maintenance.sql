-- core.run_maintenance: rescue from the default partition, retention, detach-and-keep, idempotence,
-- failure isolation, materialized views, health and who may run it. p_now is fixed throughout.
BEGIN;
SELECT plan(26);

CREATE SCHEMA pm AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};  -- module objects belong to the owner role, as dbctl creates them
CREATE TABLE pm.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL,
    payload text,
    size int GENERATED ALWAYS AS (length(payload)) STORED,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE pm.deletions (id bigint);
CREATE FUNCTION pm.note_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pm.deletions VALUES (OLD.id);
    RETURN OLD;
END
$$;
CREATE TRIGGER events_note_delete AFTER DELETE ON pm.events FOR EACH ROW EXECUTE FUNCTION pm.note_delete();
SELECT core.register_partitioned_table('pm.events', p_retention => '6 months', p_now => '2026-01-15+00');

INSERT INTO pm.events (created_at, payload)
SELECT '2026-01-01+00'::timestamptz + g * interval '1 hour', 'row ' || g FROM generate_series(0, 99) AS g;
INSERT INTO pm.events (created_at, payload) VALUES ('2026-09-10 08:00+00', 'far future'), ('2026-09-11+00', 'also');
CREATE TEMP TABLE before_maintenance AS SELECT id, created_at, payload, size FROM pm.events;

SELECT is((SELECT tableoid::regclass::text FROM pm.events WHERE payload = 'far future'), 'pm.events_default',
          'a row beyond the horizon lands in the default partition without error');
SELECT is((SELECT rows_in_default FROM core.partition_health('2026-01-20+00') WHERE parent = 'pm.events'::regclass),
          2::bigint, 'the health view counts rows waiting in the default partition');

SELECT results_eq(
    $$SELECT action, partition, rows, outcome FROM core.run_maintenance('2026-01-20+00')
      WHERE target = 'pm.events'$$,
    $$VALUES ('rescue', 'pm.events_2026_09', 2::bigint, 'ok')$$,
    'maintenance moves the rows of the default partition into a new partition'
);
SELECT is((SELECT tableoid::regclass::text FROM pm.events WHERE payload = 'far future'), 'pm.events_2026_09',
          'the rescued row is in its own partition');
SELECT bag_eq($$SELECT id, created_at, payload, size FROM pm.events$$, $$SELECT * FROM before_maintenance$$,
              'no row was lost, duplicated or changed by the rescue');
SELECT is_empty($$SELECT * FROM pm.deletions$$, 'the rescue fired no application DELETE trigger');
SELECT is((SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'pm.events_default'::regclass
           AND tgname = 'events_note_delete'), 'O', 'the trigger on the default partition is enabled again');

CREATE TEMP TABLE partitions_after_first AS SELECT partition::text FROM core.partitions_of('pm.events');
SELECT results_eq(
    $$SELECT DISTINCT action FROM core.run_maintenance('2026-01-20+00') WHERE target = 'pm.events'$$,
    $$VALUES ('check')$$, 'running maintenance again has nothing to do'
);
SELECT set_eq($$SELECT partition::text FROM core.partitions_of('pm.events')$$,
              $$SELECT partition FROM partitions_after_first$$, 'and changes no partition');

-- Retention: six months before 2026-08-05 is 2026-02-05.
INSERT INTO pm.events (created_at, payload) VALUES ('2026-02-20+00', 'inside the window');
SELECT results_eq(
    $$SELECT action, partition FROM core.run_maintenance('2026-08-05+00')
      WHERE target = 'pm.events' AND action = 'drop'$$,
    $$VALUES ('drop', 'pm.events_2026_01')$$,
    'retention drops exactly the partitions wholly older than the window'
);
SELECT ok(to_regclass('pm.events_2026_02') IS NOT NULL,
          'a partition holding rows inside the window is kept');
SELECT ok(to_regclass('pm.events_2026_08') IS NOT NULL, 'the current partition is kept');
SELECT is((SELECT count(*)::int FROM pm.events WHERE created_at >= '2026-02-05+00'),
          (SELECT count(*)::int FROM before_maintenance WHERE created_at >= '2026-02-05+00') + 1,
          'every row inside the window is still there');

-- Detach and keep.
CREATE TABLE pm.archived (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('pm.archived', p_premake => 0, p_retention => '1 month',
                                       p_retention_action => 'detach', p_detached_grace => '30 days',
                                       p_now => '2026-01-15+00');
INSERT INTO pm.archived VALUES ('2026-01-20+00');
SELECT results_eq(
    $$SELECT action, partition FROM core.run_maintenance('2026-03-10+00')
      WHERE target = 'pm.archived' AND action = 'detach'$$,
    $$VALUES ('detach', 'pm.archived_2026_01')$$, 'detach-and-keep detaches the old partition'
);
SELECT ok((SELECT NOT relispartition FROM pg_class WHERE oid = 'pm.archived_2026_01'::regclass),
          'the detached partition is kept as a table of its own');
SELECT is((SELECT count(*)::int FROM pm.archived_2026_01), 1, 'with its rows');
SELECT is((SELECT drop_after FROM core.detached_partitions WHERE partition = 'pm.archived_2026_01'::regclass),
          '2026-04-09+00'::timestamptz, 'and is recorded with its grace period');
SELECT results_eq(
    $$SELECT action FROM core.run_maintenance('2026-04-10+00') WHERE target = 'pm.archived' AND action LIKE 'drop%'$$,
    $$VALUES ('drop detached')$$, 'after the grace the detached table is dropped'
);
SELECT ok(to_regclass('pm.archived_2026_01') IS NULL, 'and is gone');

-- One table failing does not stop the others.
CREATE TABLE pm.clashing (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('pm.clashing', p_premake => 0, p_now => '2026-01-15+00');
CREATE TABLE pm.clashing_2026_02 (at timestamptz);
SELECT results_eq(
    $$SELECT target, action, outcome, left(message, 5) FROM core.run_maintenance('2026-02-02+00')
      WHERE target IN ('pm.clashing', 'pm.events') ORDER BY target$$,
    $$VALUES ('pm.clashing', 'create', 'failed', '42P07'), ('pm.events', 'check', 'ok', 'nothi')$$,
    'a table whose step fails is reported with the SQLSTATE and the others still run'
);
SELECT is((SELECT last_outcome FROM core.maintenance_health WHERE parent = 'pm.clashing'::regclass),
          'failed', 'the health view shows the failed run');

-- Materialized views.
CREATE MATERIALIZED VIEW pm.per_month AS
SELECT date_trunc('month', created_at) AS month, count(*) AS events FROM pm.events GROUP BY 1;
CREATE UNIQUE INDEX per_month_key ON pm.per_month (month);
SELECT core.register_materialized_view('pm.per_month');
SELECT results_eq(
    $$SELECT action, outcome, message FROM core.run_maintenance('2026-02-02+00') WHERE target = 'pm.per_month'$$,
    $$VALUES ('refresh', 'ok', 'concurrently')$$,
    'a materialized view with a unique index is refreshed concurrently'
);
SELECT throws_ok($$SELECT core.register_materialized_view('pm.events')$$, '42809', NULL,
                 'only materialized views can be registered');

-- A registered table that was dropped is unregistered, not an error.
CREATE TABLE pm.gone (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('pm.gone', p_premake => 0, p_now => '2026-01-15+00');
CREATE TEMP TABLE gone_oid AS SELECT 'pm.gone'::regclass::oid::text AS oid;
DROP TABLE pm.gone;
SELECT results_eq(
    $$SELECT action, outcome FROM core.run_maintenance('2026-02-02+00') WHERE target = (SELECT oid FROM gone_oid)$$,
    $$VALUES ('unregister', 'ok')$$, 'a dropped table is unregistered by maintenance'
);
SELECT is_empty($$SELECT FROM core.partitioned_tables WHERE parent::oid::text = (SELECT oid FROM gone_oid)$$,
                'and its registry row is gone');

-- Who may run maintenance.
SET LOCAL ROLE {{ app_role }};
SELECT throws_ok($$SELECT * FROM core.run_maintenance('2026-02-02+00')$$, '42501', NULL,
                 'the application role cannot run maintenance');
RESET ROLE;
ROLLBACK;
