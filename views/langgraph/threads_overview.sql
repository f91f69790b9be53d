-- langgraph.threads_overview: one row per thread with its checkpoint count, namespaces, pending writes,
-- storage (bytes of its checkpoints, blobs and writes), last activity and when retention removes it.
-- Each figure is a lateral subquery on the thread's own rows (one partition), so
-- `WHERE thread_id = ...` reads one thread; the whole view reads every row (a report, not a hot path).

CREATE OR REPLACE VIEW langgraph.threads_overview AS
SELECT
    t.thread_id,
    t.created_at,
    t.last_activity_at,
    c.checkpoints,
    c.namespaces,
    w.writes,
    b.blobs,
    coalesce(c.bytes, 0) + coalesce(w.bytes, 0) + coalesce(b.bytes, 0) AS total_bytes,
    t.last_activity_at + make_interval(days => {{ langgraph_thread_ttl_days }}) AS expires_at,
    t.capped_at
FROM langgraph.threads AS t
CROSS JOIN LATERAL (
    SELECT
        count(*) AS checkpoints,
        count(DISTINCT x.checkpoint_ns) AS namespaces,
        sum(pg_column_size(x.*)) AS bytes
    FROM langgraph.checkpoints AS x
    WHERE x.thread_id = t.thread_id AND x.thread_created_at = t.created_at
) AS c
CROSS JOIN LATERAL (
    SELECT
        count(*) AS writes,
        sum(pg_column_size(x.*)) AS bytes
    FROM langgraph.checkpoint_writes AS x
    WHERE x.thread_id = t.thread_id AND x.thread_created_at = t.created_at
) AS w
CROSS JOIN LATERAL (
    SELECT
        count(*) AS blobs,
        sum(pg_column_size(x.*)) AS bytes
    FROM langgraph.checkpoint_blobs AS x
    WHERE x.thread_id = t.thread_id AND x.thread_created_at = t.created_at
) AS b;

COMMENT ON VIEW langgraph.threads_overview IS
'LangGraph threads with their checkpoint count, namespaces, pending writes, blobs, total_bytes (row
sizes of all three), last activity and expires_at (when retention removes the thread if idle till then).';
