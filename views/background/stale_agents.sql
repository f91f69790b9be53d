-- background.stale_agents: running agents silent for more than two heartbeat intervals
-- ({{ background_heartbeat_interval_seconds }} s each), from agents.last_heartbeat_at alone (no heartbeat
-- history is read; idx_agents_state finds the running agents). Not in the spec:
-- its "Alert if > 2 consecutive misses" as a query. background.mark_stale_agents acts on the same rule.

CREATE OR REPLACE VIEW background.stale_agents AS
SELECT
    a.agent_id,
    a.state,
    a.started_at,
    a.last_heartbeat_at,
    now() - coalesce(a.last_heartbeat_at, a.started_at, a.created_at) AS silent_for
FROM background.agents AS a
WHERE a.state = 'running'
  AND coalesce(a.last_heartbeat_at, a.started_at, a.created_at)
      < now() - make_interval(secs => 2 * {{ background_heartbeat_interval_seconds }});

COMMENT ON VIEW background.stale_agents IS
'Running agents whose last heartbeat (or start) is older than two heartbeat intervals, with how long they have been silent.';
