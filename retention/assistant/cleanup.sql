-- assistant: retention with the spec's names (spec 002, "Data Retention Policies"), registered with
-- core so core.run_maintenance() runs it.
--   cleanup_old_sessions(days): removes sessions idle for `days`: created before the cutoff AND
--     without a message since (a session created 40 days ago with a message yesterday stays).
--     Their messages go with them (ON DELETE CASCADE). A message being written into a session at
--     the moment it is removed either lands first (the session stays) or fails with 23503.
--     On a Citus cluster, which locks rows (FOR UPDATE) only in a statement on one shard, the same
--     protocol runs session by session: each candidate locked by its key, then deleted by its key.
--   cleanup_orphaned_agent_states(): removes agent states whose session does not exist, once they
--     have not been saved for {{ assistant_orphan_grace_minutes }} minutes (clients save state
--     before creating the session; the grace keeps that state).
--   retention_task(p_now): both, with {{ assistant_session_retention_days }} days; the maintenance task.

CREATE OR REPLACE FUNCTION assistant.cleanup_old_sessions(
    p_days integer DEFAULT {{ assistant_session_retention_days }}, p_now timestamptz DEFAULT now()
)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cutoff timestamptz;
    v_candidates bigint[];
    v_count bigint;
    v_session_id text;
    v_deleted bigint;
BEGIN
    PERFORM core.check_clock(p_now);
    IF p_days IS NULL OR p_days < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('days must be a count >= 0, not %s', coalesce(p_days::text, 'NULL')),
            HINT = 'cleanup_old_sessions(30) removes sessions idle for 30 days.';
    END IF;
    v_cutoff := p_now - make_interval(days => p_days);
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        v_count := 0;
        FOR v_session_id IN SELECT c.session_id FROM assistant.chat_sessions AS c WHERE c.created_at < v_cutoff LOOP
            PERFORM FROM assistant.chat_sessions AS c
            WHERE c.session_id = v_session_id AND c.created_at < v_cutoff
            FOR UPDATE SKIP LOCKED;
            CONTINUE WHEN NOT FOUND;
            DELETE FROM assistant.chat_sessions AS c
            WHERE c.session_id = v_session_id
              AND NOT EXISTS (
                  SELECT FROM assistant.chat_messages AS m WHERE m.session_id = v_session_id AND m.timestamp >= v_cutoff
              );
            GET DIAGNOSTICS v_deleted = ROW_COUNT;
            v_count := v_count + v_deleted;
        END LOOP;
        RETURN v_count;
    END IF;
    -- Lock the candidates first (skipping sessions a writer holds), then decide with a snapshot
    -- taken after the locks: every message that got in before is seen, every later one waits.
    SELECT array_agg(s.id) INTO v_candidates FROM (
        SELECT c.id FROM assistant.chat_sessions AS c
        WHERE c.created_at < v_cutoff
        FOR UPDATE SKIP LOCKED
    ) AS s;
    DELETE FROM assistant.chat_sessions AS c
    WHERE c.id = ANY (v_candidates)
      AND NOT EXISTS (
          SELECT FROM assistant.chat_messages AS m WHERE m.session_id = c.session_id AND m.timestamp >= v_cutoff
      );
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION assistant.cleanup_old_sessions(integer, timestamptz) IS
'Deletes sessions created more than p_days before p_now that have no message since then (and,
by cascade, their messages); returns how many sessions. Errors: 22023 negative days, 22004 / 22008
a NULL or infinite p_now.';

CREATE OR REPLACE FUNCTION assistant.cleanup_orphaned_agent_states(p_now timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    PERFORM core.check_clock(p_now);
    DELETE FROM assistant.agent_states AS a
    WHERE a.updated_at < p_now - make_interval(mins => {{ assistant_orphan_grace_minutes }})
      AND NOT EXISTS (SELECT FROM assistant.chat_sessions AS s WHERE s.session_id = a.session_id);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION assistant.cleanup_orphaned_agent_states(timestamptz) IS
'Deletes agent states whose session does not exist and that were last saved more than
{{ assistant_orphan_grace_minutes }} minutes before p_now; returns how many.';

CREATE OR REPLACE FUNCTION assistant.retention_task(p_now timestamptz)
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT core.check_maintenance_clock(p_now);
    SELECT assistant.cleanup_old_sessions({{ assistant_session_retention_days }}, p_now)
           + assistant.cleanup_orphaned_agent_states(p_now);
$$;

COMMENT ON FUNCTION assistant.retention_task(timestamptz) IS
'The assistant maintenance task: cleanup_old_sessions({{ assistant_session_retention_days }}) then
cleanup_orphaned_agent_states(); returns the rows removed (sessions + agent states). Run by
core.run_maintenance_task (as the owner), behind core.check_maintenance_clock: the maintenance role
cannot move the clock ahead.';

REVOKE ALL ON FUNCTION assistant.cleanup_old_sessions(integer, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant.cleanup_orphaned_agent_states(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant.retention_task(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION assistant.cleanup_old_sessions(integer, timestamptz) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION assistant.cleanup_orphaned_agent_states(timestamptz) TO {{ app_role }};

SELECT core.register_maintenance_task(
    'assistant.retention_task(timestamptz)'::regprocedure,
    'assistant: sessions idle for {{ assistant_session_retention_days }} days, orphaned agent states'
);
