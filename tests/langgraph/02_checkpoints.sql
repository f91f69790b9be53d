-- langgraph: what the savers' calls do in SQL. put_checkpoint, put_writes (kept vs replaced), delete,
-- copy, delete_for_runs, prune (keep_latest keeps what a DeltaChannel replays), time travel by time;
-- bad arguments refused with their SQLSTATE. Runs as the application role.
BEGIN;
SELECT plan(29);

SET LOCAL ROLE {{ app_role }};

-- A thread of four checkpoints: c0 (root), c1 snapshots the DeltaChannel h (a blob), c2 and c3 only
-- count updates of h since (no value of theirs: a restore replays c2's and c1's writes onto c1's blob).
SELECT langgraph.put_checkpoint('t1', '', 'c0', NULL,
    '{"v": 4, "id": "c0", "ts": "2026-03-01T10:00:00+00:00", "channel_values": {"n": 0}, "channel_versions": {"n": "1"}, "versions_seen": {}}',
    '{"source": "input", "step": -1, "run_id": "run-a"}', '2026-03-01T10:00:00+00:00');
SELECT langgraph.put_checkpoint('t1', '', 'c1', 'c0',
    '{"v": 4, "id": "c1", "ts": "2026-03-01T10:01:00+00:00", "channel_values": {"n": 1, "h": true}, "channel_versions": {"n": "2", "h": "1"}, "versions_seen": {}}',
    '{"source": "loop", "step": 0, "run_id": "run-a"}', '2026-03-01T10:01:00+00:00',
    ARRAY['h', 'big'], ARRAY['1', '1'], ARRAY['msgpack', 'msgpack'], ARRAY['\x91'::bytea, '\x92'::bytea]);
SELECT langgraph.put_checkpoint('t1', '', 'c2', 'c1',
    '{"v": 4, "id": "c2", "ts": "2026-03-01T10:02:00+00:00", "channel_values": {"n": 2}, "channel_versions": {"n": "3", "h": "2", "big": "1"}, "versions_seen": {}}',
    '{"source": "loop", "step": 1, "run_id": "run-b", "counters_since_delta_snapshot": {"h": [1, 1]}}',
    '2026-03-01T10:02:00+00:00');
SELECT langgraph.put_checkpoint('t1', '', 'c3', 'c2',
    '{"v": 4, "id": "c3", "ts": "2026-03-01T10:03:00+00:00", "channel_values": {"n": 3}, "channel_versions": {"n": "4", "h": "3", "big": "1"}, "versions_seen": {}}',
    '{"source": "loop", "step": 2, "run_id": "run-b", "counters_since_delta_snapshot": {"h": [2, 2]}}',
    '2026-03-01T10:03:00+00:00');
SELECT langgraph.put_writes('t1', '', 'c1', 'task-1', '', ARRAY[0], ARRAY['h'], ARRAY['msgpack'], ARRAY['\x01'::bytea]);
SELECT langgraph.put_writes('t1', '', 'c2', 'task-2', '', ARRAY[0], ARRAY['h'], ARRAY['msgpack'], ARRAY['\x02'::bytea]);
SELECT langgraph.put_writes('t1', '', 'c0', 'task-0', '', ARRAY[0], ARRAY['n'], ARRAY['msgpack'], ARRAY['\x00'::bytea]);

SELECT is((SELECT count(*)::int FROM langgraph.checkpoints WHERE thread_id = 't1'), 4, 'four checkpoints stored');
SELECT is((SELECT count(*)::int FROM langgraph.threads WHERE thread_id = 't1'), 1, 'the thread was made on first put');
SELECT ok((SELECT bool_and(c.thread_created_at = t.created_at) FROM langgraph.checkpoints AS c
           INNER JOIN langgraph.threads AS t ON t.thread_id = c.thread_id WHERE c.thread_id = 't1'),
          'every checkpoint carries its thread''s partition key');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoint_blobs WHERE thread_id = 't1'), 2, 'blobs per channel version');

-- Put again: the checkpoint is replaced, blobs already there kept.
SELECT langgraph.put_checkpoint('t1', '', 'c1', 'c0',
    '{"v": 4, "id": "c1", "ts": "2026-03-01T10:01:00+00:00", "channel_values": {"n": 1, "h": true}, "channel_versions": {"n": "2", "h": "1"}, "versions_seen": {}}',
    '{"source": "loop", "step": 0, "run_id": "run-a", "again": true}', '2026-03-01T10:01:00+00:00',
    ARRAY['h'], ARRAY['1'], ARRAY['msgpack'], ARRAY['\xff'::bytea]);
SELECT is((SELECT metadata ->> 'again' FROM langgraph.checkpoints WHERE thread_id = 't1' AND checkpoint_id = 'c1'),
          'true', 'a checkpoint put again is replaced');
SELECT is((SELECT blob FROM langgraph.checkpoint_blobs WHERE thread_id = 't1' AND channel = 'h' AND version = '1'),
          '\x91'::bytea, 'a blob of a version already stored is kept as first written');

-- Writes: regular ones kept as first written, special channels (negative idx) replaced.
SELECT langgraph.put_writes('t1', '', 'c3', 'task-3', 'p', ARRAY[0], ARRAY['n'], ARRAY['msgpack'], ARRAY['\x0a'::bytea]);
SELECT langgraph.put_writes('t1', '', 'c3', 'task-3', 'p', ARRAY[0], ARRAY['n'], ARRAY['msgpack'], ARRAY['\x0b'::bytea]);
SELECT is((SELECT blob FROM langgraph.checkpoint_writes WHERE thread_id = 't1' AND checkpoint_id = 'c3' AND idx = 0),
          '\x0a'::bytea, 'a regular write is kept as first written');
SELECT langgraph.put_writes('t1', '', 'c3', 'task-3', 'p', ARRAY[-3, -3], ARRAY['__interrupt__', '__interrupt__'],
                            ARRAY['msgpack', 'msgpack'], ARRAY['\x0c'::bytea, '\x0d'::bytea], TRUE);
SELECT langgraph.put_writes('t1', '', 'c3', 'task-3', 'p', ARRAY[-3], ARRAY['__interrupt__'], ARRAY['msgpack'],
                            ARRAY['\x0e'::bytea], TRUE);
SELECT is((SELECT blob FROM langgraph.checkpoint_writes WHERE thread_id = 't1' AND checkpoint_id = 'c3' AND idx = -3),
          '\x0e'::bytea, 'a special channel''s write is replaced, the last of a call winning');

-- Bad arguments.
SELECT throws_ok($$SELECT langgraph.put_checkpoint(NULL, '', 'x', NULL, '{}', '{}')$$, '22004', NULL,
                 'put_checkpoint: a thread_id is required');
SELECT throws_ok($$SELECT langgraph.put_checkpoint('', '', 'x', NULL, '{}', '{}')$$, '22004', NULL,
                 'put_checkpoint: an empty thread_id is refused');
SELECT throws_ok($$SELECT langgraph.put_checkpoint('t9', '', NULL, NULL, '{}', '{}')$$, '22004', NULL,
                 'put_checkpoint: a checkpoint_id is required');
SELECT throws_ok($$SELECT langgraph.put_checkpoint('t9', '', 'x', NULL, '{}', '{}', NULL, ARRAY['a'], ARRAY['1'], ARRAY['t'], '{}')$$,
                 '22023', NULL, 'put_checkpoint: blob arrays of different lengths');
SELECT throws_ok($$SELECT langgraph.put_writes('t9', '', 'x', 't', '', ARRAY[0, 1], ARRAY['a'], ARRAY['t'], ARRAY['\x00'::bytea])$$,
                 '22023', NULL, 'put_writes: arrays of different lengths');
SELECT throws_ok($$SELECT langgraph.put_writes('t9', '', NULL, 't', '', ARRAY[0], ARRAY['a'], ARRAY['t'], ARRAY['\x00'::bytea])$$,
                 '22004', NULL, 'put_writes: a checkpoint_id is required');
SELECT throws_ok($$SELECT langgraph.prune(ARRAY['t1'], 'keep_some')$$, '22023', NULL, 'prune: an unknown strategy');
SELECT throws_ok($$SELECT langgraph.prune_thread('t1', 0)$$, '22023', NULL, 'prune_thread: keeping none is not a prune');
SELECT throws_ok($$SELECT langgraph.copy_thread('t1', 't1')$$, '22023', NULL, 'copy_thread: not onto itself');

-- Time travel by time.
SELECT is((SELECT checkpoint_id FROM langgraph.checkpoint_at('t1', '2026-03-01T10:02:30+00:00')), 'c2',
          'checkpoint_at: the checkpoint the thread was at, at a time');
SELECT is_empty($$SELECT * FROM langgraph.checkpoint_at('t1', '2026-03-01T09:00:00+00:00')$$,
                'checkpoint_at: nothing before the first checkpoint');

-- Copy: every checkpoint, write and blob, same ids, into a new thread; not onto an existing one.
SELECT is(langgraph.copy_thread('t1', 't2'), 4::bigint, 'copy_thread copies every checkpoint');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoint_writes WHERE thread_id = 't2'),
          (SELECT count(*)::int FROM langgraph.checkpoint_writes WHERE thread_id = 't1'), 'and every write');
SELECT throws_ok($$SELECT langgraph.copy_thread('t1', 't2')$$, '23505', NULL, 'copy_thread: the target exists');
SELECT is(langgraph.copy_thread('nobody', 't3'), 0::bigint, 'copying an unknown thread copies nothing');

-- keep_latest on t1: c3 is kept with c2 and c1 (h's history back to its snapshot), c0 goes.
SELECT is(langgraph.prune(ARRAY['t1'], 'keep_latest'), 1::bigint, 'keep_latest removed one checkpoint');
SELECT set_eq($$SELECT checkpoint_id FROM langgraph.checkpoints WHERE thread_id = 't1'$$, ARRAY['c1', 'c2', 'c3'],
              'the latest is kept with the ancestors its DeltaChannel replays, back to the snapshot');
SELECT is((SELECT parent_checkpoint_id FROM langgraph.checkpoints WHERE thread_id = 't1' AND checkpoint_id = 'c1'),
          NULL, 'a kept checkpoint whose parent went has no parent any more');
SELECT is((SELECT count(*)::int FROM langgraph.checkpoint_writes WHERE thread_id = 't1' AND checkpoint_id = 'c0'), 0,
          'the writes of removed checkpoints went with them');

-- delete_for_runs across threads: run-b's checkpoints (c2, c3) go from t2; t1's too.
SELECT is(langgraph.delete_for_runs(ARRAY['run-b']), 4::bigint, 'delete_for_runs removed run-b in both threads');
SELECT set_eq($$SELECT checkpoint_id FROM langgraph.checkpoints WHERE thread_id = 't2'$$, ARRAY['c0', 'c1'],
              'the other run''s checkpoints stay');

SELECT * FROM finish();
ROLLBACK;
