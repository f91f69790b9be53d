-- dbctl:no-transaction
-- memory: validate the foreign keys 0015 recreated NOT VALID (step 6 of 6). VALIDATE takes SHARE
-- UPDATE EXCLUSIVE: reads and writes go on while the rows are checked, each statement in its own
-- transaction.

ALTER TABLE memory.state_checkpoints VALIDATE CONSTRAINT state_checkpoints_state_id_fkey;
ALTER TABLE memory.state_transitions VALIDATE CONSTRAINT state_transitions_from_state_id_fkey;
ALTER TABLE memory.state_transitions VALIDATE CONSTRAINT state_transitions_to_state_id_fkey;
ALTER TABLE memory.memory_consolidations VALIDATE CONSTRAINT memory_consolidations_consolidated_memory_id_fkey;
ALTER TABLE memory.chat_messages_v2 VALIDATE CONSTRAINT chat_messages_v2_parent_message_id_fkey;
ALTER TABLE memory.message_versions VALIDATE CONSTRAINT message_versions_message_id_fkey;
