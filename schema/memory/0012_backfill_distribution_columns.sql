-- dbctl:no-transaction
-- memory: the distribution columns of existing rows, filled without blocking writers (step 2 of 5;
-- docs/scale-out.md "memory").
--   1. message_versions.session_id from each version's message, 5,000 rows per transaction (each
--      batch commits, so no lock is held for long and a failure keeps the batches done); safe to run
--      again: it only touches rows still without a session. dbctl's statement_timeout bounds the whole
--      loop (one statement): on a table too large for it, run the loop beforehand or raise
--      --statement-timeout.
--   2. context_snapshots without an agent take their message's sender agent, else the agent of the
--      message's session. A snapshot that still has none stops the migration with the list's size
--      and what to do (0011's CHECK would not validate).
--   3. Both CHECKs of 0011 are validated (SHARE UPDATE EXCLUSIVE: reads and writes go on).

DO $backfill$
DECLARE
    v_rows bigint;
BEGIN
    LOOP
        UPDATE memory.message_versions AS v SET session_id = m.session_id
        FROM memory.chat_messages_v2 AS m
        WHERE m.id = v.message_id
          AND v.id IN (SELECT b.id FROM memory.message_versions AS b WHERE b.session_id IS NULL LIMIT 5000);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        COMMIT;
        EXIT WHEN v_rows = 0;
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
