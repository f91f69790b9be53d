-- dbctl:no-transaction
-- memory: the indexes of the keys that carry the distribution column, built without blocking
-- writers (step 3 of 6; docs/scale-out.md "memory"). On Citus every primary and unique key of a
-- distributed table must contain its distribution column, and a foreign key between distributed
-- tables must pair them. Primary keys become (id, <column>): id first, so lookups by id alone still
-- use them and inserts of time-ordered UUIDs stay at the right edge. 0015 swaps the keys onto these
-- indexes under a short lock. Each statement commits on its own; a failed build leaves an INVALID
-- index: drop it (DROP INDEX CONCURRENTLY memory.<name>) and migrate again. The v1 chat_messages
-- gets its key in 0014 (finish_messages_v2 may have moved it to memory_archive, so the table cannot
-- be named here).

-- The agent group, distributed by agent_id.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS agent_memories_id_agent ON memory.agent_memories (id, agent_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS memory_consolidations_id_agent
ON memory.memory_consolidations (id, agent_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS agent_states_id_agent ON memory.agent_states (id, agent_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS state_checkpoints_id_agent ON memory.state_checkpoints (id, agent_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS state_transitions_id_agent ON memory.state_transitions (id, agent_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS context_snapshots_id_agent ON memory.context_snapshots (id, agent_id);

-- The session group, distributed by session.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS chat_messages_v2_id_session ON memory.chat_messages_v2 (id, session_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS message_versions_id_session ON memory.message_versions (id, session_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS message_versions_session_message_version
ON memory.message_versions (session_id, message_id, version_number);
