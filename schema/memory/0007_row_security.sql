-- memory: row-level security (spec 004 "Security Considerations": based on user_id / agent_id).
-- The application sets who is acting, per transaction:
--     SET LOCAL agentdb.user_id = '<users.id>';   -- a user's sessions, messages and versions
--     SET LOCAL agentdb.agent_id = '<agents.id>'; -- an agent's memories, states, checkpoints...
-- {{ app_role }} then sees and writes only those rows (plus, for a user, the per-agent rows of the
-- agents they own); without a setting it sees nothing. Each setting is read once per query: it is
-- wrapped in a scalar subquery, which the planner runs once as an InitPlan instead of once per row.
-- {{ readonly_role }} (reporting) reads every row; the owner role (migrations, the SECURITY DEFINER
-- functions, core maintenance) is not subject to the policies (ENABLE, not FORCE).

ALTER TABLE memory.conversation_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY conversation_sessions_user ON memory.conversation_sessions TO {{ app_role }}
USING (user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid))
WITH CHECK (user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid));

ALTER TABLE memory.chat_messages_v2 ENABLE ROW LEVEL SECURITY;
CREATE POLICY chat_messages_v2_user ON memory.chat_messages_v2 TO {{ app_role }}
USING (session_id IN (
    SELECT s.id FROM memory.conversation_sessions AS s
    WHERE s.user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid)
))
WITH CHECK (session_id IN (
    SELECT s.id FROM memory.conversation_sessions AS s
    WHERE s.user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid)
));

ALTER TABLE memory.message_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY message_versions_user ON memory.message_versions TO {{ app_role }}
USING (message_id IN (
    SELECT m.id FROM memory.chat_messages_v2 AS m
    INNER JOIN memory.conversation_sessions AS s ON m.session_id = s.id
    WHERE s.user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid)
));

-- Per agent: the acting agent's rows, and those of every agent the acting user owns.
DO $policies$
DECLARE
    v_table text;
    v_agent_rows constant text :=
        'agent_id = (SELECT nullif(current_setting(''agentdb.agent_id'', TRUE), '''')::uuid)
         OR agent_id IN (SELECT a.id FROM memory.agents AS a
                         WHERE a.owner_user_id = (SELECT nullif(current_setting(''agentdb.user_id'', TRUE), '''')::uuid))';
BEGIN
    FOREACH v_table IN ARRAY ARRAY[
        'agent_memories', 'memory_consolidations', 'agent_states', 'state_checkpoints', 'state_transitions',
        'context_snapshots'
    ] LOOP
        EXECUTE format('ALTER TABLE memory.%I ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE format('CREATE POLICY %I ON memory.%I TO %I USING (%s) WITH CHECK (%s)',
                       v_table || '_agent', v_table, '{{ app_role }}', v_agent_rows, v_agent_rows);
    END LOOP;
    FOREACH v_table IN ARRAY ARRAY[
        'conversation_sessions', 'chat_messages_v2', 'message_versions', 'agent_memories', 'memory_consolidations',
        'agent_states', 'state_checkpoints', 'state_transitions', 'context_snapshots'
    ] LOOP
        EXECUTE format('CREATE POLICY %I ON memory.%I FOR SELECT TO %I USING (TRUE)',
                       v_table || '_reporting', v_table, '{{ readonly_role }}');
    END LOOP;
END
$policies$;
