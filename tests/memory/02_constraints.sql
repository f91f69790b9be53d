-- memory: every CHECK refuses what it should with 23514 (and a foreign key with 23503), and the
-- refused rows change nothing.
BEGIN;
SELECT plan(34);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-00000000d001', 'checker');
INSERT INTO memory.agents (id, name, owner_user_id)
VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'checked agent', '0190a0c0-0000-7000-8000-00000000d001');
INSERT INTO memory.conversation_sessions (id, conversation_id, user_id)
VALUES ('0190a0c0-0000-7000-8000-00000000d005', '0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d001');

-- chat_messages_v2
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d005', 'narrator', '{"type": "text"}')$$,
                 '23514', NULL, 'an unknown message role is refused');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d005', 'user', '{"text": "no type"}')$$,
                 '23514', 'new row for relation "chat_messages_v2" violates check constraint "check_content_structure"',
                 'content without a type is refused');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d005', 'user', '{"type": "video"}')$$,
                 '23514', NULL, 'an unknown content type is refused');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d005', 'user', '"text"')$$,
                 '23514', NULL, 'content that is not an object is refused');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content, metadata)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d005', 'user', '{"type": "text"}', '{"tokens": -3}')$$,
                 '23514', NULL, 'negative tokens are refused');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content, tools)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d005', 'tool', '{"type": "tool_result"}', '{"call": 1}')$$,
                 '23514', NULL, 'tools that are not an array are refused');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content, version)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d006', '0190a0c0-0000-7000-8000-00000000d005', 'user', '{"type": "text"}', 'v2')$$,
                 '23514', NULL, 'a format version that is not semver is refused');
SELECT throws_ok($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content)
                   VALUES ('0190a0c0-0000-7000-8000-0000000000ff', '0190a0c0-0000-7000-8000-00000000d005', 'user', '{"type": "text"}')$$,
                 '23503', NULL, 'a message in a conversation other than its session''s is refused');
SELECT is((SELECT count(*)::int FROM memory.chat_messages_v2 WHERE session_id = '0190a0c0-0000-7000-8000-00000000d005'), 0,
          'none of the refused messages was stored');
SELECT is((SELECT message_count FROM memory.conversation_sessions WHERE id = '0190a0c0-0000-7000-8000-00000000d005'), 0,
          'nor counted');

-- conversation_sessions
SELECT throws_ok($$UPDATE memory.conversation_sessions SET status = 'sleeping' WHERE id = '0190a0c0-0000-7000-8000-00000000d005'$$,
                 '23514', NULL, 'an unknown session status is refused');
SELECT throws_ok($$UPDATE memory.conversation_sessions SET ended_at = started_at - interval '1 minute'
                   WHERE id = '0190a0c0-0000-7000-8000-00000000d005'$$,
                 '23514', NULL, 'a session ending before it started is refused');
SELECT throws_ok($$UPDATE memory.conversation_sessions SET message_count = -1 WHERE id = '0190a0c0-0000-7000-8000-00000000d005'$$,
                 '23514', NULL, 'a negative message count is refused');

-- agent_memories: type, per-type content keys, importance, decay
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'dream', '{"event": 1, "temporal": 2}')$$,
                 '23514', NULL, 'an unknown memory type is refused');
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'episodic', '{"event": "met"}')$$,
                 '23514', 'new row for relation "agent_memories" violates check constraint "check_memory_content"',
                 'an episodic memory needs event and temporal');
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'semantic', '{"concept": "x"}')$$,
                 '23514', NULL, 'a semantic memory needs concept and definition');
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'procedural', '{"skill": "x"}')$$,
                 '23514', NULL, 'a procedural memory needs skill and steps');
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'working', '{"items": []}')$$,
                 '23514', NULL, 'a working memory needs items and capacity');
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content, importance)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'working', '{"items": [], "capacity": 7}', 1.5)$$,
                 '23514', NULL, 'importance above 1 is refused');
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content, importance)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'working', '{"items": [], "capacity": 7}', -0.1)$$,
                 '23514', NULL, 'importance below 0 is refused');
SELECT throws_ok($$INSERT INTO memory.agent_memories (agent_id, memory_type, content, decay_rate)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 'working', '{"items": [], "capacity": 7}', -1)$$,
                 '23514', NULL, 'a negative decay rate is refused');
SELECT is((SELECT count(*)::int FROM memory.agent_memories WHERE agent_id = '0190a0c0-0000-7000-8000-00000000d0a1'), 0,
          'none of the refused memories was stored');

-- consolidations, states, checkpoints, transitions
SELECT throws_ok($$INSERT INTO memory.memory_consolidations (agent_id, source_memories, consolidation_type)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', ARRAY[core.uuidv7()], 'blend')$$,
                 '23514', NULL, 'an unknown consolidation type is refused');
SELECT throws_ok($$INSERT INTO memory.agent_states (agent_id, version_number, state_hash)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 1, repeat('0', 64))$$,
                 '23514', 'new row for relation "agent_states" violates check constraint "agent_states_hash"',
                 'a state whose hash is not the hash of its partitions is refused');
SELECT throws_ok($$INSERT INTO memory.agent_states (agent_id, version_number, state_hash, local_state)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 1, memory.state_hash('[]', '{}', '{}', '{}'), '[]')$$,
                 '23514', NULL, 'a state partition that is not an object is refused');
SELECT throws_ok($$INSERT INTO memory.agent_states (agent_id, version_number, state_hash, is_current, valid_until)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 1, memory.state_hash('{}', '{}', '{}', '{}'), TRUE, now())$$,
                 '23514', NULL, 'a current state with an end of validity is refused');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-00000000d0a1', '{"local": {"a": 1}}', 'check');
SELECT throws_ok($$INSERT INTO memory.agent_states (agent_id, version_number, state_hash)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', 2, memory.state_hash('{}', '{}', '{}', '{}'))$$,
                 '23505', NULL, 'a second current state of an agent is refused (unique_current_state)');
SELECT throws_ok($$INSERT INTO memory.state_checkpoints (agent_id, state_id, checkpoint_type, state_data)
                   SELECT agent_id, id, 'hourly', '{}' FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-00000000d0a1'$$,
                 '23514', NULL, 'an unknown checkpoint type is refused');
SELECT throws_ok($$INSERT INTO memory.state_checkpoints (agent_id, state_id, checkpoint_type, state_data, retention_policy)
                   SELECT agent_id, id, 'manual', '{}', 'forever' FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-00000000d0a1'$$,
                 '23514', NULL, 'an unknown retention policy is refused');
SELECT throws_ok($$INSERT INTO memory.state_checkpoints (agent_id, state_id, checkpoint_type, state_data, retention_policy)
                   SELECT agent_id, id, 'manual', '{}', 'temporary' FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-00000000d0a1'$$,
                 '23514', NULL, 'a temporary checkpoint without an expiry is refused');
SELECT throws_ok($$INSERT INTO memory.state_transitions (agent_id, to_state_id, transition_type, changes)
                   SELECT agent_id, id, 'teleport', '{}' FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-00000000d0a1'$$,
                 '23514', NULL, 'an unknown transition type is refused');

-- context
SELECT throws_ok($$INSERT INTO memory.context_templates (name, segments) VALUES ('t', '{"a": 1}')$$,
                 '23514', NULL, 'template segments that are not an array are refused');
SELECT throws_ok($$INSERT INTO memory.context_snapshots (agent_id, snapshot_data, compression_ratio)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', '{}', 1.5)$$,
                 '23514', NULL, 'a compression ratio above 1 is refused');
SELECT throws_ok($$INSERT INTO memory.context_snapshots (agent_id, snapshot_data, total_tokens)
                   VALUES ('0190a0c0-0000-7000-8000-00000000d0a1', '{}', -1)$$,
                 '23514', NULL, 'negative snapshot tokens are refused');
ROLLBACK;
