-- langgraph.checkpoint_history and checkpoint_at(): a thread's state history in SQL (what
-- graph.get_state_history() lists), and time travel by time: the checkpoint a thread was at, at a
-- given instant. A checkpoint_id it returns is what RunnableConfig["configurable"]["checkpoint_id"]
-- takes to restore or fork that state (graph.get_state / invoke with that config).

CREATE OR REPLACE VIEW langgraph.checkpoint_history AS
SELECT
    c.thread_id,
    c.checkpoint_ns,
    c.checkpoint_id,
    c.parent_checkpoint_id,
    c.created_at,
    c.metadata ->> 'source' AS source,
    (c.metadata ->> 'step')::integer AS step,
    c.metadata ->> 'run_id' AS run_id,
    ARRAY(
        SELECT k.key FROM jsonb_object_keys(c.checkpoint -> 'channel_versions') AS k (key)
        ORDER BY k.key
    ) AS channels,
    c.checkpoint -> 'updated_channels' AS updated_channels,
    (SELECT count(*) FROM langgraph.checkpoint_writes AS w
     WHERE w.thread_id = c.thread_id AND w.thread_created_at = c.thread_created_at
       AND w.checkpoint_ns = c.checkpoint_ns AND w.checkpoint_id = c.checkpoint_id) AS pending_writes,
    c.metadata
FROM langgraph.checkpoints AS c;

COMMENT ON VIEW langgraph.checkpoint_history IS
'Every checkpoint with its time, source (input, loop, update, fork), step, run, channels and pending
writes: SELECT * FROM langgraph.checkpoint_history WHERE thread_id = ... ORDER BY checkpoint_id DESC.';

CREATE OR REPLACE FUNCTION langgraph.checkpoint_at(
    p_thread_id text, p_at timestamptz, p_checkpoint_ns text DEFAULT ''
)
RETURNS SETOF langgraph.checkpoint_history
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.* FROM langgraph.checkpoint_history AS h
    WHERE h.thread_id = p_thread_id AND h.checkpoint_ns = coalesce(p_checkpoint_ns, '') AND h.created_at <= p_at
    ORDER BY h.checkpoint_id DESC
    LIMIT 1
$$;

COMMENT ON FUNCTION langgraph.checkpoint_at(text, timestamptz, text) IS
'Time travel by time: the newest checkpoint of a thread''s namespace taken at or before p_at (no row
when the thread had none yet, or the ones before p_at were pruned).';

REVOKE ALL ON FUNCTION langgraph.checkpoint_at(text, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION langgraph.checkpoint_at(text, timestamptz, text) TO {{ app_role }}, {{ readonly_role }};
