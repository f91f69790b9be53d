-- langgraph: checkpoints, blobs and writes in monthly partitions of their thread's start
-- (thread_created_at), made ahead by core's partition manager with a default partition. Retention is
-- not core's by age here: langgraph.apply_retention() drops a month's partitions once every thread
-- that started in it is idle past the TTL, and deletes idle threads row by row otherwise.

SELECT core.register_partitioned_table(t.parent, p_interval => 'month', p_premake => 3)
FROM (VALUES ('langgraph.checkpoints'::regclass), ('langgraph.checkpoint_blobs'), ('langgraph.checkpoint_writes'))
AS t (parent);
