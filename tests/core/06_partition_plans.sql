-- Query plans on a registered table with 300,000 generated rows over 18 monthly partitions:
-- a month-bounded query scans one partition, at plan time and, as a generic prepared plan, at run time.
BEGIN;
SELECT plan(5);

CREATE SCHEMA pm AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};  -- module objects belong to the owner role, as dbctl creates them
CREATE TABLE pm.readings (
    sensor int NOT NULL,
    taken_at timestamptz NOT NULL,
    reading numeric NOT NULL
) PARTITION BY RANGE (taken_at);
SELECT core.register_partitioned_table('pm.readings', p_premake => 17, p_now => '2025-01-10+00');
INSERT INTO pm.readings
SELECT g % 500, '2025-01-01+00'::timestamptz + (g * interval '1 minute') * 2.5, g % 97
FROM generate_series(1, 300000) AS g;
ANALYZE pm.readings;
RESET ROLE;

SELECT is((SELECT count(*)::int FROM core.partitions_of('pm.readings') WHERE NOT is_default), 18,
          'the table has 18 monthly partitions');
SELECT is((SELECT count(*)::int FROM pm.readings_default), 0, 'no generated row fell into the default');

SELECT is(
    tests.plan_values(tests.explain($$SELECT count(*) FROM pm.readings
        WHERE taken_at >= '2025-06-01+00' AND taken_at < '2025-07-01+00'$$), 'Relation Name'),
    ARRAY['readings_2025_06'],
    'a query bounded to one month scans one partition (plan-time pruning)'
);

SET LOCAL plan_cache_mode = force_generic_plan;
PREPARE month_count (timestamptz, timestamptz) AS
SELECT count(*) FROM pm.readings WHERE taken_at >= $1 AND taken_at < $2;
SELECT is(
    tests.plan_values(tests.explain($$EXECUTE month_count('2025-06-01+00', '2025-07-01+00')$$), 'Subplans Removed'),
    ARRAY['18'],
    'the generic plan prunes all other partitions at run time (18 of 19 subplans removed)'
);
SELECT is(
    tests.plan_values(tests.explain($$EXECUTE month_count('2025-06-01+00', '2025-07-01+00')$$), 'Relation Name'),
    ARRAY['readings_2025_06'],
    'and executes only the matching partition'
);
ROLLBACK;
