-- memory: the row-level security policies in the form a Citus cluster runs (docs/scale-out.md).
-- On one server (no citus extension) this file changes nothing: the policies of
-- schema/memory/0007, 0010, 0015 and 0019 read the acting user and agent in scalar subqueries, once per
-- query, and the session and agent conditions as subqueries (hashed, once per query).
-- Citus refuses subqueries in the policies of a distributed table, and evaluates each policy on
-- the shard, against the settings of the connection it opens (which carry SET LOCAL agentdb.user_id
-- / agent_id with citus.propagate_set_commands = local). So where the citus extension is
-- installed, before the tables are distributed, the policies are replaced by the same conditions
-- written as function calls:
--   * the acting user and agent: memory.current_user_id() / current_agent_id();
--   * "a session of the acting user": memory.acting_user_session(session_id), a look-up of the
--     session on its own shard, which is co-located with the messages and versions being checked;
--   * "the acting agent, or an agent of the acting user": memory.acting_for_agent(agent_id), a
--     look-up of the agent in memory.agents, a reference table of which every node has a copy.
-- Both look-ups are queries Citus would otherwise refuse inside a query on a shard; each function
-- allows it for itself only (SET citus.allow_nested_distributed_execution), as both read rows that
-- are on the same node in the same transaction: the co-located shard of the same session, the
-- node's copy of a reference table (after a write to memory.agents in a transaction, Citus uses one
-- connection per node for the tables that point at it). The isolation is the same; the policy
-- costs one look-up per row instead of one per query.

DO $citus$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;

    CREATE OR REPLACE FUNCTION memory.acting_user_session(p_session_id uuid)
    RETURNS boolean
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET citus.allow_nested_distributed_execution = on
    AS $function$
        SELECT EXISTS (
            SELECT FROM memory.conversation_sessions AS s
            WHERE s.id = p_session_id AND s.user_id = memory.current_user_id()
        )
    $function$;
    COMMENT ON FUNCTION memory.acting_user_session(uuid) IS
    'Row-level security on Citus: whether the session belongs to the acting user (agentdb.user_id).';

    CREATE OR REPLACE FUNCTION memory.acting_for_agent(p_agent_id uuid)
    RETURNS boolean
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET citus.allow_nested_distributed_execution = on
    AS $function$
        SELECT p_agent_id = memory.current_agent_id() OR EXISTS (
            SELECT FROM memory.agents AS a WHERE a.id = p_agent_id AND a.owner_user_id = memory.current_user_id()
        )
    $function$;
    COMMENT ON FUNCTION memory.acting_for_agent(uuid) IS
    'Row-level security on Citus: whether the agent is the acting agent (agentdb.agent_id) or one the
acting user (agentdb.user_id) owns.';

    REVOKE ALL ON FUNCTION memory.acting_user_session(uuid), memory.acting_for_agent(uuid) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION memory.acting_user_session(uuid), memory.acting_for_agent(uuid) TO {{ app_role }};

    ALTER POLICY conversation_sessions_user ON memory.conversation_sessions
    USING (user_id = memory.current_user_id()) WITH CHECK (user_id = memory.current_user_id());
    ALTER POLICY user_pii_user ON memory.user_pii
    USING (user_id = memory.current_user_id()) WITH CHECK (user_id = memory.current_user_id());
    ALTER POLICY chat_messages_v2_user ON memory.chat_messages_v2
    USING (memory.acting_user_session(session_id)) WITH CHECK (memory.acting_user_session(session_id));
    ALTER POLICY message_versions_user ON memory.message_versions
    USING (memory.acting_user_session(session_id));
    ALTER POLICY agent_memories_agent ON memory.agent_memories
    USING (memory.acting_for_agent(agent_id)) WITH CHECK (memory.acting_for_agent(agent_id));
    ALTER POLICY memory_consolidations_agent ON memory.memory_consolidations
    USING (memory.acting_for_agent(agent_id)) WITH CHECK (memory.acting_for_agent(agent_id));
    ALTER POLICY agent_states_agent ON memory.agent_states
    USING (memory.acting_for_agent(agent_id)) WITH CHECK (memory.acting_for_agent(agent_id));
    ALTER POLICY state_checkpoints_agent ON memory.state_checkpoints
    USING (memory.acting_for_agent(agent_id)) WITH CHECK (memory.acting_for_agent(agent_id));
    ALTER POLICY state_transitions_agent ON memory.state_transitions
    USING (memory.acting_for_agent(agent_id)) WITH CHECK (memory.acting_for_agent(agent_id));
    ALTER POLICY context_snapshots_agent ON memory.context_snapshots
    USING (memory.acting_for_agent(agent_id)) WITH CHECK (memory.acting_for_agent(agent_id));
    ALTER POLICY memory_accesses_agent ON memory.memory_accesses
    USING (memory.acting_for_agent(agent_id));
END
$citus$;
