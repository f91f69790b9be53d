-- memory test volume, generated once per test database by `dbctl test` (then VACUUM ANALYZE):
--   * 3,000 memories with 1536-dimension embeddings (the column's dimension): 2,700 of one agent
--     ("big": 2,690 semantic, 10 procedural, 10 with importance 0.99) and 10 of each of 30 others,
--     enough for the planner to prefer the HNSW index over a full sort. Rows are inserted with the
--     HNSW index dropped and the index then rebuilt from its own definition: a bulk build takes ~3 s
--     where 3,000 incremental insertions take ~40 s on 2 cores (measured);
--   * 200 conversations of 100 messages (20,000 chat_messages_v2 rows) in sessions of two users.
-- tests.memory_volume names the rows tests refer to. Fixed seeds and times keep plans stable.

CREATE TABLE tests.memory_volume (name text PRIMARY KEY, id uuid NOT NULL);

SELECT setseed(0.17);

INSERT INTO memory.users (id, name) VALUES
('0190a0c0-0000-7000-8000-0000000e0001', 'volume user a'),
('0190a0c0-0000-7000-8000-0000000e0002', 'volume user b');
INSERT INTO memory.agents (id, name, owner_user_id)
SELECT core.uuidv7('2026-01-01+00'::timestamptz + g * interval '1 second'), 'volume agent ' || g,
       CASE WHEN g % 2 = 0 THEN '0190a0c0-0000-7000-8000-0000000e0001'::uuid ELSE '0190a0c0-0000-7000-8000-0000000e0002' END
FROM generate_series(0, 30) AS g;
INSERT INTO tests.memory_volume VALUES
('big_agent', (SELECT id FROM memory.agents WHERE name = 'volume agent 0')),
('small_agent', (SELECT id FROM memory.agents WHERE name = 'volume agent 1')),
('user_a', '0190a0c0-0000-7000-8000-0000000e0001'),
('user_b', '0190a0c0-0000-7000-8000-0000000e0002');

DO $volume$
DECLARE
    v_index text := pg_get_indexdef('memory.idx_memories_embedding'::regclass);
BEGIN
    SET LOCAL ROLE {{ owner_role }};  -- the index is rebuilt by its owner, as the migration built it
    DROP INDEX memory.idx_memories_embedding;
    INSERT INTO memory.agent_memories (agent_id, memory_type, content, embeddings, importance, last_accessed, created_at)
    SELECT a.id,
           CASE WHEN a.name = 'volume agent 0' AND g % 270 = 5 THEN 'procedural' ELSE 'semantic' END,
           CASE WHEN a.name = 'volume agent 0' AND g % 270 = 5
                THEN jsonb_build_object('skill', 'skill ' || g, 'steps', jsonb_build_array('one', 'two'))
                ELSE jsonb_build_object('concept', 'concept ' || g, 'definition', 'definition ' || g) END,
           (SELECT array_agg(random()::real - 0.5) FROM generate_series(1, {{ memory_embedding_dim }}) WHERE g > 0)
               ::{{ extension_schema }}.vector,
           CASE WHEN a.name = 'volume agent 0' AND g % 270 = 7 THEN 0.99 ELSE 0.5 END,
           '2026-01-01+00', '2026-01-01+00'
    FROM generate_series(1, 3000) AS g
    INNER JOIN LATERAL (
        SELECT ag.id, ag.name FROM memory.agents AS ag
        WHERE ag.name = 'volume agent ' || CASE WHEN g <= 2700 THEN 0 ELSE 1 + (g - 2701) / 10 END
    ) AS a ON TRUE;
    EXECUTE v_index;
    RESET ROLE;
END
$volume$;

INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, started_at, last_active)
SELECT core.uuidv7('2026-02-01+00'::timestamptz + c * interval '1 minute'),
       core.uuidv7('2026-02-01+00'::timestamptz + c * interval '1 minute' + interval '1 millisecond'),
       CASE WHEN c % 2 = 0 THEN '0190a0c0-0000-7000-8000-0000000e0001'::uuid ELSE '0190a0c0-0000-7000-8000-0000000e0002' END,
       '2026-02-01+00'::timestamptz + c * interval '1 minute', '2026-02-01+00'
FROM generate_series(1, 200) AS c;
INSERT INTO tests.memory_volume
SELECT 'busy_conversation', conversation_id FROM memory.conversation_sessions
WHERE user_id = '0190a0c0-0000-7000-8000-0000000e0001' ORDER BY started_at LIMIT 1;

INSERT INTO memory.chat_messages_v2 (conversation_id, session_id, role, content, metadata, created_at)
SELECT s.conversation_id, s.id, CASE WHEN n % 2 = 0 THEN 'assistant' ELSE 'user' END,
       jsonb_build_object('type', 'text', 'text', 'message ' || n), jsonb_build_object('tokens', n % 50),
       s.started_at + n * interval '1 second'
FROM memory.conversation_sessions AS s
CROSS JOIN generate_series(1, 100) AS n
WHERE s.user_id IN ('0190a0c0-0000-7000-8000-0000000e0001', '0190a0c0-0000-7000-8000-0000000e0002');

-- State, checkpoints and message versions for the single-shard tests (tests/memory/11_single_shard.sql):
-- 10 state versions and 2 checkpoints for each of the 31 agents, and 2 edits of the first 5 messages
-- of every session (2,000 message versions).
DO $states$
DECLARE
    v_agent uuid;
BEGIN
    FOR v_agent IN SELECT a.id FROM memory.agents AS a WHERE a.name LIKE 'volume agent %' ORDER BY a.id LOOP
        FOR v IN 1 .. 10 LOOP
            PERFORM memory.update_agent_state(v_agent, jsonb_build_object('local', jsonb_build_object('step', v)),
                                              'volume', NULL, '2026-01-02+00'::timestamptz + v * interval '1 hour');
            IF v IN (4, 8) THEN
                PERFORM memory.create_checkpoint(v_agent, 'automatic', 'volume', 'permanent',
                                                 '2026-01-02+00'::timestamptz + v * interval '1 hour');
            END IF;
        END LOOP;
    END LOOP;
END
$states$;

UPDATE memory.chat_messages_v2 AS m SET metadata = m.metadata || '{"edited": 1}'
WHERE (m.content ->> 'text') IN ('message 1', 'message 2', 'message 3', 'message 4', 'message 5');
UPDATE memory.chat_messages_v2 AS m SET metadata = m.metadata || '{"edited": 2}'
WHERE (m.content ->> 'text') IN ('message 1', 'message 2', 'message 3', 'message 4', 'message 5');
