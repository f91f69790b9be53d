-- memory: the v1 -> v2 message migration (spec 004 "Migration Strategy"): dual-write, resumable
-- backfill, validation, rollback (v1 exactly as it was) and finish (v1 archived), on generated v1 data.
BEGIN;
SELECT plan(32);

INSERT INTO memory.users (id, name)
VALUES ('0190a0c0-0000-7000-8000-0000000d1001', 'v1 user'), ('0190a0c0-0000-7000-8000-0000000d1002', 'agent owner');
INSERT INTO memory.agents (id, name, owner_user_id)
VALUES ('0190a0c0-0000-7000-8000-0000000d10a1', 'v1 agent', '0190a0c0-0000-7000-8000-0000000d1002');
INSERT INTO memory.channels (id, name)
SELECT ('0190a0c0-0000-7000-8000-0000000d1c0' || g)::uuid, 'channel ' || g FROM generate_series(1, 3) AS g;
INSERT INTO memory.chat_messages (channel_id, content, sender_user_id, sender_agent_id, created_at)
SELECT ('0190a0c0-0000-7000-8000-0000000d1c0' || (1 + g % 3))::uuid, 'v1 message ' || g,
       CASE WHEN g % 2 = 0 THEN '0190a0c0-0000-7000-8000-0000000d1001'::uuid END,
       CASE WHEN g % 2 = 1 THEN '0190a0c0-0000-7000-8000-0000000d10a1'::uuid END,
       '2025-06-01+00'::timestamptz + g * interval '1 minute'
FROM generate_series(1, 300) AS g;

SELECT throws_ok($$SELECT * FROM memory.backfill_messages_v2(100)$$, '55000', NULL,
                 'the backfill refuses to run before the dual-write is on');
SELECT throws_ok($$SELECT memory.finish_messages_v2()$$, '55000', NULL, 'so does finishing');
SELECT throws_ok($$SELECT memory.start_messages_v2('infinity')$$, '22008', NULL,
                 'starting at a non-finite time is refused (core.check_clock)');
SELECT throws_ok($$SELECT memory.finish_messages_v2(NULL)$$, '22004', NULL,
                 'finishing at a NULL time is refused before anything else');
SELECT lives_ok($$SELECT memory.start_messages_v2()$$, 'phase 1: the dual-write starts');
SELECT lives_ok($$SELECT memory.start_messages_v2()$$, 'starting twice is harmless');

-- Its id sorts after the others' (uuidv7), so the backfill reaches it last.
INSERT INTO memory.chat_messages (channel_id, content, sender_user_id, created_at)
VALUES ('0190a0c0-0000-7000-8000-0000000d1c01', 'written during phase 1', '0190a0c0-0000-7000-8000-0000000d1001',
        '2025-06-02+00');
SELECT results_eq(
    $$SELECT m.copied_by, v.role, v.content, v.conversation_id, v.session_id = memory.v1_session_id(v.channel_id, v.sender_user_id)
      FROM memory.message_id_map AS m JOIN memory.chat_messages_v2 AS v ON v.id = m.v2_id
      WHERE m.v1_id = (SELECT id FROM memory.chat_messages WHERE content = 'written during phase 1')$$,
    $$VALUES ('dual_write', 'user', '{"type": "text", "text": "written during phase 1"}'::jsonb,
              '0190a0c0-0000-7000-8000-0000000d1c01'::uuid, TRUE)$$,
    'a v1 insert is written to v2 by the trigger, as a text message in its channel''s conversation'
);
SELECT results_eq($$SELECT * FROM memory.backfill_messages_v2(100)$$, $$VALUES (100::bigint, 0::bigint, FALSE)$$,
                  'the backfill copies a batch and says it is not done');
SELECT throws_ok($$SELECT * FROM memory.backfill_messages_v2(0)$$, '22023', NULL, 'a batch size below 1 is refused');
CREATE TEMP TABLE runs (copied bigint, already_copied bigint, done boolean);
DO $$
BEGIN
    LOOP
        INSERT INTO runs SELECT * FROM memory.backfill_messages_v2(100);
        EXIT WHEN (SELECT bool_or(r.done) FROM runs AS r);
    END LOOP;
END
$$;
SELECT results_eq($$SELECT sum(copied)::bigint, sum(already_copied)::bigint, count(*)::int FROM runs$$,
                  $$VALUES (200::bigint, 1::bigint, 4)$$,
                  'resumed, it copies the rest in 2 more batches, skips the row the trigger copied, and reaches done');
SELECT results_eq($$SELECT * FROM memory.backfill_messages_v2(100)$$, $$VALUES (0::bigint, 0::bigint, TRUE)$$,
                  'running it again copies nothing');
SELECT is((SELECT count(*)::int FROM memory.message_id_map), 301, 'every v1 row is mapped once');
SELECT is_empty($$SELECT * FROM memory.validate_messages_v2()$$, 'validation finds no mismatch');
SELECT results_eq(
    $$SELECT sum(message_count)::int FROM memory.conversation_sessions WHERE session_state ->> 'migrated_from' = 'chat_messages'$$,
    $$VALUES (301)$$, 'the channel sessions count the migrated messages');
SELECT results_eq(
    $$SELECT user_id, count(*)::int, sum(message_count)::int FROM memory.conversation_sessions
      WHERE session_state ->> 'migrated_from' = 'chat_messages' GROUP BY user_id ORDER BY user_id$$,
    $$VALUES ('0190a0c0-0000-7000-8000-0000000d1001'::uuid, 3, 151), ('0190a0c0-0000-7000-8000-0000000d1002'::uuid, 3, 150)$$,
    'one session per channel and owner: the sending user, or the owner of the sending agent'
);
-- As the application, under row-level security.
SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000d1001', TRUE);
SELECT results_eq(
    $$SELECT count(*)::int, count(*) FILTER (WHERE sender_user_id = '0190a0c0-0000-7000-8000-0000000d1001')::int
      FROM memory.chat_messages_v2$$,
    $$VALUES (151, 151)$$, 'a user sees the migrated messages they sent, and only those'
);
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000d1002', TRUE);
SELECT results_eq(
    $$SELECT count(*)::int, count(*) FILTER (WHERE sender_agent_id = '0190a0c0-0000-7000-8000-0000000d10a1')::int,
             count(DISTINCT conversation_id)::int
      FROM memory.chat_messages_v2$$,
    $$VALUES (150, 150, 3)$$, 'an agent''s owner sees what the agent said, in each channel''s conversation'
);
SELECT set_config('agentdb.user_id', '', TRUE);
SELECT is_empty($$SELECT FROM memory.chat_messages_v2$$, 'without an acting user, no migrated message is visible');
RESET ROLE;

UPDATE memory.chat_messages SET content = 'v1 message 7, edited' WHERE content = 'v1 message 7';
SELECT results_eq(
    $$SELECT h.version_number, h.content ->> 'text' FROM memory.chat_messages AS c
      JOIN memory.message_id_map AS m ON m.v1_id = c.id, LATERAL memory.message_history(m.v2_id) AS h
      WHERE c.content = 'v1 message 7, edited'$$,
    $$VALUES (1, 'v1 message 7'), (2, 'v1 message 7, edited')$$,
    'a v1 edit follows into v2 as a new version'
);
SELECT lives_ok(
    $$UPDATE memory.chat_messages SET sender_user_id = '0190a0c0-0000-7000-8000-0000000d1001', sender_agent_id = NULL,
                                      content = 'v1 message 7, moved'
      WHERE content = 'v1 message 7, edited'$$,
    'a v1 update that gives an edited message another owner follows into v2'
);
SELECT results_eq(
    $$SELECT h.version_number, h.content ->> 'text', s.user_id, v.session_id = s.id
      FROM memory.chat_messages AS c JOIN memory.message_id_map AS m ON m.v1_id = c.id
      JOIN memory.chat_messages_v2 AS v ON v.id = m.v2_id JOIN memory.conversation_sessions AS s ON s.id = v.session_id,
      LATERAL memory.message_history(m.v2_id) AS h
      WHERE c.content = 'v1 message 7, moved' ORDER BY 1$$,
    $$VALUES (1, 'v1 message 7', '0190a0c0-0000-7000-8000-0000000d1001'::uuid, TRUE),
             (2, 'v1 message 7, edited', '0190a0c0-0000-7000-8000-0000000d1001'::uuid, TRUE),
             (3, 'v1 message 7, moved', '0190a0c0-0000-7000-8000-0000000d1001'::uuid, TRUE)$$,
    'the copy moves to the new owner''s session with all its versions'
);
DELETE FROM memory.chat_messages WHERE content = 'v1 message 8';
SELECT is((SELECT count(*)::int FROM memory.chat_messages_v2 WHERE content ->> 'text' = 'v1 message 8'), 0,
          'a v1 delete follows into v2');
SELECT is_empty($$SELECT * FROM memory.validate_messages_v2()$$, 'v1 and v2 still agree');

UPDATE memory.chat_messages_v2 SET content = '{"type": "text", "text": "tampered"}' WHERE content ->> 'text' = 'v1 message 9';
SELECT results_eq($$SELECT problem FROM memory.validate_messages_v2()$$, $$VALUES ('content differs')$$,
                  'validation reports a v2 copy that differs from v1');
SELECT throws_ok($$SELECT memory.finish_messages_v2()$$, '55000', NULL, 'finishing is refused while it does');

-- Rollback: v1 exactly as it was, no v2 copy left.
CREATE TEMP TABLE v1_before AS SELECT * FROM memory.chat_messages;
SELECT is(memory.rollback_messages_v2(), 300::bigint, 'rollback removes the 300 v2 copies');
SELECT set_eq($$SELECT * FROM memory.chat_messages$$, $$SELECT * FROM v1_before$$, 'v1 is exactly as it was');
SELECT ok(NOT EXISTS (SELECT FROM memory.chat_messages_v2 WHERE audit ->> 'migrated_from' = 'chat_messages')
          AND NOT EXISTS (SELECT FROM memory.conversation_sessions WHERE session_state ->> 'migrated_from' = 'chat_messages')
          AND NOT EXISTS (SELECT FROM pg_trigger WHERE tgname = 'chat_messages_dual_write'),
          'no v2 copy, channel session or dual-write trigger is left');

-- Again, to the end.
SELECT memory.start_messages_v2();
DO $$ BEGIN LOOP EXIT WHEN (SELECT done FROM memory.backfill_messages_v2(128)); END LOOP; END $$;
SELECT lives_ok($$SELECT memory.finish_messages_v2()$$, 'phase 3: finishing a validated migration');
SELECT ok(to_regclass('memory.chat_messages') IS NULL AND to_regclass('memory_archive.chat_messages') IS NOT NULL
          AND (SELECT count(*) FROM memory_archive.chat_messages) = 300,
          'v1 is archived in memory_archive with its 300 rows, not dropped');
SELECT results_eq($$SELECT phase, finished_at IS NOT NULL FROM memory.messages_v2_migration$$, $$VALUES ('finished', TRUE)$$,
                  'the migration is recorded as finished');
SELECT throws_ok($$SELECT memory.start_messages_v2()$$, '55000', NULL, 'and cannot be started again');
ROLLBACK;
