-- assistant: what the spec's SessionManager and MessageManager do, as functions, so psql users and
-- other languages get the same behaviour (spec 002, "Data Access Patterns").
--   get_or_create_session: race-free (two concurrent calls for one key both return the same row).
--   add_message: refuses a role outside the spec's two and a session that does not exist.
--   session_history: newest first, keyset pages on (timestamp, id): page 5,000 costs what page 1 does.
--   messages_by_agent, search_messages: one agent's messages; full-text search in a session.

CREATE OR REPLACE FUNCTION assistant.get_or_create_session(p_session_id text, p_now timestamptz DEFAULT now())
RETURNS assistant.chat_sessions
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session assistant.chat_sessions;
BEGIN
    PERFORM assistant.check_session_id(p_session_id);
    -- ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit and then inserts
    -- nothing; the SELECT (a new snapshot in READ COMMITTED) then sees that row. The loop covers a
    -- session deleted between the two statements.
    LOOP
        INSERT INTO assistant.chat_sessions (session_id, created_at) VALUES (p_session_id, p_now)
        ON CONFLICT (session_id) DO NOTHING
        RETURNING * INTO v_session;
        IF FOUND THEN
            RETURN v_session;
        END IF;
        SELECT * INTO v_session FROM assistant.chat_sessions AS s WHERE s.session_id = p_session_id;
        IF FOUND THEN
            RETURN v_session;
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION assistant.get_or_create_session(text, timestamptz) IS
'The session with this key, created (at p_now) if it does not exist. Safe under concurrency: callers
racing on one key all get the same row. Errors: 22004 NULL key, 22023 empty or over 100 characters.';

CREATE OR REPLACE FUNCTION assistant.add_message(
    p_session_id text,
    p_role text,
    p_content text,
    p_agent_type text DEFAULT NULL,
    p_now timestamptz DEFAULT now()
)
RETURNS assistant.chat_messages
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_message assistant.chat_messages;
BEGIN
    PERFORM assistant.check_session_id(p_session_id);
    IF p_role IS NULL OR p_role NOT IN ('user', 'assistant') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('role must be user or assistant, not %s', coalesce(quote_literal(p_role), 'NULL')),
            HINT = 'Which agent handled the message goes in agent_type.';
    END IF;
    IF p_content IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'message content must not be NULL',
            HINT = 'Pass the message text (it may be empty).';
    END IF;
    IF NOT EXISTS (SELECT FROM assistant.chat_sessions AS s WHERE s.session_id = p_session_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('session %s does not exist', quote_literal(p_session_id)),
            HINT = 'Create it first: SELECT assistant.get_or_create_session(...).';
    END IF;
    INSERT INTO assistant.chat_messages (session_id, role, content, agent_type, timestamp)
    VALUES (p_session_id, p_role, p_content, p_agent_type, p_now)
    RETURNING * INTO v_message;
    RETURN v_message;
END
$$;

COMMENT ON FUNCTION assistant.add_message(text, text, text, text, timestamptz) IS
'Adds a message to an existing session and returns it. Errors: 22004 NULL key or content, 22023 role
outside (user, assistant), 23503 no such session, 23514 over-long content or agent_type.';

CREATE OR REPLACE FUNCTION assistant.session_history(
    p_session_id text, p_limit integer DEFAULT 50, p_before_id bigint DEFAULT NULL
)
RETURNS SETOF assistant.chat_messages
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
-- Every query here has one right plan whatever the arguments (the primary key; one range of the
-- history index): planning it once saves a fresh plan per call, most of a page's cost.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_before timestamptz;
    v_session text;
BEGIN
    PERFORM assistant.check_session_id(p_session_id);
    PERFORM assistant.check_limit(p_limit);
    IF p_before_id IS NULL THEN
        RETURN QUERY
        SELECT m.* FROM assistant.chat_messages AS m
        WHERE m.session_id = p_session_id
        ORDER BY m.timestamp DESC, m.id DESC
        LIMIT p_limit;
        RETURN;
    END IF;
    -- By id alone (the primary key): with the session in the WHERE clause a generic plan may walk
    -- the session's history index instead.
    SELECT m.timestamp, m.session_id INTO v_before, v_session FROM assistant.chat_messages AS m
    WHERE m.id = p_before_id;
    IF v_session IS DISTINCT FROM p_session_id THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('message %s is not in session %s', p_before_id, quote_literal(p_session_id)),
            HINT = 'Pass the id of the last message of the previous page as p_before_id.';
    END IF;
    RETURN QUERY
    SELECT m.* FROM assistant.chat_messages AS m
    WHERE m.session_id = p_session_id AND (m.timestamp, m.id) < (v_before, p_before_id)
    ORDER BY m.timestamp DESC, m.id DESC
    LIMIT p_limit;
END
$$;

COMMENT ON FUNCTION assistant.session_history(text, integer, bigint) IS
'A page of a session''s messages, newest first (timestamp, then id). Next page: p_before_id = the id of
the last message returned. Every page is one index range scan, however deep. Errors: 22023 limit
outside 1..10000, P0002 a p_before_id that is not a message of the session.';

CREATE OR REPLACE FUNCTION assistant.messages_by_agent(p_session_id text, p_agent_type text)
RETURNS SETOF assistant.chat_messages
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m.* FROM assistant.chat_messages AS m
    WHERE m.session_id = p_session_id AND m.agent_type = p_agent_type
    ORDER BY m.timestamp, m.id
$$;

COMMENT ON FUNCTION assistant.messages_by_agent(text, text) IS
'The messages one agent handled in a session, oldest first (the spec''s get_messages_by_agent).';

CREATE OR REPLACE FUNCTION assistant.search_messages(p_session_id text, p_query text, p_limit integer DEFAULT 50)
RETURNS SETOF assistant.chat_messages
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
-- A rare word is best found through the full-text index, a common one by walking the session's
-- history until the page is full: only a plan made for the words at hand knows which.
SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    PERFORM assistant.check_session_id(p_session_id);
    PERFORM assistant.check_limit(p_limit);
    IF p_query IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'search text must not be NULL',
            HINT = 'Pass words as for a web search: dentist -cancel "next week".';
    END IF;
    RETURN QUERY
    SELECT m.* FROM assistant.chat_messages AS m
    WHERE m.session_id = p_session_id
      AND to_tsvector('english', m.content) @@ websearch_to_tsquery('english', p_query)
    ORDER BY m.timestamp DESC, m.id DESC
    LIMIT p_limit;
END
$$;

COMMENT ON FUNCTION assistant.search_messages(text, text, integer) IS
'Messages of a session matching a web-search style query (English stemming), newest first; uses the
full-text index on content.';
