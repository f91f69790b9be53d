-- memory: the references between the agent group and the session group, checked on write
-- (docs/memory.md "Keys and distribution", docs/scale-out.md). On Citus the two groups are
-- distributed by different columns (agent, session), and a foreign key between them is not allowed,
-- so schema/memory/0015 dropped agent_memories.source_message_id -> chat_messages_v2,
-- context_snapshots.message_id -> chat_messages_v2 and chat_messages_v2.state_snapshot_id ->
-- agent_states. What those keys checked on insert and update is checked here: the row referred to
-- exists (23503, like the key). SECURITY DEFINER, as a foreign key check is: the writer need not see
-- the row under row-level security. What they did on delete is done by the functions that delete
-- (forget_user clears or deletes what pointed at the user's messages and agents' states); a message
-- or state deleted otherwise leaves the reference as it was (the columns are documented as such).
-- On Citus the check looks the row up by id alone: one index probe on each shard of the other group.

CREATE OR REPLACE FUNCTION memory.check_reference()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id uuid;
    v_found boolean;
BEGIN
    -- TG_ARGV: the referencing column, the referenced table (of schema memory, keyed by id).
    EXECUTE format('SELECT ($1).%I', TG_ARGV[0]) USING NEW INTO v_id;
    -- FOR KEY SHARE, as a foreign key check: the row cannot be deleted until this transaction ends.
    EXECUTE format('SELECT EXISTS (SELECT FROM memory.%I AS t WHERE t.id = $1 FOR KEY SHARE)', TG_ARGV[1])
    USING v_id INTO v_found;
    IF NOT v_found THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s.%s = %s: no such row in memory.%s', TG_TABLE_NAME, TG_ARGV[0], v_id, TG_ARGV[1]),
            HINT = format('Refer to an existing memory.%s row, or leave %s NULL.', TG_ARGV[1], TG_ARGV[0]);
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION memory.check_reference() IS
'Trigger: refuses (23503) a reference to a row of the other co-location group that does not exist.
Arguments: the referencing column, the referenced table.';

REVOKE ALL ON FUNCTION memory.check_reference() FROM PUBLIC;

-- On a Citus cluster the check cannot run: the trigger runs on the shard of the row written, and the
-- row referred to is in the other group, on any node (Citus lets a trigger reach only rows on its
-- own node). There the triggers are not made (and are dropped), and these references are not checked
-- on write (docs/scale-out.md, "What is still unsupported").
DO $triggers$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        DROP TRIGGER IF EXISTS agent_memories_source_message ON memory.agent_memories;
        DROP TRIGGER IF EXISTS context_snapshots_message ON memory.context_snapshots;
        DROP TRIGGER IF EXISTS chat_messages_v2_state_snapshot ON memory.chat_messages_v2;
        RETURN;
    END IF;

    CREATE OR REPLACE TRIGGER agent_memories_source_message
    BEFORE INSERT OR UPDATE OF source_message_id ON memory.agent_memories
    FOR EACH ROW WHEN (NEW.source_message_id IS NOT NULL)
    EXECUTE FUNCTION memory.check_reference('source_message_id', 'chat_messages_v2');

    CREATE OR REPLACE TRIGGER context_snapshots_message
    BEFORE INSERT OR UPDATE OF message_id ON memory.context_snapshots
    FOR EACH ROW WHEN (NEW.message_id IS NOT NULL)
    EXECUTE FUNCTION memory.check_reference('message_id', 'chat_messages_v2');

    CREATE OR REPLACE TRIGGER chat_messages_v2_state_snapshot
    BEFORE INSERT OR UPDATE OF state_snapshot_id ON memory.chat_messages_v2
    FOR EACH ROW WHEN (NEW.state_snapshot_id IS NOT NULL)
    EXECUTE FUNCTION memory.check_reference('state_snapshot_id', 'agent_states');
END
$triggers$;
