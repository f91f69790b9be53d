-- langgraph.threads: one row per LangGraph thread. Its created_at is the partition key every row of
-- the thread carries (so a thread lives in one partition of each table), its last_activity_at what
-- retention reads (threads idle longer than {{ langgraph_thread_ttl_days }} days are removed).

CREATE TABLE langgraph.threads (
    thread_id text PRIMARY KEY CHECK (thread_id <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    capped_at timestamptz,
    CONSTRAINT threads_activity_after_creation CHECK (last_activity_at >= created_at)
);

COMMENT ON TABLE langgraph.threads IS
'LangGraph threads: created on the first checkpoint or write, touched by every checkpoint put. Written
only through the langgraph functions (the application role reads it).';
COMMENT ON COLUMN langgraph.threads.thread_id IS 'The thread_id of RunnableConfig["configurable"].';
COMMENT ON COLUMN langgraph.threads.created_at IS
'When the thread was first written: the partition key of its checkpoints, blobs and writes.';
COMMENT ON COLUMN langgraph.threads.last_activity_at IS
'The last checkpoint put (or copy) of the thread; retention removes threads idle past the TTL.';
COMMENT ON COLUMN langgraph.threads.capped_at IS
'When maintenance last applied the history cap to the thread (NULL: never).';

-- Retention decides month by month: which threads started in a month, and are they all idle?
CREATE INDEX threads_created_at ON langgraph.threads (created_at);
