-- memory: audit logging (append-only, keys and changed columns, acting role and user), the right to
-- deletion (forget_user), and the PII envelopes the database checks.
BEGIN;
SELECT plan(24);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000b1001', 'carol'),
                                           ('0190a0c0-0000-7000-8000-0000000b1002', 'dave');
INSERT INTO memory.agents (id, name, owner_user_id) VALUES
('0190a0c0-0000-7000-8000-0000000b10a1', 'carol''s agent', '0190a0c0-0000-7000-8000-0000000b1001');

-- Audit, as the application.
SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000b1001', TRUE);
INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id) VALUES
('0190a0c0-0000-7000-8000-0000000b1a05', '0190a0c0-0000-7000-8000-0000000b1a06', '0190a0c0-0000-7000-8000-0000000b1001',
 '0190a0c0-0000-7000-8000-0000000b10a1');
UPDATE memory.conversation_sessions SET status = 'paused', interruption_context = '{"at": "step 2"}'
WHERE id = '0190a0c0-0000-7000-8000-0000000b1a05';
SELECT throws_ok($$SELECT * FROM memory.audit_log$$, '42501', NULL, 'the application cannot read the audit log');
SELECT throws_ok($$INSERT INTO memory.audit_log (table_name, row_key, operation, acting_role)
                   VALUES ('users', '{}', 'DELETE', 'me')$$, '42501', NULL, 'nor write it');
RESET ROLE;
SELECT results_eq(
    $$SELECT operation, row_key, acting_role, app_user_id, changed_columns FROM memory.audit_log
      WHERE table_name = 'conversation_sessions' AND row_key ->> 'id' = '0190a0c0-0000-7000-8000-0000000b1a05' ORDER BY id$$,
    $$VALUES ('INSERT', '{"id": "0190a0c0-0000-7000-8000-0000000b1a05"}'::jsonb, '{{ app_role }}',
              '0190a0c0-0000-7000-8000-0000000b1001'::uuid,
              ARRAY['id', 'conversation_id', 'user_id', 'agent_id', 'started_at', 'last_active', 'message_count',
                    'total_tokens_used', 'tool_calls_count', 'session_state', 'status']),
             ('UPDATE', '{"id": "0190a0c0-0000-7000-8000-0000000b1a05"}'::jsonb, '{{ app_role }}',
              '0190a0c0-0000-7000-8000-0000000b1001'::uuid, ARRAY['interruption_context', 'status'])$$,
    'each modification is logged with its key, changed columns, acting role and application user'
);
SELECT is_empty($$SELECT FROM memory.audit_log AS a WHERE a::text LIKE '%step 2%'$$, 'the log holds no values');
SELECT is((SELECT count(*)::int FROM memory.audit_log WHERE table_name = 'agent_memories' AND transaction_id = txid_current()), 0,
          'and nothing for tables not modified here');
INSERT INTO memory.agents (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000b10a2', 'audited agent');
INSERT INTO memory.agent_memories (id, agent_id, memory_type, content, embeddings)
VALUES ('0190a0c0-0000-7000-8000-0000000b1e01', '0190a0c0-0000-7000-8000-0000000b10a2', 'semantic',
        '{"concept": "c", "definition": "d"}', array_fill(0.1::real, ARRAY[{{ memory_embedding_dim }}])::{{ extension_schema }}.vector);
UPDATE memory.agent_memories SET embeddings = array_fill(0.2::real, ARRAY[{{ memory_embedding_dim }}])::{{ extension_schema }}.vector
WHERE id = '0190a0c0-0000-7000-8000-0000000b1e01';
UPDATE memory.agent_memories SET access_count = access_count + 1, embeddings = embeddings, related_memories = NULL
WHERE id = '0190a0c0-0000-7000-8000-0000000b1e01';
SELECT results_eq(
    $$SELECT changed_columns FROM memory.audit_log WHERE table_name = 'agent_memories' AND operation = 'UPDATE' ORDER BY id$$,
    $$VALUES (ARRAY['embeddings']), (ARRAY['access_count'])$$,
    'an update logs the columns whose value changed, an embedding compared with its type''s equality'
);
SELECT throws_ok($$UPDATE memory.audit_log SET acting_role = 'nobody'$$, '42501', NULL,
                 'the audit log cannot be altered, even by its owner');
SELECT throws_ok($$DELETE FROM memory.audit_log$$, '42501', NULL, 'nor its rows deleted');

-- PII envelopes.
SET LOCAL ROLE {{ app_role }};
SELECT lives_ok($$INSERT INTO memory.user_pii (user_id, field, key_id, wrapped_dek, nonce, ciphertext, lookup_hash)
                  VALUES ('0190a0c0-0000-7000-8000-0000000b1001', 'email', 'kms:alias/agentdb-pii',
                          decode(repeat('ab', 40), 'hex'), decode(repeat('01', 12), 'hex'), decode(repeat('cd', 40), 'hex'),
                          sha256('carol@example.com'))$$,
                'the application stores its user''s envelope-encrypted email');
SELECT throws_ok($$INSERT INTO memory.user_pii (user_id, field, key_id, wrapped_dek, nonce, ciphertext)
                   VALUES ('0190a0c0-0000-7000-8000-0000000b1002', 'email', 'kms:k', decode(repeat('ab', 40), 'hex'),
                           decode(repeat('01', 12), 'hex'), decode(repeat('cd', 40), 'hex'))$$,
                 '42501', NULL, 'but not another user''s');
SELECT throws_ok($$INSERT INTO memory.user_pii (user_id, field, key_id, wrapped_dek, nonce, ciphertext)
                   VALUES ('0190a0c0-0000-7000-8000-0000000b1001', 'phone', 'kms:k', decode(repeat('ab', 40), 'hex'),
                           decode(repeat('01', 11), 'hex'), decode(repeat('cd', 40), 'hex'))$$,
                 '23514', NULL, 'a nonce that is not 12 bytes is refused');
SELECT throws_ok($$INSERT INTO memory.user_pii (user_id, field, key_id, wrapped_dek, nonce, ciphertext)
                   VALUES ('0190a0c0-0000-7000-8000-0000000b1001', 'phone', 'kms:k', decode(repeat('ab', 40), 'hex'),
                           decode(repeat('01', 12), 'hex'), convert_to('555', 'UTF8'))$$,
                 '23514', NULL, 'a value shorter than a GCM tag (a plaintext, a truncated envelope) is refused');
SELECT throws_ok($$INSERT INTO memory.user_pii (user_id, field, key_id, wrapped_dek, nonce, ciphertext)
                   VALUES ('0190a0c0-0000-7000-8000-0000000b1001', 'phone', 'kms:k', convert_to('key', 'UTF8'),
                           decode(repeat('01', 12), 'hex'), decode(repeat('cd', 40), 'hex'))$$,
                 '23514', NULL, 'a data key that is not wrapped is refused');
SELECT throws_ok($$INSERT INTO memory.user_pii (user_id, field, key_id, algorithm, wrapped_dek, nonce, ciphertext)
                   VALUES ('0190a0c0-0000-7000-8000-0000000b1001', 'phone', 'kms:k', 'ROT13', decode(repeat('ab', 40), 'hex'),
                           decode(repeat('01', 12), 'hex'), decode(repeat('cd', 40), 'hex'))$$,
                 '23514', NULL, 'another algorithm is refused');
RESET ROLE;
SET LOCAL ROLE {{ readonly_role }};
SELECT throws_ok($$SELECT * FROM memory.user_pii$$, '42501', NULL, 'reporting cannot read personal data');
RESET ROLE;

-- forget_user.
INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id) VALUES
('0190a0c0-0000-7000-8000-0000000b1b05', '0190a0c0-0000-7000-8000-0000000b1b06', '0190a0c0-0000-7000-8000-0000000b1002',
 '0190a0c0-0000-7000-8000-0000000b10a1');
INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, sender_user_id, sender_agent_id, role, content) VALUES
('0190a0c0-0000-7000-8000-0000000b1a10', '0190a0c0-0000-7000-8000-0000000b1a06', '0190a0c0-0000-7000-8000-0000000b1a05',
 '0190a0c0-0000-7000-8000-0000000b1001', NULL, 'user', '{"type": "text", "text": "my secret"}'),
('0190a0c0-0000-7000-8000-0000000b1b10', '0190a0c0-0000-7000-8000-0000000b1b06', '0190a0c0-0000-7000-8000-0000000b1b05',
 NULL, '0190a0c0-0000-7000-8000-0000000b10a1', 'assistant', '{"type": "text", "text": "carol''s agent answers dave"}');
SELECT memory.edit_message('0190a0c0-0000-7000-8000-0000000b1a10', '{"type": "text", "text": "my other secret"}');
INSERT INTO memory.agent_memories (agent_id, memory_type, content) VALUES
('0190a0c0-0000-7000-8000-0000000b10a1', 'episodic', '{"event": "carol said a secret", "temporal": "today"}');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000b10a1', '{"persistent": {"user": "carol"}}', 'learn');
SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000b10a1');

SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000b1002', TRUE);
SELECT throws_ok($$SELECT * FROM memory.forget_user('0190a0c0-0000-7000-8000-0000000b1001')$$, '42501', NULL,
                 'the application cannot forget a user other than the acting one');
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000b1001', TRUE);
SELECT results_eq(
    $$SELECT table_name, rows_deleted FROM memory.forget_user('0190a0c0-0000-7000-8000-0000000b1001')
      WHERE rows_deleted > 0 ORDER BY table_name$$,
    $$VALUES ('agent_memories', 1::bigint), ('agent_states', 1::bigint), ('agents', 1::bigint),
             ('chat_messages_v2', 1::bigint), ('conversation_sessions', 1::bigint), ('message_versions', 1::bigint),
             ('state_checkpoints', 1::bigint), ('state_transitions', 1::bigint), ('user_pii', 1::bigint),
             ('users', 1::bigint)$$,
    'the acting user forgets themself: the rows removed per table'
);
RESET ROLE;
SELECT throws_ok($$SELECT * FROM memory.forget_user('0190a0c0-0000-7000-8000-0000000b1001')$$, 'P0002', NULL,
                 'a user already forgotten is refused');
SELECT is_empty(
    $$SELECT FROM memory.chat_messages_v2 WHERE content::text LIKE '%secret%'
      UNION ALL SELECT FROM memory.message_versions WHERE content::text LIKE '%secret%'
      UNION ALL SELECT FROM memory.agent_memories WHERE content::text LIKE '%secret%'
      UNION ALL SELECT FROM memory.agent_states WHERE persistent_state::text LIKE '%carol%'
      UNION ALL SELECT FROM memory.state_checkpoints WHERE state_data::text LIKE '%carol%'$$,
    'nothing of what the user said or what their agent learned remains'
);
SELECT results_eq(
    $$SELECT s.agent_id, m.sender_agent_id, m.content ->> 'text' FROM memory.conversation_sessions AS s
      JOIN memory.chat_messages_v2 AS m ON m.session_id = s.id WHERE s.id = '0190a0c0-0000-7000-8000-0000000b1b05'$$,
    $$VALUES (NULL::uuid, NULL::uuid, 'carol''s agent answers dave')$$,
    'another user''s conversation with the forgotten user''s agent stays, the agent reference cleared'
);
SELECT results_eq(
    $$SELECT operation, row_key, acting_role FROM memory.audit_log WHERE operation = 'FORGET'$$,
    $$VALUES ('FORGET', '{"id": "0190a0c0-0000-7000-8000-0000000b1001"}'::jsonb, '{{ app_role }}')$$,
    'the audit log keeps a tombstone of the forgetting'
);
SELECT ok((SELECT count(*) FROM memory.audit_log WHERE operation = 'DELETE' AND table_name IN ('users', 'agents', 'chat_messages_v2')) = 3,
          'and the deletions, as keys only');
SELECT is_empty($$SELECT FROM memory.audit_log AS a WHERE a::text LIKE '%secret%'$$, 'with no content');
SELECT ok(EXISTS (SELECT FROM memory.users WHERE id = '0190a0c0-0000-7000-8000-0000000b1002'),
          'the other user is untouched');
ROLLBACK;
