-- Late rows already older than retention (inserted 70 days back, backdated, imported) wait in the
-- default partition: one maintenance run leaves no row older than retention, wherever it was. drop
-- deletes them from the default partition; detach keeps each range as a detached table; rows a
-- foreign key still references are rescued and their partition is then reported; the rescue budget
-- is not spent on ranges retention removes. p_now is fixed throughout.
BEGIN;
SELECT plan(23);

CREATE SCHEMA lr AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE lr.deleted (n int);
CREATE FUNCTION lr.note_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lr.deleted VALUES (OLD.n);
    RETURN OLD;
END
$$;

-- drop, by day, 30 days: at 2026-03-10 12:00 rows before 2026-02-08 00:00 are past retention.
CREATE TABLE lr.beats (n int NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (n, at)) PARTITION BY RANGE (at);
CREATE TRIGGER beats_delete AFTER DELETE ON lr.beats FOR EACH ROW EXECUTE FUNCTION lr.note_delete();
SELECT core.register_partitioned_table('lr.beats', 'day', p_premake => 1, p_retention => '30 days',
                                       p_now => '2026-01-01+00');
CREATE TABLE lr.beat_notes (n int, at timestamptz, FOREIGN KEY (n, at) REFERENCES lr.beats (n, at));
INSERT INTO lr.beats VALUES
    (1, '2025-12-30 10:00+00'),  -- 70 days back: dropped
    (2, '2025-12-30 11:00+00'),  -- as old, but referenced: rescued, its partition then reported
    (3, '2026-02-07 23:00+00'),  -- the last hour past retention: dropped
    (4, '2026-02-08 00:00+00'),  -- the first moment inside it: rescued
    (5, '2026-03-09 12:00+00'),  -- yesterday: rescued
    (6, '2026-01-01 05:00+00');  -- in its partition, which retention drops
INSERT INTO lr.beat_notes VALUES (2, '2025-12-30 11:00+00');
RESET ROLE;

SELECT bag_eq(
    $$SELECT action, partition, rows, outcome, left(message, 5) FROM core.run_maintenance('2026-03-10 12:00+00')
      WHERE target = 'lr.beats'$$,
    $$VALUES ('drop', 'lr.beats_default', 2::bigint, 'ok', 'rows '),
             ('rescue', 'lr.beats_2025_12_30', 1::bigint, 'ok', '[2025'),
             ('rescue', 'lr.beats_2026_02_08', 1::bigint, 'ok', '[2026'),
             ('rescue', 'lr.beats_2026_03_09', 1::bigint, 'ok', '[2026'),
             ('create', 'lr.beats_2026_03_10', 0::bigint, 'ok', NULL),
             ('create', 'lr.beats_2026_03_11', 0::bigint, 'ok', NULL),
             ('drop', 'lr.beats_2026_01_01', NULL, 'ok', NULL),
             ('drop', 'lr.beats_2026_01_02', NULL, 'ok', NULL),
             ('drop', 'lr.beats_2025_12_30', NULL, 'failed', '23503')$$,
    'one run drops the late rows past retention from the default partition, rescues the others, and '
    'reports the partition of a row still referenced'
);
SELECT results_eq($$SELECT n FROM lr.beats WHERE at < '2026-02-08+00' ORDER BY n$$, ARRAY[2],
                  'no row older than retention is left but the referenced one');
SELECT is((SELECT tableoid::regclass::text FROM lr.beats WHERE n = 2), 'lr.beats_2025_12_30',
          'which waits in its partition, like any partition still referenced');
SELECT results_eq($$SELECT n, tableoid::regclass::text FROM lr.beats WHERE n IN (4, 5) ORDER BY n$$,
                  $$VALUES (4, 'lr.beats_2026_02_08'), (5, 'lr.beats_2026_03_09')$$,
                  'rows inside retention are in their partitions');
SELECT is_empty($$SELECT * FROM lr.beats_default$$, 'the default partition is empty');
SELECT is_empty($$SELECT * FROM lr.deleted$$, 'dropping late rows fires no application DELETE trigger');
SELECT is((SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'lr.beats_default'::regclass AND tgname = 'beats_delete'),
          'O', 'and the trigger is enabled again');
DELETE FROM lr.beat_notes;
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.run_maintenance('2026-03-10 12:00+00')
      WHERE target = 'lr.beats' AND action = 'drop'$$,
    $$VALUES ('drop', 'lr.beats_2025_12_30', 'ok')$$,
    'once the reference is gone, the next run drops that partition'
);

-- The rescue budget goes to ranges inside retention.
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE lr.budget (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('lr.budget', 'day', p_premake => 0, p_retention => '10 days',
                                       p_now => '2026-03-10+00');
INSERT INTO lr.budget SELECT '2026-01-01 12:00+00'::timestamptz + g * interval '1 day' FROM generate_series(0, 4) AS g;
INSERT INTO lr.budget VALUES ('2026-03-09 12:00+00');
RESET ROLE;
SELECT bag_eq(
    $$SELECT action, partition, rows, outcome FROM core.maintain_table('lr.budget', '2026-03-10 12:00+00', p_max_rescue => 1)$$,
    $$VALUES ('drop', 'lr.budget_default', 5::bigint, 'ok'), ('rescue', 'lr.budget_2026_03_09', 1::bigint, 'ok')$$,
    'five old days are dropped and do not use up a budget of one rescue: the day inside retention is rescued'
);
SELECT is((SELECT count(*)::int FROM lr.budget), 1, 'one row is left, in its partition');

-- detach, by ISO week, 14 days, 30 days of grace: at 2026-03-04 12:00 weeks before 2026-02-16 are past.
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE lr.archive (n int NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (n, at)) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('lr.archive', 'week', p_premake => 0, p_retention => '14 days',
                                       p_retention_action => 'detach', p_detached_grace => '30 days',
                                       p_now => '2026-03-02+00');
CREATE TABLE lr.archive_refs (n int, at timestamptz, FOREIGN KEY (n, at) REFERENCES lr.archive (n, at));
INSERT INTO lr.archive VALUES
    (1, '2026-01-14+00'),                      -- week 3: kept detached
    (2, '2026-01-20+00'), (3, '2026-01-21+00'),  -- week 4: kept detached
    (4, '2026-01-27+00'), (5, '2026-01-28+00'),  -- week 5, one referenced: rescued whole, then reported
    (6, '2026-02-20+00');                      -- week 8, inside retention: rescued
INSERT INTO lr.archive_refs VALUES (4, '2026-01-27+00');
RESET ROLE;

SELECT bag_eq(
    $$SELECT action, partition, rows, outcome, left(message, 5) FROM core.run_maintenance('2026-03-04 12:00+00')
      WHERE target = 'lr.archive'$$,
    $$VALUES ('detach', 'lr.archive_2026_w03', 1::bigint, 'ok', 'rows '),
             ('detach', 'lr.archive_2026_w04', 2::bigint, 'ok', 'rows '),
             ('rescue', 'lr.archive_2026_w05', 2::bigint, 'ok', '[2026'),
             ('rescue', 'lr.archive_2026_w08', 1::bigint, 'ok', '[2026'),
             ('detach', 'lr.archive_2026_w05', NULL, 'failed', '23503')$$,
    'late rows past retention are kept detached, one table per week, in the same run'
);
SELECT results_eq(
    $$SELECT d.partition::text, c.relispartition, d.drop_after FROM core.detached_partitions AS d
      INNER JOIN pg_class AS c ON c.oid = d.partition WHERE d.parent = 'lr.archive'::regclass ORDER BY 1$$,
    $$VALUES ('lr.archive_2026_w03', false, '2026-04-03 12:00+00'::timestamptz),
             ('lr.archive_2026_w04', false, '2026-04-03 12:00+00'::timestamptz)$$,
    'each is a table of its own, recorded as a detached partition with its grace'
);
SELECT results_eq($$SELECT n FROM lr.archive_2026_w04 ORDER BY n$$, ARRAY[2, 3], 'with its rows');
SELECT results_eq($$SELECT n FROM lr.archive ORDER BY n$$, ARRAY[4, 5, 6],
                  'the table keeps the rows inside retention and the referenced week');
SELECT is((SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'lr.archive_2026_w03'::regclass),
          '{{ owner_role }}', 'the detached table belongs to the table''s owner');

SET LOCAL ROLE {{ owner_role }};
INSERT INTO lr.archive VALUES (7, '2026-01-19+00');  -- another late row of week 4
RESET ROLE;
SELECT results_eq(
    $$SELECT action, partition, rows, outcome FROM core.run_maintenance('2026-03-04 12:00+00')
      WHERE target = 'lr.archive' AND outcome = 'ok'$$,
    $$VALUES ('detach', 'lr.archive_2026_w04', 1::bigint, 'ok')$$,
    'a late row of a week kept detached joins its table'
);
SELECT results_eq($$SELECT n FROM lr.archive_2026_w04 ORDER BY n$$, ARRAY[2, 3, 7], 'which now holds it');
SELECT is((SELECT drop_after FROM core.detached_partitions WHERE partition = 'lr.archive_2026_w04'::regclass),
          '2026-04-03 12:00+00'::timestamptz, 'and keeps its grace');
SELECT results_eq(
    $$SELECT partition, outcome FROM core.run_maintenance('2026-04-04 12:00+00')
      WHERE target = 'lr.archive' AND action = 'drop detached' ORDER BY partition$$,
    $$VALUES ('lr.archive_2026_w03', 'ok'), ('lr.archive_2026_w04', 'ok')$$,
    'after the grace the detached tables are dropped'
);
SELECT throws_ok($$SELECT core.retire_default_rows('lr.archive', '2026-03-04 12:00+00', '2026-02-20+00')$$,
                 '22023', NULL, 'a range inside retention is never retired');

-- A referencing table maintenance may not read: which old rows it references is unknown, so they
-- stay, reported (as a partition it might reference is: DETACH checks the references), and premake
-- still happens.
CREATE ROLE lr_stranger NOLOGIN;
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE lr.guarded (n int NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (n, at)) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('lr.guarded', 'day', p_premake => 0, p_retention => '10 days',
                                       p_now => '2026-02-01+00');
GRANT USAGE ON SCHEMA lr TO lr_stranger;
GRANT REFERENCES ON lr.guarded TO lr_stranger;
INSERT INTO lr.guarded VALUES (1, '2026-01-01+00'), (2, '2026-03-09+00');
RESET ROLE;
CREATE TABLE lr.stranger_refs (n int, at timestamptz, FOREIGN KEY (n, at) REFERENCES lr.guarded (n, at));
ALTER TABLE lr.stranger_refs OWNER TO lr_stranger;
SELECT bag_eq(
    $$SELECT action, partition, outcome, left(message, 5) FROM core.maintain_table('lr.guarded', '2026-03-10 12:00+00')$$,
    $$VALUES ('drop', 'lr.guarded_default', 'failed', 'rows '), ('rescue', 'lr.guarded_2026_03_09', 'failed', '42501'),
             ('create', 'lr.guarded_2026_03_10', 'ok', NULL), ('drop', 'lr.guarded_2026_02_01', 'failed', '42501')$$,
    'old rows referenced from a table maintenance may not read stay, reported; the other steps run'
);
SELECT is((SELECT count(*)::int FROM lr.guarded_default), 2, 'no row left the default partition');
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'nothing is left to fail at COMMIT');
ROLLBACK;
