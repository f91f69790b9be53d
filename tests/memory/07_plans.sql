-- memory: query plans on the generated volume (tests/memory/helpers.sql: 3,000 memories of 1536
-- dimensions, 20,000 messages in 200 conversations), as the owner and as the application under
-- row-level security.
BEGIN;
SELECT plan(18);

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

-- recall_memories' own statements: its count of matching memories, and its two searches with its
-- settings (enable_sort off: only the HNSW index orders nearest_memories; exact_nearest_memories never
-- takes it, for the big agent as for a small one).
SET LOCAL enable_sort = off;
SELECT is(tests.plan_values(tests.explain(format(
              $$SELECT count(*) > 1000 FROM (SELECT FROM memory.agent_memories AS m WHERE m.agent_id = %L
                AND m.importance >= 0 AND (m.expires_at IS NULL OR m.expires_at > '2026-06-01+00') LIMIT 1001) AS c$$,
              (SELECT id FROM tests.memory_volume WHERE name = 'small_agent'))), 'Node Type') && ARRAY['Index Only Scan'], TRUE,
          'recall''s count of a small agent''s matching memories reads the covering b-tree alone (index-only scan)');
SELECT is(tests.plan_values(tests.explain((SELECT recall FROM probe)), 'Index Name'), ARRAY['idx_memories_embedding'],
          'with sorts disabled, as in recall_memories, the approximate search runs on the HNSW index');
SET LOCAL plan_cache_mode = force_generic_plan;
PREPARE approximate_search(uuid, {{ extension_schema }}.vector) AS
SELECT * FROM memory.nearest_memories($1, $2, 10, NULL, 0, '2026-06-01+00');
SELECT is(tests.plan_values(tests.explain(format('EXECUTE approximate_search(%L, %L)', agent, query)), 'Index Name'),
          ARRAY['idx_memories_embedding'],
          'and so does its generic plan (planned once for any agent: recall keeps it for the session)')
FROM probe;
DEALLOCATE approximate_search;
RESET plan_cache_mode;
SELECT ok(NOT 'idx_memories_embedding' = ANY (tests.plan_values(tests.explain(format(
              'SELECT * FROM memory.exact_nearest_memories(%L, %L, 10, NULL, 0, %L)', agent, query, '2026-06-01+00')),
              'Index Name'))
          AND 'Sort' = ANY (tests.plan_values(tests.explain(format(
              'SELECT * FROM memory.exact_nearest_memories(%L, %L, 10, NULL, 0, %L)', agent, query, '2026-06-01+00')),
              'Node Type')), 'the exact search never takes the HNSW index, even with sorts disabled: b-tree, then sort')
FROM probe;
SELECT ok(NOT 'idx_memories_embedding' = ANY (tests.plan_values(tests.explain(format(
              'SELECT * FROM memory.exact_nearest_memories(%L, %L, 10, NULL, 0, %L)',
              (SELECT id FROM tests.memory_volume WHERE name = 'small_agent'), query, '2026-06-01+00')),
              'Index Name')), 'nor for a small agent')
FROM probe;
-- recall plans its statements once per session (plan_cache_mode force_generic_plan, sequential scans
-- and sorts disabled, its SET clauses): priced for no agent in particular, the generic plans of its
-- count and of its exact search still read the agent's memories through idx_memories_agent_type
-- alone. Without the guard on importance (IS TRUE), the exact search's generic plan also read every
-- entry of idx_memories_importance (importance >= $5, a BitmapAnd).
SET LOCAL plan_cache_mode = force_generic_plan;
SET LOCAL enable_seqscan = off;
PREPARE exact_search(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz) AS
SELECT * FROM memory.exact_nearest_memories($1, $2, $3, $4, $5, $6);
SELECT is(tests.plan_values(tests.explain(format('EXECUTE exact_search(%L, %L, 10, NULL, 0, %L)',
              (SELECT id FROM tests.memory_volume WHERE name = 'small_agent'), query, '2026-06-01+00')), 'Index Name'),
          ARRAY['idx_memories_agent_type'],
          'the exact search''s generic plan reads the agent''s memories through its b-tree alone (not idx_memories_importance)')
FROM probe;
SELECT is(tests.plan_values(tests.explain(format('EXECUTE exact_search(%L, %L, 10, %L, 0.5, %L)',
              (SELECT id FROM tests.memory_volume WHERE name = 'small_agent'), query, '{semantic}', '2026-06-01+00')),
              'Index Name'),
          ARRAY['idx_memories_agent_type'], 'and so with a type and an importance to filter on')
FROM probe;
-- recall counts up to 1,001 matching rows, any of them (hence a LIMIT without ORDER BY).
PREPARE matching_count(uuid, text[], double precision, timestamptz) AS
SELECT count(*) > 1000 FROM (
    SELECT FROM memory.agent_memories AS m
    WHERE m.agent_id = $1 AND ($2 IS NULL OR m.memory_type = ANY ($2))
      AND (m.importance >= $3) IS TRUE AND (m.expires_at IS NULL OR m.expires_at > $4)
    LIMIT 1001  -- noqa: AM09
) AS c;
SELECT is(tests.plan_values(tests.explain(format('EXECUTE matching_count(%L, NULL, 0, %L)',
              (SELECT id FROM tests.memory_volume WHERE name = 'small_agent'), '2026-06-01+00')), 'Index Name'),
          ARRAY['idx_memories_agent_type'], 'the count''s generic plan reads the covering b-tree alone');
SELECT ok('Index Only Scan' = ANY (tests.plan_values(tests.explain(format('EXECUTE matching_count(%L, %L, 0.5, %L)',
              (SELECT id FROM tests.memory_volume WHERE name = 'big_agent'), '{semantic}', '2026-06-01+00')), 'Node Type')),
          'and an index-only scan of it, filters included');
DEALLOCATE exact_search;
DEALLOCATE matching_count;
RESET enable_seqscan;
RESET plan_cache_mode;
-- recall's look-up of a memory's latest waiting access, with 20,000 accesses waiting.
INSERT INTO memory.memory_accesses (agent_id, memory_id, accessed_at)
SELECT m.agent_id, m.id, '2026-06-01+00'::timestamptz - g * interval '1 minute'
FROM (SELECT agent_id, id FROM memory.agent_memories ORDER BY id LIMIT 2000) AS m CROSS JOIN generate_series(1, 10) AS g;
ANALYZE memory.memory_accesses;
SELECT is(tests.plan_values(tests.explain(format(
              'SELECT max(q.accessed_at) FROM memory.memory_accesses AS q WHERE q.agent_id = %L AND q.memory_id = %L',
              agent, (SELECT id FROM memory.agent_memories WHERE agent_id = agent ORDER BY id LIMIT 1))), 'Index Name'),
          ARRAY['memory_accesses_memory'], 'a memory''s latest waiting access is read from the end of its index range')
FROM probe;
RESET enable_sort;
SET LOCAL enable_indexscan = off;  -- the reference: every memory of the agent, sorted
SELECT results_eq(
    format('SELECT id FROM memory.exact_nearest_memories(%L, %L, 10, NULL, 0, %L)', agent, query, '2026-06-01+00'),
    format($$SELECT id FROM memory.agent_memories WHERE agent_id = %L
             ORDER BY embeddings OPERATOR({{ extension_schema }}.<=>) %L::{{ extension_schema }}.vector LIMIT 10$$,
           agent, query),
    'the exact search returns the exact 10 nearest, nearest first'
) FROM probe;
RESET enable_indexscan;

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
