-- memory: state checkpoints (spec 004 "Checkpointing: recovery points").
--   create_checkpoint(agent, type, reason, retention): the current state saved whole;
--   restore_checkpoint(checkpoint): that state back as the agent's next version (transition restore),
--   with restoration_count and the measured restoration_time_ms recorded on the checkpoint.
-- Temporary checkpoints expire {{ memory_checkpoint_ttl_days }} days after they are taken; core
-- maintenance removes them (retention/memory/expire_checkpoints.sql).

CREATE OR REPLACE FUNCTION memory.create_checkpoint(
    p_agent_id uuid, p_checkpoint_type text DEFAULT 'manual', p_reason text DEFAULT NULL,
    p_retention_policy text DEFAULT 'temporary', p_now timestamptz DEFAULT now()
)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state memory.agent_states;
    v_data jsonb;
    v_id uuid;
    v_now timestamptz;
BEGIN
    PERFORM memory.require_agent(p_agent_id);
    v_now := core.application_time(p_now);
    SELECT * INTO v_state FROM memory.agent_states AS s WHERE s.agent_id = p_agent_id AND s.is_current;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = format('agent %s has no state yet', p_agent_id),
            HINT = 'Write a state with memory.update_agent_state first.';
    END IF;
    v_data := jsonb_build_object(
        'version_number', v_state.version_number, 'state_hash', v_state.state_hash,
        'local_state', v_state.local_state, 'shared_state', v_state.shared_state,
        'session_state', v_state.session_state, 'persistent_state', v_state.persistent_state
    );
    INSERT INTO memory.state_checkpoints (
        agent_id, state_id, checkpoint_type, trigger_reason, state_data, size_bytes, retention_policy,
        expires_at, created_at
    )
    VALUES (
        p_agent_id, v_state.id, p_checkpoint_type, p_reason, v_data, octet_length(v_data::text), p_retention_policy,
        CASE WHEN p_retention_policy = 'temporary'
             THEN v_now + make_interval(days => {{ memory_checkpoint_ttl_days }}) END,
        v_now
    )
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION memory.create_checkpoint(uuid, text, text, text, timestamptz) IS
'Saves the agent''s current state as a checkpoint and returns its id. Temporary checkpoints expire
after {{ memory_checkpoint_ttl_days }} days (from p_now, the application''s: core.application_time); permanent and archive
ones are kept.';

CREATE OR REPLACE FUNCTION memory.restore_checkpoint(
    p_checkpoint_id uuid, p_expected_version integer DEFAULT NULL, p_now timestamptz DEFAULT now()
)
RETURNS memory.agent_states
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_elapsed_ms integer;
    v_checkpoint memory.state_checkpoints;
    v_new memory.agent_states;
BEGIN
    IF p_checkpoint_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'the checkpoint must not be NULL',
            HINT = 'Pass the id of one of the agent''s memory.state_checkpoints.';
    END IF;
    PERFORM memory.check_state_write(p_expected_version, p_now);
    SELECT * INTO v_checkpoint FROM memory.state_checkpoints AS c WHERE c.id = p_checkpoint_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('checkpoint %s does not exist', p_checkpoint_id),
            HINT = 'List the agent''s checkpoints in memory.state_checkpoints.';
    END IF;
    PERFORM memory.require_agent(v_checkpoint.agent_id);
    v_new := memory.write_state(
        v_checkpoint.agent_id, v_checkpoint.state_data -> 'local_state', v_checkpoint.state_data -> 'shared_state',
        v_checkpoint.state_data -> 'session_state', v_checkpoint.state_data -> 'persistent_state',
        'restore', format('checkpoint %s', p_checkpoint_id), p_expected_version, p_now
    );
    -- The time taken, as a value: Citus refuses a volatile function (clock_timestamp) in an UPDATE.
    v_elapsed_ms := (extract(EPOCH FROM clock_timestamp() - v_started) * 1000)::integer;
    UPDATE memory.state_checkpoints AS c
    SET restoration_count = c.restoration_count + 1,
        restoration_time_ms = v_elapsed_ms
    WHERE c.agent_id = v_checkpoint.agent_id AND c.id = p_checkpoint_id;
    RETURN v_new;
END
$$;

COMMENT ON FUNCTION memory.restore_checkpoint(uuid, integer, timestamptz) IS
'Restores a checkpoint''s state as the agent''s next version (transition_type restore) and returns it;
counts the restoration and records how long it took.';

REVOKE ALL ON FUNCTION memory.create_checkpoint(uuid, text, text, text, timestamptz),
memory.restore_checkpoint(uuid, integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.create_checkpoint(uuid, text, text, text, timestamptz),
memory.restore_checkpoint(uuid, integer, timestamptz) TO {{ app_role }};
