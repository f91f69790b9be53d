-- dbctl:no-transaction
-- background: the spec's "Active Agents" (running agents by started_at, with agent_id and state) read
-- from one small index in its order: no heap page of agents (kept at fillfactor 50, so twice the pages)
-- and no sort. Partial on state = 'running': a heartbeat's update of its agent changes neither state
-- nor started_at, so it stays a HOT update (schema 0012). Outside a transaction: the index is built
-- CONCURRENTLY, so agents keep beating; the statement may run again should the file stop half way.

CREATE INDEX CONCURRENTLY IF NOT EXISTS agents_running_started_at
ON background.agents (started_at) INCLUDE (agent_id, state)
WHERE state = 'running';

COMMENT ON INDEX background.agents_running_started_at IS
'Running agents in started_at order, covering the spec''s Active Agents query (an index-only scan, no sort).';
