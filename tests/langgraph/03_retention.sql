-- langgraph retention on a pinned calendar (p_now, never today): idle threads removed with their
-- rows, whole months dropped as partitions when all their threads are idle, row by row where a month
-- keeps an active thread; the history cap; expired store items. Runs as the owner (p_now ahead).
BEGIN;
SELECT plan(17);

-- Two past months with their partitions: January 2026 all idle, February with one active thread.
SELECT count(r.*) FROM (VALUES ('langgraph.checkpoints'::regclass), ('langgraph.checkpoint_blobs'),
                             ('langgraph.checkpoint_writes')) AS p (parent)
CROSS JOIN LATERAL core.create_partition(p.parent, '2026-01-01+00') AS r;
SELECT count(r.*) FROM (VALUES ('langgraph.checkpoints'::regclass), ('langgraph.checkpoint_blobs'),
                             ('langgraph.checkpoint_writes')) AS p (parent)
CROSS JOIN LATERAL core.create_partition(p.parent, '2026-02-01+00') AS r;

INSERT INTO langgraph.threads (thread_id, created_at, last_activity_at) VALUES
    ('jan-1', '2026-01-05+00', '2026-02-01+00'),
    ('jan-2', '2026-01-25+00', '2026-02-10+00'),
    ('feb-idle', '2026-02-03+00', '2026-02-04+00'),
    ('feb-active', '2026-02-05+00', '2026-05-01+00');
INSERT INTO langgraph.checkpoints (thread_id, checkpoint_ns, checkpoint_id, checkpoint, metadata, created_at, thread_created_at)
SELECT t.thread_id, '', 'c' || g, '{}', '{}', t.created_at AS checkpoint_at, t.created_at AS partition_key
FROM langgraph.threads AS t CROSS JOIN generate_series(1, 3) AS g;
INSERT INTO langgraph.checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob, thread_created_at)
SELECT t.thread_id, '', 'x', '1', 'msgpack', '\x00', t.created_at FROM langgraph.threads AS t;
INSERT INTO langgraph.checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob,
                                         thread_created_at)
SELECT t.thread_id, '', 'c3', 'task', 0, 'x', 'msgpack', '\x00', t.created_at FROM langgraph.threads AS t;

SELECT is(langgraph.remove_idle_threads('2026-03-01+00'), 0::bigint,
          'on 1 March nothing is idle for 30 days yet (the oldest activity is 1 February)');
SELECT is(langgraph.remove_idle_threads('2026-03-15+00'), 3::bigint,
          'on 15 March the two January threads and feb-idle are removed');
SELECT is_empty($$SELECT p.partition FROM core.partitions_of('langgraph.checkpoints') AS p
                  WHERE p.lower_bound = '2026-01-01+00'$$,
                'January''s checkpoints partition is dropped whole');
SELECT is_empty($$SELECT p.partition FROM core.partitions_of('langgraph.checkpoint_writes') AS p
                  WHERE p.lower_bound = '2026-01-01+00'$$,
                'and its writes partition');
SELECT isnt_empty($$SELECT p.partition FROM core.partitions_of('langgraph.checkpoints') AS p
                    WHERE p.lower_bound = '2026-02-01+00'$$,
                  'February keeps its partitions: feb-active is active');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoints WHERE thread_id = 'feb-idle'), 0,
          'feb-idle''s checkpoints were deleted row by row');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoint_blobs WHERE thread_id = 'feb-idle')
          + (SELECT count(*)::int FROM langgraph.checkpoint_writes WHERE thread_id = 'feb-idle'), 0,
          'with its blobs and writes');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoints WHERE thread_id = 'feb-active'), 3,
          'the active thread keeps everything');
SELECT set_eq($$SELECT thread_id FROM langgraph.threads$$, ARRAY['feb-active'], 'one thread left');

-- The history cap (langgraph_history_cap = {{ langgraph_history_cap }}): a thread with more keeps its newest.
INSERT INTO langgraph.threads (thread_id, created_at, last_activity_at) VALUES ('long', '2026-02-06+00', '2026-02-07+00');
INSERT INTO langgraph.checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata,
                                   created_at, thread_created_at)
SELECT 'long', '', format('c%s', lpad(g::text, 6, '0')), CASE WHEN g > 1 THEN format('c%s', lpad((g - 1)::text, 6, '0')) END,
       '{"v": 4}', '{}', '2026-02-06+00'::timestamptz + g * interval '1 second', '2026-02-06+00'
FROM generate_series(1, {{ langgraph_history_cap }} + 5) AS g;
SELECT is(langgraph.cap_thread_history('2026-02-08+00'), 5::bigint, 'the cap removes the oldest checkpoints beyond it');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoints WHERE thread_id = 'long'), {{ langgraph_history_cap }},
          'the thread keeps its newest {{ langgraph_history_cap }}');
SELECT is(langgraph.cap_thread_history('2026-02-08+00'), 0::bigint, 'a thread capped and not written since is skipped');

-- Expired store items (and their embeddings) go; the others stay.
INSERT INTO langgraph.store (root, prefix, key, value, expires_at, ttl_minutes) VALUES
    ('a', 'a.b', 'old', '{}', '2026-02-01+00', 1), ('a', 'a.b', 'new', '{}', '2026-04-01+00', 1),
    ('a', 'a.b', 'kept', '{}', NULL, NULL);
SELECT is(langgraph.expire_store_items('2026-03-01+00'), 1::bigint, 'one store item expired');
SELECT set_eq($$SELECT key FROM langgraph.store$$, ARRAY['new', 'kept'], 'the others stay');

-- Tables whose retention action is 'detach': an idle month's partitions are handed to
-- core.retire_partition (detached and recorded for a later drop), not dropped.
UPDATE core.partitioned_tables SET retention_action = 'detach'
WHERE parent IN ('langgraph.checkpoints'::regclass, 'langgraph.checkpoint_blobs', 'langgraph.checkpoint_writes');
SELECT count(r.*) FROM (VALUES ('langgraph.checkpoints'::regclass), ('langgraph.checkpoint_blobs'),
                             ('langgraph.checkpoint_writes')) AS p (parent)
CROSS JOIN LATERAL core.create_partition(p.parent, '2025-12-01+00') AS r;
INSERT INTO langgraph.threads (thread_id, created_at, last_activity_at) VALUES ('dec-1', '2025-12-05+00', '2025-12-06+00');
INSERT INTO langgraph.checkpoints (thread_id, checkpoint_ns, checkpoint_id, checkpoint, metadata, created_at, thread_created_at)
VALUES ('dec-1', '', 'c1', '{}', '{}', '2025-12-05+00', '2025-12-05+00');
SELECT is(langgraph.remove_idle_threads('2026-03-15+00'), 2::bigint,
          'December''s idle thread is removed (and long, idle since 7 February)');
SELECT is_empty($$SELECT p.partition FROM core.partitions_of('langgraph.checkpoints') AS p
                  WHERE p.lower_bound = '2025-12-01+00'$$,
                'December''s checkpoints partition is no longer attached');
SELECT is((SELECT count(*)::int FROM core.detached_partitions AS d
           WHERE d.parent IN ('langgraph.checkpoints'::regclass, 'langgraph.checkpoint_blobs',
                              'langgraph.checkpoint_writes')),
          3, 'its three partitions are detached and kept until their grace ends (retention action detach)');

SELECT * FROM finish();
ROLLBACK;
