-- memory: bookkeeping of the migration from the v1 chat_messages to chat_messages_v2 (spec 004
-- "Migration Strategy", "Migration Scripts Needed": ID mapping). The steps are functions
-- (functions/memory/messages_v2_migration.sql): start_messages_v2 (dual-write on), backfill_messages_v2
-- (batches, resumable), validate_messages_v2, finish_messages_v2 (dual-write off, v1 archived) and
-- rollback_messages_v2 (v2 copies removed, v1 as it was).

CREATE TABLE memory.message_id_map (
    v1_id uuid PRIMARY KEY,
    v2_id uuid NOT NULL UNIQUE REFERENCES memory.chat_messages_v2 (id) ON DELETE CASCADE,
    copied_by text NOT NULL CHECK (copied_by IN ('dual_write', 'backfill')),
    copied_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.message_id_map IS
'Which chat_messages_v2 row each v1 chat_messages row became, and how (dual-write trigger or backfill).';

CREATE TABLE memory.messages_v2_migration (
    singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    phase text NOT NULL CHECK (phase IN ('dual_write', 'finished')),
    backfill_cursor uuid,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CONSTRAINT messages_v2_migration_finished CHECK ((phase = 'finished') = (finished_at IS NOT NULL))
);

COMMENT ON TABLE memory.messages_v2_migration IS
'State of the v1 -> v2 message migration (one row while it runs): phase, and the last v1 id the
backfill copied, so that an interrupted backfill resumes where it stopped.';

REVOKE INSERT, UPDATE, DELETE ON memory.message_id_map, memory.messages_v2_migration FROM {{ app_role }};
