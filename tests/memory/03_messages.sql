-- memory: message versions (edits keep the replaced version, numbered without gaps), message
-- history, and the session counters that follow the messages.
BEGIN;
SELECT plan(17);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-00000000e001', 'editor');
INSERT INTO memory.agents (id, name) VALUES ('0190a0c0-0000-7000-8000-00000000e0a1', 'answering agent');
INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id, started_at, last_active)
VALUES ('0190a0c0-0000-7000-8000-00000000e005', '0190a0c0-0000-7000-8000-00000000e006',
        '0190a0c0-0000-7000-8000-00000000e001', '0190a0c0-0000-7000-8000-00000000e0a1', '2026-05-01+00', '2026-05-01+00');
INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, sender_user_id, role, content, metadata, created_at)
VALUES ('0190a0c0-0000-7000-8000-00000000e010', '0190a0c0-0000-7000-8000-00000000e006', '0190a0c0-0000-7000-8000-00000000e005',
        '0190a0c0-0000-7000-8000-00000000e001', 'user', '{"type": "text", "text": "helo"}', '{"tokens": 3}', '2026-05-01 00:01+00'),
       ('0190a0c0-0000-7000-8000-00000000e011', '0190a0c0-0000-7000-8000-00000000e006', '0190a0c0-0000-7000-8000-00000000e005',
        NULL, 'assistant', '{"type": "text", "text": "Hello! Looking it up."}', '{"tokens": 12}', '2026-05-01 00:02+00');
INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, sender_agent_id, role, content, tools, metadata, created_at)
VALUES ('0190a0c0-0000-7000-8000-00000000e006', '0190a0c0-0000-7000-8000-00000000e005', '0190a0c0-0000-7000-8000-00000000e0a1',
        'tool', '{"type": "tool_result", "result": 42}', '[{"name": "search"}, {"name": "fetch"}]', '{"tokens": 5}',
        '2026-05-01 00:03+00');

SELECT results_eq(
    $$SELECT message_count, total_tokens_used, tool_calls_count, last_active
      FROM memory.conversation_sessions WHERE id = '0190a0c0-0000-7000-8000-00000000e005'$$,
    $$VALUES (3, 20, 2, '2026-05-01 00:03+00'::timestamptz)$$,
    'the session counts its messages, their tokens and tool calls, and its last activity'
);

SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-00000000e001', TRUE);
SELECT is(memory.edit_message('0190a0c0-0000-7000-8000-00000000e010', '{"type": "text", "text": "hello"}', NULL, 'typo'), 2,
          'the first edit makes version 2');
SELECT is(memory.edit_message('0190a0c0-0000-7000-8000-00000000e010', NULL, '{"tokens": 4}', 'recounted'), 3,
          'editing only the metadata makes version 3');
UPDATE memory.chat_messages_v2 SET content = '{"type": "text", "text": "hello!"}' WHERE id = '0190a0c0-0000-7000-8000-00000000e010';
UPDATE memory.chat_messages_v2 SET context = '{"seen": true}' WHERE id = '0190a0c0-0000-7000-8000-00000000e010';
SELECT results_eq(
    $$SELECT version_number, content ->> 'text', metadata ->> 'tokens', changed_by, change_reason, is_current
      FROM memory.message_history('0190a0c0-0000-7000-8000-00000000e010')$$,
    $$VALUES (1, 'helo', '3', '0190a0c0-0000-7000-8000-00000000e001'::uuid, 'typo', FALSE),
             (2, 'hello', '3', '0190a0c0-0000-7000-8000-00000000e001'::uuid, 'recounted', FALSE),
             (3, 'hello', '4', '0190a0c0-0000-7000-8000-00000000e001'::uuid, NULL, FALSE),
             (4, 'hello!', '4', NULL::uuid, NULL, TRUE)$$,
    'message_history: every version in order, who replaced it and why, the current one last; a direct UPDATE is versioned too'
);
SELECT is((SELECT current_version FROM memory.chat_messages_v2 WHERE id = '0190a0c0-0000-7000-8000-00000000e010'), 4,
          'an update of other columns (context) makes no version');
SELECT ok((SELECT updated_at > created_at FROM memory.chat_messages_v2 WHERE id = '0190a0c0-0000-7000-8000-00000000e010'),
          'an edit bumps updated_at');
SELECT is((SELECT total_tokens_used FROM memory.conversation_sessions WHERE id = '0190a0c0-0000-7000-8000-00000000e005'), 21,
          'the session''s tokens follow an edit of the metadata');
SELECT is(current_setting('agentdb.change_reason'), '', 'edit_message does not leave its reason behind');

SELECT throws_ok($$SELECT memory.edit_message('0190a0c0-0000-7000-8000-0000000000ff', '{"type": "text", "text": "x"}')$$,
                 'P0002', NULL, 'editing a message that does not exist is refused');
SELECT throws_ok($$SELECT memory.edit_message('0190a0c0-0000-7000-8000-00000000e010', NULL, NULL)$$,
                 '22004', NULL, 'an edit without content or metadata is refused');
SELECT throws_ok($$SELECT memory.edit_message('0190a0c0-0000-7000-8000-00000000e010', '{"type": "hologram"}')$$,
                 '23514', NULL, 'an edit to an invalid content is refused');
SELECT is((SELECT count(*)::int FROM memory.message_versions WHERE message_id = '0190a0c0-0000-7000-8000-00000000e010'), 3,
          'and refused edits keep no version');

SET LOCAL ROLE {{ app_role }};
SELECT throws_ok($$INSERT INTO memory.message_versions (message_id, version_number, content)
                   VALUES ('0190a0c0-0000-7000-8000-00000000e010', 9, '{}')$$,
                 '42501', NULL, 'the application cannot forge a message version');
SELECT throws_ok($$UPDATE memory.chat_messages_v2 SET current_version = 1 WHERE id = '0190a0c0-0000-7000-8000-00000000e010'$$,
                 '42501', NULL, 'nor renumber a message');
SELECT throws_ok($$UPDATE memory.conversation_sessions SET message_count = 0 WHERE id = '0190a0c0-0000-7000-8000-00000000e005'$$,
                 '42501', NULL, 'nor set the session counters');
RESET ROLE;

DELETE FROM memory.chat_messages_v2 WHERE id = '0190a0c0-0000-7000-8000-00000000e011';
SELECT results_eq(
    $$SELECT message_count, total_tokens_used, tool_calls_count
      FROM memory.conversation_sessions WHERE id = '0190a0c0-0000-7000-8000-00000000e005'$$,
    $$VALUES (2, 9, 2)$$,
    'deleting a message takes it out of the session''s counts'
);
DELETE FROM memory.chat_messages_v2 WHERE id = '0190a0c0-0000-7000-8000-00000000e010';
SELECT is((SELECT count(*)::int FROM memory.message_versions WHERE message_id = '0190a0c0-0000-7000-8000-00000000e010'), 0,
          'deleting a message deletes its versions');
ROLLBACK;
