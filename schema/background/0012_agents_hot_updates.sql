-- dbctl:no-transaction
-- background: every heartbeat moves its agent's last_heartbeat_at (functions/background/agent_triggers.sql),
-- a thousand updates a second for a fleet of a thousand agents beating each second. An index on that
-- column makes each of them a new row version in every index of agents (no HOT update), so the table's
-- indexes grow with every heartbeat and every foreign-key check of a heartbeat or metric walks dead
-- entries. Stale-agent detection (running agents by last heartbeat) reads the running agents through
-- idx_agents_state instead, and agents' pages keep room for the new versions (HOT needs free space on
-- the row's own page). Outside a transaction: the index goes CONCURRENTLY, so agents keep beating;
-- each statement may run again should the file stop half way.

DROP INDEX CONCURRENTLY IF EXISTS background.agents_running_last_heartbeat;

ALTER TABLE background.agents SET (fillfactor = 50);
