-- core helpers: uuidv7 layout and order, lock_key, set_updated_at, grant_module_privileges' refusals, check_clock, application_time.
BEGIN;
SELECT plan(27);

SELECT is(
    substring(core.uuidv7()::text FROM 15 FOR 1), '7', 'uuidv7 carries version 7'
);
SELECT ok(
    substring(core.uuidv7()::text FROM 20 FOR 1) IN ('8', '9', 'a', 'b'), 'uuidv7 carries the RFC variant'
);
SELECT is(
    left(replace(core.uuidv7('2026-01-02 03:04:05.678+00')::text, '-', ''), 12),
    lpad(to_hex((extract(EPOCH FROM timestamptz '2026-01-02 03:04:05.678+00') * 1000)::bigint), 12, '0'),
    'the first 48 bits are the Unix time in milliseconds'
);
SELECT ok(
    core.uuidv7('2026-01-01 00:00:00+00') < core.uuidv7('2026-01-01 00:00:00.002+00'),
    'uuidv7 orders by time'
);
SELECT is(
    (SELECT count(DISTINCT core.uuidv7('2026-01-01+00'))::int FROM generate_series(1, 1000)),
    1000, 'uuidv7 within one millisecond is still unique'
);
SELECT results_eq(
    $$SELECT core.uuidv7_run('01a22e1f-8cec-789d-a62a-692659b80e69', n) FROM generate_series(0, 2) AS n$$,
    ARRAY['01a22e1f-8cec-789d-a62a-692659b80e69', '01a22e1f-8cec-789d-a62a-692659b80e6a',
          '01a22e1f-8cec-789d-a62a-692659b80e6b']::uuid[],
    'uuidv7_run counts up from its base, which is its first id'
);
SELECT is(
    (SELECT count(DISTINCT r)::int FROM (SELECT core.uuidv7_run(core.uuidv7(), n) AS r
                                        FROM generate_series(0, 9999) AS n) AS ids
     WHERE substring(r::text FROM 15 FOR 1) = '7' AND substring(r::text FROM 20 FOR 1) IN ('8', '9', 'a', 'b')),
    10000, 'a run of 10,000 ids: all distinct, all version 7 with the RFC variant'
);
SELECT ok(
    (SELECT bool_and(r > previous) FROM (
        SELECT r, lag(r) OVER (ORDER BY n) AS previous
        FROM (SELECT n, core.uuidv7_run('01a22e1f-8cec-789d-a62a-692659b80e69', n) AS r
              FROM generate_series(0, 999) AS n) AS ids) AS pairs WHERE previous IS NOT NULL),
    'ids of a run are in the order of their offsets'
);
SELECT is(
    core.uuidv7_run('01a22e1f-8cec-789d-bfff-ffffffffffff', 1), '01a22e1f-8cec-789d-8000-000000000000'::uuid,
    'past the last 62-bit value a run wraps around and keeps the RFC variant'
);

SELECT is(core.lock_key('maintain', 'pg_class'::regclass),
          hashtext('agentdb:maintain')::bigint << 32 | 'pg_class'::regclass::oid::bigint,
          'lock_key: the purpose''s hash in the high 32 bits, the oid in the low 32 (the keys maintenance always took)');
SELECT isnt(core.lock_key('maintain', 'pg_class'::regclass), core.lock_key('task', 'pg_class'::regclass),
            'lock_key: two purposes on one object are two locks');

CREATE TEMP TABLE touched (id int PRIMARY KEY, note text, updated_at timestamptz);
CREATE TRIGGER touched_updated_at BEFORE UPDATE ON touched
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
INSERT INTO touched VALUES (1, 'a', '2000-01-01+00');
UPDATE touched SET note = 'a';
SELECT is((SELECT updated_at FROM touched), '2000-01-01+00'::timestamptz,
          'set_updated_at keeps the time when nothing changed');
UPDATE touched SET note = 'b';
SELECT is((SELECT updated_at FROM touched), now(), 'set_updated_at bumps the time on a change');
UPDATE touched SET note = 'c', updated_at = '2001-02-03+00';
SELECT is((SELECT updated_at FROM touched), '2001-02-03+00'::timestamptz,
          'set_updated_at keeps an updated_at that the update set itself');

CREATE TEMP TABLE untimed (id int);
CREATE TRIGGER untimed_updated_at BEFORE UPDATE ON untimed
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
INSERT INTO untimed VALUES (1);
SELECT throws_ok('UPDATE untimed SET id = 2', '42703', NULL,
                 'set_updated_at on a table without updated_at fails with undefined_column');

SELECT throws_ok($$SELECT core.grant_module_privileges('no_such_schema')$$, '3F000',
                 'schema no_such_schema does not exist',
                 'grant_module_privileges refuses a missing schema');
SELECT function_privs_are('core', 'grant_module_privileges', ARRAY['name'], '{{ app_role }}',
                          ARRAY[]::text[], 'the application cannot call grant_module_privileges');
SELECT throws_ok($$SELECT core.check_clock(NULL)$$, '22004', NULL, 'check_clock refuses a NULL p_now');
SELECT throws_ok($$SELECT core.check_clock('infinity')$$, '22008', NULL, 'check_clock refuses a non-finite p_now');
SELECT lives_ok($$SELECT core.check_clock('2026-01-01+00')$$, 'check_clock accepts a finite p_now');

-- The application's clock: times relative to now() and statement_timestamp(), so they hold on any date.
SELECT is(core.application_time(now() + interval '1 day'), now() + interval '1 day',
          'application_time gives a member of the owner role its time ahead as it is');
SET LOCAL ROLE {{ app_role }};
SELECT is(core.application_time(now() - interval '1 hour'), now() - interval '1 hour',
          'application_time keeps an earlier time');
SELECT is(core.application_time(statement_timestamp() + interval '{{ clock_skew_seconds }} seconds'), now(),
          'application_time records a time within the skew as now()');
SELECT throws_ok($$SELECT core.application_time(statement_timestamp() + interval '{{ clock_skew_seconds }} seconds'
                                                + interval '1 microsecond')$$,
                 '22023', NULL, 'application_time refuses a time beyond the skew');
SELECT throws_ok($$SELECT core.application_time(NULL)$$, '22004', NULL, 'application_time refuses NULL (check_clock)');
SELECT throws_ok($$SELECT core.application_time('infinity')$$, '22008', NULL,
                 'application_time refuses a non-finite time (check_clock)');
RESET ROLE;
SELECT function_privs_are('core', 'application_time', ARRAY['timestamp with time zone', 'text'], '{{ readonly_role }}',
                          ARRAY[]::text[], 'only the application (and the owner) call application_time');
ROLLBACK;
