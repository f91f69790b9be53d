-- assistant: what each role may do. The application writes the tables directly (as the spec's
-- clients do) but creates nothing; read-only users read; the maintenance role reaches the module
-- only through core's maintenance entry points. Keys with quotes are data like any other.
BEGIN;
SELECT plan(10);

SET LOCAL ROLE {{ app_role }};
SELECT lives_ok($$INSERT INTO assistant.chat_sessions (session_id) VALUES ('it''s "quoted"')$$,
                'the application inserts directly, a key with quotes included');
SELECT throws_ok($$SELECT assistant.add_message('it''s "missing"', 'user', 'x')$$, '23503',
                 'session ''it''''s "missing"'' does not exist', 'error messages quote the key');
SELECT is((assistant.add_message('it''s "quoted"', 'user', 'hi')).session_id, 'it''s "quoted"',
          'a message for the quoted key is stored under it');
SELECT throws_ok($$CREATE TABLE assistant.chat_extra (id int)$$, '42501', NULL,
                 'the application cannot create tables (db.create_all() has nothing to create)');
SELECT throws_ok($$DROP TABLE assistant.chat_messages$$, '42501', NULL, 'nor drop them');
RESET ROLE;

SET LOCAL ROLE {{ readonly_role }};
SELECT is((SELECT count(*)::int FROM assistant.chat_messages WHERE session_id = 'it''s "quoted"'), 1,
          'read-only users read the messages');
SELECT throws_ok($$INSERT INTO assistant.chat_sessions (session_id) VALUES ('ro')$$, '42501', NULL,
                 'and cannot write');
SELECT throws_ok($$SELECT assistant.cleanup_old_sessions(30)$$, '42501', NULL, 'nor run the cleanups');
RESET ROLE;

SET LOCAL ROLE {{ maintenance_role }};
SELECT throws_ok($$SELECT count(*) FROM assistant.chat_messages$$, '42501', NULL,
                 'the maintenance role cannot read the module''s tables');
SELECT throws_ok($$SELECT assistant.retention_task(now())$$, '42501', NULL,
                 'nor call the task itself: only core''s maintenance runs it');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
