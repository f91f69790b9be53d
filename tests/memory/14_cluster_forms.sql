-- memory: what the module does differently for a Citus cluster (docs/scale-out.md), seen from one
-- server, where nothing may change: a new session's counters come from a trigger (no column
-- defaults), and the row-level security policies, the audit triggers, the cross-group reference
-- checks and the search functions keep their one-server forms (functions/memory/row_security_citus.sql
-- and the Citus branches elsewhere change them only where the citus extension is installed).
BEGIN;
SELECT plan(7);

SELECT ok(NOT EXISTS (SELECT FROM pg_attrdef AS d INNER JOIN pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                      WHERE d.adrelid = 'memory.conversation_sessions'::regclass
                        AND a.attname IN ('message_count', 'total_tokens_used', 'tool_calls_count')),
          'the counters of memory.conversation_sessions have no default');
INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000c5101', 'cf');
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000c5101', TRUE);
SET LOCAL ROLE {{ app_role }};
INSERT INTO memory.conversation_sessions (id, conversation_id, user_id)
VALUES ('0190a0c0-0000-7000-8000-0000000c5102', '0190a0c0-0000-7000-8000-0000000c5103', '0190a0c0-0000-7000-8000-0000000c5101');
SELECT results_eq(
    $$SELECT message_count, total_tokens_used, tool_calls_count FROM memory.conversation_sessions
      WHERE id = '0190a0c0-0000-7000-8000-0000000c5102'$$,
    $$VALUES (0, 0, 0)$$, 'a session the application creates starts with its counters at 0'
);
SELECT throws_ok($$INSERT INTO memory.conversation_sessions (conversation_id, user_id, message_count)
                   VALUES (core.uuidv7(), '0190a0c0-0000-7000-8000-0000000c5101', 3)$$,
                 '42501', NULL, 'the application still cannot set a counter');
RESET ROLE;

SELECT ok((SELECT bool_and(p.qual LIKE '%SELECT%') FROM pg_policies AS p
           WHERE p.schemaname = 'memory' AND p.policyname IN ('chat_messages_v2_user', 'agent_memories_agent')),
          'on one server the policies read the acting user and the sessions / agents in subqueries');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'memory.agent_memories'::regclass
           AND tgname IN ('zz_audit_insert', 'agent_memories_source_message')), 2,
          'the audit trigger and the cross-group reference check are there');
SELECT ok(to_regprocedure('memory.acting_for_agent(uuid)') IS NULL,
          'the Citus forms of the policies'' conditions are not made');
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'memory.nearest_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz)'::regprocedure),
          NULL, 'nearest_memories has no SET clause, so PostgreSQL inlines it');

SELECT * FROM finish();
ROLLBACK;
