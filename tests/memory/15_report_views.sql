-- memory's report views (dbctl report) on the seeded Archivist (spec 004's story): memories by
-- type, recall activity (from the audit log, after a recall here), state versions and rollbacks.
BEGIN;
SELECT plan(6);

SELECT results_eq(
    $$SELECT agent_name, memory_type, memories, avg_importance, recalled FROM memory.memories_by_type
      WHERE agent_id = '0190a0c0-0000-7000-8000-00000000a0a1' ORDER BY memory_type$$,
    $$VALUES ('Archivist', 'episodic', 1::bigint, 0.600, 0::bigint), ('Archivist', 'procedural', 1, 0.800, 0),
             ('Archivist', 'semantic', 2, 0.900, 0), ('Archivist', 'working', 1, 0.400, 0)$$,
    'memories_by_type: the Archivist''s memories by type'
);
SELECT is_empty($$SELECT * FROM memory.recall_activity_daily WHERE agent_id = '0190a0c0-0000-7000-8000-00000000a0a1'$$,
                'no recall yet');
CREATE TEMP TABLE recalled AS
SELECT memory_id FROM memory.recall_memories(
    '0190a0c0-0000-7000-8000-00000000a0a1',
    (SELECT embeddings FROM memory.agent_memories
     WHERE agent_id = '0190a0c0-0000-7000-8000-00000000a0a1' AND embeddings IS NOT NULL ORDER BY id LIMIT 1), 3);
SELECT memory.fold_memory_accesses();  -- maintenance's fold: the audited update the view counts
SELECT results_eq(
    $$SELECT day, memories_recalled FROM memory.recall_activity_daily
      WHERE agent_id = '0190a0c0-0000-7000-8000-00000000a0a1'$$,
    $$SELECT (now() AT TIME ZONE 'UTC')::date, count(*) FROM recalled$$,
    'recall_activity_daily: the memories just recalled, on today''s UTC date'
);
SELECT results_eq(
    $$SELECT day, transition_type, transitions FROM memory.state_activity_daily
      WHERE agent_id = '0190a0c0-0000-7000-8000-00000000a0a1' ORDER BY transition_type$$,
    $$VALUES ('2025-02-01'::date, 'restore', 1::bigint), ('2025-02-01', 'update', 3)$$,
    'state_activity_daily: three updates and a rollback on the story''s day'
);
SELECT results_eq(
    $$SELECT agent_name, versions, current_version, rollbacks, resets, checkpoints, last_transition_at
      FROM memory.agent_state_summary WHERE agent_id = '0190a0c0-0000-7000-8000-00000000a0a1'$$,
    $$VALUES ('Archivist', 4::bigint, 4, 1::bigint, 0::bigint, 1::bigint, '2025-02-01 09:04+00'::timestamptz)$$,
    'agent_state_summary: four versions, the current one, a rollback, a checkpoint'
);
SET LOCAL ROLE {{ readonly_role }};
SELECT isnt_empty(
    $$SELECT * FROM memory.memories_by_type CROSS JOIN memory.recall_activity_daily
      CROSS JOIN memory.state_activity_daily CROSS JOIN memory.agent_state_summary$$,
    'the read-only role reads all four (every row: its reporting policies)'
);
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
