-- memory: query plans on the generated volume (tests/memory/helpers.sql: 3,000 memories of 1536
-- dimensions, 20,000 messages in 200 conversations), as the owner and as the application under
-- row-level security.
BEGIN;
SELECT plan(7);

CREATE TEMP TABLE probe AS
SELECT format('SELECT * FROM memory.nearest_memories(%L, %L, 10, NULL, 0, %L)',
              (SELECT id FROM tests.memory_volume WHERE name = 'big_agent'),
              (SELECT embeddings FROM memory.agent_memories ORDER BY id LIMIT 1 OFFSET 77), '2026-06-01+00') AS recall,
       format('SELECT * FROM memory.chat_messages_v2 WHERE conversation_id = %L ORDER BY created_at',
              (SELECT id FROM tests.memory_volume WHERE name = 'busy_conversation')) AS history,
       (SELECT id FROM tests.memory_volume WHERE name = 'big_agent') AS agent,
       (SELECT embeddings FROM memory.agent_memories ORDER BY id LIMIT 1 OFFSET 77) AS query;
GRANT SELECT ON probe TO {{ app_role }};
GRANT USAGE ON SCHEMA tests TO {{ app_role }};
GRANT SELECT ON tests.memory_volume TO {{ app_role }};

SELECT is(tests.plan_values(tests.explain((SELECT recall FROM probe)), 'Index Name'), ARRAY['idx_memories_embedding'],
          'recall''s search of an agent''s memories runs on the HNSW index');
SELECT is(tests.plan_values(tests.explain((SELECT history FROM probe)), 'Index Name'), ARRAY['idx_messages_conversation'],
          'a conversation''s history is read through its index');

SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.user_id', (SELECT id::text FROM tests.memory_volume WHERE name = 'user_a'), TRUE);
SELECT ok('idx_memories_embedding' = ANY (tests.plan_values(tests.explain((SELECT recall FROM probe)), 'Index Name')),
          'under row-level security, recall still runs on the HNSW index');
SELECT is(tests.plan_values(tests.explain((SELECT history FROM probe)), 'Index Name'),
          ARRAY['conversation_sessions_user', 'idx_messages_conversation'],
          'under row-level security, history uses its index and the sessions'' user index for the policy');
SELECT ok((SELECT bool_or(n LIKE 'InitPlan%') FROM unnest(tests.plan_values(tests.explain((SELECT history FROM probe)),
                                                                            'Subplan Name')) AS n),
          'the policy reads its setting once, in an InitPlan');
SELECT is((SELECT count(*)::int FROM probe, memory.recall_memories(agent, query, 10, p_now => '2026-06-01+00')),
          10, 'the application recalls 10 memories of the agent its user owns');
SELECT set_config('agentdb.user_id', (SELECT id::text FROM tests.memory_volume WHERE name = 'user_b'), TRUE);
SELECT is((SELECT count(*)::int FROM probe, memory.recall_memories(agent, query, 10, p_now => '2026-06-01+00')),
          0, 'and none of an agent of another user');
RESET ROLE;
ROLLBACK;
