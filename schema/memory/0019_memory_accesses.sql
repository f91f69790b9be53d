-- memory: the accesses recall_memories records, folded into agent_memories by maintenance
-- (docs/memory.md "Memories", functions/memory/memory_accesses.sql).
-- recall_memories used to raise access_count and last_accessed of what it returned in its own
-- statement: an UPDATE of k rows, its audit INSERT (which compares the 6 kB embeddings of the old and
-- new rows) and the commit's WAL flush, on every read. Now it appends one row per recalled memory
-- here, and memory.fold_memory_accesses (a core maintenance task; callable any time) applies them
-- to agent_memories in one set-based, audited UPDATE. UNLOGGED: a transaction that writes only
-- unlogged tables writes no WAL, so recall's commit does not wait for a flush. A crash empties the
-- table: the accesses not yet folded are lost (access counts a little low, memories decay from
-- their previous access); nothing else depends on them. Until folded, recall itself reads a
-- memory's waiting accesses (its last access), so ranking never lags.
-- Not audited (functions/memory/audit.sql): its rows are not data of their own; each becomes an
-- audited UPDATE of agent_memories when folded.

CREATE UNLOGGED TABLE memory.memory_accesses (
    agent_id uuid NOT NULL,
    memory_id uuid NOT NULL,
    accessed_at timestamptz NOT NULL
);

COMMENT ON TABLE memory.memory_accesses IS
'Accesses of agent memories recorded by recall_memories (memory.record_memory_accesses), not yet
folded into agent_memories (access_count, last_accessed) by memory.fold_memory_accesses (core
maintenance). Unlogged: a crash loses the accesses not yet folded.';
COMMENT ON COLUMN memory.memory_accesses.accessed_at IS 'The time recall recorded (its p_now).';

-- recall reads a memory's latest waiting access: the end of its range in this index, however many
-- accesses wait.
CREATE INDEX memory_accesses_memory ON memory.memory_accesses (agent_id, memory_id, accessed_at);

-- The application reads its agents' waiting accesses (recall_memories runs as the caller); it
-- appends them only through memory.record_memory_accesses (SECURITY DEFINER: it checks that the
-- caller acts for the agent, and is an insert Citus may run as a COPY, which row-level security
-- would refuse), and never changes or removes them. The policy is agent_memories'.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON memory.memory_accesses FROM {{ app_role }};
ALTER TABLE memory.memory_accesses ENABLE ROW LEVEL SECURITY;
CREATE POLICY memory_accesses_agent ON memory.memory_accesses FOR SELECT TO {{ app_role }}
USING (
    agent_id = (SELECT nullif(current_setting('agentdb.agent_id', TRUE), '')::uuid)
    OR agent_id IN (SELECT a.id FROM memory.agents AS a
                    WHERE a.owner_user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid))
);
