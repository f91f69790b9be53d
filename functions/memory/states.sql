-- memory: versioned agent state (spec 004 "State Storage Requirements": versioning, partitioning
-- local / shared / session / persistent, delta storage, validation).
--   update_agent_state(agent, changes, trigger, expected_version): a new version from a delta;
--   reset_agent_state(agent, partitions, trigger): partitions emptied (transition_type reset);
--   rollback_state(agent, version | transition): an earlier state back, as a new version (restore);
--   agent_state_at(agent, time): the version valid then.
-- Every write goes through memory.write_state(), which locks the agent row, so concurrent writers of
-- one agent queue; the old version is closed and the new one opened in one transaction, and the
-- partial unique index unique_current_state backs the "exactly one current" invariant. A changes
-- object is {"local": {...}, "shared": {...}, "session": {...}, "persistent": {...}} (any subset), each
-- partition a delta whose JSON null removes a key.
-- Arguments are checked before any lock is taken (memory.check_state_write): a bad argument is 22023
-- or 22004, never 40001, which tells a client to retry (docs/core.md "Bad input"); 40001 means only
-- that another writer changed the state since the client read it. p_now follows the application's
-- clock rule (core.application_time): a version the application writes never starts after the
-- transaction that writes it (a p_now slightly ahead counts as now(), further ahead is refused), so
-- agent_state_at(agent, now()) is the current version.

CREATE OR REPLACE FUNCTION memory.apply_delta(p_state jsonb, p_delta jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (p_state OPERATOR(pg_catalog.||) coalesce(p_delta, '{}'))
        OPERATOR(pg_catalog.-) ARRAY(SELECT d.key FROM pg_catalog.jsonb_each(coalesce(p_delta, '{}')) AS d
                                     WHERE pg_catalog.jsonb_typeof(d.value) = 'null')
$$;

COMMENT ON FUNCTION memory.apply_delta(jsonb, jsonb) IS
'A state object with a delta applied: keys set to the delta''s values, keys whose value is JSON null removed.';

CREATE OR REPLACE FUNCTION memory.state_delta(p_from jsonb, p_to jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(pg_catalog.jsonb_object_agg(coalesce(n.key, o.key), coalesce(n.value, 'null'::jsonb)), '{}')
    FROM pg_catalog.jsonb_each(p_from) AS o
    FULL JOIN pg_catalog.jsonb_each(p_to) AS n ON n.key = o.key
    WHERE o.value IS DISTINCT FROM n.value
$$;

COMMENT ON FUNCTION memory.state_delta(jsonb, jsonb) IS
'The delta that turns one state object into another (apply_delta(from, state_delta(from, to)) = to).';

CREATE OR REPLACE FUNCTION memory.lock_current_state(p_agent_id uuid)
RETURNS memory.agent_states
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_current memory.agent_states;
BEGIN
    -- One writer per agent at a time: the agent row is the queue (FK checks of other tables only
    -- take KEY SHARE, which this lock does not block).
    PERFORM FROM memory.agents AS a WHERE a.id = p_agent_id FOR NO KEY UPDATE;
    SELECT * INTO v_current FROM memory.agent_states AS s WHERE s.agent_id = p_agent_id AND s.is_current;
    RETURN v_current;
END
$$;

COMMENT ON FUNCTION memory.lock_current_state(uuid) IS
'Locks the agent (state writers of one agent queue on it) and returns its current state version
(all NULL when it has none yet).';

CREATE OR REPLACE FUNCTION memory.check_state_write(p_expected_version integer, p_now timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := core.application_time(p_now);
BEGIN
    IF p_expected_version < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('an expected version is 0 (no state yet) or a version number, not %s', p_expected_version),
            HINT = 'Pass the version_number of the state read (0 when the agent had none), or NULL not to check.';
    END IF;
    RETURN v_now;
END
$$;

COMMENT ON FUNCTION memory.check_state_write(integer, timestamptz) IS
'The argument checks of every state write, before any lock: p_now by core.application_time (22004,
22008, 22023 beyond the allowed skew), a negative expected version 22023. Returns the time to record.';

CREATE OR REPLACE FUNCTION memory.write_state(
    p_agent_id uuid, p_local jsonb, p_shared jsonb, p_session jsonb, p_persistent jsonb,
    p_transition_type text, p_trigger text, p_expected_version integer, p_now timestamptz
)
RETURNS memory.agent_states
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old memory.agent_states;
    v_new memory.agent_states;
    v_changes jsonb := '{}';
    v_rollback jsonb := '{}';
    v_part text;
    v_from jsonb;
    v_to jsonb;
    v_delta jsonb;
    v_count integer := 0;
    v_from_time timestamptz;
    v_now timestamptz;
BEGIN
    v_now := memory.check_state_write(p_expected_version, p_now);
    v_old := memory.lock_current_state(p_agent_id);
    -- Versions only grow: one the state has not reached was never read, and retrying cannot reach it.
    IF p_expected_version > coalesce(v_old.version_number, 0) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('agent %s state is at version %s; version %s does not exist', p_agent_id,
                             coalesce(v_old.version_number, 0), p_expected_version),
            HINT = 'Pass the version_number of the state read (0 when the agent had none), or NULL not to check.';
    END IF;
    IF p_expected_version IS NOT NULL AND p_expected_version <> coalesce(v_old.version_number, 0) THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
            MESSAGE = format('agent %s state is at version %s, not %s', p_agent_id,
                             coalesce(v_old.version_number, 0), p_expected_version),
            DETAIL = 'Another writer changed the state since this one read it.',
            HINT = 'Read the current state again and retry.';
    END IF;
    -- A writer that queued behind one whose transaction started later has an earlier now(): its
    -- version starts when its predecessor did, so validity intervals never overlap.
    v_from_time := greatest(v_now, v_old.valid_from);
    FOREACH v_part IN ARRAY ARRAY['local', 'shared', 'session', 'persistent'] LOOP
        v_from := coalesce(CASE v_part WHEN 'local' THEN v_old.local_state WHEN 'shared' THEN v_old.shared_state
                                       WHEN 'session' THEN v_old.session_state ELSE v_old.persistent_state END, '{}');
        v_to := CASE v_part WHEN 'local' THEN p_local WHEN 'shared' THEN p_shared
                            WHEN 'session' THEN p_session ELSE p_persistent END;
        v_delta := memory.state_delta(v_from, v_to);
        IF v_delta <> '{}' THEN
            v_changes := v_changes || jsonb_build_object(v_part, v_delta);
            v_rollback := v_rollback || jsonb_build_object(v_part, memory.state_delta(v_to, v_from));
            v_count := v_count + (SELECT count(*)::integer FROM jsonb_object_keys(v_delta));
        END IF;
    END LOOP;

    UPDATE memory.agent_states AS s SET is_current = FALSE, valid_until = v_from_time
    WHERE s.agent_id = p_agent_id AND s.id = v_old.id;
    INSERT INTO memory.agent_states (
        agent_id, version_number, local_state, shared_state, session_state, persistent_state, state_hash,
        modification_count, valid_from, is_current, created_at, last_modified
    )
    VALUES (
        p_agent_id, coalesce(v_old.version_number, 0) + 1, p_local, p_shared, p_session, p_persistent,
        memory.state_hash(p_local, p_shared, p_session, p_persistent),
        coalesce(v_old.modification_count, 0) + v_count, v_from_time, TRUE, v_now, v_from_time
    )
    RETURNING * INTO v_new;
    INSERT INTO memory.state_transitions (
        agent_id, from_state_id, to_state_id, transition_type, trigger, changes, rollback_available,
        rollback_data, created_at
    )
    VALUES (
        p_agent_id, v_old.id, v_new.id, p_transition_type, p_trigger, v_changes, v_old.id IS NOT NULL,
        CASE WHEN v_old.id IS NOT NULL THEN v_rollback END, v_from_time
    );
    RETURN v_new;
END
$$;

COMMENT ON FUNCTION memory.write_state(uuid, jsonb, jsonb, jsonb, jsonb, text, text, integer, timestamptz) IS
'Writes the next state version of an agent (the four partitions given whole), closes the current
one and records the transition with its changes and rollback data. The one path of every state write.';

CREATE OR REPLACE FUNCTION memory.check_state_changes(p_changes jsonb)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_bad text;
BEGIN
    IF p_changes IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'state changes must not be NULL',
            HINT = 'Pass {"local": {...}, "shared": {...}, "session": {...}, "persistent": {...}} (any subset).';
    END IF;
    IF jsonb_typeof(p_changes) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'state changes must be a JSON object',
            HINT = 'Pass {"local": {...}, "shared": {...}, "session": {...}, "persistent": {...}} (any subset).';
    END IF;
    SELECT string_agg(format('%s (%s)', c.key, jsonb_typeof(c.value)), ', ') INTO v_bad
    FROM jsonb_each(p_changes) AS c
    WHERE c.key NOT IN ('local', 'shared', 'session', 'persistent') OR jsonb_typeof(c.value) <> 'object';
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown state partitions or partitions that are not objects: %s', v_bad),
            HINT = 'Partitions are local, shared, session and persistent, each a JSON object of changed keys.';
    END IF;
END
$$;

COMMENT ON FUNCTION memory.check_state_changes(jsonb) IS
'Raises 22004 for NULL changes and 22023 unless a changes object names only the four state partitions,
each with an object.';

CREATE OR REPLACE FUNCTION memory.update_agent_state(
    p_agent_id uuid, p_changes jsonb, p_trigger text, p_expected_version integer DEFAULT NULL,
    p_now timestamptz DEFAULT now()
)
RETURNS memory.agent_states
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cur memory.agent_states;
BEGIN
    PERFORM memory.require_agent(p_agent_id);
    PERFORM memory.check_state_changes(p_changes);
    PERFORM memory.check_state_write(p_expected_version, p_now);
    -- The state the changes apply to, under the agent's lock (write_state takes it again).
    v_cur := memory.lock_current_state(p_agent_id);
    RETURN memory.write_state(
        p_agent_id,
        memory.apply_delta(coalesce(v_cur.local_state, '{}'), p_changes -> 'local'),
        memory.apply_delta(coalesce(v_cur.shared_state, '{}'), p_changes -> 'shared'),
        memory.apply_delta(coalesce(v_cur.session_state, '{}'), p_changes -> 'session'),
        memory.apply_delta(coalesce(v_cur.persistent_state, '{}'), p_changes -> 'persistent'),
        'update', p_trigger, p_expected_version, p_now
    );
END
$$;

COMMENT ON FUNCTION memory.update_agent_state(uuid, jsonb, text, integer, timestamptz) IS
'Applies a changes object ({"local": {...}, ...}; JSON null removes a key) as the agent''s next state
version and returns it. A p_expected_version below the current version (0: no state yet) is refused
with 40001 (another writer came first: read again and retry); a negative one, or one above the current
version, with 22023. p_now: core.application_time. Concurrent updaters of one agent queue, and
exactly one version stays current.';

CREATE OR REPLACE FUNCTION memory.reset_agent_state(
    p_agent_id uuid, p_partitions text[], p_trigger text, p_expected_version integer DEFAULT NULL,
    p_now timestamptz DEFAULT now()
)
RETURNS memory.agent_states
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cur memory.agent_states;
BEGIN
    PERFORM memory.require_agent(p_agent_id);
    IF p_partitions IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'partitions to reset must not be NULL',
            HINT = 'E.g. ARRAY[''session''] to clear the session state.';
    END IF;
    IF cardinality(p_partitions) = 0 OR NOT p_partitions <@ ARRAY['local', 'shared', 'session', 'persistent'] THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('partitions to reset must be some of local, shared, session, persistent, not %s',
                             p_partitions),
            HINT = 'E.g. ARRAY[''session''] to clear the session state.';
    END IF;
    PERFORM memory.check_state_write(p_expected_version, p_now);
    v_cur := memory.lock_current_state(p_agent_id);
    RETURN memory.write_state(
        p_agent_id,
        CASE WHEN 'local' = ANY (p_partitions) THEN '{}' ELSE coalesce(v_cur.local_state, '{}') END,
        CASE WHEN 'shared' = ANY (p_partitions) THEN '{}' ELSE coalesce(v_cur.shared_state, '{}') END,
        CASE WHEN 'session' = ANY (p_partitions) THEN '{}' ELSE coalesce(v_cur.session_state, '{}') END,
        CASE WHEN 'persistent' = ANY (p_partitions) THEN '{}' ELSE coalesce(v_cur.persistent_state, '{}') END,
        'reset', p_trigger, p_expected_version, p_now
    );
END
$$;

COMMENT ON FUNCTION memory.reset_agent_state(uuid, text[], text, integer, timestamptz) IS
'Empties the named partitions of the agent''s state as a new version (transition_type reset).';

CREATE OR REPLACE FUNCTION memory.restore_state(
    p_agent_id uuid, p_state_id uuid, p_trigger text, p_expected_version integer, p_now timestamptz
)
RETURNS memory.agent_states
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_target memory.agent_states;
BEGIN
    SELECT * INTO v_target FROM memory.agent_states AS s WHERE s.id = p_state_id AND s.agent_id = p_agent_id;
    RETURN memory.write_state(p_agent_id, v_target.local_state, v_target.shared_state, v_target.session_state,
                              v_target.persistent_state, 'restore', p_trigger, p_expected_version, p_now);
END
$$;

COMMENT ON FUNCTION memory.restore_state(uuid, uuid, text, integer, timestamptz) IS
'Writes an earlier version of the agent''s state (same agent, checked by the callers) as its next version.';

CREATE OR REPLACE FUNCTION memory.rollback_state(
    p_agent_id uuid, p_to_version integer, p_expected_version integer DEFAULT NULL, p_now timestamptz DEFAULT now()
)
RETURNS memory.agent_states
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state_id uuid;
BEGIN
    PERFORM memory.require_agent(p_agent_id);
    IF p_to_version IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'the version to roll back to must not be NULL',
            HINT = 'Pass a version_number of the agent''s state (1, 2, 3...).';
    END IF;
    IF p_to_version < 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('state versions are numbered from 1, not %s', p_to_version),
            HINT = 'Pass a version_number of the agent''s state (1, 2, 3...).';
    END IF;
    PERFORM memory.check_state_write(p_expected_version, p_now);
    SELECT s.id INTO v_state_id FROM memory.agent_states AS s
    WHERE s.agent_id = p_agent_id AND s.version_number = p_to_version;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('agent %s has no state version %s', p_agent_id, p_to_version),
            HINT = 'List the versions in memory.agent_states.';
    END IF;
    RETURN memory.restore_state(p_agent_id, v_state_id, format('rollback to version %s', p_to_version),
                                p_expected_version, p_now);
END
$$;

COMMENT ON FUNCTION memory.rollback_state(uuid, integer, integer, timestamptz) IS
'Restores version p_to_version of the agent''s state as a new version (transition_type restore).';

CREATE OR REPLACE FUNCTION memory.rollback_state(
    p_agent_id uuid, p_transition_id uuid, p_expected_version integer DEFAULT NULL, p_now timestamptz DEFAULT now()
)
RETURNS memory.agent_states
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_transition memory.state_transitions;
BEGIN
    PERFORM memory.require_agent(p_agent_id);
    IF p_transition_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'the transition to roll back must not be NULL',
            HINT = 'Pass the id of one of the agent''s memory.state_transitions.';
    END IF;
    PERFORM memory.check_state_write(p_expected_version, p_now);
    SELECT * INTO v_transition FROM memory.state_transitions AS t
    WHERE t.id = p_transition_id AND t.agent_id = p_agent_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('agent %s has no state transition %s', p_agent_id, p_transition_id),
            HINT = 'List the transitions in memory.state_transitions.';
    END IF;
    IF NOT v_transition.rollback_available THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('state transition %s cannot be rolled back', p_transition_id),
            HINT = 'The agent''s first state has no earlier state; use reset_agent_state.';
    END IF;
    RETURN memory.restore_state(p_agent_id, v_transition.from_state_id,
                                format('rollback of %s', p_transition_id), p_expected_version, p_now);
END
$$;

COMMENT ON FUNCTION memory.rollback_state(uuid, uuid, integer, timestamptz) IS
'Restores the state as it was before a transition, as a new version (transition_type restore).';

CREATE OR REPLACE FUNCTION memory.agent_state_at(p_agent_id uuid, p_at timestamptz)
RETURNS SETOF memory.agent_states
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.* FROM memory.agent_states AS s
    WHERE s.agent_id = p_agent_id AND s.valid_from <= p_at AND (s.valid_until > p_at OR s.valid_until IS NULL)
    ORDER BY s.valid_from DESC
    LIMIT 1
$$;

COMMENT ON FUNCTION memory.agent_state_at(uuid, timestamptz) IS
'The version of the agent''s state valid at p_at (none before its first state). Subject to row-level security.';

REVOKE ALL ON FUNCTION memory.apply_delta(jsonb, jsonb), memory.state_delta(jsonb, jsonb),
memory.lock_current_state(uuid), memory.write_state(uuid, jsonb, jsonb, jsonb, jsonb, text, text, integer, timestamptz),
memory.check_state_changes(jsonb), memory.check_state_write(integer, timestamptz),
memory.restore_state(uuid, uuid, text, integer, timestamptz),
memory.update_agent_state(uuid, jsonb, text, integer, timestamptz),
memory.reset_agent_state(uuid, text[], text, integer, timestamptz),
memory.rollback_state(uuid, integer, integer, timestamptz), memory.rollback_state(uuid, uuid, integer, timestamptz),
memory.agent_state_at(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.apply_delta(jsonb, jsonb), memory.state_delta(jsonb, jsonb),
memory.update_agent_state(uuid, jsonb, text, integer, timestamptz),
memory.reset_agent_state(uuid, text[], text, integer, timestamptz),
memory.rollback_state(uuid, integer, integer, timestamptz), memory.rollback_state(uuid, uuid, integer, timestamptz),
memory.agent_state_at(uuid, timestamptz) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION memory.agent_state_at(uuid, timestamptz) TO {{ readonly_role }};
