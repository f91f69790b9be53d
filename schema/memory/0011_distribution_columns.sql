-- memory: the distribution columns every row must carry before memory can be distributed on Citus
-- (step 1 of 6; docs/scale-out.md "memory", DESIGN.md section 8). Catalog changes only, in one
-- short transaction:
--   * message_versions gains session_id, its message's session: the session group (distributed by
--     session) needs it in every key. It is added nullable (no rewrite); keep_message_version writes
--     it from the edited message, and the trigger below fills it for any insert that leaves it out
--     (the rows the previous version of that trigger writes while this migration runs). 0012
--     backfills the existing rows in batches; a CHECK NOT VALID refuses a version without a session
--     from now on (the trigger fills it first), 0012 validates it, 0015 turns it into NOT NULL.
--   * context_snapshots.agent_id must be NOT NULL to be the agent group's distribution column (Citus
--     cannot place a row without its shard key). The spec allows a snapshot without an agent; no
--     client of the spec writes one, and memory's own writers (the seed, the application) always name
--     the agent. A CHECK NOT VALID refuses new rows without one from now on, without scanning; 0012
--     fills existing ones from their message and validates; 0015 turns it into NOT NULL.

ALTER TABLE memory.message_versions ADD COLUMN session_id uuid;

COMMENT ON COLUMN memory.message_versions.session_id IS
'The session of the message (chat_messages_v2.session_id): the distribution column of the session group.';

CREATE FUNCTION memory.fill_version_session()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    SELECT m.session_id INTO NEW.session_id FROM memory.chat_messages_v2 AS m WHERE m.id = NEW.message_id;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION memory.fill_version_session() IS
'Trigger: gives a message version without a session_id its message''s session.';

REVOKE ALL ON FUNCTION memory.fill_version_session() FROM PUBLIC;

CREATE TRIGGER message_versions_fill_session
BEFORE INSERT ON memory.message_versions
FOR EACH ROW WHEN (NEW.session_id IS NULL)
EXECUTE FUNCTION memory.fill_version_session();

ALTER TABLE memory.context_snapshots ADD CONSTRAINT context_snapshots_agent_id_not_null
CHECK (agent_id IS NOT NULL) NOT VALID;
ALTER TABLE memory.message_versions ADD CONSTRAINT message_versions_session_id_not_null
CHECK (session_id IS NOT NULL) NOT VALID;
