-- The distribution plan and its catalog check (schema/core/0008_distribution_plan.sql,
-- functions/core/distribution_problems.sql, docs/scale-out.md): the migrated modules are clean, and
-- every kind of problem Citus would refuse is found on deliberately wrong scratch tables.
BEGIN;
SELECT plan(22);

SELECT is_empty($$SELECT * FROM core.distribution_problems()$$,
                'every table of the migrated modules is planned and has keys Citus accepts');
SELECT is_empty(
    $$SELECT relation FROM core.distribution_plan WHERE relation::text LIKE 'core.%' AND kind <> 'local'$$,
    'core''s tables stay on the coordinator'
);

-- A scratch module: its schema is in the ledger, so its tables must be planned.
CREATE SCHEMA scratch;
INSERT INTO core.migration_ledger (module, kind, file, version, checksum, duration)
VALUES ('scratch', 'schema', 'schema/scratch/0001_schema.sql', 1, repeat('0', 64), interval '0');
CREATE TABLE scratch.leader (id uuid PRIMARY KEY);
CREATE TABLE scratch.good_child (
    leader_id uuid NOT NULL REFERENCES scratch.leader (id),
    id int NOT NULL,
    PRIMARY KEY (id, leader_id)
);
CREATE TABLE scratch.bad_keys (
    leader_id uuid NOT NULL,
    id int PRIMARY KEY,
    code text,
    during tstzrange,
    CONSTRAINT bad_keys_code UNIQUE (code, leader_id) INCLUDE (id),
    CONSTRAINT bad_keys_overlap EXCLUDE USING gist (during WITH &&)
);
CREATE UNIQUE INDEX bad_keys_code_only ON scratch.bad_keys (code) INCLUDE (leader_id);
CREATE TABLE scratch.log (
    leader_id uuid NOT NULL,
    id int NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE scratch.log_2026 PARTITION OF scratch.log FOR VALUES FROM ('2026-01-01+00') TO ('2027-01-01+00');
CREATE TABLE scratch.nullable (leader_id uuid, id int);
CREATE TABLE scratch.fk_no_dist (
    leader_id uuid NOT NULL,
    other_leader uuid,
    child_id int,
    FOREIGN KEY (child_id, other_leader) REFERENCES scratch.good_child (id, leader_id)
);
CREATE TABLE scratch.other_group (id uuid PRIMARY KEY);
CREATE TABLE scratch.fk_cross (other_id uuid NOT NULL REFERENCES scratch.leader (id));
CREATE TABLE scratch.ref (id int PRIMARY KEY, leader_id uuid REFERENCES scratch.leader (id));
CREATE TABLE scratch.local_t (id int PRIMARY KEY);
CREATE TABLE scratch.dist_to_local (leader_id uuid NOT NULL, local_id int REFERENCES scratch.local_t (id));
CREATE TABLE scratch.local_to_dist (id int PRIMARY KEY, leader_id uuid REFERENCES scratch.leader (id));
CREATE TABLE scratch.unplanned (id int);
CREATE TABLE scratch.dropped (id int);
CREATE VIEW scratch.a_view AS SELECT 1 AS one;

SELECT lives_ok($$
    SELECT core.register_distribution('scratch.leader', 'distributed', 'leads', p_column => 'id');
    SELECT core.register_distribution('scratch.other_group', 'distributed', 'another group', p_column => 'id');
    SELECT core.register_distribution(t, 'distributed', 'with the leader', p_column => 'leader_id',
                                      p_colocate_with => 'scratch.leader')
    FROM unnest(ARRAY['scratch.good_child', 'scratch.bad_keys', 'scratch.log', 'scratch.nullable',
                      'scratch.fk_no_dist', 'scratch.dist_to_local']::regclass []) AS t;
    SELECT core.register_distribution('scratch.fk_cross', 'distributed', 'other group', p_column => 'other_id',
                                      p_colocate_with => 'scratch.other_group');
    SELECT core.register_distribution('scratch.ref', 'reference', 'small');
    SELECT core.register_distribution(t, 'local', 'coordinator only')
    FROM unnest(ARRAY['scratch.local_t', 'scratch.local_to_dist', 'scratch.dropped']::regclass []) AS t;
$$, 'plan rows are registered, leaders first');
SELECT lives_ok($$SELECT core.register_distribution('scratch.ref', 'reference', 'small and shared')$$,
                'registering again replaces the row');
DROP TABLE scratch.dropped;

SELECT set_eq(
    $$SELECT relation::text, problem, object FROM core.distribution_problems() WHERE relation::text LIKE 'scratch.%'$$,
    $$VALUES
        ('scratch.unplanned', 'unplanned table', NULL),
        ('scratch.nullable', 'nullable distribution column', 'leader_id'),
        ('scratch.bad_keys', 'unique key without distribution column', 'bad_keys_pkey'),
        ('scratch.bad_keys', 'unique key without distribution column', 'bad_keys_code_only'),
        ('scratch.bad_keys', 'exclusion constraint without distribution column', 'bad_keys_overlap'),
        ('scratch.log', 'unique key without distribution column', 'log_pkey'),
        ('scratch.fk_no_dist', 'foreign key without distribution column', 'fk_no_dist_child_id_other_leader_fkey'),
        ('scratch.fk_cross', 'foreign key between distributed tables not co-located', 'fk_cross_other_id_fkey'),
        ('scratch.ref', 'foreign key from reference to distributed table', 'ref_leader_id_fkey'),
        ('scratch.dist_to_local', 'foreign key from distributed to local table', 'dist_to_local_local_id_fkey'),
        ('scratch.local_to_dist', 'foreign key from local to distributed table', 'local_to_dist_leader_id_fkey')$$,
    'each kind of problem is found, once, on the table that has it (partition indexes not repeated)'
);
SELECT is((SELECT count(*)::int FROM core.distribution_problems() WHERE problem = 'stale plan row'), 1,
          'a plan row of a dropped table is reported');
SELECT is_empty(
    $$SELECT * FROM core.distribution_problems()
      WHERE relation IN ('scratch.leader'::regclass, 'scratch.good_child', 'scratch.other_group', 'scratch.local_t')$$,
    'keys with the distribution column, co-located foreign keys and a local table alone are fine'
);

-- Bad registrations are refused and change nothing.
CREATE TEMP TABLE plan_before AS SELECT * FROM core.distribution_plan;
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'sharded', 'x')$$,
                 '22023', NULL, 'an unknown kind is refused');
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'local', '')$$,
                 '22004', NULL, 'a plan row needs a reason');
SELECT throws_ok($$SELECT core.register_distribution(NULL, 'local', 'x')$$,
                 '22004', NULL, 'a plan row needs a table');
SELECT throws_ok($$SELECT core.register_distribution('scratch.a_view', 'local', 'x')$$,
                 '42809', NULL, 'a view is not planned');
SELECT throws_ok($$SELECT core.register_distribution('scratch.log_2026', 'local', 'x')$$,
                 '42809', NULL, 'a partition follows its parent and is not planned');
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'distributed', 'x')$$,
                 '22023', NULL, 'a distributed table needs its column');
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'reference', 'x', p_column => 'id')$$,
                 '22023', NULL, 'a reference table has no distribution column');
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'distributed', 'x', p_column => 'nope')$$,
                 '42703', NULL, 'the distribution column must exist');
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'distributed', 'x', p_column => 'id',
                                                     p_colocate_with => 'scratch.local_t')$$,
                 '22023', NULL, 'co-location is with a distributed group leader');
SELECT throws_ok($$SELECT core.register_distribution('scratch.nullable', 'distributed', 'x', p_column => 'leader_id',
                                                     p_colocate_with => 'scratch.good_child')$$,
                 '22023', NULL, 'a member of a group does not lead one');
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'distributed', 'x', p_column => 'id',
                                                     p_colocate_with => 'scratch.leader')$$,
                 '42804', NULL, 'co-located tables are distributed by columns of one type');
SELECT throws_ok($$SELECT core.register_distribution('scratch.unplanned', 'distributed', 'x', p_column => 'id',
                                                     p_colocate_with => 'scratch.a_view')$$,
                 '42704', NULL, 'the leader must be planned first');
SELECT set_eq($$SELECT * FROM core.distribution_plan$$, $$SELECT * FROM plan_before$$,
              'the refusals changed nothing');

SET LOCAL ROLE {{ app_role }};
SELECT throws_ok($$SELECT * FROM core.distribution_problems()$$, '42501', NULL,
                 'the application role does not read the catalog check');
RESET ROLE;
SET LOCAL ROLE {{ readonly_role }};
SELECT lives_ok($$SELECT * FROM core.distribution_problems()$$, 'the read-only role may run the check');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
