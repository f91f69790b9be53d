-- core's report views (dbctl report): core.partition_timeline, every partition of every registered
-- table with its bounds whatever the session's time zone, and core.maintenance_runs, the log by run
-- with its first failure; both readable by the read-only role. p_now is fixed throughout.
BEGIN;
SELECT plan(8);

CREATE SCHEMA rv AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};
CREATE TABLE rv.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
SELECT core.register_partitioned_table('rv.events', p_premake => 1, p_now => '2026-03-15+00');
INSERT INTO rv.events (created_at) VALUES ('2026-03-02+00'), ('2025-06-01+00'), ('infinity');
RESET ROLE;
SET LOCAL timezone = 'America/New_York';

SELECT results_eq(
    $$SELECT partition::text, lower_bound, upper_bound, is_default FROM core.partition_timeline
      WHERE parent = 'rv.events'::regclass ORDER BY lower_bound NULLS FIRST$$,
    $$VALUES ('rv.events_default', NULL::timestamptz, NULL::timestamptz, TRUE),
             ('rv.events_2026_03', '2026-03-01+00', '2026-04-01+00', FALSE),
             ('rv.events_2026_04', '2026-04-01+00', '2026-05-01+00', FALSE)$$,
    'partition_timeline: each partition with its UTC bounds in any session time zone, the default one without'
);
SELECT ok((SELECT bool_and(total_bytes > 0 AND estimated_rows >= 0) FROM core.partition_timeline
           WHERE parent = 'rv.events'::regclass), 'with its size and the statistics'' row estimate');

CREATE TEMP TABLE run AS
SELECT * FROM core.run_maintenance('2026-03-20+00') WHERE target = 'rv.events';
CREATE TEMP TABLE run_id AS
SELECT run_id FROM core.maintenance_log WHERE target = 'rv.events' ORDER BY id DESC LIMIT 1;
SELECT results_eq(
    $$SELECT action, outcome FROM run ORDER BY action, outcome$$,
    $$VALUES ('rescue', 'failed'), ('rescue', 'ok')$$,
    'maintenance rescued the 2025 row and failed on the unroutable one'
);
SELECT results_eq(
    $$SELECT r.actions, r.failed, r.ok + r.skipped + r.failed = r.actions, r.rows,
             r.finished_at - r.started_at = r.elapsed AND r.elapsed >= interval '0'
      FROM core.maintenance_runs AS r INNER JOIN run_id AS i ON r.run_id = i.run_id$$,
    $$SELECT count(*), count(*) FILTER (WHERE outcome = 'failed'), TRUE, coalesce(sum(rows), 0), TRUE
      FROM core.maintenance_log WHERE run_id = (SELECT run_id FROM run_id)$$,
    'maintenance_runs: one row per run, its actions by outcome, the rows moved and how long it took'
);
SELECT matches((SELECT r.first_failure FROM core.maintenance_runs AS r INNER JOIN run_id AS i ON r.run_id = i.run_id),
               '^rv\.events rescue: .*infinity', 'with its first failed step and message');

SET LOCAL ROLE {{ readonly_role }};
SELECT is((SELECT count(*) FROM core.partition_timeline WHERE parent::text = 'rv.events'), 4::bigint,
          'the read-only role reads the timeline (the rescue made rv.events_2025_06)');
SELECT is((SELECT count(*) FROM core.maintenance_runs
           WHERE run_id = (SELECT l.run_id FROM core.maintenance_log AS l WHERE l.target = 'rv.events'
                           ORDER BY l.id DESC LIMIT 1)), 1::bigint,
          'and the runs');
RESET ROLE;
SELECT is_empty($$SELECT * FROM tests.uncommented_objects('core')$$, 'both views have comments');
SELECT * FROM finish();
ROLLBACK;
