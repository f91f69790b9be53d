-- Registering tables with the partition manager: partitions, bounds, names, refusals.
BEGIN;
SELECT plan(21);

CREATE SCHEMA pm AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};  -- module objects belong to the owner role, as dbctl creates them
CREATE TABLE pm.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL,
    payload text,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

SELECT results_eq(
    $$SELECT action, partition FROM core.register_partitioned_table('pm.events', p_now => '2026-01-15 12:00+00')$$,
    $$VALUES ('create', 'pm.events_default'), ('create', 'pm.events_2026_01'), ('create', 'pm.events_2026_02'),
             ('create', 'pm.events_2026_03'), ('create', 'pm.events_2026_04')$$,
    'registering creates the default partition and the current month plus three ahead'
);
SELECT results_eq(
    $$SELECT partition::text, lower_bound, upper_bound, is_default FROM core.partitions_of('pm.events')$$,
    $$VALUES ('pm.events_default', NULL::timestamptz, NULL::timestamptz, true),
             ('pm.events_2026_01', '2026-01-01+00', '2026-02-01+00', false),
             ('pm.events_2026_02', '2026-02-01+00', '2026-03-01+00', false),
             ('pm.events_2026_03', '2026-03-01+00', '2026-04-01+00', false),
             ('pm.events_2026_04', '2026-04-01+00', '2026-05-01+00', false)$$,
    'the partitions have month bounds in UTC'
);
SELECT is_empty(
    $$SELECT * FROM core.register_partitioned_table('pm.events', p_now => '2026-01-15 12:00+00')$$,
    'registering again creates nothing'
);
SELECT is((SELECT count(*)::int FROM core.partitioned_tables WHERE parent = 'pm.events'::regclass), 1,
          'the table is registered once');

SET LOCAL timezone = 'Pacific/Kiritimati';
SELECT results_eq(
    $$SELECT partition::text FROM core.register_partitioned_table('pm.events', p_premake => 4,
                                                                  p_now => '2026-01-15 12:00+00')$$,
    $$VALUES ('pm.events_2026_05')$$,
    'a larger premake adds the missing partition only, whatever the session time zone'
);
RESET timezone;

CREATE TABLE pm.weekly (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT results_eq(
    $$SELECT partition FROM core.register_partitioned_table('pm.weekly', 'week', 1,
                                                            p_now => '2026-01-15+00') OFFSET 1$$,
    $$VALUES ('pm.weekly_2026_w03'), ('pm.weekly_2026_w04')$$,
    'weekly partitions are named by ISO week'
);
SELECT results_eq(
    $$SELECT lower_bound, upper_bound FROM core.partitions_of('pm.weekly') WHERE NOT is_default LIMIT 1$$,
    $$VALUES ('2026-01-12+00'::timestamptz, '2026-01-19+00'::timestamptz)$$,
    'an ISO week runs Monday to Monday'
);

CREATE TABLE pm.daily (day date NOT NULL) PARTITION BY RANGE (day);
SELECT results_eq(
    $$SELECT partition FROM core.register_partitioned_table('pm.daily', 'day', 0,
                                                            p_default_partition => false,
                                                            p_now => '2026-01-15+00')$$,
    $$VALUES ('pm.daily_2026_01_15')$$,
    'a date-keyed daily table without a default partition gets just today'
);
SELECT throws_ok($$INSERT INTO pm.daily VALUES ('2030-01-01')$$, '23514', NULL,
                 'without a default partition an insert outside the partitions fails');

CREATE TABLE pm."Odd ""Name"" t" (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT results_eq(
    $$SELECT partition FROM core.register_partitioned_table('pm."Odd ""Name"" t"', p_premake => 0,
                                                            p_now => '2026-01-15+00')$$,
    $$VALUES ('pm."Odd ""Name"" t_default"'), ('pm."Odd ""Name"" t_2026_01"')$$,
    'a table name with a quote and a space works'
);

CREATE TABLE pm.a_table_name_that_is_quite_long_and_goes_on_and_on_for_ever_1 (at timestamptz NOT NULL)
PARTITION BY RANGE (at);
CREATE TABLE pm.a_table_name_that_is_quite_long_and_goes_on_and_on_for_ever_2 (at timestamptz NOT NULL)
PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('pm.a_table_name_that_is_quite_long_and_goes_on_and_on_for_ever_1',
                                       p_premake => 0, p_now => '2026-01-15+00');
SELECT core.register_partitioned_table('pm.a_table_name_that_is_quite_long_and_goes_on_and_on_for_ever_2',
                                       p_premake => 0, p_now => '2026-01-15+00');
SELECT is(
    (SELECT count(DISTINCT c.relname)::int FROM pg_class AS c
     WHERE c.relname LIKE 'a_table_name_that_is_quite%' AND c.relispartition AND octet_length(c.relname) <= 63),
    4, 'partition names of long table names fit in 63 bytes and stay distinct'
);

CREATE TABLE pm.plain (at timestamptz);
CREATE TABLE pm.listed (kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE pm.numbered (n int NOT NULL) PARTITION BY RANGE (n);
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.plain')$$, '42809',
                 'pm.plain is not a partitioned table', 'a plain table is refused');
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.nope')$$, '42P01', NULL,
                 'a table that does not exist is refused');
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.listed')$$, '0A000', NULL,
                 'a list-partitioned table is refused');
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.numbered')$$, '0A000', NULL,
                 'a table partitioned on an integer is refused');
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.events', 'year')$$, '22023',
                 'unknown partition interval ''year''', 'an unknown interval is refused');
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.events', p_premake => -1)$$, '22023', NULL,
                 'a negative premake is refused');
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.events', p_retention => '-1 day')$$, '22023',
                 NULL, 'a negative retention is refused');
SELECT throws_ok($$SELECT core.register_partitioned_table('pm.events', p_retention_action => 'archive')$$,
                 '22023', NULL, 'an unknown retention action is refused');
SELECT throws_ok($$SELECT core.create_partition('pm.numbered', now())$$, '42704', NULL,
                 'creating a partition of an unregistered table is refused');
SELECT is(
    (SELECT premake FROM core.partitioned_tables WHERE parent = 'pm.events'::regclass), 4,
    'a refused registration changed nothing'
);
ROLLBACK;
