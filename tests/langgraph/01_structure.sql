-- langgraph structure, exhaustively: an object added without a test fails here.
BEGIN;
SELECT plan(27);

SELECT has_schema('langgraph', 'schema langgraph exists');
SELECT set_eq(
    $$SELECT relname::text FROM pg_class
      WHERE relnamespace = 'langgraph'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition$$,
    ARRAY['threads', 'checkpoints', 'checkpoint_blobs', 'checkpoint_writes', 'store', 'store_vectors'],
    'langgraph has exactly its tables (partitions aside)'
);
SELECT views_are('langgraph', ARRAY['threads_overview', 'checkpoint_history'], 'langgraph has exactly its views');
SELECT functions_are('langgraph', ARRAY[
    'cap_thread_history', 'check_thread_id', 'checkpoint_at', 'copy_thread', 'delete_for_runs', 'delete_thread',
    'delete_unreferenced_blobs', 'delta_channels', 'expire_store_items', 'forget_checkpoints', 'kept_checkpoints',
    'prune', 'prune_thread', 'put_checkpoint', 'put_writes', 'remove_idle_threads', 'thread_for_write',
    'touch_thread', 'unstored_channels'
], 'langgraph has exactly its functions');

SELECT columns_are('langgraph', 'threads', ARRAY['thread_id', 'created_at', 'last_activity_at', 'capped_at'],
                   'threads columns');
SELECT columns_are('langgraph', 'checkpoints', ARRAY[
    'thread_id', 'checkpoint_ns', 'checkpoint_id', 'parent_checkpoint_id', 'checkpoint', 'metadata', 'created_at',
    'thread_created_at'
], 'checkpoints: PostgresSaver''s columns (less its unused type) plus created_at and the partition key');
SELECT columns_are('langgraph', 'checkpoint_blobs', ARRAY[
    'thread_id', 'checkpoint_ns', 'channel', 'version', 'type', 'blob', 'thread_created_at'
], 'checkpoint_blobs: PostgresSaver''s columns plus the partition key');
SELECT columns_are('langgraph', 'checkpoint_writes', ARRAY[
    'thread_id', 'checkpoint_ns', 'checkpoint_id', 'task_id', 'task_path', 'idx', 'channel', 'type', 'blob',
    'thread_created_at'
], 'checkpoint_writes: PostgresSaver''s columns plus the partition key');
SELECT columns_are('langgraph', 'store', ARRAY[
    'root', 'prefix', 'key', 'value', 'created_at', 'updated_at', 'expires_at', 'ttl_minutes'
], 'store: PostgresStore''s columns plus root (the distribution column)');
SELECT columns_are('langgraph', 'store_vectors', ARRAY[
    'root', 'prefix', 'key', 'field_name', 'embedding', 'created_at', 'updated_at'
], 'store_vectors: PostgresStore''s columns plus root');

SELECT col_is_pk('langgraph', 'threads', ARRAY['thread_id'], 'a thread is its thread_id');
SELECT col_is_pk('langgraph', 'checkpoints', ARRAY['thread_id', 'checkpoint_ns', 'checkpoint_id', 'thread_created_at'],
                 'checkpoints key: PostgresSaver''s and the partition key');
SELECT col_is_pk('langgraph', 'checkpoint_blobs',
                 ARRAY['thread_id', 'checkpoint_ns', 'channel', 'version', 'thread_created_at'],
                 'a blob per thread, namespace, channel and version');
SELECT col_is_pk('langgraph', 'checkpoint_writes',
                 ARRAY['thread_id', 'checkpoint_ns', 'checkpoint_id', 'task_id', 'idx', 'thread_created_at'],
                 'a write per checkpoint, task and index');
SELECT col_is_pk('langgraph', 'store', ARRAY['root', 'prefix', 'key'], 'an item per namespace and key');
SELECT fk_ok('langgraph', 'store_vectors', ARRAY['root', 'prefix', 'key'], 'langgraph', 'store',
             ARRAY['root', 'prefix', 'key'], 'embeddings belong to their item');

SELECT is(
    (SELECT array_agg(t.parent::text ORDER BY t.parent::text) FROM core.partitioned_tables AS t
     WHERE t.parent::text LIKE 'langgraph.%'),
    ARRAY['langgraph.checkpoint_blobs', 'langgraph.checkpoint_writes', 'langgraph.checkpoints'],
    'checkpoints, blobs and writes are under core''s partition manager'
);
SELECT ok(
    (SELECT bool_and(t.partition_interval = 'month' AND t.retention IS NULL AND t.default_partition)
     FROM core.partitioned_tables AS t WHERE t.parent::text LIKE 'langgraph.%'),
    'monthly, with a default partition, and no age-based retention (langgraph.remove_idle_threads decides)'
);
SELECT is((SELECT count(*)::int FROM core.partitions_of('langgraph.checkpoints') AS p WHERE p.is_default), 1,
          'checkpoints has its default partition');
SELECT is(
    (SELECT array_agg(t.task::text ORDER BY t.task::text) FROM core.maintenance_tasks AS t
     WHERE t.task::text LIKE 'langgraph.%'),
    ARRAY['langgraph.cap_thread_history(timestamp with time zone)',
          'langgraph.expire_store_items(timestamp with time zone)',
          'langgraph.remove_idle_threads(timestamp with time zone)'],
    'retention runs as core maintenance tasks'
);

SELECT has_index('langgraph', 'store_vectors', 'store_vectors_embedding', 'the embeddings have an index');
SELECT is((SELECT am.amname::text FROM pg_class AS c INNER JOIN pg_am AS am ON am.oid = c.relam
           WHERE c.oid = 'langgraph.store_vectors_embedding'::regclass), 'hnsw', 'an HNSW index');
SELECT is((SELECT am.amname::text FROM pg_class AS c INNER JOIN pg_am AS am ON am.oid = c.relam
           WHERE c.oid = 'langgraph.store_value'::regclass), 'gin', 'store values have a GIN index (filters)');
SELECT has_index('langgraph', 'checkpoints', 'checkpoints_run_id', 'delete_for_runs finds runs by index');
SELECT has_index('langgraph', 'threads', 'threads_created_at', 'retention finds a month''s threads by index');

SELECT is_empty(
    $$SELECT c.relname FROM pg_class AS c
      WHERE c.relnamespace = 'langgraph'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
        AND obj_description(c.oid, 'pg_class') IS NULL$$,
    'every table and view has a COMMENT'
);
SELECT is_empty(
    $$SELECT p.proname FROM pg_proc AS p WHERE p.pronamespace = 'langgraph'::regnamespace
        AND obj_description(p.oid, 'pg_proc') IS NULL$$,
    'every function has a COMMENT'
);

SELECT * FROM finish();
ROLLBACK;
