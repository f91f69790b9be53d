-- memory: row-level security, as each role. The application sees, changes and creates only the rows
-- of the acting user (agentdb.user_id) and of the acting agent or the user's agents (agentdb.agent_id):
-- other rows are invisible (0 rows, no error), cannot be updated or deleted, and cannot be inserted
-- (42501). Reporting reads everything; the owner is not subject to the policies.
BEGIN;
SELECT plan(26);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000c0001', 'alice'),
                                           ('0190a0c0-0000-7000-8000-0000000c0002', 'bob');
INSERT INTO memory.agents (id, name, owner_user_id) VALUES
('0190a0c0-0000-7000-8000-0000000c00a1', 'alice''s agent', '0190a0c0-0000-7000-8000-0000000c0001'),
('0190a0c0-0000-7000-8000-0000000c00b1', 'bob''s agent', '0190a0c0-0000-7000-8000-0000000c0002');
INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id) VALUES
('0190a0c0-0000-7000-8000-0000000c0a05', '0190a0c0-0000-7000-8000-0000000c0a06', '0190a0c0-0000-7000-8000-0000000c0001',
 '0190a0c0-0000-7000-8000-0000000c00a1'),
('0190a0c0-0000-7000-8000-0000000c0b05', '0190a0c0-0000-7000-8000-0000000c0b06', '0190a0c0-0000-7000-8000-0000000c0002',
 '0190a0c0-0000-7000-8000-0000000c00b1');
INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, role, content) VALUES
('0190a0c0-0000-7000-8000-0000000c0a10', '0190a0c0-0000-7000-8000-0000000c0a06', '0190a0c0-0000-7000-8000-0000000c0a05',
 'user', '{"type": "text", "text": "alice says"}'),
('0190a0c0-0000-7000-8000-0000000c0b10', '0190a0c0-0000-7000-8000-0000000c0b06', '0190a0c0-0000-7000-8000-0000000c0b05',
 'user', '{"type": "text", "text": "bob says"}');
UPDATE memory.chat_messages_v2 SET content = content || '{"edited": true}'
WHERE id IN ('0190a0c0-0000-7000-8000-0000000c0a10', '0190a0c0-0000-7000-8000-0000000c0b10');
INSERT INTO memory.agent_memories (agent_id, memory_type, content) VALUES
('0190a0c0-0000-7000-8000-0000000c00a1', 'semantic', '{"concept": "alice", "definition": "a"}'),
('0190a0c0-0000-7000-8000-0000000c00b1', 'semantic', '{"concept": "bob", "definition": "b"}');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000c00a1', '{"local": {"who": "alice"}}', 'setup');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000c00b1', '{"local": {"who": "bob"}}', 'setup');

SET LOCAL ROLE {{ app_role }};
SELECT is((SELECT count(*)::int FROM memory.conversation_sessions), 0, 'without a setting the application sees no session');
SELECT is((SELECT count(*)::int FROM memory.agent_memories), 0, 'nor any memory');

SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000c0001', TRUE);
SELECT results_eq($$SELECT id FROM memory.conversation_sessions$$, $$VALUES ('0190a0c0-0000-7000-8000-0000000c0a05'::uuid)$$,
                  'alice sees her session only');
SELECT results_eq($$SELECT id FROM memory.chat_messages_v2$$, $$VALUES ('0190a0c0-0000-7000-8000-0000000c0a10'::uuid)$$,
                  'her messages only');
SELECT results_eq($$SELECT message_id FROM memory.message_versions$$, $$VALUES ('0190a0c0-0000-7000-8000-0000000c0a10'::uuid)$$,
                  'her message versions only');
SELECT is_empty($$SELECT * FROM memory.message_history('0190a0c0-0000-7000-8000-0000000c0b10')$$,
                'bob''s message history is empty for her');
SELECT results_eq($$SELECT content ->> 'concept' FROM memory.agent_memories$$, $$VALUES ('alice')$$,
                  'the memories of the agent she owns only');
SELECT results_eq($$SELECT local_state ->> 'who' FROM memory.agent_states$$, $$VALUES ('alice')$$,
                  'its states only');
SELECT is((SELECT count(*)::int FROM memory.state_transitions), 1, 'its transitions only');
WITH u AS (UPDATE memory.chat_messages_v2 SET content = '{"type": "text", "text": "hacked"}'
           WHERE id = '0190a0c0-0000-7000-8000-0000000c0b10' RETURNING 1
)
SELECT is(count(*)::int, 0, 'updating bob''s message touches no row') FROM u;
WITH d AS (DELETE FROM memory.conversation_sessions WHERE id = '0190a0c0-0000-7000-8000-0000000c0b05' RETURNING 1)
SELECT is(count(*)::int, 0, 'deleting bob''s session touches no row') FROM d;
WITH d AS (DELETE FROM memory.agent_memories WHERE content ->> 'concept' = 'bob' RETURNING 1)
SELECT is(count(*)::int, 0, 'deleting bob''s agent''s memory touches no row') FROM d;
SELECT throws_ok($$INSERT INTO memory.conversation_sessions (conversation_id, user_id)
                   VALUES (core.uuidv7(), '0190a0c0-0000-7000-8000-0000000c0002')$$,
                 '42501', NULL, 'she cannot create a session under bob''s id');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content)
                   VALUES ('0190a0c0-0000-7000-8000-0000000c0b06', '0190a0c0-0000-7000-8000-0000000c0b05', 'user', '{"type": "text"}')$$,
                 '42501', NULL, 'nor post into bob''s session');
SELECT throws_ok($$SELECT memory.remember('0190a0c0-0000-7000-8000-0000000c00b1', 'semantic', '{"concept": "x", "definition": "y"}', NULL)$$,
                 '42501', NULL, 'nor give bob''s agent a memory');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000c00b1', '{"local": {"who": "alice"}}', 'takeover')$$,
                 '42501', NULL, 'nor change the state of bob''s agent');
SELECT throws_ok($$SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000c00b1')$$,
                 '42501', NULL, 'nor checkpoint it');
SELECT lives_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000c00a1', '{"local": {"mood": "good"}}', 'fine')$$,
                'she changes her own agent''s state');

SELECT set_config('agentdb.user_id', '', TRUE);
SELECT set_config('agentdb.agent_id', '0190a0c0-0000-7000-8000-0000000c00b1', TRUE);
SELECT results_eq($$SELECT content ->> 'concept' FROM memory.agent_memories$$, $$VALUES ('bob')$$,
                  'acting as bob''s agent: its memories only');
SELECT is((SELECT count(*)::int FROM memory.conversation_sessions), 0, 'and no user''s sessions');
SELECT is_empty($$SELECT * FROM memory.agent_state_at('0190a0c0-0000-7000-8000-0000000c00a1', now())$$,
                'alice''s agent''s state is invisible to it');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000c00a1', 1)$$,
                 '42501', NULL, 'and cannot be rolled back by it');
RESET ROLE;

SELECT results_eq(
    $$SELECT content ->> 'text', current_version FROM memory.chat_messages_v2 WHERE id = '0190a0c0-0000-7000-8000-0000000c0b10'$$,
    $$VALUES ('bob says', 2)$$,
    'bob''s message is as it was'
);
SELECT is((SELECT count(*)::int FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-0000000c00b1'), 1,
          'and so is his agent''s state');

SET LOCAL ROLE {{ readonly_role }};
SELECT is((SELECT count(*)::int FROM memory.conversation_sessions
           WHERE id IN ('0190a0c0-0000-7000-8000-0000000c0a05', '0190a0c0-0000-7000-8000-0000000c0b05')), 2,
          'reporting reads every user''s sessions');
SELECT throws_ok($$UPDATE memory.conversation_sessions SET status = 'paused'$$, '42501', NULL, 'and writes none');
RESET ROLE;
ROLLBACK;
