-- Ownership (DESIGN.md section 6): every object of every migrated module belongs to the owner role,
-- whoever ran the migration (here: a superuser), so no SECURITY DEFINER function carries a
-- superuser's rights and any member of the owner role can apply the next migration.
BEGIN;
SELECT plan(6);

SELECT is_empty($$SELECT * FROM tests.objects_not_owned_by('{{ owner_role }}')$$,
                'every schema, relation, function and type of the migrated modules belongs to {{ owner_role }}');
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc AS p JOIN pg_roles AS r ON r.oid = p.proowner
      WHERE p.prosecdef AND r.rolsuper
        AND p.pronamespace IN (SELECT oid FROM pg_namespace
                               WHERE nspname IN (SELECT module FROM core.migration_ledger))$$,
    'no SECURITY DEFINER function of a module runs with a superuser''s rights'
);
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc AS p
      WHERE p.prosecdef
        AND p.pronamespace IN (SELECT oid FROM pg_namespace
                               WHERE nspname IN (SELECT module FROM core.migration_ledger))
        AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%')$$,
    'every SECURITY DEFINER function pins its search_path'
);

SET LOCAL ROLE {{ owner_role }};
SELECT lives_ok($$SELECT count(*) FROM core.migration_ledger$$, 'the owner role reads the ledger');
SELECT lives_ok(
    $$SELECT count(*) FROM core.maintenance_log$$, 'the owner role reads core''s tables'
);
RESET ROLE;

-- test the test: an object left to another role is found
CREATE FUNCTION core.left_behind() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER FUNCTION core.left_behind() OWNER TO {{ app_role }};
SELECT is(ARRAY(SELECT * FROM tests.objects_not_owned_by('{{ owner_role }}')),
          ARRAY['function core.left_behind()'],
          'an object owned by another role is reported');
ROLLBACK;
