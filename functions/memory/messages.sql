-- memory: message versions and session counters (spec 004 "Message Storage Requirements").
-- Editing a chat_messages_v2 row's content or metadata keeps the replaced version in
-- message_versions (BEFORE UPDATE trigger). The row lock an UPDATE takes serialises concurrent edits of
-- one message, and the trigger numbers the kept version from the locked row's current_version, so
-- versions are 1, 2, 3... without gaps. conversation_sessions' counters follow inserts, deletes and
-- edits of messages (AFTER trigger). Both triggers are SECURITY DEFINER: the application cannot
-- write message_versions or the counters itself.

CREATE OR REPLACE FUNCTION memory.keep_message_version()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO memory.message_versions (
        message_id, session_id, version_number, content, metadata, changed_by, change_reason
    )
    VALUES (OLD.id, OLD.session_id, OLD.current_version, OLD.content, OLD.metadata, memory.current_user_id(),
            nullif(current_setting('agentdb.change_reason', TRUE), ''));
    NEW.current_version := OLD.current_version + 1;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION memory.keep_message_version() IS
'Trigger: keeps the version of a message an edit replaces (number, content, metadata, who, why).';

CREATE OR REPLACE TRIGGER chat_messages_v2_keep_version
BEFORE UPDATE OF content, metadata ON memory.chat_messages_v2
FOR EACH ROW
WHEN (OLD.content IS DISTINCT FROM NEW.content OR OLD.metadata IS DISTINCT FROM NEW.metadata)
EXECUTE FUNCTION memory.keep_message_version();

CREATE OR REPLACE TRIGGER chat_messages_v2_updated_at
BEFORE UPDATE ON memory.chat_messages_v2
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();

-- edit_message and message_history take the message's session (optional, last): with it, every
-- statement filters on the session, the distribution column on Citus (docs/scale-out.md); without,
-- they look it up by the message id first. The session parameter was added after release: the
-- previous signatures are dropped here, in the same transaction that creates the new ones.
DROP FUNCTION IF EXISTS memory.edit_message(uuid, jsonb, jsonb, text);
DROP FUNCTION IF EXISTS memory.message_history(uuid);

CREATE OR REPLACE FUNCTION memory.edit_message(
    p_message_id uuid, p_content jsonb, p_metadata jsonb DEFAULT NULL, p_reason text DEFAULT NULL,
    p_session_id uuid DEFAULT NULL
)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session uuid := coalesce(p_session_id, (SELECT m.session_id FROM memory.chat_messages_v2 AS m
                                              WHERE m.id = p_message_id));
    v_version integer;
BEGIN
    IF p_message_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'the message must not be NULL',
            HINT = 'Pass the id of a memory.chat_messages_v2 row.';
    END IF;
    IF p_content IS NULL AND p_metadata IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'nothing to edit',
            HINT = 'Pass the new content, the new metadata, or both.';
    END IF;
    PERFORM set_config('agentdb.change_reason', coalesce(p_reason, ''), TRUE);
    UPDATE memory.chat_messages_v2 AS m
    SET content = coalesce(p_content, m.content), metadata = coalesce(p_metadata, m.metadata)
    WHERE m.session_id = v_session AND m.id = p_message_id
    RETURNING m.current_version INTO v_version;
    PERFORM set_config('agentdb.change_reason', '', TRUE);
    IF v_version IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('message %s does not exist', p_message_id),
            HINT = 'Messages of other users are not visible (row-level security); a given session must be the message''s.';
    END IF;
    RETURN v_version;
END
$$;

COMMENT ON FUNCTION memory.edit_message(uuid, jsonb, jsonb, text, uuid) IS
'Edits a message''s content and/or metadata (NULL: unchanged), recording p_reason with the replaced
version; returns the message''s new version number. p_session_id: the message''s session (looked up
when NULL). Subject to row-level security.';

CREATE OR REPLACE FUNCTION memory.message_history(p_message_id uuid, p_session_id uuid DEFAULT NULL)
RETURNS TABLE (
    version_number integer, content jsonb, metadata jsonb, changed_by uuid, change_reason text,
    replaced_at timestamptz, is_current boolean
)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session_id uuid := p_session_id;
BEGIN
    -- The session first, as a value: then the statement names its session, and Citus runs it on
    -- the session's shard (a session found inside the statement would make it read every shard).
    IF v_session_id IS NULL THEN
        SELECT m.session_id INTO v_session_id FROM memory.chat_messages_v2 AS m WHERE m.id = p_message_id;
    END IF;
    RETURN QUERY
    SELECT v.version_number, v.content, v.metadata, v.changed_by, v.change_reason, v.created_at, FALSE
    FROM memory.message_versions AS v WHERE v.session_id = v_session_id AND v.message_id = p_message_id
    UNION ALL
    SELECT m.current_version, m.content, m.metadata, NULL, NULL, NULL, TRUE
    FROM memory.chat_messages_v2 AS m WHERE m.session_id = v_session_id AND m.id = p_message_id
    ORDER BY 1;
END
$$;

COMMENT ON FUNCTION memory.message_history(uuid, uuid) IS
'Every version of a message, oldest first, the current one last (is_current). p_session_id: the
message''s session (looked up when NULL). Subject to row-level security.';

CREATE OR REPLACE FUNCTION memory.message_tokens(p_metadata jsonb)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(round((p_metadata OPERATOR(pg_catalog.->>) 'tokens')::numeric)::integer, 0)
$$;

COMMENT ON FUNCTION memory.message_tokens(jsonb) IS 'Tokens a message counts for in its session: metadata.tokens, 0 when absent.';

CREATE OR REPLACE FUNCTION memory.count_session_messages()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE memory.conversation_sessions AS s
        SET message_count = s.message_count - 1,
            total_tokens_used = s.total_tokens_used - memory.message_tokens(OLD.metadata),
            tool_calls_count = s.tool_calls_count - coalesce(jsonb_array_length(OLD.tools), 0)
        WHERE s.id = OLD.session_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE memory.conversation_sessions AS s
        SET message_count = s.message_count + 1,
            total_tokens_used = s.total_tokens_used + memory.message_tokens(NEW.metadata),
            tool_calls_count = s.tool_calls_count + coalesce(jsonb_array_length(NEW.tools), 0),
            last_active = greatest(s.last_active, NEW.created_at)
        WHERE s.id = NEW.session_id;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION memory.count_session_messages() IS
'Trigger: keeps conversation_sessions.message_count, total_tokens_used, tool_calls_count and last_active
in step with the session''s messages.';

CREATE OR REPLACE TRIGGER chat_messages_v2_count
AFTER INSERT OR DELETE OR UPDATE OF session_id, metadata, tools ON memory.chat_messages_v2
FOR EACH ROW EXECUTE FUNCTION memory.count_session_messages();

REVOKE ALL ON FUNCTION memory.keep_message_version(), memory.edit_message(uuid, jsonb, jsonb, text, uuid),
memory.message_history(uuid, uuid), memory.message_tokens(jsonb), memory.count_session_messages() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.edit_message(uuid, jsonb, jsonb, text, uuid), memory.message_history(uuid, uuid),
memory.message_tokens(jsonb) TO {{ app_role }};
GRANT EXECUTE ON FUNCTION memory.message_history(uuid, uuid), memory.message_tokens(jsonb) TO {{ readonly_role }};
