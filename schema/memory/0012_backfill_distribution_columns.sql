-- dbctl:no-transaction
-- memory: the distribution columns of existing rows, filled without blocking writers (step 2 of 6;
-- docs/scale-out.md "memory").
--   1. message_versions.session_id from each version's message, 5,000 versions per transaction in
--      primary key order (each batch commits, so no lock is held for long and a failure keeps the
--      batches done); safe to run again: it only changes rows still without a session. Versions
--      written meanwhile get theirs from the trigger of 0011. dbctl's statement_timeout bounds the whole
--      loop (one statement): on a table too large for it, run the loop beforehand or raise
--      --statement-timeout.
--   2. context_snapshots without an agent take their message's sender agent, else the agent of the
--      message's session. A snapshot that still has none stops the migration with the list's size
--      and what to do (0011's CHECK would not validate).
--   3. Both CHECKs of 0011 are validated (SHARE UPDATE EXCLUSIVE: reads and writes go on).

DO $backfill$
DECLARE
    -- Versions in primary key order, 5,000 ids per batch: each batch is an index range, whatever the
    -- table's size. Their ids are uuidv7 (the column's default; only the version trigger writes them).
    v_last constant uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
    v_from uuid := '00000000-0000-0000-0000-000000000000';
    v_to uuid;
BEGIN
    LOOP
        v_to := coalesce((SELECT v.id FROM memory.message_versions AS v WHERE v.id > v_from
                          ORDER BY v.id OFFSET 4999 LIMIT 1), v_last);
        UPDATE memory.message_versions AS v SET session_id = m.session_id
        FROM memory.chat_messages_v2 AS m
        WHERE v.id > v_from AND v.id <= v_to AND v.session_id IS NULL AND m.id = v.message_id;
        COMMIT;
        EXIT WHEN v_to = v_last;
        v_from := v_to;
    END LOOP;
END
$backfill$;

UPDATE memory.context_snapshots AS c
SET agent_id = coalesce(m.sender_agent_id, s.agent_id)
FROM memory.chat_messages_v2 AS m
INNER JOIN memory.conversation_sessions AS s ON m.session_id = s.id
WHERE c.agent_id IS NULL AND m.id = c.message_id AND coalesce(m.sender_agent_id, s.agent_id) IS NOT NULL;

DO $orphans$
DECLARE
    v_rows bigint := (SELECT count(*) FROM memory.context_snapshots AS c WHERE c.agent_id IS NULL);
BEGIN
    IF v_rows > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'not_null_violation',
            MESSAGE = format('%s context snapshots have no agent, and neither do their messages', v_rows),
            HINT = 'SELECT * FROM memory.context_snapshots WHERE agent_id IS NULL; set their agent_id (or delete '
                   'them), then migrate again.';
    END IF;
END
$orphans$;

ALTER TABLE memory.message_versions VALIDATE CONSTRAINT message_versions_session_id_not_null;
ALTER TABLE memory.context_snapshots VALIDATE CONSTRAINT context_snapshots_agent_id_not_null;
