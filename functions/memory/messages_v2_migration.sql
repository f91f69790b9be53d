-- memory: the migration of the v1 chat_messages to chat_messages_v2 (spec 004 "Migration Strategy").
-- Run by the owner role, in this order:
--   SELECT memory.start_messages_v2();                      -- phase 1: dual-write trigger on v1
--   SELECT * FROM memory.backfill_messages_v2(1000);        -- repeat until done; resumable
--   SELECT * FROM memory.validate_messages_v2();            -- no rows = v1 and v2 agree
--   SELECT memory.finish_messages_v2();                     -- phase 3: dual-write off, v1 archived
-- or, to undo phase 1, SELECT memory.rollback_messages_v2(); (v2 copies removed, v1 untouched).
-- A v1 row becomes a v2 text message ({"type": "text", "text": content}) in the conversation of its
-- channel (conversation_id = channel_id), role assistant when an agent sent it, user otherwise, in
-- the session of its channel and owner: the user who sent it, else the owner of the agent that sent
-- it (v1 did not record whose conversation it was; under row-level security a user sees what they
-- wrote and what their agents answered). A message with neither stays in the channel's session
-- without a user, seen only by the owner and reporting roles. The id map keeps v1 id -> v2 id. Inserts, updates (versioned in v2) and deletes of v1 rows follow through the
-- trigger; the backfill copies the rest, locking each v1 row it copies (FOR SHARE) so that a
-- concurrent update or delete waits and then follows through the map.
-- Functions that name the v1 table are PL/pgSQL, whose bodies are resolved when they run, so this
-- file still applies after finish_messages_v2 has moved the table to memory_archive.

-- Sessions were per channel only before they had an owner.
DROP FUNCTION IF EXISTS memory.v1_session_id(uuid);
DROP FUNCTION IF EXISTS memory.ensure_v1_session(uuid, timestamptz);

CREATE OR REPLACE FUNCTION memory.v1_message_owner(p_sender_user_id uuid, p_sender_agent_id uuid)
RETURNS uuid
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(p_sender_user_id, (SELECT a.owner_user_id FROM memory.agents AS a WHERE a.id = p_sender_agent_id))
$$;

COMMENT ON FUNCTION memory.v1_message_owner(uuid, uuid) IS
'Whose a migrated v1 message is: its sending user, else the owner of its sending agent (NULL: nobody''s).';

CREATE OR REPLACE FUNCTION memory.v1_session_id(p_channel_id uuid, p_user_id uuid)
RETURNS uuid
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.md5('memory.chat_messages channel ' || p_channel_id::text
                          || coalesce(' user ' || p_user_id::text, ''))::uuid
$$;

COMMENT ON FUNCTION memory.v1_session_id(uuid, uuid) IS
'The conversation session the v1 messages of a channel and owner (NULL: none) are migrated into
(derived from both ids, so concurrent copies agree on it).';

-- conversation_sessions has two unique indexes that two concurrent inserts of one session both fill:
-- the primary key (id) and (id, conversation_id), the target of the messages' foreign key. ON CONFLICT
-- with a target makes only the indexes it infers arbiters, and no target can infer both (inference
-- takes the indexes on exactly the columns named); a non-arbiter unique index is checked as a plain
-- one, so the second insert waited for the first and failed with 23505 on
-- conversation_sessions_conversation. DO NOTHING without a target has every unique index as arbiter:
-- the second insert waits for the first and then inserts nothing. Moving the start back is a second
-- statement, which (READ COMMITTED) sees the row the first committed.
-- pytest: tests/python/test_memory_upserts.py interleaves the two inserts deterministically.
CREATE OR REPLACE FUNCTION memory.ensure_v1_session(p_channel_id uuid, p_user_id uuid, p_created_at timestamptz)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id uuid := memory.v1_session_id(p_channel_id, p_user_id);
BEGIN
    INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, started_at, last_active, status, session_state)
    VALUES (v_id, p_channel_id, p_user_id, p_created_at, p_created_at, 'active', '{"migrated_from": "chat_messages"}')
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        UPDATE memory.conversation_sessions AS s SET started_at = p_created_at
        WHERE s.id = v_id AND s.started_at > p_created_at;
    END IF;
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION memory.ensure_v1_session(uuid, uuid, timestamptz) IS
'Makes (or moves the start of) the session the v1 messages of a channel and owner are migrated into;
returns its id. Safe when several writers make the same session at once.';

CREATE OR REPLACE FUNCTION memory.copy_v1_message(
    p_v1_id uuid, p_channel_id uuid, p_content text, p_sender_user_id uuid, p_sender_agent_id uuid,
    p_created_at timestamptz, p_copied_by text
)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_v2_id uuid;
    v_session_id uuid;
BEGIN
    v_session_id := memory.ensure_v1_session(
        p_channel_id, memory.v1_message_owner(p_sender_user_id, p_sender_agent_id), p_created_at
    );
    INSERT INTO memory.chat_messages_v2 (
        conversation_id, session_id, channel_id, sender_user_id, sender_agent_id, role, content, audit,
        created_at, updated_at
    )
    VALUES (
        p_channel_id, v_session_id, p_channel_id, p_sender_user_id, p_sender_agent_id,
        CASE WHEN p_sender_agent_id IS NOT NULL THEN 'assistant' ELSE 'user' END,
        jsonb_build_object('type', 'text', 'text', p_content),
        jsonb_build_object('migrated_from', 'chat_messages', 'v1_id', p_v1_id), p_created_at, p_created_at
    )
    RETURNING id INTO v_v2_id;
    INSERT INTO memory.message_id_map (v1_id, v2_id, copied_by) VALUES (p_v1_id, v_v2_id, p_copied_by);
    RETURN v_v2_id;
END
$$;

COMMENT ON FUNCTION memory.copy_v1_message(uuid, uuid, text, uuid, uuid, timestamptz, text) IS
'Copies one v1 message into chat_messages_v2 (in the session of its channel and owner) and records it in
the id map.';

CREATE OR REPLACE FUNCTION memory.dual_write_message()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_v2_id uuid;
    v_session_id uuid;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT m.v2_id INTO v_v2_id FROM memory.message_id_map AS m WHERE m.v1_id = OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM memory.chat_messages_v2 AS v WHERE v.id = v_v2_id;
        DELETE FROM memory.message_id_map AS m WHERE m.v1_id = OLD.id;
    ELSIF v_v2_id IS NULL THEN  -- an insert, or an update of a row not copied yet
        PERFORM memory.copy_v1_message(NEW.id, NEW.channel_id, NEW.content, NEW.sender_user_id, NEW.sender_agent_id,
                                       NEW.created_at, 'dual_write');
    ELSIF NEW.id <> OLD.id THEN  -- a new key: the old copy goes, the row is copied anew
        DELETE FROM memory.chat_messages_v2 AS v WHERE v.id = v_v2_id;
        DELETE FROM memory.message_id_map AS m WHERE m.v1_id = OLD.id;
        PERFORM memory.copy_v1_message(NEW.id, NEW.channel_id, NEW.content, NEW.sender_user_id, NEW.sender_agent_id,
                                       NEW.created_at, 'dual_write');
    ELSE
        v_session_id := memory.ensure_v1_session(
            NEW.channel_id, memory.v1_message_owner(NEW.sender_user_id, NEW.sender_agent_id), NEW.created_at
        );
        -- A new channel or owner moves the copy to another session: its versions move with it, in the
        -- same statement (their key pairs the session with the message's), before the text changes.
        WITH moved AS (
            UPDATE memory.chat_messages_v2 AS v SET session_id = v_session_id
            WHERE v.id = v_v2_id AND v.session_id <> v_session_id
            RETURNING v.id
        )
        UPDATE memory.message_versions AS mv SET session_id = v_session_id
        FROM moved WHERE mv.message_id = moved.id;
        UPDATE memory.chat_messages_v2 AS v
        SET content = jsonb_build_object('type', 'text', 'text', NEW.content),
            channel_id = NEW.channel_id, conversation_id = NEW.channel_id,
            sender_user_id = NEW.sender_user_id,
            sender_agent_id = NEW.sender_agent_id,
            role = CASE WHEN NEW.sender_agent_id IS NOT NULL THEN 'assistant' ELSE 'user' END,
            created_at = NEW.created_at
        WHERE v.id = v_v2_id;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION memory.dual_write_message() IS
'Trigger on the v1 chat_messages (phase 1 of the migration): inserts, updates and deletes follow into
chat_messages_v2 through the id map; an edit of the text becomes a new v2 version.';

CREATE OR REPLACE FUNCTION memory.start_messages_v2(p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM core.check_clock(p_now);
    IF EXISTS (SELECT FROM memory.messages_v2_migration WHERE phase = 'finished') THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = 'the v1 -> v2 message migration is finished',
            HINT = 'chat_messages is archived in memory_archive; there is nothing to dual-write.';
    END IF;
    INSERT INTO memory.messages_v2_migration (phase, started_at) VALUES ('dual_write', p_now)
    ON CONFLICT (singleton) DO NOTHING;
    CREATE OR REPLACE TRIGGER chat_messages_dual_write
    AFTER INSERT OR UPDATE OR DELETE ON memory.chat_messages
    FOR EACH ROW EXECUTE FUNCTION memory.dual_write_message();
END
$$;

COMMENT ON FUNCTION memory.start_messages_v2(timestamptz) IS
'Phase 1 of the migration: turns on the dual-write trigger on the v1 chat_messages (idempotent).';

CREATE OR REPLACE FUNCTION memory.backfill_messages_v2(p_batch_size integer DEFAULT 1000)
RETURNS TABLE (copied bigint, already_copied bigint, done boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state memory.messages_v2_migration;
    v_row record;
    v_batch uuid[];
    v_last uuid;
BEGIN
    IF p_batch_size IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'batch size must not be NULL',
            HINT = 'Leave it out for batches of 1000.';
    END IF;
    IF p_batch_size NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('batch size must be between 1 and 100000, not %s', p_batch_size),
            HINT = 'A few thousand rows per batch keep each transaction short.';
    END IF;
    -- One backfill at a time: the state row is its lock.
    SELECT * INTO v_state FROM memory.messages_v2_migration FOR UPDATE;
    IF v_state.phase IS DISTINCT FROM 'dual_write' THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('the migration is %s, not in its dual-write phase', coalesce(v_state.phase, 'not started')),
            HINT = 'SELECT memory.start_messages_v2() first: rows written meanwhile are copied by its trigger.';
    END IF;
    copied := 0;
    already_copied := 0;
    -- The batch's v1 rows are locked before anything is copied: a writer that holds one of them and
    -- waits for a session row this backfill would lock while copying cannot deadlock with it.
    SELECT array_agg(b.id) INTO v_batch FROM (
        SELECT c.id FROM memory.chat_messages AS c
        WHERE v_state.backfill_cursor IS NULL OR c.id > v_state.backfill_cursor
        ORDER BY c.id
        LIMIT p_batch_size
        FOR SHARE
    ) AS b;
    FOR v_row IN
        SELECT c.id, c.channel_id, c.content, c.sender_user_id, c.sender_agent_id, c.created_at
        FROM memory.chat_messages AS c WHERE c.id = ANY (v_batch) ORDER BY c.id
    LOOP
        IF EXISTS (SELECT FROM memory.message_id_map AS m WHERE m.v1_id = v_row.id) THEN
            already_copied := already_copied + 1;
        ELSE
            PERFORM memory.copy_v1_message(v_row.id, v_row.channel_id, v_row.content, v_row.sender_user_id,
                                           v_row.sender_agent_id, v_row.created_at, 'backfill');
            copied := copied + 1;
        END IF;
        v_last := v_row.id;
    END LOOP;
    done := v_last IS NULL;
    IF NOT done THEN
        UPDATE memory.messages_v2_migration SET backfill_cursor = v_last;
    END IF;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION memory.backfill_messages_v2(integer) IS
'Copies the next batch of v1 messages (in id order, from where the last call stopped) that the
dual-write trigger has not copied. Call it until done; safe to re-run and to interrupt.';

CREATE OR REPLACE FUNCTION memory.validate_messages_v2()
RETURNS TABLE (problem text, channel_id uuid, v1_messages bigint, v2_messages bigint, v1_id uuid)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH v1 AS (SELECT c.channel_id, count(*) AS n FROM memory.chat_messages AS c GROUP BY c.channel_id),
    v2 AS (
        SELECT v.channel_id, count(*) AS n
        FROM memory.message_id_map AS m INNER JOIN memory.chat_messages_v2 AS v ON m.v2_id = v.id
        GROUP BY v.channel_id
    )
    SELECT 'count per channel', coalesce(v1.channel_id, v2.channel_id), coalesce(v1.n, 0), coalesce(v2.n, 0), NULL::uuid
    FROM v1 FULL JOIN v2 ON v1.channel_id = v2.channel_id
    WHERE coalesce(v1.n, 0) <> coalesce(v2.n, 0);
    RETURN QUERY
    SELECT 'not copied', c.channel_id, NULL::bigint, NULL::bigint, c.id
    FROM memory.chat_messages AS c
    WHERE NOT EXISTS (SELECT FROM memory.message_id_map AS m WHERE m.v1_id = c.id);
    RETURN QUERY
    SELECT 'content differs', c.channel_id, NULL::bigint, NULL::bigint, c.id
    FROM memory.chat_messages AS c
    INNER JOIN memory.message_id_map AS m ON c.id = m.v1_id
    INNER JOIN memory.chat_messages_v2 AS v ON m.v2_id = v.id
    WHERE v.content IS DISTINCT FROM jsonb_build_object('type', 'text', 'text', c.content)
       OR v.channel_id IS DISTINCT FROM c.channel_id OR v.sender_user_id IS DISTINCT FROM c.sender_user_id
       OR v.sender_agent_id IS DISTINCT FROM c.sender_agent_id OR v.created_at IS DISTINCT FROM c.created_at;
    RETURN QUERY
    SELECT 'v1 row gone', NULL::uuid, NULL::bigint, NULL::bigint, m.v1_id
    FROM memory.message_id_map AS m
    WHERE NOT EXISTS (SELECT FROM memory.chat_messages AS c WHERE c.id = m.v1_id);
END
$$;

COMMENT ON FUNCTION memory.validate_messages_v2() IS
'Mismatches between v1 and v2: message counts per channel, v1 rows not copied, copies whose content,
channel, senders or time differ, map entries whose v1 row is gone. No rows: the copies are complete.';

CREATE OR REPLACE FUNCTION memory.finish_messages_v2(p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_problems bigint;
BEGIN
    PERFORM core.check_clock(p_now);
    PERFORM FROM memory.messages_v2_migration WHERE phase = 'dual_write' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = 'the migration is not in its dual-write phase',
            HINT = 'Start it (memory.start_messages_v2) and backfill it first.';
    END IF;
    -- Writers of v1 wait from here on: nothing can change between the validation and the archive.
    LOCK TABLE memory.chat_messages IN SHARE ROW EXCLUSIVE MODE;
    SELECT count(*) INTO v_problems FROM memory.validate_messages_v2();
    IF v_problems > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('validation reports %s mismatches between chat_messages and chat_messages_v2', v_problems),
            HINT = 'See SELECT * FROM memory.validate_messages_v2(); backfill until done, then finish.';
    END IF;
    DROP TRIGGER chat_messages_dual_write ON memory.chat_messages;
    ALTER TABLE memory.chat_messages SET SCHEMA memory_archive;
    UPDATE memory.messages_v2_migration SET phase = 'finished', finished_at = p_now;
END
$$;

COMMENT ON FUNCTION memory.finish_messages_v2(timestamptz) IS
'Phase 3 of the migration: refused while validate_messages_v2 reports mismatches; stops the
dual-write and moves the v1 chat_messages to memory_archive (kept, not dropped).';

CREATE OR REPLACE FUNCTION memory.rollback_messages_v2()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    PERFORM FROM memory.messages_v2_migration WHERE phase = 'dual_write' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = 'the migration is not in its dual-write phase',
            HINT = 'There is nothing to roll back before start_messages_v2, and a finished migration is not rolled back.';
    END IF;
    LOCK TABLE memory.chat_messages IN SHARE ROW EXCLUSIVE MODE;
    DROP TRIGGER IF EXISTS chat_messages_dual_write ON memory.chat_messages;
    DELETE FROM memory.chat_messages_v2 AS v WHERE v.id IN (SELECT m.v2_id FROM memory.message_id_map AS m);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    DELETE FROM memory.message_id_map;
    DELETE FROM memory.conversation_sessions AS s
    WHERE s.session_state ->> 'migrated_from' = 'chat_messages'
      AND s.id = memory.v1_session_id(s.conversation_id, s.user_id)
      AND NOT EXISTS (SELECT FROM memory.chat_messages_v2 AS v WHERE v.session_id = s.id);
    DELETE FROM memory.messages_v2_migration;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION memory.rollback_messages_v2() IS
'Undoes phase 1: removes the dual-write trigger, the v2 copies (through the id map, which empties
with them) and the sessions made for them; v1 is left exactly as it was. Returns the v2 rows removed.';

REVOKE ALL ON FUNCTION memory.v1_message_owner(uuid, uuid), memory.v1_session_id(uuid, uuid),
memory.ensure_v1_session(uuid, uuid, timestamptz),
memory.copy_v1_message(uuid, uuid, text, uuid, uuid, timestamptz, text), memory.dual_write_message(),
memory.start_messages_v2(timestamptz), memory.backfill_messages_v2(integer), memory.validate_messages_v2(),
memory.finish_messages_v2(timestamptz), memory.rollback_messages_v2() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.validate_messages_v2() TO {{ readonly_role }};
