-- langgraph: checkpoints, their channel blobs and the pending writes of their tasks, in the shape
-- langgraph-checkpoint-postgres gives them (checkpoint jsonb with primitive channel values inline,
-- other values serialized per channel version, writes per task and index), plus:
--   thread_created_at  the thread's created_at (langgraph.threads): the RANGE partition key, monthly
--                      partitions made by core's partition manager (partitions/langgraph/), so a
--                      thread lives in one partition and a month of idle threads is one DROP;
--   created_at         the checkpoint's own time (its ts), for time travel by time.
-- The tables are written only through the langgraph functions (SECURITY DEFINER), which keep every
-- row's thread_created_at equal to its thread's; the application role reads them directly.

CREATE TABLE langgraph.checkpoints (
    thread_id text NOT NULL,
    checkpoint_ns text NOT NULL DEFAULT '',
    checkpoint_id text NOT NULL,
    parent_checkpoint_id text,
    checkpoint jsonb NOT NULL CHECK (jsonb_typeof(checkpoint) = 'object'),
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at timestamptz NOT NULL,
    thread_created_at timestamptz NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, thread_created_at)
) PARTITION BY RANGE (thread_created_at);

COMMENT ON TABLE langgraph.checkpoints IS
'LangGraph checkpoints (one per super-step), partitioned by the month their thread started.';
COMMENT ON COLUMN langgraph.checkpoints.checkpoint IS
'The checkpoint without its non-primitive channel values (those are in checkpoint_blobs, by
channel_versions); primitive values (None, str, int, float, bool) stay inline, as PostgresSaver keeps them.';
COMMENT ON COLUMN langgraph.checkpoints.metadata IS
'CheckpointMetadata (source, step, parents, run_id, counters_since_delta_snapshot, user keys).';
COMMENT ON COLUMN langgraph.checkpoints.created_at IS 'The checkpoint''s ts: what time travel by time reads.';
COMMENT ON COLUMN langgraph.checkpoints.thread_created_at IS 'Partition key: langgraph.threads.created_at.';

-- delete_for_runs finds a run's checkpoints in every thread.
CREATE INDEX checkpoints_run_id ON langgraph.checkpoints ((metadata ->> 'run_id')) WHERE metadata ? 'run_id';

CREATE TABLE langgraph.checkpoint_blobs (
    thread_id text NOT NULL,
    checkpoint_ns text NOT NULL DEFAULT '',
    channel text NOT NULL,
    version text NOT NULL,
    type text NOT NULL,
    blob bytea,
    thread_created_at timestamptz NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version, thread_created_at)
) PARTITION BY RANGE (thread_created_at);

COMMENT ON TABLE langgraph.checkpoint_blobs IS
'Serialized channel values, one per channel version (a checkpoint reads the versions its
channel_versions name); type ''empty'' with a NULL blob marks a channel without a value.';
COMMENT ON COLUMN langgraph.checkpoint_blobs.type IS 'The serializer''s type tag (msgpack, json, bytes, empty, ...).';

CREATE TABLE langgraph.checkpoint_writes (
    thread_id text NOT NULL,
    checkpoint_ns text NOT NULL DEFAULT '',
    checkpoint_id text NOT NULL,
    task_id text NOT NULL,
    task_path text NOT NULL DEFAULT '',
    idx integer NOT NULL,
    channel text NOT NULL,
    type text,
    blob bytea NOT NULL,
    thread_created_at timestamptz NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, thread_created_at)
) PARTITION BY RANGE (thread_created_at);

COMMENT ON TABLE langgraph.checkpoint_writes IS
'Pending writes of a checkpoint''s tasks (put_writes); special channels (__error__, __scheduled__,
__interrupt__, __resume__) have negative idx and are replaced, the others are kept as first written.';

-- Closed to direct writes: the functions keep thread_created_at equal to the thread's.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON langgraph.threads, langgraph.checkpoints, langgraph.checkpoint_blobs,
    langgraph.checkpoint_writes FROM {{ app_role }};
