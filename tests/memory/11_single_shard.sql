-- memory on Citus (docs/scale-out.md, partitions/memory/distribution.sql): the plan, and proof that
-- the main functions stay on one agent's or one session's shard. Every statement a function runs is
-- observed through pg_stat_xact_user_tables (tests.reads_beyond_key): no row of a distributed table
-- read beyond the key's own, on the generated volume (tests/memory/helpers.sql: 31 agents with 10
-- state versions and 2 checkpoints each, 3,000 memories; 200 sessions of 100 messages with 2,000
-- message versions). An agent's function reads nothing of the session group (the agent's id holds no
-- session rows), and a session's function nothing of the agent group. Re-reads of the key's own rows
-- (the current state read again under the agent's lock, recalled memories read again to count the
-- access, the session row updated by the message counters) are allowed, each named below.
BEGIN;
SELECT plan(17);

SELECT is(
    ARRAY(SELECT concat_ws(' ', relation, kind, distribution_column, colocate_with) COLLATE "C"
          FROM core.distribution_plan WHERE relation::text LIKE 'memory.%' ORDER BY relation::text COLLATE "C"),
    ARRAY['memory.agent_datastores distributed agent_id memory.agent_memories',
          'memory.agent_memories distributed agent_id',
          'memory.agent_states distributed agent_id memory.agent_memories',
          'memory.agents reference',
          'memory.audit_log distributed id',
          'memory.channels reference',
          'memory.chat_messages distributed channel_id',
          'memory.chat_messages_v2 distributed session_id memory.conversation_sessions',
          'memory.context_snapshots distributed agent_id memory.agent_memories',
          'memory.context_templates reference',
          'memory.conversation_sessions distributed id',
          'memory.memory_accesses distributed agent_id memory.agent_memories',
          'memory.memory_consolidations distributed agent_id memory.agent_memories',
          'memory.message_id_map local',
          'memory.message_versions distributed session_id memory.conversation_sessions',
          'memory.messages_v2_migration local',
          'memory.state_checkpoints distributed agent_id memory.agent_memories',
          'memory.state_transitions distributed agent_id memory.agent_memories',
          'memory.user_pii local',
          'memory.users reference',
          'memory.workspaces reference'],
    'memory: an agent''s rows co-located by agent, a session''s by session, the directory reference, v1 by channel'
);
SELECT is_empty($$SELECT * FROM core.distribution_problems() WHERE relation::text LIKE 'memory.%'$$,
                'every key of memory fits the plan');
-- The test of the catalog check, in memory's schema: deliberately wrong scratch tables are caught.
CREATE TABLE memory.scratch_unplanned (id int);
CREATE TABLE memory.scratch_notes (
    id uuid PRIMARY KEY,
    agent_id uuid NOT NULL REFERENCES memory.agents (id),
    message_id uuid,
    session_id uuid,
    FOREIGN KEY (message_id, session_id) REFERENCES memory.chat_messages_v2 (id, session_id)
);
SELECT core.register_distribution('memory.scratch_notes', 'distributed', 'scratch', p_column => 'agent_id',
                                  p_colocate_with => 'memory.agent_memories');
SELECT set_eq(
    $$SELECT relation::text, problem FROM core.distribution_problems() WHERE relation::text LIKE 'memory.scratch%'$$,
    $$VALUES ('memory.scratch_unplanned', 'unplanned table'),
             ('memory.scratch_notes', 'unique key without distribution column'),
             ('memory.scratch_notes', 'foreign key between distributed tables not co-located')$$,
    'an unplanned memory table, a key without agent_id and a key into the session group are reported'
);
DELETE FROM core.distribution_plan WHERE relation = 'memory.scratch_notes'::regclass;
DROP TABLE memory.scratch_unplanned, memory.scratch_notes;

SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;

CREATE TEMP TABLE k AS SELECT
    (SELECT id FROM tests.memory_volume WHERE name = 'small_agent') AS agent,
    (SELECT embeddings FROM memory.agent_memories ORDER BY id LIMIT 1 OFFSET 2705) AS query,
    (SELECT s.id FROM memory.conversation_sessions AS s
     WHERE s.conversation_id = (SELECT id FROM tests.memory_volume WHERE name = 'busy_conversation')) AS session,
    (SELECT m.id FROM memory.chat_messages_v2 AS m
     INNER JOIN memory.conversation_sessions AS s ON s.id = m.session_id
     WHERE s.conversation_id = (SELECT id FROM tests.memory_volume WHERE name = 'busy_conversation')
       AND m.content ->> 'text' = 'message 3') AS message;
CREATE TEMP TABLE checkpoint AS
SELECT c.id FROM memory.state_checkpoints AS c, k WHERE c.agent_id = k.agent ORDER BY c.created_at LIMIT 1;

-- The agent group.
SELECT is(tests.reads_beyond_key(format($$SELECT * FROM memory.recall_memories(%L, %L, 5)$$, agent, query), 'memory',
                                 agent::text, '{"memory.agent_memories": 32}'),
          '{}', 'recall_memories reads only its agent''s memories (counted, searched, the k recalled read again)') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT memory.remember(%L, 'semantic', '{"concept": "c", "definition": "d"}', %L)$$,
                                        agent, query), 'memory', agent::text),
          '{}', 'remember reads nothing beyond its agent') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT * FROM memory.update_agent_state(%L, '{"local": {"step": 11}}', 't')$$, agent),
                                 'memory', agent::text, '{"memory.agent_states": 3}'),
          '{}', 'update_agent_state reads only its agent''s states') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT * FROM memory.agent_state_at(%L, '2026-01-02 05:30+00')$$, agent), 'memory',
                                 agent::text),
          '{}', 'agent_state_at reads only its agent''s states') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT * FROM memory.rollback_state(%L, 3)$$, agent), 'memory', agent::text,
                                 '{"memory.agent_states": 3}'),
          '{}', 'rollback_state reads only its agent''s states') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT memory.create_checkpoint(%L, 'manual', 'x')$$, agent), 'memory', agent::text),
          '{}', 'create_checkpoint reads only its agent''s rows') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT * FROM memory.restore_checkpoint(%L)$$, checkpoint.id), 'memory',
                                 k.agent::text, '{"memory.agent_states": 3, "memory.state_checkpoints": 1}'),
          '{}', 'restore_checkpoint reads only its agent''s rows') FROM k, checkpoint;

-- The session group.
SELECT is(tests.reads_beyond_key(format($$SELECT * FROM memory.message_history(%L, %L)$$, message, session), 'memory',
                                 session::text),
          '{}', 'message_history with its session reads only that session''s rows') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT * FROM memory.message_history(%L)$$, message), 'memory', session::text),
          '{}', 'message_history without it looks the session up by the message, then reads only that session''s rows') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT memory.edit_message(%L, '{"type": "text", "text": "m3"}', NULL, 'x', %L)$$,
                                        message, session), 'memory', session::text,
                                 '{"memory.chat_messages_v2": 1, "memory.conversation_sessions": 2}'),
          '{}', 'edit_message reads only its session''s rows (the session row updated by the counters)') FROM k;
SELECT is(tests.reads_beyond_key(format($$SELECT id, role, content FROM memory.chat_messages_v2 WHERE session_id = %L
                                          ORDER BY created_at$$, session), 'memory', session::text),
          '{}', 'a session''s history reads only its messages') FROM k;
SELECT is(tests.reads_beyond_key(format($$INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content)
                                          SELECT conversation_id, id, 'user', '{"type": "text", "text": "hi"}'
                                          FROM memory.conversation_sessions WHERE id = %L$$, session), 'memory',
                                 session::text, '{"memory.conversation_sessions": 3}'),
          '{}', 'a new message reads only its session''s row') FROM k;

-- The test of the test: statements that do not filter on the key are caught.
SELECT isnt(tests.reads_beyond_key($$SELECT max(version_number) FROM memory.agent_states WHERE is_current$$, 'memory',
                                   agent::text),
            '{}', 'a query across agents is reported') FROM k;
SELECT isnt(tests.reads_beyond_key($$SELECT count(*) FROM memory.message_versions WHERE version_number = 2$$, 'memory',
                                   session::text),
            '{}', 'a query across sessions is reported') FROM k;

SELECT * FROM finish();
ROLLBACK;
