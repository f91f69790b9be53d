-- memory: the keys made for distribution (schema/memory/0011 to 0016, docs/scale-out.md "memory"):
-- keys within a co-location group carry its distribution column (a reference into another agent's
-- or session's rows is refused), references across the groups are checked on write by triggers and
-- cleared by the functions that delete, a consolidated memory is no longer cleared by ON DELETE SET
-- NULL (expiry clears it), message versions carry their session, and context snapshots an agent.
BEGIN;
SELECT plan(25);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000d1001', 'erin'),
                                           ('0190a0c0-0000-7000-8000-0000000d1002', 'frank');
INSERT INTO memory.agents (id, name, owner_user_id) VALUES
('0190a0c0-0000-7000-8000-0000000d10a1', 'erin''s agent', '0190a0c0-0000-7000-8000-0000000d1001'),
('0190a0c0-0000-7000-8000-0000000d10a2', 'frank''s agent', '0190a0c0-0000-7000-8000-0000000d1002');
INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id) VALUES
('0190a0c0-0000-7000-8000-0000000d1a05', '0190a0c0-0000-7000-8000-0000000d1a06', '0190a0c0-0000-7000-8000-0000000d1001',
 '0190a0c0-0000-7000-8000-0000000d10a1'),
('0190a0c0-0000-7000-8000-0000000d1b05', '0190a0c0-0000-7000-8000-0000000d1b06', '0190a0c0-0000-7000-8000-0000000d1002',
 '0190a0c0-0000-7000-8000-0000000d10a2');
INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, sender_user_id, role, content) VALUES
('0190a0c0-0000-7000-8000-0000000d1a10', '0190a0c0-0000-7000-8000-0000000d1a06', '0190a0c0-0000-7000-8000-0000000d1a05',
 '0190a0c0-0000-7000-8000-0000000d1001', 'user', '{"type": "text", "text": "erin asks"}'),
('0190a0c0-0000-7000-8000-0000000d1b10', '0190a0c0-0000-7000-8000-0000000d1b06', '0190a0c0-0000-7000-8000-0000000d1b05',
 '0190a0c0-0000-7000-8000-0000000d1002', 'user', '{"type": "text", "text": "frank asks"}');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"a": 1}}', 'erin');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a2', '{"local": {"b": 1}}', 'frank');
CREATE TEMP TABLE st AS SELECT agent_id, id FROM memory.agent_states
WHERE agent_id IN ('0190a0c0-0000-7000-8000-0000000d10a1', '0190a0c0-0000-7000-8000-0000000d10a2');

-- Within a group: the distribution column is part of every key.
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, parent_message_id, role, content)
                   VALUES ('0190a0c0-0000-7000-8000-0000000d1b06', '0190a0c0-0000-7000-8000-0000000d1b05',
                           '0190a0c0-0000-7000-8000-0000000d1a10', 'assistant', '{"type": "text"}')$$,
                 '23503', NULL, 'a reply to a message of another session is refused');
SELECT throws_ok($$INSERT INTO memory.state_checkpoints (agent_id, state_id, checkpoint_type, state_data, retention_policy)
                   SELECT '0190a0c0-0000-7000-8000-0000000d10a1', id, 'manual', '{}', 'permanent' FROM st
                   WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a2'$$,
                 '23503', NULL, 'a checkpoint of another agent''s state is refused');
SELECT throws_ok($$INSERT INTO memory.state_transitions (agent_id, to_state_id, transition_type, changes, rollback_available)
                   SELECT '0190a0c0-0000-7000-8000-0000000d10a1', id, 'update', '{}', FALSE FROM st
                   WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a2'$$,
                 '23503', NULL, 'a transition to another agent''s state is refused');
SELECT is((SELECT count(*)::int FROM memory.state_checkpoints WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a1'), 0,
          'nothing was stored');

-- message_versions carry their message's session.
SELECT memory.edit_message('0190a0c0-0000-7000-8000-0000000d1a10', '{"type": "text", "text": "erin asks again"}');
SELECT results_eq($$SELECT session_id, version_number FROM memory.message_versions
                    WHERE message_id = '0190a0c0-0000-7000-8000-0000000d1a10'$$,
                  $$VALUES ('0190a0c0-0000-7000-8000-0000000d1a05'::uuid, 1)$$,
                  'the version trigger records the message''s session');
INSERT INTO memory.message_versions (message_id, version_number, content)
VALUES ('0190a0c0-0000-7000-8000-0000000d1b10', 7, '{"type": "text"}');
SELECT is((SELECT session_id FROM memory.message_versions WHERE message_id = '0190a0c0-0000-7000-8000-0000000d1b10'),
          '0190a0c0-0000-7000-8000-0000000d1b05'::uuid, 'a version written without its session gets it from its message');
SELECT throws_ok($$INSERT INTO memory.message_versions (message_id, session_id, version_number, content)
                   VALUES ('0190a0c0-0000-7000-8000-0000000d1b10', '0190a0c0-0000-7000-8000-0000000d1a05', 8, '{}')$$,
                 '23503', NULL, 'a version filed under a session other than its message''s is refused');
SELECT throws_ok($$SELECT memory.edit_message('0190a0c0-0000-7000-8000-0000000d1a10', '{"type": "text", "text": "x"}',
                                              p_session_id => '0190a0c0-0000-7000-8000-0000000d1b05')$$,
                 'P0002', NULL, 'editing a message under another session finds nothing');
SELECT results_eq($$SELECT * FROM memory.message_history('0190a0c0-0000-7000-8000-0000000d1a10',
                                                         '0190a0c0-0000-7000-8000-0000000d1a05')$$,
                  $$SELECT * FROM memory.message_history('0190a0c0-0000-7000-8000-0000000d1a10')$$,
                  'message_history with the session equals message_history that looks it up');

-- context_snapshots need an agent.
SELECT throws_ok($$INSERT INTO memory.context_snapshots (message_id, snapshot_data)
                   VALUES ('0190a0c0-0000-7000-8000-0000000d1a10', '{}')$$,
                 '23502', NULL, 'a context snapshot without an agent is refused');

-- Across the groups: no foreign key, checked on write.
SELECT throws_ok($$SELECT memory.remember('0190a0c0-0000-7000-8000-0000000d10a1', 'semantic', '{"concept": "c", "definition": "d"}',
                                          NULL, p_source_message_id => '0190a0c0-0000-7000-8000-0000000000ff')$$,
                 '23503', 'agent_memories.source_message_id = 0190a0c0-0000-7000-8000-0000000000ff: no such row in memory.chat_messages_v2',
                 'a memory from a message that does not exist is refused');
SELECT throws_ok($$INSERT INTO memory.context_snapshots (message_id, agent_id, snapshot_data)
                   VALUES ('0190a0c0-0000-7000-8000-0000000000ff', '0190a0c0-0000-7000-8000-0000000d10a1', '{}')$$,
                 '23503', NULL, 'a snapshot of a message that does not exist is refused');
SELECT throws_ok($$UPDATE memory.chat_messages_v2 SET state_snapshot_id = '0190a0c0-0000-7000-8000-0000000000ff'
                   WHERE id = '0190a0c0-0000-7000-8000-0000000d1a10'$$,
                 '23503', NULL, 'a message produced in a state that does not exist is refused');
-- The acting agent cannot see erin's messages (row-level security), yet may cite one, as with a foreign key.
SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.agent_id', '0190a0c0-0000-7000-8000-0000000d10a2', TRUE);
SELECT lives_ok($$INSERT INTO memory.context_snapshots (message_id, agent_id, snapshot_data)
                  VALUES ('0190a0c0-0000-7000-8000-0000000d1b10', '0190a0c0-0000-7000-8000-0000000d10a2', '{"k": 1}')$$,
                'the application writes a snapshot of a message it cannot read');
SELECT lives_ok($$SELECT memory.remember('0190a0c0-0000-7000-8000-0000000d10a2', 'semantic',
                                         '{"concept": "erin", "definition": "asks"}', NULL,
                                         p_source_message_id => '0190a0c0-0000-7000-8000-0000000d1a10')$$,
                'and a memory from it');
SELECT set_config('agentdb.agent_id', '', TRUE);
RESET ROLE;
UPDATE memory.chat_messages_v2 SET state_snapshot_id = (SELECT id FROM st WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a1')
WHERE id = '0190a0c0-0000-7000-8000-0000000d1b10';

-- The v1 migration's id map has no foreign key into chat_messages_v2 (local -> distributed): the
-- functions that delete v2 copies delete their map rows.
INSERT INTO memory.channels (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000d1c01', 'keys');
SELECT memory.start_messages_v2();
INSERT INTO memory.chat_messages (channel_id, content, sender_user_id) VALUES
('0190a0c0-0000-7000-8000-0000000d1c01', 'erin in v1', '0190a0c0-0000-7000-8000-0000000d1001'),
('0190a0c0-0000-7000-8000-0000000d1c01', 'frank in v1', '0190a0c0-0000-7000-8000-0000000d1002'),
('0190a0c0-0000-7000-8000-0000000d1c01', 'deleted in v1', '0190a0c0-0000-7000-8000-0000000d1002');
DELETE FROM memory.chat_messages WHERE content = 'deleted in v1';

-- forget_user clears what pointed at the forgotten user's messages and agents' states.
SELECT memory.forget_user('0190a0c0-0000-7000-8000-0000000d1001');
SELECT is_empty($$SELECT * FROM memory.validate_messages_v2()$$,
                'a v1 message deleted, and a forgotten user''s, leave no id map row behind');
SELECT is(memory.rollback_messages_v2(), 1::bigint, 'rolling the migration back removes the one v2 copy left');
SELECT is((SELECT count(*)::int FROM memory.message_id_map), 0, 'and empties the id map');
SELECT results_eq($$SELECT source_message_id FROM memory.agent_memories WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a2'$$,
                  $$VALUES (NULL::uuid)$$, 'another agent''s memory of a forgotten message keeps no reference to it');
SELECT is((SELECT state_snapshot_id FROM memory.chat_messages_v2 WHERE id = '0190a0c0-0000-7000-8000-0000000d1b10'), NULL,
          'another user''s message produced in a forgotten agent''s state keeps no reference to it');

-- memory_consolidations -> agent_memories is NO ACTION (Citus refuses SET NULL on it); expiry clears it.
CREATE TEMP TABLE mem AS SELECT memory.remember('0190a0c0-0000-7000-8000-0000000d10a2', 'semantic',
                                                '{"concept": "x", "definition": "y"}', NULL) AS source;
INSERT INTO memory.agent_memories (agent_id, memory_type, content, expires_at, created_at)
VALUES ('0190a0c0-0000-7000-8000-0000000d10a2', 'semantic', '{"concept": "z", "definition": "z"}',
        '2026-01-02+00', '2026-01-01+00');
INSERT INTO memory.memory_consolidations (agent_id, source_memories, consolidated_memory_id, consolidation_type)
SELECT '0190a0c0-0000-7000-8000-0000000d10a2', ARRAY[source], m.id, 'merge'
FROM mem, memory.agent_memories AS m WHERE m.content ->> 'concept' = 'z';
SELECT throws_ok($$DELETE FROM memory.agent_memories WHERE content ->> 'concept' = 'z'$$, '23503', NULL,
                 'deleting a consolidated memory directly is refused');
SELECT is((SELECT count(*)::int FROM memory.agent_memories WHERE content ->> 'concept' = 'z'), 1, 'and it stays');
SELECT is(memory.expire_memories('2026-01-03+00'), 1::bigint, 'expiry deletes it');
SELECT ok((SELECT row_key ?& ARRAY['id', 'agent_id'] FROM memory.audit_log
           WHERE table_name = 'agent_memories' AND operation = 'DELETE' ORDER BY id DESC LIMIT 1),
          'the audit log records the new primary key of what it deleted');
SELECT results_eq($$SELECT consolidated_memory_id FROM memory.memory_consolidations
                    WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a2'$$,
                  $$VALUES (NULL::uuid)$$, 'and clears the consolidation''s reference, which keeps its row');

SELECT * FROM finish();
ROLLBACK;
