-- memory: remember, recall (ranking, decay, access bookkeeping, k rows under a selective filter
-- through the HNSW index's iterative scan), consolidation, and expiry by core maintenance.
BEGIN;
SELECT plan(30);

-- An embedding pointing along axis i, tilted by w towards axis j.
CREATE FUNCTION pg_temp.vec(p_i integer, p_j integer DEFAULT 1, p_w real DEFAULT 0)
RETURNS {{ extension_schema }}.vector LANGUAGE sql AS $$
    SELECT array_agg(CASE WHEN g = p_i THEN 1 WHEN g = p_j THEN p_w ELSE 0 END ORDER BY g)::{{ extension_schema }}.vector
    FROM generate_series(1, {{ memory_embedding_dim }}) AS g
$$;

INSERT INTO memory.agents (id, name) VALUES ('0190a0c0-0000-7000-8000-00000000f0a1', 'recalling agent'),
                                            ('0190a0c0-0000-7000-8000-00000000f0a2', 'other agent');
CREATE TEMP TABLE m (name text PRIMARY KEY, id uuid);
INSERT INTO m VALUES
('faint', memory.remember('0190a0c0-0000-7000-8000-00000000f0a1', 'semantic', '{"concept": "tea", "definition": "a drink"}',
                          pg_temp.vec(1), 0.2, p_now => '2026-01-01+00')),
('vivid', memory.remember('0190a0c0-0000-7000-8000-00000000f0a1', 'episodic', '{"event": "tea with Ada", "temporal": "2025-12-24"}',
                          pg_temp.vec(1, 2, 0.5), 0.9, p_now => '2026-01-01+00')),
('far', memory.remember('0190a0c0-0000-7000-8000-00000000f0a1', 'procedural', '{"skill": "brew", "steps": ["boil", "steep"]}',
                        pg_temp.vec(3), 0.5, p_now => '2026-01-01+00')),
('stranger', memory.remember('0190a0c0-0000-7000-8000-00000000f0a2', 'semantic', '{"concept": "tea", "definition": "leaves"}',
                             pg_temp.vec(1), 1.0, p_now => '2026-01-01+00'));

SELECT throws_ok($$SELECT memory.remember('0190a0c0-0000-7000-8000-00000000f0a1', 'semantic',
                   '{"concept": "x", "definition": "y"}', pg_temp.vec(1), p_now => 'infinity')$$,
                 '22008', NULL, 'a memory dated at a non-finite time is refused (core.check_clock)');
SELECT throws_ok($$SELECT memory.remember('0190a0c0-0000-7000-8000-00000000f0a1', 'semantic',
                   '{"concept": "x", "definition": "y"}', pg_temp.vec(1), p_now => NULL)$$,
                 '22004', NULL, 'and one dated at a NULL time');
SELECT results_eq(
    $$SELECT memory_id, round(similarity::numeric, 4), round(effective_importance::numeric, 4), round(score::numeric, 4)
      FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', pg_temp.vec(1), 2, p_now => '2026-01-11+00')$$,
    $$VALUES ((SELECT id FROM m WHERE name = 'vivid'), 0.8944, round((0.9 * exp(-1))::numeric, 4), round((0.8944 * 0.9 * exp(-1))::numeric, 4)),
             ((SELECT id FROM m WHERE name = 'faint'), 1.0000, round((0.2 * exp(-1))::numeric, 4), round((0.2 * exp(-1))::numeric, 4))$$,
    'recall: the k nearest of the agent only, ranked by similarity x importance decayed over 10 days at 0.1 a day'
);
SELECT results_eq(
    $$SELECT name, access_count, last_accessed FROM memory.agent_memories JOIN m USING (id) ORDER BY name$$,
    $$VALUES ('faint', 0, '2026-01-01+00'::timestamptz), ('far', 0, '2026-01-01+00'::timestamptz),
             ('stranger', 0, '2026-01-01+00'::timestamptz), ('vivid', 0, '2026-01-01+00'::timestamptz)$$,
    'recall changes no memory row itself (nothing for its commit to flush, nothing to audit on the read)'
);
SELECT results_eq(
    $$SELECT memory_id, accessed_at FROM memory.memory_accesses ORDER BY memory_id$$,
    $$SELECT id, '2026-01-11+00'::timestamptz FROM m WHERE name IN ('faint', 'vivid') ORDER BY id$$,
    'it records the access of each memory it returned, at its time, in the unlogged memory_accesses'
);
SELECT is((SELECT round(effective_importance::numeric, 4) FROM memory.recall_memories(
              '0190a0c0-0000-7000-8000-00000000f0a1', pg_temp.vec(1), 1, p_now => '2026-01-11+00')),
          0.2000, 'a memory just recalled has its full importance again, its access not yet folded');
SELECT is(memory.fold_memory_accesses(), 2::bigint, 'maintenance''s fold updates the two memories recalled');
SELECT results_eq(
    $$SELECT name, access_count, last_accessed FROM memory.agent_memories JOIN m USING (id) ORDER BY name$$,
    $$VALUES ('faint', 2, '2026-01-11+00'::timestamptz), ('far', 0, '2026-01-01+00'::timestamptz),
             ('stranger', 0, '2026-01-01+00'::timestamptz), ('vivid', 1, '2026-01-11+00'::timestamptz)$$,
    'once folded, each access is counted and last_accessed refreshed, of what recall returned and nothing else'
);
SELECT is((SELECT count(*)::int FROM memory.memory_accesses), 0, 'the folded accesses leave the queue');
SELECT is(memory.fold_memory_accesses(), 0::bigint, 'and a second fold finds nothing: each access counts once');
SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.agent_id', '0190a0c0-0000-7000-8000-00000000f0a2', TRUE);
SELECT throws_ok($$SELECT memory.record_memory_accesses('0190a0c0-0000-7000-8000-00000000f0a1',
                   ARRAY[(SELECT id FROM m WHERE name = 'faint')], now())$$,
                 '42501', NULL, 'the application cannot record accesses for an agent it does not act for');
RESET ROLE;
SELECT is((SELECT relpersistence::text FROM pg_class WHERE oid = 'memory.memory_accesses'::regclass), 'u',
          'memory_accesses is unlogged: a recall writes no WAL, so its commit waits for no flush');
SELECT results_eq(
    $$SELECT memory_id FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', pg_temp.vec(1), 10,
                                                   ARRAY['procedural'], p_now => '2026-01-11+00')$$,
    $$SELECT id FROM m WHERE name = 'far'$$,
    'the types filter keeps the other types out'
);
SELECT results_eq(
    $$SELECT memory_id FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', pg_temp.vec(1), 10,
                                                   p_min_importance => 0.8, p_now => '2026-01-11+00')$$,
    $$SELECT id FROM m WHERE name = 'vivid'$$,
    'min_importance filters on the stored importance'
);

SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', pg_temp.vec(1), 0)$$,
                 '22023', NULL, 'k below 1 is refused');
SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', pg_temp.vec(1), 5, ARRAY['dreams'])$$,
                 '22023', NULL, 'an unknown memory type is refused');
SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', pg_temp.vec(1), 5, NULL, 1.5)$$,
                 '22023', NULL, 'min_importance above 1 is refused');
SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', '[1, 0, 0]')$$,
                 '22000', NULL, 'a query embedding of another dimension is refused');
SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-00000000f0a1', NULL)$$,
                 '22004', NULL, 'a NULL query embedding is refused');

-- Consolidation.
SELECT lives_ok($$INSERT INTO m SELECT 'merged', memory.consolidate_memories(
                    '0190a0c0-0000-7000-8000-00000000f0a1', ARRAY[(SELECT id FROM m WHERE name = 'faint'), (SELECT id FROM m WHERE name = 'vivid')],
                    'merge', '{"concept": "tea", "definition": "a drink shared with Ada"}', pg_temp.vec(1, 2, 0.2))$$,
                'two memories are consolidated');
SELECT results_eq(
    $$SELECT c.consolidation_type, c.source_memories, c.tokens_saved, n.importance, n.related_memories
      FROM memory.memory_consolidations AS c JOIN memory.agent_memories AS n ON n.id = c.consolidated_memory_id
      WHERE c.consolidated_memory_id = (SELECT id FROM m WHERE name = 'merged')$$,
    $$SELECT 'merge', ARRAY[f.id, v.id],
             (ceil(octet_length(f.content::text) / 4.0) + ceil(octet_length(v.content::text) / 4.0)
              - ceil(octet_length('{"concept": "tea", "definition": "a drink shared with Ada"}'::jsonb::text) / 4.0))::integer,
             0.9::double precision, ARRAY[f.id, v.id]
      FROM memory.agent_memories AS f, memory.agent_memories AS v
      WHERE f.id = (SELECT id FROM m WHERE name = 'faint') AND v.id = (SELECT id FROM m WHERE name = 'vivid')$$,
    'the consolidation row records the sources and tokens saved; the new memory links them and keeps their top importance'
);
SELECT throws_ok($$SELECT memory.consolidate_memories('0190a0c0-0000-7000-8000-00000000f0a1',
                     ARRAY[(SELECT id FROM m WHERE name = 'far'), (SELECT id FROM m WHERE name = 'stranger')],
                     'merge', '{"concept": "x", "definition": "y"}', pg_temp.vec(4))$$,
                 '22023', NULL, 'a memory of another agent cannot be consolidated');
SELECT throws_ok($$SELECT memory.consolidate_memories('0190a0c0-0000-7000-8000-00000000f0a1',
                     ARRAY[(SELECT id FROM m WHERE name = 'far')], 'blend', '{"concept": "x", "definition": "y"}', pg_temp.vec(4))$$,
                 '23514', NULL, 'an unknown consolidation type is refused');
SELECT is((SELECT count(*)::int FROM memory.agent_memories WHERE agent_id = '0190a0c0-0000-7000-8000-00000000f0a1'), 4,
          'refused consolidations leave no memory behind');

-- Expiry by core maintenance.
SELECT memory.remember('0190a0c0-0000-7000-8000-00000000f0a1', 'working', '{"items": ["kettle"], "capacity": 7}',
                       pg_temp.vec(5), p_expires_at => '2026-01-02+00', p_now => '2026-01-01+00');
SELECT results_eq(
    $$SELECT rows, outcome FROM core.run_maintenance('2026-01-03+00') WHERE target = 'memory.expire_memories(timestamp with time zone)'$$,
    $$VALUES (1::bigint, 'ok')$$,
    'core maintenance removes the expired memory'
);
SELECT is((SELECT count(*)::int FROM memory.agent_memories WHERE memory_type = 'working'
           AND agent_id = '0190a0c0-0000-7000-8000-00000000f0a1'), 0, 'it is gone');

-- k rows under a selective filter, through the HNSW index (volume of tests/memory/helpers.sql). The
-- b-tree alternatives are dropped in this transaction so that the planner has only the HNSW index
-- (the primary key (id, agent_id) too: PostgreSQL 18 can skip-scan it for an agent).
DROP INDEX memory.idx_memories_agent_type, memory.idx_memories_importance;
SET LOCAL client_min_messages = warning;
ALTER TABLE memory.agent_memories DROP CONSTRAINT agent_memories_pkey CASCADE;
RESET client_min_messages;
SET LOCAL enable_seqscan = off;
CREATE TEMP TABLE probe AS
SELECT (SELECT id FROM tests.memory_volume WHERE name = 'big_agent') AS agent,
       (SELECT embeddings FROM memory.agent_memories ORDER BY id LIMIT 1 OFFSET 77) AS query;
SELECT is((SELECT tests.plan_values(tests.explain(format(
              'SELECT * FROM memory.nearest_memories(%L, %L, 10, ''{procedural}'', 0, ''2026-06-01+00'')', agent, query)),
              'Index Name') FROM probe),
          ARRAY['idx_memories_embedding'], 'the filtered search runs on the HNSW index');
SELECT set_config('hnsw.iterative_scan', 'off', TRUE);
SELECT cmp_ok((SELECT count(*)::int FROM probe, memory.nearest_memories(agent, query, 10, '{procedural}', 0, '2026-06-01+00')),
              '<', 10, 'without an iterative scan, 10 of 2,700 rows pass the filter among the first candidates: fewer than k');
SELECT results_eq(
    $$SELECT count(*)::int, bool_and(memory_type = 'procedural')
      FROM probe, memory.recall_memories(agent, query, 10, '{procedural}', 0, '2026-06-01+00')$$,
    $$VALUES (10, TRUE)$$,
    'recall_memories (iterative scan) still returns the k = 10 procedural memories'
);
SELECT is(current_setting('hnsw.iterative_scan'), 'off', 'and leaves the caller''s setting as it was');
ROLLBACK;
