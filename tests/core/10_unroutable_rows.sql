-- The partition manager on its own against rows it cannot route (a non-finite key, a key in the last
-- representable year, a NULL key): each is reported with its table and key (log and
-- maintenance_health) and left where it is, and every other action of the run still happens.
-- Also: a table maintenance never ran on says so, and names in odd schemas resolve.
BEGIN;
SELECT plan(9);

CREATE SCHEMA "Sch""em'a" AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE "Sch""em'a".readings (at timestamptz, value int) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('"Sch""em''a".readings', p_premake => 1, p_now => '2026-01-10+00');
INSERT INTO "Sch""em'a".readings VALUES ('infinity', 1), ('-infinity', 2), ('294276-12-15 00:00+00', 3),
                                        (NULL, 4), ('2025-06-15+00', 5);
RESET ROLE;

SELECT is((SELECT last_outcome FROM core.partition_health('2026-01-20+00')
                 WHERE parent = '"Sch""em''a".readings'::regclass), 'never',
          'a table maintenance never ran on is reported as never, not ok');
SELECT results_eq(
    $$SELECT rows_in_default, unroutable_rows, unroutable_key FROM core.partition_health('2026-01-20+00')
      WHERE parent = '"Sch""em''a".readings'::regclass$$,
    $$VALUES (5::bigint, 4::bigint, '-infinity')$$,
    'maintenance_health counts the rows no partition can hold and shows one of their keys'
);
SELECT results_eq(
    $$SELECT action, partition, rows, outcome FROM core.run_maintenance('2026-02-20+00')
      WHERE target = '"Sch""em''a".readings' ORDER BY outcome DESC, partition$$,
    $$VALUES ('rescue', '"Sch""em''a".readings_2025_06', 1::bigint, 'ok'),
             ('create', '"Sch""em''a".readings_2026_03', 0::bigint, 'ok'),
             ('rescue', NULL, 1::bigint, 'failed'),
             ('rescue', NULL, 1::bigint, 'failed'),
             ('rescue', NULL, 1::bigint, 'failed')$$,
    'rows that cannot be routed are reported as failed steps; the rescue and the premake still run'
);
SELECT ok((SELECT bool_and(to_regclass(partition) IS NOT NULL) FROM core.maintenance_log WHERE partition IS NOT NULL
           AND target = '"Sch""em''a".readings'),
          'reported partition names resolve, even in a schema whose name needs quotes');
SELECT is((SELECT count(*)::int FROM core.maintenance_log WHERE outcome = 'failed'
           AND message LIKE 'cannot route 1 rows of "Sch""em''a".readings with at = %'), 3,
          'each unroutable key is logged with its table and key');
SELECT results_eq($$SELECT value FROM "Sch""em'a".readings_default ORDER BY value$$, ARRAY[1, 2, 3, 4],
                  'the unroutable rows stay in the default partition, none lost');
SELECT is((SELECT last_outcome FROM core.partition_health('2026-02-20+00')
                 WHERE parent = '"Sch""em''a".readings'::regclass), 'failed',
          'the health view shows the failed run');
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.run_maintenance('2026-03-21+00')
      WHERE target = '"Sch""em''a".readings' ORDER BY outcome DESC, partition$$,
    $$VALUES ('create', '"Sch""em''a".readings_2026_04', 'ok'), ('rescue', NULL, 'failed'), ('rescue', NULL, 'failed'),
             ('rescue', NULL, 'failed')$$,
    'the next run works on the table again and reports the same rows (no stuck maintenance)'
);
SELECT is((SELECT count(*)::int FROM "Sch""em'a".readings), 5, 'every row is still there');
ROLLBACK;
