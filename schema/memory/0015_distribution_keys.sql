-- memory: keys that carry the distribution column, foreign keys within each co-location group that
-- pair it, and no foreign key across groups (step 5 of 6; docs/scale-out.md "memory").
-- Catalog changes only, in one short transaction (ACCESS EXCLUSIVE for milliseconds per table):
--   * message_versions.session_id and context_snapshots.agent_id become NOT NULL: the CHECKs 0012
--     validated prove it, so SET NOT NULL scans nothing; the CHECKs then go;
--   * each primary key moves onto the index 0013 built (USING INDEX renames it <table>_pkey, so
--     the key keeps its name); message_versions' unique version number per message gains the session;
--   * foreign keys inside a group are recreated with the distribution column on both sides, NOT VALID
--     (0016 validates them without blocking writers). memory_consolidations -> agent_memories loses
--     its ON DELETE SET NULL, which Citus refuses on a key that contains the distribution column:
--     NO ACTION, the functions that delete memories clear the reference first (expire_memories;
--     forget_user deletes the consolidations with their memories);
--   * the foreign keys between the agent group and the session group (agent_memories.source_message_id,
--     context_snapshots.message_id, chat_messages_v2.state_snapshot_id) and from the local id map into
--     chat_messages_v2 are dropped: Citus allows neither. The columns stay; functions/memory/references.sql
--     checks them on write, and the functions that delete messages and states clear them
--     (docs/memory.md "Keys and distribution");
--   * message_versions' row-level security policy reads the version's own session (a co-located
--     condition) instead of joining its message;

-- No scan: the CHECK validated by 0012 proves the column has no NULL.
-- squawk-ignore adding-not-nullable-field
ALTER TABLE memory.message_versions ALTER COLUMN session_id SET NOT NULL;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.message_versions DROP CONSTRAINT message_versions_session_id_not_null;
-- squawk-ignore adding-not-nullable-field
ALTER TABLE memory.context_snapshots ALTER COLUMN agent_id SET NOT NULL;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.context_snapshots DROP CONSTRAINT context_snapshots_agent_id_not_null;

-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.state_checkpoints DROP CONSTRAINT state_checkpoints_state_id_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.state_transitions DROP CONSTRAINT state_transitions_from_state_id_fkey,
-- squawk-ignore ban-drop-constraint
DROP CONSTRAINT state_transitions_to_state_id_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.memory_consolidations DROP CONSTRAINT memory_consolidations_consolidated_memory_id_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.agent_memories DROP CONSTRAINT agent_memories_source_message_id_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.context_snapshots DROP CONSTRAINT context_snapshots_message_id_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.chat_messages_v2 DROP CONSTRAINT chat_messages_v2_state_snapshot_id_fkey,
-- squawk-ignore ban-drop-constraint
DROP CONSTRAINT chat_messages_v2_parent_message_id_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.message_versions DROP CONSTRAINT message_versions_message_id_fkey;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.message_id_map DROP CONSTRAINT message_id_map_v2_id_fkey;

-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.agent_memories DROP CONSTRAINT agent_memories_pkey,
ADD CONSTRAINT agent_memories_pkey PRIMARY KEY USING INDEX agent_memories_id_agent;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.memory_consolidations DROP CONSTRAINT memory_consolidations_pkey,
ADD CONSTRAINT memory_consolidations_pkey PRIMARY KEY USING INDEX memory_consolidations_id_agent;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.agent_states DROP CONSTRAINT agent_states_pkey,
ADD CONSTRAINT agent_states_pkey PRIMARY KEY USING INDEX agent_states_id_agent;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.state_checkpoints DROP CONSTRAINT state_checkpoints_pkey,
ADD CONSTRAINT state_checkpoints_pkey PRIMARY KEY USING INDEX state_checkpoints_id_agent;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.state_transitions DROP CONSTRAINT state_transitions_pkey,
ADD CONSTRAINT state_transitions_pkey PRIMARY KEY USING INDEX state_transitions_id_agent;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.context_snapshots DROP CONSTRAINT context_snapshots_pkey,
ADD CONSTRAINT context_snapshots_pkey PRIMARY KEY USING INDEX context_snapshots_id_agent;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.chat_messages_v2 DROP CONSTRAINT chat_messages_v2_pkey,
ADD CONSTRAINT chat_messages_v2_pkey PRIMARY KEY USING INDEX chat_messages_v2_id_session;
-- squawk-ignore ban-drop-constraint
ALTER TABLE memory.message_versions DROP CONSTRAINT message_versions_pkey,
ADD CONSTRAINT message_versions_pkey PRIMARY KEY USING INDEX message_versions_id_session,
-- squawk-ignore ban-drop-constraint
DROP CONSTRAINT message_versions_message_id_version_number_key,
ADD CONSTRAINT message_versions_session_id_message_id_version_number_key
UNIQUE USING INDEX message_versions_session_message_version;

ALTER TABLE memory.state_checkpoints ADD CONSTRAINT state_checkpoints_state_id_fkey
FOREIGN KEY (agent_id, state_id) REFERENCES memory.agent_states (agent_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE memory.state_transitions ADD CONSTRAINT state_transitions_from_state_id_fkey
FOREIGN KEY (agent_id, from_state_id) REFERENCES memory.agent_states (agent_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE memory.state_transitions ADD CONSTRAINT state_transitions_to_state_id_fkey
FOREIGN KEY (agent_id, to_state_id) REFERENCES memory.agent_states (agent_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE memory.memory_consolidations ADD CONSTRAINT memory_consolidations_consolidated_memory_id_fkey
FOREIGN KEY (agent_id, consolidated_memory_id) REFERENCES memory.agent_memories (agent_id, id) NOT VALID;
ALTER TABLE memory.chat_messages_v2 ADD CONSTRAINT chat_messages_v2_parent_message_id_fkey
FOREIGN KEY (session_id, parent_message_id) REFERENCES memory.chat_messages_v2 (session_id, id) NOT VALID;
ALTER TABLE memory.message_versions ADD CONSTRAINT message_versions_message_id_fkey
FOREIGN KEY (session_id, message_id) REFERENCES memory.chat_messages_v2 (session_id, id) ON DELETE CASCADE NOT VALID;

COMMENT ON COLUMN memory.agent_memories.source_message_id IS
'The chat_messages_v2 row the memory came from (no foreign key: the message is in the session group;
checked on write, cleared by forget_user).';
COMMENT ON COLUMN memory.context_snapshots.message_id IS
'The chat_messages_v2 row the context was built for (no foreign key: the message is in the session
group; checked on write, the snapshot deleted by forget_user with the message).';
COMMENT ON COLUMN memory.chat_messages_v2.state_snapshot_id IS
'The agent_states version the message was produced in (no foreign key: states are in the agent group;
checked on write, cleared by forget_user).';

DROP POLICY message_versions_user ON memory.message_versions;
CREATE POLICY message_versions_user ON memory.message_versions TO {{ app_role }}
USING (session_id IN (
    SELECT s.id FROM memory.conversation_sessions AS s
    WHERE s.user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid)
));
