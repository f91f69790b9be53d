-- Rows referenced by foreign keys are rescued from the default partition like any others: a
-- registered table referenced by two foreign keys (a plain table with an identity, a generated
-- column and triggers, itself referenced ON DELETE CASCADE; and a partitioned table ON DELETE
-- CASCADE), then a table referencing itself with an INITIALLY DEFERRED key from another table.
-- The referencing rows come back unchanged, no trigger or cascade fires, the keys' modes are as
-- declared afterwards and nothing is left to fail at COMMIT. p_now is fixed throughout.
BEGIN;
SELECT plan(29);

CREATE SCHEMA rr AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE rr.fired (what text);
CREATE FUNCTION rr.note_fired() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rr.fired VALUES (TG_TABLE_NAME || ' ' || TG_OP);
    RETURN coalesce(NEW, OLD);
END
$$;
CREATE FUNCTION rr.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := '1999-01-01+00';
    RETURN NEW;
END
$$;

CREATE TABLE rr.readings (
    id bigint GENERATED ALWAYS AS IDENTITY,
    at timestamptz NOT NULL,
    label text,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TRIGGER readings_fired AFTER INSERT OR DELETE ON rr.readings FOR EACH ROW EXECUTE FUNCTION rr.note_fired();
SELECT core.register_partitioned_table('rr.readings', p_premake => 0, p_now => '2026-01-15+00');

-- First key: a plain table with an identity, a generated column and triggers (one ENABLE ALWAYS).
CREATE TABLE rr.notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reading_id bigint,
    reading_at timestamptz,
    body text NOT NULL,
    body_length int GENERATED ALWAYS AS (length(body)) STORED,
    score double precision DEFAULT 0.1::float8 + 0.2::float8,
    payload json DEFAULT '{"b": 1,  "a": [2, 1]}',
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT notes_reading FOREIGN KEY (reading_id, reading_at) REFERENCES rr.readings (id, at)
    DEFERRABLE INITIALLY IMMEDIATE
);
CREATE TRIGGER notes_fired AFTER INSERT OR DELETE ON rr.notes FOR EACH ROW EXECUTE FUNCTION rr.note_fired();
CREATE TRIGGER notes_stamp BEFORE INSERT ON rr.notes FOR EACH ROW EXECUTE FUNCTION rr.stamp();
ALTER TABLE rr.notes ENABLE ALWAYS TRIGGER notes_stamp;
-- ... itself referenced, ON DELETE CASCADE.
CREATE TABLE rr.note_tags (
    note_id bigint NOT NULL REFERENCES rr.notes (id) ON DELETE CASCADE,
    tag text NOT NULL
);
-- Second key: a partitioned table, ON DELETE CASCADE, not deferrable.
CREATE TABLE rr.alerts (
    raised_at timestamptz NOT NULL,
    reading_id bigint NOT NULL,
    reading_at timestamptz NOT NULL,
    CONSTRAINT alerts_reading FOREIGN KEY (reading_id, reading_at) REFERENCES rr.readings (id, at) ON DELETE CASCADE
) PARTITION BY RANGE (raised_at);
CREATE TABLE rr.alerts_old PARTITION OF rr.alerts FOR VALUES FROM ('2000-01-01+00') TO ('2026-01-01+00');
CREATE TABLE rr.alerts_new PARTITION OF rr.alerts FOR VALUES FROM ('2026-01-01+00') TO ('2100-01-01+00');
CREATE TRIGGER alerts_fired AFTER INSERT OR DELETE ON rr.alerts FOR EACH ROW EXECUTE FUNCTION rr.note_fired();

-- Three readings of November 2025 wait in the default partition, one of January is in its partition.
INSERT INTO rr.readings (at, label) VALUES
    ('2025-11-03+00', 'a'), ('2025-11-20+00', 'b'), ('2025-11-29+00', 'c'), ('2026-01-10+00', 'd');
INSERT INTO rr.notes (reading_id, reading_at, body)
SELECT id, at, 'about ' || label FROM rr.readings WHERE label IN ('a', 'b', 'd');
INSERT INTO rr.notes (reading_id, reading_at, body) VALUES (NULL, NULL, 'no reading');
INSERT INTO rr.note_tags SELECT id, 'tag of ' || body FROM rr.notes;
INSERT INTO rr.alerts SELECT '2025-12-01+00', id, at FROM rr.readings WHERE label IN ('a', 'c');
INSERT INTO rr.alerts SELECT '2026-02-01+00', id, at FROM rr.readings WHERE label IN ('a', 'd');
TRUNCATE rr.fired;
RESET ROLE;

CREATE TEMP TABLE readings_before AS SELECT tableoid::regclass::text AS leaf, * FROM rr.readings;
CREATE TEMP TABLE notes_before AS SELECT * FROM rr.notes;
CREATE TEMP TABLE tags_before AS SELECT * FROM rr.note_tags;
CREATE TEMP TABLE alerts_before AS SELECT tableoid::regclass::text AS leaf, * FROM rr.alerts;
SET LOCAL extra_float_digits = -3;  -- the caller's output settings do not reach the copies
SET LOCAL datestyle = 'SQL, DMY';

SELECT results_eq(
    $$SELECT action, partition, rows, outcome, message LIKE '%; 7 rows referencing them taken out and put back'
      FROM core.run_maintenance('2026-01-20+00') WHERE target = 'rr.readings'$$,
    $$VALUES ('rescue', 'rr.readings_2025_11', 3::bigint, 'ok', true)$$,
    'referenced rows are rescued; the report counts the referencing rows put back (2 notes, their 2 tags, 3 alerts)'
);
SELECT is((SELECT array_agg(DISTINCT tableoid::regclass::text) FROM rr.readings WHERE at < '2025-12-01+00'),
          ARRAY['rr.readings_2025_11'], 'the referenced rows are in their partition');
SELECT bag_eq($$SELECT id, at, label FROM rr.readings$$, $$SELECT id, at, label FROM readings_before$$,
              'every reading is there once, unchanged');
RESET extra_float_digits;
RESET datestyle;
SELECT bag_eq($$SELECT id, reading_id, reading_at, body, body_length, score, payload::text, updated_at FROM rr.notes$$,
              $$SELECT id, reading_id, reading_at, body, body_length, score, payload::text, updated_at FROM notes_before$$,
              'the referencing notes are back with the same identity, generated value, exact float, json text');
SELECT bag_eq($$SELECT * FROM rr.note_tags$$, $$SELECT * FROM tags_before$$,
              'rows referencing the referencing rows are back too: no cascade fired');
SELECT bag_eq($$SELECT tableoid::regclass::text AS leaf, * FROM rr.alerts$$, $$SELECT * FROM alerts_before$$,
              'the partitioned referencing table has every row back, each in its own partition');
SELECT is_empty($$SELECT * FROM rr.fired$$, 'no application trigger fired on any table');
SELECT bag_eq(
    $$SELECT tgrelid::regclass::text, tgname::text, tgenabled::text FROM pg_trigger
      WHERE tgrelid::regclass::text ~ '^rr\.' AND NOT tgisinternal$$,
    $$VALUES ('rr.readings', 'readings_fired', 'O'), ('rr.readings_default', 'readings_fired', 'O'),
             ('rr.readings_2026_01', 'readings_fired', 'O'), ('rr.readings_2025_11', 'readings_fired', 'O'),
             ('rr.notes', 'notes_fired', 'O'), ('rr.notes', 'notes_stamp', 'A'),
             ('rr.alerts', 'alerts_fired', 'O'), ('rr.alerts_old', 'alerts_fired', 'O'),
             ('rr.alerts_new', 'alerts_fired', 'O')$$,
    'every trigger is enabled again in its former mode (ENABLE ALWAYS kept)'
);
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'no foreign key check is left to fail at COMMIT');
SET CONSTRAINTS ALL DEFERRED;
SET CONSTRAINTS ALL IMMEDIATE;  -- back to the declared modes for the rest of the test

SET LOCAL ROLE {{ owner_role }};
INSERT INTO rr.notes (body) VALUES ('new');
RESET ROLE;
SELECT is((SELECT id FROM rr.notes WHERE body = 'new'), (SELECT max(id) + 1 FROM notes_before),
          'the identity sequence was not advanced by the rescue');
SET LOCAL ROLE {{ owner_role }};
SELECT throws_ok($$INSERT INTO rr.notes (reading_id, reading_at, body) VALUES (-1, '2025-11-03+00', 'dangling')$$,
                 '23503', NULL, 'the first key still refuses a dangling reference, at once');
SELECT lives_ok($$INSERT INTO rr.alerts SELECT '2026-03-01+00', id, at FROM rr.readings WHERE label = 'b'$$,
                'the second key finds a rescued reading');
SELECT throws_ok($$DELETE FROM rr.readings WHERE label = 'b'$$, '23503', NULL,
                 'a rescued reading still referenced by a note cannot be deleted');
DELETE FROM rr.notes WHERE reading_id = (SELECT id FROM rr.readings WHERE label = 'b');
DELETE FROM rr.readings WHERE label = 'b';
SELECT is((SELECT count(*)::int FROM rr.alerts WHERE reading_at = '2025-11-20+00'), 0,
          'deleting a rescued reading cascades to its alerts as declared');
RESET ROLE;

-- A table referencing itself, and another table referencing it with an INITIALLY DEFERRED key.
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE rr.steps (
    id int NOT NULL,
    at timestamptz NOT NULL,
    parent_id int,
    parent_at timestamptz,
    PRIMARY KEY (id, at),
    CONSTRAINT steps_parent FOREIGN KEY (parent_id, parent_at) REFERENCES rr.steps (id, at)
) PARTITION BY RANGE (at);
SELECT core.register_partitioned_table('rr.steps', p_premake => 0, p_now => '2026-01-15+00');
CREATE TABLE rr.links (
    step_id int,
    step_at timestamptz,
    CONSTRAINT links_step FOREIGN KEY (step_id, step_at) REFERENCES rr.steps (id, at) DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO rr.steps VALUES
    (1, '2025-11-05+00', NULL, NULL),
    (2, '2025-11-06+00', 1, '2025-11-05+00'),            -- moves with its parent
    (3, '2025-12-01+00', 2, '2025-11-06+00'),            -- waits in the default partition, another range
    (4, '2026-01-16+00', 1, '2025-11-05+00'),            -- in its partition already
    (5, '2025-11-07+00', 3, '2025-12-01+00');            -- references a row of another range
INSERT INTO rr.links VALUES (1, '2025-11-05+00'), (3, '2025-12-01+00');
RESET ROLE;
CREATE TEMP TABLE steps_before AS SELECT * FROM rr.steps;

SELECT results_eq(
    $$SELECT action, partition, rows, outcome FROM core.run_maintenance('2026-01-20+00')
      WHERE target = 'rr.steps' ORDER BY partition$$,
    $$VALUES ('rescue', 'rr.steps_2025_11', 3::bigint, 'ok'), ('rescue', 'rr.steps_2025_12', 1::bigint, 'ok')$$,
    'a table referencing itself is rescued, range by range'
);
SELECT bag_eq($$SELECT * FROM rr.steps$$, $$SELECT * FROM steps_before$$, 'every step is there once, unchanged');
SELECT results_eq($$SELECT id, tableoid::regclass::text FROM rr.steps ORDER BY id$$,
                  $$VALUES (1, 'rr.steps_2025_11'), (2, 'rr.steps_2025_11'), (3, 'rr.steps_2025_12'),
                           (4, 'rr.steps_2026_01'), (5, 'rr.steps_2025_11')$$,
                  'each step is in the partition of its range');
SELECT bag_eq($$SELECT * FROM rr.links$$, $$VALUES (1, '2025-11-05+00'::timestamptz), (3, '2025-12-01+00')$$,
              'the rows of the deferred key are back');
SELECT is_empty($$SELECT * FROM rr.steps_default$$, 'the default partition is empty');
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'nothing is left to fail at COMMIT');
SET CONSTRAINTS ALL DEFERRED;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT lives_ok($$SELECT core.run_maintenance('2026-01-20+00')$$, 'a further run');
SELECT lives_ok($$INSERT INTO rr.links VALUES (99, '2025-01-01+00')$$,
                'after maintenance, the INITIALLY DEFERRED key is deferred again, as declared');
SELECT throws_ok($$SET CONSTRAINTS rr.links_step IMMEDIATE$$, '23503', NULL,
                 'and its check still runs when asked for');
DELETE FROM rr.links WHERE step_id = 99;
SELECT throws_ok($$INSERT INTO rr.steps VALUES (6, '2025-11-08+00', 42, '2025-11-05+00')$$, '23503', NULL,
                 'the self-reference is immediate, as declared');

-- A table whose rows a forced policy hides from its owner cannot be emptied and refilled (a cascade
-- would see the hidden rows), nor one maintenance may not read: the step fails, inside the run.
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE rr.hidden_notes (
    reading_id bigint, reading_at timestamptz,
    FOREIGN KEY (reading_id, reading_at) REFERENCES rr.readings (id, at) ON DELETE CASCADE
);
ALTER TABLE rr.hidden_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE rr.hidden_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY hidden_notes_writes ON rr.hidden_notes FOR INSERT WITH CHECK (TRUE);
INSERT INTO rr.readings (at, label) VALUES ('2025-09-10+00', 'f');
INSERT INTO rr.hidden_notes SELECT id, at FROM rr.readings WHERE label = 'f';
RESET ROLE;
SELECT results_eq(
    $$SELECT action, partition, outcome, left(message, 5) FROM core.run_maintenance('2026-01-20+00')
      WHERE target = 'rr.readings'$$,
    $$VALUES ('rescue', 'rr.readings_2025_09', 'failed', '0A000')$$,
    'a referencing table hiding rows from its owner fails that rescue inside its step'
);
SELECT is((SELECT count(*)::int FROM rr.hidden_notes), 1, 'and the hidden reference is still there');
DROP TABLE rr.hidden_notes;

CREATE ROLE rr_stranger NOLOGIN;
GRANT USAGE ON SCHEMA rr TO rr_stranger;
GRANT REFERENCES ON rr.readings TO rr_stranger;
CREATE TABLE rr.foreign_notes (
    reading_id bigint, reading_at timestamptz,
    FOREIGN KEY (reading_id, reading_at) REFERENCES rr.readings (id, at) DEFERRABLE INITIALLY IMMEDIATE
);
ALTER TABLE rr.foreign_notes OWNER TO rr_stranger;
SET LOCAL ROLE {{ owner_role }};
INSERT INTO rr.readings (at, label) VALUES ('2025-10-10+00', 'e');
RESET ROLE;
INSERT INTO rr.foreign_notes SELECT id, at FROM rr.readings WHERE label = 'e';
SELECT results_eq(
    $$SELECT action, partition, outcome, left(message, 5) FROM core.run_maintenance('2026-01-20+00')
      WHERE target = 'rr.readings' ORDER BY partition$$,
    $$VALUES ('rescue', 'rr.readings_2025_09', 'failed', '42501'), ('rescue', 'rr.readings_2025_10', 'failed', '42501')$$,
    'a referencing table maintenance may not read makes the rescues fail, inside their steps'
);
SELECT results_eq($$SELECT label, tableoid::regclass::text FROM rr.readings WHERE label IN ('e', 'f') ORDER BY 1$$,
                  $$VALUES ('e', 'rr.readings_default'), ('f', 'rr.readings_default')$$,
                  'their rows stay in the default partition');
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'the failed steps left nothing to fail at COMMIT');
ROLLBACK;
