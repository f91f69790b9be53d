-- memory.forget_user(user): the right to deletion (spec 004 "Data Privacy: Right to Deletion").
-- In one transaction it removes everything of the user: their conversation sessions, the messages in
-- them and the messages they sent anywhere (v1 and v2, archived v1 included), those messages'
-- versions and context snapshots, their PII envelopes, and the agents they own with those agents'
-- memories, consolidations, states, checkpoints, transitions and snapshots; other users' sessions
-- and messages that referred to those agents keep their rows with the reference cleared, as do
-- memories that came from the user's messages and messages produced in those agents' states (these
-- references cross the agent and session groups and have no foreign key, schema/memory/0015: the
-- clearing is done here). Returns the rows removed per table. The audit log keeps only keys (never
-- content) and gains a FORGET tombstone. The application may forget the acting user
-- (agentdb.user_id) only.

CREATE OR REPLACE FUNCTION memory.forget_user(p_user_id uuid)
RETURNS TABLE (table_name text, rows_deleted bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_agents uuid[];
    v_sessions uuid[];
    v_messages uuid[];
    v_v1 regclass;
    v_table text;
    v_count bigint;
    v_states uuid[];
BEGIN
    IF p_user_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'the user to forget must not be NULL',
            HINT = 'Pass the id of a memory.users row.';
    END IF;
    IF NOT EXISTS (SELECT FROM memory.users AS u WHERE u.id = p_user_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('user %s does not exist', p_user_id),
            HINT = 'There is nothing to forget; the user may have been forgotten already.';
    END IF;
    IF p_user_id IS DISTINCT FROM memory.current_user_id() AND NOT memory.caller_bypasses_row_security() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('user %s is not the acting user', p_user_id),
            HINT = 'The application may forget the acting user (agentdb.user_id) only.';
    END IF;
    PERFORM FROM memory.users AS u WHERE u.id = p_user_id FOR UPDATE;
    SELECT coalesce(array_agg(a.id), '{}') INTO v_agents FROM memory.agents AS a WHERE a.owner_user_id = p_user_id;
    SELECT coalesce(array_agg(s.id), '{}') INTO v_sessions
    FROM memory.conversation_sessions AS s WHERE s.user_id = p_user_id;
    SELECT coalesce(array_agg(m.id), '{}') INTO v_messages FROM memory.chat_messages_v2 AS m
    WHERE m.session_id = ANY (v_sessions) OR m.sender_user_id = p_user_id;

    DELETE FROM memory.context_snapshots AS c WHERE c.message_id = ANY (v_messages) OR c.agent_id = ANY (v_agents);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'context_snapshots', v_count;
    DELETE FROM memory.message_versions AS v USING memory.chat_messages_v2 AS m
    WHERE m.id = ANY (v_messages) AND v.session_id = m.session_id AND v.message_id = m.id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'message_versions', v_count;
    UPDATE memory.chat_messages_v2 AS m SET parent_message_id = NULL
    WHERE m.parent_message_id = ANY (v_messages) AND NOT m.id = ANY (v_messages);
    UPDATE memory.agent_memories AS a SET source_message_id = NULL WHERE a.source_message_id = ANY (v_messages);
    DELETE FROM memory.message_id_map AS i WHERE i.v2_id = ANY (v_messages);
    DELETE FROM memory.chat_messages_v2 AS m WHERE m.id = ANY (v_messages);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'chat_messages_v2', v_count;
    -- The v1 table, where it is (memory before the migration finishes, memory_archive after).
    v_v1 := coalesce(to_regclass('memory.chat_messages'), to_regclass('memory_archive.chat_messages'));
    EXECUTE format('DELETE FROM %s AS c WHERE c.sender_user_id = $1', v_v1) USING p_user_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'chat_messages', v_count;
    DELETE FROM memory.user_pii AS p WHERE p.user_id = p_user_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'user_pii', v_count;

    UPDATE memory.conversation_sessions AS s SET agent_id = NULL
    WHERE s.agent_id = ANY (v_agents) AND NOT s.id = ANY (v_sessions);
    UPDATE memory.chat_messages_v2 AS m SET sender_agent_id = NULL WHERE m.sender_agent_id = ANY (v_agents);
    -- The agents' states first, then the messages that point at them: two statements, as the two
    -- belong to different co-location groups on Citus (which joins only co-located tables in an UPDATE).
    SELECT coalesce(array_agg(s.id), '{}') INTO v_states FROM memory.agent_states AS s WHERE s.agent_id = ANY (v_agents);
    UPDATE memory.chat_messages_v2 AS m SET state_snapshot_id = NULL WHERE m.state_snapshot_id = ANY (v_states);
    EXECUTE format('UPDATE %s AS c SET sender_agent_id = NULL WHERE c.sender_agent_id = ANY ($1)', v_v1) USING v_agents;
    DELETE FROM memory.conversation_sessions AS s WHERE s.id = ANY (v_sessions);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'conversation_sessions', v_count;
    -- The agents' own rows, children first, so each count is what this call removed.
    FOREACH v_table IN ARRAY ARRAY[
        'memory_consolidations', 'agent_memories', 'state_transitions', 'state_checkpoints', 'agent_states',
        'agent_datastores'
    ] LOOP
        EXECUTE format('DELETE FROM memory.%I AS t WHERE t.agent_id = ANY ($1)', v_table) USING v_agents;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        RETURN QUERY SELECT v_table, v_count;
    END LOOP;
    DELETE FROM memory.agents AS a WHERE a.id = ANY (v_agents);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'agents', v_count;
    DELETE FROM memory.users AS u WHERE u.id = p_user_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN QUERY SELECT 'users', v_count;

    INSERT INTO memory.audit_log (table_name, row_key, operation, acting_role, app_user_id, app_agent_id)
    VALUES ('users', jsonb_build_object('id', p_user_id), 'FORGET', core.calling_role(), memory.current_user_id(),
            memory.current_agent_id());
END
$$;

COMMENT ON FUNCTION memory.forget_user(uuid) IS
'Right to deletion: removes everything of a user in one transaction (see the file header) and returns
the rows removed per table; the audit log keeps keys only, plus a FORGET tombstone.';

REVOKE ALL ON FUNCTION memory.forget_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.forget_user(uuid) TO {{ app_role }};

-- On a Citus cluster forget_user writes the reference tables (agents, users) after statements over
-- many shards of tables that point at them; Citus allows that in one transaction only over one
-- connection per node, so there the function runs its statements that way. On one server nothing
-- changes.
DO $citus$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        ALTER FUNCTION memory.forget_user(uuid) SET citus.multi_shard_modify_mode = 'sequential';
    END IF;
END
$citus$;
