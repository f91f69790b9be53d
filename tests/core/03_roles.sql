-- core roles: what each role may and may not do in a module schema set up like every module's.
BEGIN;
SELECT plan(11);

CREATE SCHEMA role_check AUTHORIZATION {{ owner_role }};
SELECT core.grant_module_privileges('role_check');
CREATE TABLE role_check.item (id int PRIMARY KEY, label text);
INSERT INTO role_check.item VALUES (1, 'seeded');

SET LOCAL ROLE {{ app_role }};
SELECT lives_ok($$INSERT INTO role_check.item VALUES (2, 'by app')$$,
                'the application inserts into a table created after the grants');
SELECT lives_ok($$UPDATE role_check.item SET label = 'changed' WHERE id = 2$$,
                'the application updates');
SELECT lives_ok($$DELETE FROM role_check.item WHERE id = 2$$, 'the application deletes');
SELECT throws_ok($$CREATE TABLE role_check.intruder (id int)$$, '42501', NULL,
                 'the application cannot create a table in a module schema');
SELECT throws_ok($$DROP TABLE role_check.item$$, '42501', NULL,
                 'the application cannot drop a table');
SELECT throws_ok($$CREATE TABLE public.intruder (id int)$$, '42501', NULL,
                 'the application cannot create a table in public');
SELECT throws_ok($$INSERT INTO core.migration_ledger (module, kind, file, checksum, duration)
                   VALUES ('x', 'views', 'x', repeat('0', 64), '0')$$, '42501', NULL,
                 'the application cannot write the ledger');
RESET ROLE;

SET LOCAL ROLE {{ readonly_role }};
SELECT results_eq($$SELECT label FROM role_check.item$$, ARRAY['seeded'],
                  'the read-only role reads');
SELECT throws_ok($$INSERT INTO role_check.item VALUES (3, 'x')$$, '42501', NULL,
                 'the read-only role cannot insert');
SELECT throws_ok($$UPDATE role_check.item SET label = 'x'$$, '42501', NULL,
                 'the read-only role cannot update');
RESET ROLE;

SET LOCAL ROLE {{ maintenance_role }};
SELECT throws_ok($$SELECT * FROM role_check.item$$, '42501', NULL,
                 'the maintenance role cannot read module data');
RESET ROLE;
ROLLBACK;
