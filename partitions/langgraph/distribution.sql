-- langgraph in the distribution plan (core.register_distribution, docs/scale-out.md, DESIGN.md
-- section 8). Two co-location groups:
--   * by thread (thread_id), led by threads: a thread's checkpoints, blobs and writes live on its
--     shard, so put, put_writes, get_tuple, list, prune and copy within a thread run on one shard;
--   * by the store namespace's first label (root), led by store: a namespace and every namespace
--     under it on one shard, its vectors beside its items (the embedding foreign key is co-located).

SELECT core.register_distribution(
    'langgraph.threads', 'distributed',
    'leads the thread group: a thread''s rows live on its thread''s shard', p_column => 'thread_id'
);

SELECT core.register_distribution(t.relation, 'distributed', t.reason, p_column => 'thread_id',
                                  p_colocate_with => 'langgraph.threads')
FROM (VALUES
    ('langgraph.checkpoints'::regclass,
     'a thread''s checkpoints, read and written per thread; partitioned by the month the thread started'),
    ('langgraph.checkpoint_blobs', 'a thread''s channel values, read with its checkpoints'),
    ('langgraph.checkpoint_writes', 'a thread''s pending writes, read with its checkpoints')
) AS t (relation, reason)
ORDER BY t.relation::text;

SELECT core.register_distribution(
    'langgraph.store', 'distributed',
    'leads the store group: items by the first label of their namespace (a namespace prefix search runs on one shard)',
    p_column => 'root'
);
SELECT core.register_distribution(
    'langgraph.store_vectors', 'distributed', 'the embeddings of store items, beside their items',
    p_column => 'root', p_colocate_with => 'langgraph.store'
);
